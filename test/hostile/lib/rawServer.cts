/**
 * A raw TCP server on 127.0.0.1 that speaks HTTP/1.1 only as far as a script says: it reads each request
 * (head, then a Content-Length or chunked body) and answers with the steps the script returns for it — raw
 * bytes, split or delayed, a finite or endless stream, a clean close or a reset, or nothing at all.
 *
 * It records what a test needs to judge the client: every connection, the requests that came on it (in
 * order), how many bytes the server handed to the socket, and whether the client closed it (and how many
 * bytes had been sent by then). Nothing is timed by the wall clock except the scripted delays, which the
 * server clears on close, so no timer outlives it.
 *
 * An endless stream writes as fast as the client reads (it waits for 'drain'), so the bytes it managed to
 * send before the client closed are a measure of how long the client kept reading. A safety cap ends it
 * with a reset, so a client that never stops cannot take the test process down; the record says so.
 */
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';

/** One thing the server does while answering. Strings are written as latin1, so any byte can be scripted. */
export type Step =
	| { write: string | Buffer }
	/** Waits this many milliseconds before the next step (to split an answer over several TCP segments). */
	| { delay: number }
	/** `unit` written over and over until `totalBytes` are sent (the last copy cut short), or the client closed. */
	| { repeat: string | Buffer; totalBytes: number }
	/** `unit` written over and over until the client closes (or the safety cap: then a reset). */
	| { endless: string | Buffer }
	/** A clean close (FIN) once everything written has been flushed. */
	| { close: true }
	/** A reset (RST), dropping whatever was not sent. */
	| { reset: true }
	/** Nothing more: the connection stays open and no later request on it is answered. */
	| { hold: true };

export interface RawRequest {
	/** The connection's id (1, 2, ... in accept order). */
	connection: number;
	/** 0 for the first request on its connection. */
	indexOnConnection: number;
	method: string;
	/** The request target's path, without the query. */
	path: string;
	/** The request target as sent (path and query). */
	target: string;
	/** Lower-case names; a repeated header keeps its last value. */
	headers: Record<string, string>;
	body: Buffer;
}

export interface ConnectionRecord {
	id: number;
	requests: RawRequest[];
	/** Bytes handed to the socket so far. */
	bytesSent: number;
	/** The client closed (FIN or reset) before the server did. */
	closedByClient: boolean;
	/** `bytesSent` when the client's close was seen. */
	bytesSentWhenClientClosed?: number;
	closed: boolean;
	/** An endless stream reached the safety cap and was reset. */
	capped: boolean;
}

/** What to do for a request; `connection` is its connection's live record. */
export type Script = (request: RawRequest, connection: ConnectionRecord) => Step[];

export interface RawServerOptions {
	/** Steps written on every new connection as soon as it is accepted, before any request arrives. */
	onConnect?: (connection: ConnectionRecord) => Step[];
	/** Bytes one endless stream may send before the server gives up and resets (default 512 MiB). */
	safetyCapBytes?: number;
}

export interface RawServer {
	url: string;
	port: number;
	connections: ConnectionRecord[];
	/** Every request, in arrival order. */
	requests: RawRequest[];
	/** Replaced by a test at will; answers each request. */
	script: Script;
	/** Replaced by a test at will. */
	onConnect: RawServerOptions['onConnect'];
	/** Bytes sent over all connections. */
	readonly bytesSent: number;
	/** Forgets the records (connections stay open). */
	resetRecords(): void;
	/** Resolves once every connection is closed, or after `ms` (a client that keeps one open is the test's finding). */
	idle(ms: number): Promise<void>;
	close(): Promise<void>;
}

const DEFAULT_SAFETY_CAP = 512 * 1024 * 1024;
/** Endless and repeated units are batched into writes of about this size. */
const BATCH_BYTES = 64 * 1024;
/** A request head larger than this is a broken client: the connection is dropped. */
const MAX_REQUEST_HEAD = 64 * 1024;

function bytes(data: string | Buffer): Buffer {
	return typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
}

