/**
 * A keep-alive pool of HTTP/1.1 connections for the package's small JSON requests (publishes, logins,
 * probes): each request is one write of a preformatted head and its body, each answer is read by a
 * small parser (Content-Length, chunked, or until the server closes).
 *
 * Why not Node's http client: measured inside n8n 2.41 (`npm run bench:n8n`, 2,000 publishes), a publish
 * through Node's http cost the n8n process's JavaScript thread 100–122 µs of CPU, through this pool 48–82.
 * On loopback the node took 1.68–2.04× a raw Node http client's time with the first, 0.80–1.09× with this.
 *
 * Its scope is kept small on purpose, and httpClient.ts sends everything else through Node's http:
 * streamed answers (Server-Sent Events), and every request when a proxy is configured. Header names,
 * values and paths are checked as Node checks them, so nothing can be smuggled into the head.
 */
/* eslint-disable @n8n/community-nodes/no-restricted-imports -- a connection pool is made of sockets */
import * as net from 'node:net';
import * as tls from 'node:tls';
/* eslint-enable @n8n/community-nodes/no-restricted-imports */

export interface PoolResponse {
	status: number;
	/** Lower-case names; repeated headers joined with ", " (as httpClient.ts does for Node's http). */
	headers: Record<string, string>;
	body: Buffer;
}

export interface PoolRequest {
	method: string;
	/** Path and query, already encoded. */
	path: string;
	headers: Record<string, string | number>;
	body?: string;
}

/** What send() returns: destroy() ends the request (its connection is not reused). */
export interface PoolHandle {
	destroy(): void;
}

export interface Http1PoolOptions {
	url: URL;
	maxSockets: number;
	rejectUnauthorized: boolean;
}

export interface Http1Pool {
	/** `done` is called once: with the answer, or with an error carrying a socket-level `code`. */
	send(request: PoolRequest, done: (error: Error | undefined, response?: PoolResponse) => void): PoolHandle;
	close(): void;
}

/** Node's own limits: a header section over 16 KB is refused (HPE_HEADER_OVERFLOW). */
const MAX_HEAD_BYTES = 16 * 1024;
// As Node's http checks them (lib/_http_common.js, lib/_http_client.js).
const TOKEN = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const INVALID_PATH = /[^\u0021-\u00ff]/;
/** A reused connection that the server is about to close by its Keep-Alive timeout is not reused. */
const KEEP_ALIVE_MARGIN_MS = 1000;
const EMPTY = Buffer.alloc(0);

/** An error with a socket-level code, as Node's own errors carry one (httpClient.ts maps the code). */
function codedError(message: string, code: string, ErrorClass: ErrorConstructor | TypeErrorConstructor = Error): Error {
	return Object.assign(new ErrorClass(message), { code });
}

/** The request head, checked as Node checks it; throws a coded TypeError otherwise. */
function formatHead(request: PoolRequest, host: string): string {
	if (INVALID_PATH.test(request.path)) throw codedError('Request path contains unescaped characters', 'ERR_UNESCAPED_CHARACTERS', TypeError);
	let head = `${request.method} ${request.path} HTTP/1.1\r\nHost: ${host}\r\nConnection: keep-alive\r\n`;
	for (const name in request.headers) {
		const value = String(request.headers[name]);
		if (!TOKEN.test(name)) throw codedError('Header name must be a valid HTTP token', 'ERR_INVALID_HTTP_TOKEN', TypeError);
		if (INVALID_VALUE.test(value)) throw codedError('Invalid character in header content', 'ERR_INVALID_CHAR', TypeError);
		head += `${name}: ${value}\r\n`;
	}
	return `${head}\r\n`;
}

type BodyMode = { type: 'length'; remaining: number } | { type: 'chunked' } | { type: 'close' } | { type: 'none' };

/** Reads one answer at a time from a connection's bytes. */
class ResponseParser {
	private buffer: Buffer = EMPTY;
	private head: { status: number; headers: Record<string, string>; keepAlive: boolean; keepAliveMs?: number } | undefined;
	private mode: BodyMode = { type: 'none' };
	private chunks: Buffer[] = [];
	/** In chunked mode: bytes of the current chunk still to read, or -1 between chunks. */
	private chunkLeft = -1;
	private trailers = false;

	constructor(private readonly method: string) {}

	/** Feeds bytes; returns the answer when complete. Throws a coded error on a malformed answer. */
	push(data: Buffer): (PoolResponse & { keepAlive: boolean; keepAliveMs?: number }) | undefined {
		if (!this.head) {
			this.buffer = this.buffer.length === 0 ? data : Buffer.concat([this.buffer, data]);
			if (!this.readHead()) return undefined;
		} else if (this.mode.type === 'chunked') {
			this.buffer = this.buffer.length === 0 ? data : Buffer.concat([this.buffer, data]);
		} else {
			// A body of known length or read until the close: its bytes are kept as they come, not copied.
			this.buffer = data;
		}
		return this.readBody() ? this.complete() : undefined;
	}

