/**
 * A TCP proxy on loopback that makes a network of a given round-trip time out of loopback: every chunk is
 * handed on `oneWayMs` after it arrived, in each direction, in the order it arrived (so a 20 ms round trip
 * is 10 ms each way). It counts the connections it accepted: the connections the far side (the gateway)
 * saw, which is what a pool that keeps its connections across executions should keep low.
 *
 * TCP's own handshake cannot be delayed from user space (the kernel completes it at once on loopback), so
 * the client's first bytes on a new connection are held one more round trip: they arrive when they would
 * have if the SYN and SYN-ACK had crossed the delayed network first. A new connection therefore costs what
 * it costs on a real network (TCP's round trip, then whatever the client sends, TLS's handshake included).
 *
 * The bench runs it in a process of its own (`startDelayProxyProcess`): in the bench's process its timers
 * would wait for the simulator's and the TLS front's work, and that wait would count as network delay.
 * Timers have a resolution of 1 ms, so a chunk goes out within about half a millisecond of its due instant,
 * either side; the proxy measures how late it was (`lateMs`), so a bench can say what round trip it made.
 *
 * Loopback only, and bounded: it forwards to one target given at start and closes everything on `close()`.
 */
import { fork } from 'node:child_process';
import * as net from 'node:net';

export interface DelayProxyStats {
	/** Connections accepted since the start. */
	connections: number;
	/** Connections open now. */
	open: number;
	/** How late chunks went out against their due instant, ms (negative: early): mean and max, over both directions. */
	lateMs: { mean: number; max: number; chunks: number };
}

export interface DelayProxy {
	/** Where clients connect: `127.0.0.1:<port>`. */
	host: string;
	port: number;
	stats(): DelayProxyStats;
	close(): Promise<void>;
}

export interface DelayProxyOptions {
	/** The server the proxy forwards to (on loopback). */
	target: { host: string; port: number };
	/** Delay added in each direction, ms; the round trip added is twice this. */
	oneWayMs: number;
}

interface Lateness {
	sum: number;
	max: number;
	chunks: number;
}

const TIMER_LEAD_MS = 0.5;
const EARLY_MS = 0.5;

/** One direction of one connection: chunks queued with the instant they may be handed on, in order. */
class DelayedLane {
	private readonly queue: Array<{ at: number; chunk: Buffer | 'end' }> = [];
	private timer: NodeJS.Timeout | undefined;
	/** Nothing goes out before this instant (the simulated TCP handshake, for the client's direction). */
	private notBefore = 0;

	constructor(
		private readonly to: net.Socket,
		private readonly oneWayMs: number,
		private readonly lateness: Lateness,
	) {}

	holdUntil(at: number): void {
		this.notBefore = at;
	}

	push(chunk: Buffer | 'end'): void {
		// Never before the chunk queued ahead of it, so the order is kept whatever the timers do.
		const last = this.queue.length > 0 ? this.queue[this.queue.length - 1].at : 0;
		this.queue.push({
			at: Math.max(performance.now() + this.oneWayMs, this.notBefore + this.oneWayMs, last),
			chunk,
		});
		this.arm();
	}

	private arm(): void {
		if (this.timer || this.queue.length === 0) return;
		this.timer = setTimeout(
			() => {
				this.timer = undefined;
				this.flush();
			},
			Math.max(0, this.queue[0].at - performance.now() - TIMER_LEAD_MS),
		);
	}

	private flush(): void {
		const now = performance.now();
		// Timers fire late by up to about a millisecond (libuv's clock counts whole ms): the timer is set a bit
		// early, and what is due within EARLY_MS goes now, so chunks go out on time on average.
		while (this.queue.length > 0 && this.queue[0].at <= now + EARLY_MS) {
			const { at, chunk } = this.queue.shift()!;
			if (this.to.destroyed) {
				this.queue.length = 0;
				return;
			}
			const late = now - at;
			this.lateness.sum += late;
			this.lateness.max = Math.max(this.lateness.max, late);
			this.lateness.chunks++;
			if (chunk === 'end') this.to.end();
			else this.to.write(chunk);
		}
		this.arm();
	}

	clear(): void {
		if (this.timer) clearTimeout(this.timer);
		this.timer = undefined;
		this.queue.length = 0;
	}
}

