/** The body reader and its watchdog over web streams, and over real fetch bodies from a loopback server. */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

import { readSse } from '../../nodes/common/sse/reader';
import { startWatchdog } from '../../nodes/common/sse/watchdog';

/** A body the test writes to, as a fetch body is: a ReadableStream of bytes. */
function pushBody() {
	let controller!: ReadableStreamDefaultController<Uint8Array>;
	let cancelled = false;
	const stream = new ReadableStream<Uint8Array>({
		start: (c) => {
			controller = c;
		},
		cancel: () => {
			cancelled = true;
		},
	});
	return {
		stream,
		write: (text: string) => controller.enqueue(new TextEncoder().encode(text)),
		end: () => controller.close(),
		fail: (error: unknown) => controller.error(error),
		get cancelled() {
			return cancelled;
		},
	};
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('delivers in order, awaiting an async handler before the next message, and stops at the terminal event', async () => {
	const body = pushBody();
	const seen: string[] = [];
	const reading = readSse(body.stream, async (message) => {
		await tick();
		seen.push(message.data);
		return message.data === 'end' ? 'stop' : undefined;
	});
	body.write('data: 1\n\ndata: 2\n\n');
	body.write('data: end\n\ndata: after\n\n');
	expect(await reading).toMatchObject({ outcome: 'finished' });
	expect(seen).toEqual(['1', '2', 'end']);
	body.end();
});

test('a body that ends without the terminal event reports it ended', async () => {
	const body = pushBody();
	const reading = readSse(body.stream, () => undefined);
	body.write('data: 1\n\n');
	body.end();
	expect(await reading).toMatchObject({ outcome: 'ended', endedBy: 'end', bytes: 9 });
});

test('a body that breaks reports the error code, after delivering complete events', async () => {
	const body = pushBody();
	const seen: string[] = [];
	const reading = readSse(body.stream, (message) => {
		seen.push(message.data);
	});
	body.write('data: 1\n\ndata: 2');
	await tick();
	body.fail(
		Object.assign(new TypeError('terminated'), {
			cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
		}),
	);
	expect(await reading).toMatchObject({ outcome: 'ended', endedBy: 'ECONNRESET' });
	expect(seen).toEqual(['1']);
});

test('an event past the size limit ends the read with the limit, and the body is cancelled', async () => {
	const body = pushBody();
	const reading = readSse(body.stream, () => undefined, { maxEventChars: 100 });
	body.write(`data: ${'x'.repeat(200)}`);
	expect(await reading).toMatchObject({ outcome: 'overflow', limit: 100 });
	expect(body.cancelled).toBe(true);
});

test('the idle watchdog stops a silent stream, and says why', async () => {
	const body = pushBody();
	const watchdog = startWatchdog({ idleMs: 30, overallMs: 0 });
	const reading = readSse(body.stream, () => undefined, {
		signal: watchdog.signal,
		onBytes: watchdog.touch,
	});
	body.write('data: 1\n\n');
	expect(await reading).toMatchObject({ outcome: 'stopped' });
	expect(watchdog.reason).toBe('idle');
	expect(body.cancelled).toBe(true);
	watchdog.dispose();
});

test('bytes keep the idle watchdog from firing; the overall one fires anyway', async () => {
	const body = pushBody();
	const watchdog = startWatchdog({ idleMs: 200, overallMs: 120 });
	const reading = readSse(body.stream, () => undefined, {
		signal: watchdog.signal,
		onBytes: watchdog.touch,
	});
	const ticker = setInterval(() => body.write(': ping\n\n'), 10);
	expect(await reading).toMatchObject({ outcome: 'stopped' });
	clearInterval(ticker);
	expect(watchdog.reason).toBe('overall');
	watchdog.dispose();
});

test('cancelling the parent signal stops at once, even while the handler waits on nothing', async () => {
	const parent = new AbortController();
	const body = pushBody();
	const watchdog = startWatchdog({ idleMs: 0, overallMs: 0, parent: parent.signal });
	const reading = readSse(body.stream, () => undefined, { signal: watchdog.signal });
	body.write('data: 1\n\n');
	setImmediate(() => parent.abort());
	expect(await reading).toMatchObject({ outcome: 'stopped' });
	expect(watchdog.reason).toBe('cancelled');
	expect(body.cancelled).toBe(true);
	watchdog.dispose();
});

test('a disposed watchdog never fires', async () => {
	const watchdog = startWatchdog({ idleMs: 20, overallMs: 30 });
	watchdog.dispose();
	await new Promise((resolve) => setTimeout(resolve, 80));
	expect(watchdog.reason).toBeUndefined();
	expect(watchdog.signal.aborted).toBe(false);
});

describe('a fetch body whose connection closes mid-reply while the handler is still busy', () => {
	// Real loopback HTTP and Node's fetch. The server writes the first event; once the handler holds it, the
	// server writes four more, waits until each has reached its socket, and sends FIN without the chunked
	// terminator. A web stream that errors drops what it had queued and not yet read, so the handler keeps
	// holding the first event until the connection broke: the other four arrived and were not handled when
	// the break happened, and the reader must still deliver them, whatever the machine's load.
	let server: http.Server;
	let port = 0;
	let firstHeld: () => void = () => {};
	let broken: () => void = () => {};
	beforeAll(async () => {
		server = http.createServer(async (_request, response) => {
			const write = (text: string) =>
				new Promise<void>((resolve) => response.write(text, () => resolve()));
			const held = new Promise<void>((resolve) => (firstHeld = resolve));
			response.writeHead(200, { 'content-type': 'text/event-stream' });
			await write('data: tok0\n\n');
			await held;
			for (let i = 1; i < 5; i++) await write(`data: tok${i}\n\n`);
			// The socket closes once the client answered the FIN: the client has seen the break by then.
			response.socket?.once('close', () => broken());
			response.socket?.end();
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		port = (server.address() as AddressInfo).port;
	});
	afterAll(async () => {
		await new Promise((resolve) => server.close(resolve));
	});

	/** A handler that holds the first event until the connection broke; `stopAt` plays the terminal event. */
	async function readHoldingTheFirstEvent(stopAt?: string) {
		const response = await fetch(`http://127.0.0.1:${port}/`);
		const closed = new Promise<void>((resolve) => (broken = resolve));
		const seen: string[] = [];
		const result = await readSse(response.body!, async (message) => {
			if (seen.length === 0) {
				firstHeld();
				await closed;
			}
			seen.push(message.data);
			return message.data === stopAt ? 'stop' : undefined;
		});
		return { seen, result };
	}

	test('every event that arrived is delivered before the early end is reported', async () => {
		const { seen, result } = await readHoldingTheFirstEvent();
		expect(seen).toEqual(['tok0', 'tok1', 'tok2', 'tok3', 'tok4']);
		expect(result).toMatchObject({ outcome: 'ended', endedBy: 'ECONNRESET' });
	});

	test('a terminal event among the unread bytes still finishes the reply', async () => {
		const { seen, result } = await readHoldingTheFirstEvent('tok3');
		expect(seen).toEqual(['tok0', 'tok1', 'tok2', 'tok3']);
		expect(result).toMatchObject({ outcome: 'finished' });
	});
});