	/** The server closed the connection: an answer read until the close ends here, any other is cut. */
	end(): PoolResponse | undefined {
		if (!this.head || this.mode.type !== 'close') return undefined;
		const { status, headers, body } = this.complete();
		return { status, headers, body };
	}

	private readHead(): boolean {
		for (;;) {
			const end = this.buffer.indexOf('\r\n\r\n');
			if (end < 0) {
				if (this.buffer.length > MAX_HEAD_BYTES) throw codedError('Header overflow', 'HPE_HEADER_OVERFLOW');
				return false;
			}
			if (end > MAX_HEAD_BYTES) throw codedError('Header overflow', 'HPE_HEADER_OVERFLOW');
			const lines = this.buffer.toString('latin1', 0, end).split('\r\n');
			this.buffer = this.buffer.subarray(end + 4);
			const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0]);
			if (!statusLine) throw codedError('Parse Error: Invalid status line', 'HPE_INVALID_CONSTANT');
			const status = Number(statusLine[2]);
			// 1xx answers (100 Continue, 103 Early Hints) precede the real one.
			if (status >= 100 && status < 200) continue;
			const headers: Record<string, string> = {};
			for (let i = 1; i < lines.length; i++) {
				const colon = lines[i].indexOf(':');
				if (colon <= 0) throw codedError('Parse Error: Invalid header', 'HPE_INVALID_HEADER_TOKEN');
				const name = lines[i].slice(0, colon).trim().toLowerCase();
				const value = lines[i].slice(colon + 1).trim();
				headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
			}
			const connection = (headers.connection ?? '').toLowerCase();
			const keepAlive = statusLine[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
			const timeout = /timeout=(\d+)/.exec(headers['keep-alive'] ?? '');
			this.head = { status, headers, keepAlive, keepAliveMs: timeout ? Number(timeout[1]) * 1000 : undefined };
			const transferEncoding = (headers['transfer-encoding'] ?? '').toLowerCase();
			if (this.method === 'HEAD' || status === 204 || status === 304) this.mode = { type: 'none' };
			else if (transferEncoding.includes('chunked')) this.mode = { type: 'chunked' };
			else if (headers['content-length'] !== undefined) {
				if (!/^\d+$/.test(headers['content-length'])) throw codedError('Parse Error: Invalid Content-Length', 'HPE_INVALID_CONTENT_LENGTH');
				this.mode = { type: 'length', remaining: Number(headers['content-length']) };
			} else this.mode = { type: 'close' };
			return true;
		}
	}

	/** True when the body is complete. */
	private readBody(): boolean {
		const mode = this.mode;
		if (mode.type === 'none') return true;
		if (mode.type === 'close') {
			if (this.buffer.length > 0) this.chunks.push(this.buffer);
			this.buffer = EMPTY;
			return false;
		}
		if (mode.type === 'length') {
			const take = Math.min(mode.remaining, this.buffer.length);
			if (take > 0) this.chunks.push(this.buffer.subarray(0, take));
			mode.remaining -= take;
			this.buffer = this.buffer.subarray(take);
			return mode.remaining === 0;
		}
		for (;;) {
			if (this.trailers) {
				// Trailer fields, if any, end with an empty line; they are dropped.
				const end = this.buffer.indexOf('\r\n');
				if (end < 0) return false;
				this.buffer = this.buffer.subarray(end + 2);
				if (end === 0) return true;
				continue;
			}
			if (this.chunkLeft < 0) {
				const end = this.buffer.indexOf('\r\n');
				if (end < 0) {
					if (this.buffer.length > 1024) throw codedError('Parse Error: Invalid chunk size', 'HPE_INVALID_CHUNK_SIZE');
					return false;
				}
				const size = /^[0-9a-fA-F]+/.exec(this.buffer.toString('latin1', 0, end));
				if (!size) throw codedError('Parse Error: Invalid chunk size', 'HPE_INVALID_CHUNK_SIZE');
				this.buffer = this.buffer.subarray(end + 2);
				this.chunkLeft = parseInt(size[0], 16);
				if (this.chunkLeft === 0) {
					this.trailers = true;
					continue;
				}
			}
			// The chunk's data and its CRLF.
			if (this.buffer.length < this.chunkLeft + 2) return false;
			this.chunks.push(this.buffer.subarray(0, this.chunkLeft));
			this.buffer = this.buffer.subarray(this.chunkLeft + 2);
			this.chunkLeft = -1;
		}
	}

	private complete() {
		const head = this.head!;
		const body = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
		return { status: head.status, headers: head.headers, body, keepAlive: head.keepAlive && this.buffer.length === 0, keepAliveMs: head.keepAliveMs };
	}
}

interface Waiting {
	request: PoolRequest;
	done: (error: Error | undefined, response?: PoolResponse) => void;
	/** The head and body as they go on the wire. */
	head: string;
	cancelled: boolean;
	/** The connection it was sent on, once sent. */
	connection?: Connection;
}