/** The proxy in this process (the bench uses startDelayProxyProcess). */
export async function startDelayProxy(options: DelayProxyOptions): Promise<DelayProxy> {
	const { target, oneWayMs } = options;
	const sockets = new Set<net.Socket>();
	const lanes = new Set<DelayedLane>();
	const lateness: Lateness = { sum: 0, max: 0, chunks: 0 };
	let connections = 0;
	let open = 0;

	// Half-open allowed on both sides: an end is forwarded (delayed) like data, so a FIN from one side does not
	// close the other direction while its bytes are still on the way.
	const server = net.createServer({ allowHalfOpen: true }, (client) => {
		connections++;
		open++;
		const upstream = net.connect({ host: target.host, port: target.port, allowHalfOpen: true });
		client.setNoDelay(true);
		upstream.setNoDelay(true);
		for (const socket of [client, upstream]) {
			sockets.add(socket);
			socket.on('close', () => sockets.delete(socket));
		}
		const toServer = new DelayedLane(upstream, oneWayMs, lateness);
		const toClient = new DelayedLane(client, oneWayMs, lateness);
		lanes.add(toServer).add(toClient);
		// The SYN took oneWay to reach the server and the SYN-ACK oneWay to come back: only then could the
		// client have sent its first byte.
		toServer.holdUntil(performance.now() + 2 * oneWayMs);
		client.on('data', (chunk: Buffer) => toServer.push(chunk));
		upstream.on('data', (chunk: Buffer) => toClient.push(chunk));
		client.on('end', () => toServer.push('end'));
		upstream.on('end', () => toClient.push('end'));
		// A reset or an error is not delayed: it ends both sides, and whatever was still queued is dropped.
		let done = false;
		const teardown = () => {
			if (done) return;
			done = true;
			open--;
			toServer.clear();
			toClient.clear();
			lanes.delete(toServer);
			lanes.delete(toClient);
			client.destroy();
			upstream.destroy();
		};
		client.on('error', teardown);
		upstream.on('error', teardown);
		// Both directions closed (each after its delayed end): nothing is left to forward.
		let closed = 0;
		const onClose = () => {
			if (++closed === 2) teardown();
		};
		client.on('close', onClose);
		upstream.on('close', onClose);
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve);
	});
	const { port } = server.address() as net.AddressInfo;
	return {
		host: '127.0.0.1',
		port,
		stats: () => ({
			connections,
			open,
			lateMs: {
				mean: lateness.chunks ? lateness.sum / lateness.chunks : 0,
				max: lateness.max,
				chunks: lateness.chunks,
			},
		}),
		async close() {
			for (const lane of lanes) lane.clear();
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

/** The proxy in a child process of its own, asked for its counts over IPC. */
export interface DelayProxyProcess {
	host: string;
	port: number;
	stats(): Promise<DelayProxyStats>;
	close(): Promise<void>;
}

type ParentMessage = { kind: 'stats'; id: number } | { kind: 'close' };
type ChildMessage =
	| { kind: 'listening'; port: number }
	| { kind: 'stats'; id: number; stats: DelayProxyStats }
	| { kind: 'failed'; message: string };

export async function startDelayProxyProcess(
	options: DelayProxyOptions,
): Promise<DelayProxyProcess> {
	const child = fork(__filename, [JSON.stringify(options)], {
		stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
	});
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	const pending = new Map<number, (stats: DelayProxyStats) => void>();
	let nextId = 0;
	const port = await new Promise<number>((resolve, reject) => {
		child.on('message', (message: ChildMessage) => {
			if (message.kind === 'listening') resolve(message.port);
			else if (message.kind === 'failed')
				reject(new Error(`the delay proxy failed: ${message.message}`));
			else if (message.kind === 'stats') {
				pending.get(message.id)?.(message.stats);
				pending.delete(message.id);
			}
		});
		void exited.then(() => reject(new Error('the delay proxy process exited before listening')));
	});
	return {
		host: '127.0.0.1',
		port,
		stats: () =>
			new Promise<DelayProxyStats>((resolve, reject) => {
				const id = nextId++;
				pending.set(id, resolve);
				child.send(
					{ kind: 'stats', id } satisfies ParentMessage,
					(error) => error && reject(error),
				);
			}),
		async close() {
			if (child.exitCode !== null) return;
			child.send({ kind: 'close' } satisfies ParentMessage);
			const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
			await exited;
			clearTimeout(timer);
		},
	};
}

if (require.main === module) {
	const send = (message: ChildMessage) => process.send?.(message);
	startDelayProxy(JSON.parse(process.argv[2]) as DelayProxyOptions).then(
		(proxy) => {
			process.on('message', (message: ParentMessage) => {
				if (message.kind === 'stats') send({ kind: 'stats', id: message.id, stats: proxy.stats() });
				else void proxy.close().then(() => process.disconnect());
			});
			// The bench gone (crashed or killed): the proxy goes too.
			process.on('disconnect', () => void proxy.close().then(() => process.exit(0)));
			send({ kind: 'listening', port: proxy.port });
		},
		(error: unknown) => {
			send({ kind: 'failed', message: String(error) });
			process.exitCode = 1;
		},
	);
}
