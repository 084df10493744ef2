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
 * Loopback only, and bounded: it forwards to one target given at start and closes everything on `close()`.
 */
import * as net from 'node:net';

export interface DelayProxy {
	/** Where clients connect: `127.0.0.1:<port>`. */
	host: string;
	port: number;
	/** Connections accepted since the start. */
	readonly connections: number;
	/** Connections open now. */
	readonly open: number;
	close(): Promise<void>;
}

export interface DelayProxyOptions {
	/** The server the proxy forwards to (on loopback). */
	target: { host: string; port: number };
	/** Delay added in each direction, ms; the round trip added is twice this. */
	oneWayMs: number;
}

/** One direction of one connection: chunks queued with the instant they may be handed on, in order. */
class DelayedLane {
	private readonly queue: Array<{ at: number; chunk: Buffer | 'end' }> = [];
	private timer: NodeJS.Timeout | undefined;
	/** Nothing goes out before this instant (the simulated TCP handshake, for the client's direction). */
	private notBefore = 0;

	constructor(
		private readonly to: net.Socket,
		private readonly oneWayMs: number,
	) {}

	holdUntil(at: number): void {
		this.notBefore = at;
	}

	push(chunk: Buffer | 'end'): void {
		// Never before the chunk queued ahead of it, so the order is kept whatever the timers do.
		const last = this.queue.length > 0 ? this.queue[this.queue.length - 1].at : 0;
		this.queue.push({ at: Math.max(performance.now() + this.oneWayMs, this.notBefore + this.oneWayMs, last), chunk });
		this.arm();
	}

	private arm(): void {
		if (this.timer || this.queue.length === 0) return;
		this.timer = setTimeout(() => {
			this.timer = undefined;
			this.flush();
		}, Math.max(0, this.queue[0].at - performance.now()));
	}

	private flush(): void {
		const now = performance.now();
		// Timers fire up to a millisecond early or late; anything due within 0.5 ms goes now.
		while (this.queue.length > 0 && this.queue[0].at <= now + 0.5) {
			const { chunk } = this.queue.shift()!;
			if (this.to.destroyed) {
				this.queue.length = 0;
				return;
			}
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

export async function startDelayProxy(options: DelayProxyOptions): Promise<DelayProxy> {
	const { target, oneWayMs } = options;
	const sockets = new Set<net.Socket>();
	const lanes = new Set<DelayedLane>();
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
		const toServer = new DelayedLane(upstream, oneWayMs);
		const toClient = new DelayedLane(client, oneWayMs);
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
		server.listen(0, '127.0.0.1', resolve);
	});
	const { port } = server.address() as net.AddressInfo;
	return {
		host: '127.0.0.1',
		port,
		get connections() {
			return connections;
		},
		get open() {
			return open;
		},
		async close() {
			for (const lane of lanes) lane.clear();
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}