/** `unit` repeated to about BATCH_BYTES, so an endless stream is not one write per tiny unit. */
function batchOf(unit: Buffer): Buffer {
	if (unit.length >= BATCH_BYTES) return unit;
	return Buffer.concat(Array.from({ length: Math.ceil(BATCH_BYTES / unit.length) }, () => unit));
}

/** Parses requests from one connection's bytes (Content-Length or chunked bodies). */
class RequestReader {
	private buffer = Buffer.alloc(0);

	private count = 0;

	constructor(private readonly connection: number) {}

	/** Feeds bytes; returns the requests they completed. Throws on bytes no HTTP client sends. */
	push(data: Buffer): RawRequest[] {
		this.buffer = Buffer.concat([this.buffer, data]);
		const out: RawRequest[] = [];
		for (;;) {
			const end = this.buffer.indexOf('\r\n\r\n');
			if (end < 0) {
				if (this.buffer.length > MAX_REQUEST_HEAD) throw new Error('request head too large');
				return out;
			}
			const lines = this.buffer.toString('latin1', 0, end).split('\r\n');
			const [method, target] = lines[0].split(' ');
			const headers: Record<string, string> = {};
			for (const line of lines.slice(1)) {
				const colon = line.indexOf(':');
				if (colon > 0)
					headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
			}
			let rest = this.buffer.subarray(end + 4);
			let body: Buffer;
			if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
				const parsed = dechunk(rest);
				if (!parsed) return out;
				body = parsed.body;
				rest = rest.subarray(parsed.consumed);
			} else {
				const length = Number(headers['content-length'] ?? 0);
				if (rest.length < length) return out;
				body = Buffer.from(rest.subarray(0, length));
				rest = rest.subarray(length);
			}
			this.buffer = Buffer.from(rest);
			out.push({
				connection: this.connection,
				indexOnConnection: this.count++,
				method,
				path: target.split('?')[0],
				target,
				headers,
				body,
			});
		}
	}
}

/** A complete chunked body at the start of `data`, or undefined while it is incomplete. */
function dechunk(data: Buffer): { body: Buffer; consumed: number } | undefined {
	const parts: Buffer[] = [];
	let at = 0;
	for (;;) {
		const lineEnd = data.indexOf('\r\n', at);
		if (lineEnd < 0) return undefined;
		const size = parseInt(data.toString('latin1', at, lineEnd), 16);
		if (!Number.isFinite(size)) throw new Error('bad chunk size in a request');
		at = lineEnd + 2;
		if (size === 0) {
			const trailerEnd = data.indexOf('\r\n', at);
			if (trailerEnd < 0) return undefined;
			return { body: Buffer.concat(parts), consumed: trailerEnd + 2 };
		}
		if (data.length < at + size + 2) return undefined;
		parts.push(data.subarray(at, at + size));
		at += size + 2;
	}
}

