/** The body reader and its watchdog over real Node streams. */
import { PassThrough } from 'node:stream';

import { readSse, SseStopped } from '../../nodes/shared/sse/reader';
import { startWatchdog } from '../../nodes/shared/sse/watchdog';

test('delivers in order, awaiting an async handler before reading on, and stops at the terminal event', async () => {
	const body = new PassThrough();
	const seen: string[] = [];
	const reading = readSse(body, async (message) => {
		await new Promise((resolve) => setImmediate(resolve));
		seen.push(message.data);
		return message.data === 'end' ? 'stop' : undefined;
	});
	body.write('data: 1\n\ndata: 2\n\n');
	body.write('data: end\n\ndata: after\n\n');
	const result = await reading;
	expect(result).toMatchObject({ finished: true });
	expect(seen).toEqual(['1', '2', 'end']);
	body.end();
});

test('a body that ends without the terminal event reports finished: false', async () => {
	const body = new PassThrough();
	const reading = readSse(body, () => undefined);
	body.end('data: 1\n\n');
	expect(await reading).toMatchObject({ finished: false, endedBy: 'end', bytes: 9 });
});

test('a body that breaks reports the error code, after delivering complete events', async () => {
	const body = new PassThrough();
	const seen: string[] = [];
	const reading = readSse(body, (message) => {
		seen.push(message.data);
	});
	body.write('data: 1\n\ndata: 2');
	setImmediate(() => body.destroy(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })));
	expect(await reading).toMatchObject({ finished: false, endedBy: 'ECONNRESET' });
	expect(seen).toEqual(['1']);
});

test('the idle watchdog stops a silent stream, and says why', async () => {
	const body = new PassThrough();
	const watchdog = startWatchdog({ idleMs: 30, overallMs: 0 });
	const reading = readSse(body, () => undefined, { signal: watchdog.signal, onBytes: watchdog.touch });
	body.write('data: 1\n\n');
	await expect(reading).rejects.toBeInstanceOf(SseStopped);
	expect(watchdog.reason).toBe('idle');
	expect(body.destroyed).toBe(true);
	watchdog.dispose();
});

test('bytes keep the idle watchdog from firing; the overall one fires anyway', async () => {
	const body = new PassThrough();
	const watchdog = startWatchdog({ idleMs: 200, overallMs: 120 });
	const reading = readSse(body, () => undefined, { signal: watchdog.signal, onBytes: watchdog.touch });
	const ticker = setInterval(() => body.write(': ping\n\n'), 10);
	await expect(reading).rejects.toBeInstanceOf(SseStopped);
	clearInterval(ticker);
	expect(watchdog.reason).toBe('overall');
	watchdog.dispose();
});

test('cancelling the parent signal stops at once', async () => {
	const parent = new AbortController();
	const body = new PassThrough();
	const watchdog = startWatchdog({ idleMs: 0, overallMs: 0, parent: parent.signal });
	const reading = readSse(body, () => undefined, { signal: watchdog.signal });
	body.write('data: 1\n\n');
	setImmediate(() => parent.abort());
	await expect(reading).rejects.toBeInstanceOf(SseStopped);
	expect(watchdog.reason).toBe('cancelled');
	expect(body.destroyed).toBe(true);
	watchdog.dispose();
});
