/** The body reader and its watchdog over real Node streams. */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';

import { readSse, SseStopped } from '../../nodes/common/sse/reader';
import { startWatchdog } from '../../nodes/common/sse/watchdog';

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

describe('a connection that closes mid-reply while the handler is still busy', () => {
	// Real loopback HTTP. The server writes the first event; once the handler holds it, the server writes four
	// more, waits until each has reached its socket, and sends FIN without the chunked terminator. The handler
	// keeps holding the first event until the client has seen the connection break, so the other four have
	// certainly arrived and have not been read when the break is reported: what the reader must still
	// deliver, whatever the machine's load.
	let server: http.Server;
	let port = 0;
	let firstHeld: () => void = () => {};
	beforeAll(async () => {
		server = http.createServer(async (_request, response) => {
			const write = (text: string) => new Promise<void>((resolve) => response.write(text, () => resolve()));
			const held = new Promise<void>((resolve) => (firstHeld = resolve));
			response.writeHead(200, { 'content-type': 'text/event-stream' });
			await write('data: tok0\n\n');
			await held;
			for (let i = 1; i < 5; i++) await write(`data: tok${i}\n\n`);
			response.socket?.end();
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		port = (server.address() as AddressInfo).port;
	});
	afterAll(async () => {
		await new Promise((resolve) => server.close(resolve));
	});

	const get = () =>
		new Promise<http.IncomingMessage>((resolve, reject) => {
			http.get({ host: '127.0.0.1', port, agent: false }, resolve).on('error', reject);
		});

	/** A handler that holds the first event until the connection broke; `stopAt` plays the terminal event. */
	async function readHoldingTheFirstEvent(stopAt?: string) {
		const body = await get();
		const broken = new Promise<void>((resolve) => body.once('error', () => resolve()));
		const seen: string[] = [];
		const result = await readSse(body, async (message) => {
			if (seen.length === 0) {
				firstHeld();
				await broken;
			}
			seen.push(message.data);
			return message.data === stopAt ? 'stop' : undefined;
		});
		return { seen, result };
	}

	test('every event that arrived is delivered before the early end is reported', async () => {
		const { seen, result } = await readHoldingTheFirstEvent();
		expect(seen).toEqual(['tok0', 'tok1', 'tok2', 'tok3', 'tok4']);
		expect(result).toMatchObject({ finished: false, endedBy: 'ECONNRESET' });
	});

	test('a terminal event among the unread bytes still finishes the reply', async () => {
		const { seen, result } = await readHoldingTheFirstEvent('tok3');
		expect(seen).toEqual(['tok0', 'tok1', 'tok2', 'tok3']);
		expect(result).toMatchObject({ finished: true });
	});
});