class Connection {
	readonly socket: net.Socket;
	private parser: ResponseParser | undefined;
	/** The request whose answer this connection is reading. */
	current: Waiting | undefined;
	/** Past this time (epoch ms) the server may close it: not reused. */
	expiresAt = Infinity;
	closed = false;

	constructor(
		options: Http1PoolOptions,
		private readonly onFree: (connection: Connection) => void,
		private readonly onClose: (connection: Connection) => void,
	) {
		const host = options.url.hostname.replace(/^\[|\]$/g, '');
		const port = Number(options.url.port) || (options.url.protocol === 'https:' ? 443 : 80);
		this.socket =
			options.url.protocol === 'https:'
				? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, rejectUnauthorized: options.rejectUnauthorized, ALPNProtocols: ['http/1.1'] })
				: net.connect({ host, port });
		this.socket.setNoDelay(true);
		this.socket.setKeepAlive(true, 1000);
		this.socket.on('data', (data: Buffer) => this.onData(data));
		this.socket.on('end', () => this.onEnd());
		this.socket.on('error', (error) => this.fail(error));
		this.socket.on('close', () => this.fail(codedError('socket hang up', 'ECONNRESET')));
	}

	run(waiting: Waiting): void {
		this.current = waiting;
		waiting.connection = this;
		this.parser = new ResponseParser(waiting.request.method);
		this.socket.cork();
		this.socket.write(waiting.head, 'latin1');
		if (waiting.request.body !== undefined) this.socket.write(waiting.request.body, 'utf8');
		this.socket.uncork();
	}

	destroy(): void {
		this.closed = true;
		this.socket.destroy();
	}

	private onData(data: Buffer): void {
		const waiting = this.current;
		if (!waiting || !this.parser) {
			// Bytes nobody asked for (a 408 on an idle connection): the connection is not trusted again.
			this.destroy();
			return;
		}
		let response: ReturnType<ResponseParser['push']>;
		try {
			response = this.parser.push(data);
		} catch (error) {
			this.current = undefined;
			this.destroy();
			waiting.done(error as Error);
			return;
		}
		if (!response) return;
		this.current = undefined;
		this.parser = undefined;
		const { keepAlive, keepAliveMs, ...answer } = response;
		if (keepAlive) {
			if (keepAliveMs !== undefined) this.expiresAt = Date.now() + keepAliveMs - KEEP_ALIVE_MARGIN_MS;
		} else this.destroy();
		waiting.done(undefined, answer);
		if (!this.closed) this.onFree(this);
	}

	private onEnd(): void {
		const waiting = this.current;
		const response = this.parser?.end();
		this.current = undefined;
		this.destroy();
		if (waiting && response) waiting.done(undefined, response);
		else if (waiting) waiting.done(codedError('socket hang up', 'ECONNRESET'));
	}

	private fail(error: Error): void {
		const waiting = this.current;
		this.current = undefined;
		if (!this.closed) this.destroy();
		this.onClose(this);
		waiting?.done(error);
	}
}

export function createHttp1Pool(options: Http1PoolOptions): Http1Pool {
	const host = options.url.host;
	const idle: Connection[] = [];
	const all = new Set<Connection>();
	const queue: Waiting[] = [];
	let closed = false;

	const take = (): Connection | undefined => {
		for (let connection = idle.pop(); connection; connection = idle.pop()) {
			if (!connection.closed && connection.expiresAt > Date.now()) return connection;
			connection.destroy();
		}
		if (all.size >= options.maxSockets) return undefined;
		const connection = new Connection(options, onFree, onClose);
		all.add(connection);
		return connection;
	};
	const dispatch = () => {
		while (queue.length > 0) {
			if (queue[0].cancelled) {
				queue.shift();
				continue;
			}
			const connection = take();
			if (!connection) return;
			connection.run(queue.shift()!);
		}
	};
	function onFree(connection: Connection) {
		if (closed) connection.destroy();
		else idle.push(connection);
		dispatch();
	}
	function onClose(connection: Connection) {
		all.delete(connection);
		const index = idle.indexOf(connection);
		if (index >= 0) idle.splice(index, 1);
		dispatch();
	}

	return {
		send(request, done) {
			const head = formatHead(request, host);
			let settled = false;
			const waiting: Waiting = {
				request,
				head,
				cancelled: false,
				done: (error, response) => {
					if (settled) return;
					settled = true;
					done(error, response);
				},
			};
			// Through the queue even when a connection is free: one path, in order behind any request waiting.
			queue.push(waiting);
			dispatch();
			return {
				destroy() {
					waiting.cancelled = true;
					settled = true;
					// Its connection only while it still reads this request's answer; a queued request has none.
					if (waiting.connection?.current === waiting) waiting.connection.destroy();
				},
			};
		},
		close() {
			closed = true;
			for (const connection of all) connection.destroy();
			all.clear();
			idle.length = 0;
		},
	};
}