export async function startRawServer(
	initialScript: Script,
	options: RawServerOptions = {},
): Promise<RawServer> {
	const safetyCap = options.safetyCapBytes ?? DEFAULT_SAFETY_CAP;
	const sockets = new Set<net.Socket>();
	const timers = new Set<NodeJS.Timeout>();
	let connections: ConnectionRecord[] = [];
	let requests: RawRequest[] = [];
	let nextId = 1;
	const idleWaiters = new Set<() => void>();

	const wait = (ms: number, socket: net.Socket) =>
		new Promise<void>((resolve) => {
			if (socket.destroyed) return resolve();
			const timer = setTimeout(() => {
				timers.delete(timer);
				socket.off('close', done);
				resolve();
			}, ms);
			const done = () => {
				clearTimeout(timer);
				timers.delete(timer);
				resolve();
			};
			timers.add(timer);
			socket.once('close', done);
		});

	/** Writes and waits for room (or the close); false once the socket is gone. */
	const write = async (
		socket: net.Socket,
		record: ConnectionRecord,
		data: Buffer,
	): Promise<boolean> => {
		if (socket.destroyed || socket.writableEnded) return false;
		record.bytesSent += data.length;
		if (socket.write(data)) return true;
		await new Promise<void>((resolve) => {
			const done = () => {
				socket.off('drain', done).off('close', done);
				resolve();
			};
			socket.on('drain', done).on('close', done);
		});
		return !socket.destroyed;
	};

	/** Runs steps in order; resolves when they are done or the connection is gone. Returns false after close/reset/hold. */
	const run = async (
		socket: net.Socket,
		record: ConnectionRecord,
		steps: Step[],
		closing: () => void,
	): Promise<boolean> => {
		for (const step of steps) {
			if (socket.destroyed) return false;
			if ('write' in step) {
				if (!(await write(socket, record, bytes(step.write)))) return false;
			} else if ('delay' in step) {
				await wait(step.delay, socket);
			} else if ('repeat' in step) {
				const batch = batchOf(bytes(step.repeat));
				let left = step.totalBytes;
				while (left > 0) {
					const piece = left >= batch.length ? batch : batch.subarray(0, left);
					if (!(await write(socket, record, piece))) return false;
					left -= piece.length;
				}
			} else if ('endless' in step) {
				const batch = batchOf(bytes(step.endless));
				while (record.bytesSent < safetyCap) {
					if (!(await write(socket, record, batch))) return false;
				}
				record.capped = true;
				closing();
				socket.resetAndDestroy();
				return false;
			} else if ('close' in step) {
				closing();
				socket.end();
				return false;
			} else if ('reset' in step) {
				closing();
				socket.resetAndDestroy();
				return false;
			} else if ('hold' in step) {
				return false;
			}
		}
		return true;
	};

	const server = net.createServer((socket) => {
		sockets.add(socket);
		const record: ConnectionRecord = {
			id: nextId++,
			requests: [],
			bytesSent: 0,
			closedByClient: false,
			closed: false,
			capped: false,
		};
		connections.push(record);
		const reader = new RequestReader(record.id);
		// Requests are answered one after another, in order; `open` turns false after a close, reset or hold.
		let open = true;
		/** The script closed or reset it: a close seen afterwards is not the client's. */
		let closedByServer = false;
		let queue: Promise<void> = Promise.resolve();
		const clientClosed = () => {
			if (record.closed || record.closedByClient || closedByServer) return;
			record.closedByClient = true;
			record.bytesSentWhenClientClosed = record.bytesSent;
		};
		socket.on('end', clientClosed);
		socket.on('error', clientClosed);
		socket.on('close', () => {
			clientClosed();
			record.closed = true;
			sockets.delete(socket);
			if (sockets.size === 0) for (const resolve of [...idleWaiters]) resolve();
		});
		const answer = (steps: Step[]) => {
			queue = queue.then(async () => {
				if (open && !socket.destroyed)
					open = await run(socket, record, steps, () => (closedByServer = true));
			});
		};
		if (api.onConnect) answer(api.onConnect(record));
		socket.on('data', (data: Buffer) => {
			let complete: RawRequest[];
			try {
				complete = reader.push(data);
			} catch {
				socket.destroy();
				return;
			}
			for (const request of complete) {
				record.requests.push(request);
				requests.push(request);
				answer(api.script(request, record));
			}
		});
	});

	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;

	const api: RawServer = {
		url: `http://127.0.0.1:${port}`,
		port,
		get connections() {
			return connections;
		},
		get requests() {
			return requests;
		},
		script: initialScript,
		onConnect: options.onConnect,
		get bytesSent() {
			return connections.reduce((sum, connection) => sum + connection.bytesSent, 0);
		},
		resetRecords() {
			connections = [];
			requests = [];
		},
		idle(ms) {
			if (sockets.size === 0) return Promise.resolve();
			return new Promise<void>((resolve) => {
				const done = () => {
					clearTimeout(timer);
					idleWaiters.delete(done);
					resolve();
				};
				const timer = setTimeout(done, ms);
				idleWaiters.add(done);
			});
		},
		async close() {
			for (const timer of timers) clearTimeout(timer);
			timers.clear();
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
	return api;
}
