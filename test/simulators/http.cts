/**
 * What every simulator needs from Node's http server: listen on a free loopback port, read bodies,
 * answer JSON, apply a fault, and close without leaving a socket or a timer behind.
 */
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { FaultInjector, isStreamFault, type Fault, type StreamFault } from './faults.cjs';

/** A request as the server logs it: its method and its URL's path (without the query). */
export interface RequestRecord {
	method: string;
	path: string;
	/** When it arrived (performance.now() of this process), for rate checks; set in a server's log. */
	at?: number;
}

export interface SimulatorServer {
	url: string;
	port: number;
	faults: FaultInjector;
	/** Every request seen, in arrival order, faults included (logged on arrival, before the injector is asked). */
	requests: RequestRecord[];
	/** Requests seen, faults included (`requests.length`). */
	requestCount: number;
	/** TCP connections accepted since the start: a client that keeps its connections makes few. */
	connectionCount: number;
	close(): Promise<void>;
}

/**
 * The method and path of a live request or of a logged one, so one request matcher serves both the
 * fault injector (`match`) and the counts a simulator derives from its log.
 */
export function requestRecord(request: RequestRecord | http.IncomingMessage): RequestRecord {
	if ('path' in request) return request;
	return {
		method: request.method ?? '',
		path: new URL(request.url ?? '/', 'http://localhost').pathname,
	};
}

/**
 * Adds a simulator's own fields to its server. Getters stay live (Object.assign would read each once),
 * so counts derived from the request log are always current.
 */
export function extendServer<S extends SimulatorServer, E extends object>(
	server: S,
	extra: E,
): S & E {
	return Object.defineProperties(server, Object.getOwnPropertyDescriptors(extra)) as S & E;
}

/** Every simulator server open in this process (see closeIdleConnections). */
const liveServers = new Set<http.Server>();

/**
 * Closes every open simulator's idle keep-alive connections. fetch keeps connections open across executions
 * by design (one pool per process), so a leak check first lets the servers close the idle ones: a client
 * socket that is still open afterwards is busy, which is a leak.
 */
export function closeIdleConnections(): void {
	for (const server of liveServers) server.closeIdleConnections();
}

/** Waits a simulator can cancel all at once on close, so no timer outlives the server. */
class TimerSet {
	private readonly timers = new Set<NodeJS.Timeout>();

	wait(ms: number): Promise<void> {
		return new Promise<void>((resolve) => {
			const timer = setTimeout(() => {
				this.timers.delete(timer);
				resolve();
			}, ms);
			this.timers.add(timer);
		});
	}

	clear(): void {
		for (const timer of this.timers) clearTimeout(timer);
		this.timers.clear();
	}
}

/**
 * `streamFault` is set when the injector chose a fault that only a streaming handler can apply. `wait` is
 * the server's own timer: close cancels the waits still pending, so none outlives the server.
 */
export type Handler = (
	request: http.IncomingMessage,
	response: http.ServerResponse,
	body: Buffer,
	streamFault: StreamFault | undefined,
	wait: (ms: number) => Promise<void>,
) => void | Promise<void>;

export function sendJson(
	response: http.ServerResponse,
	status: number,
	body: unknown,
	headers: Record<string, string> = {},
): void {
	const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
	response.writeHead(status, {
		...(body === undefined
			? {}
			: {
					'Content-Type': typeof body === 'string' ? 'text/html;charset=utf-8' : 'application/json',
				}),
		'Content-Length': Buffer.byteLength(text),
		...headers,
	});
	response.end(text);
}

function readBody(request: http.IncomingMessage): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', () => resolve(Buffer.concat(chunks)));
		request.on('error', reject);
	});
}

/**
 * Starts a server on 127.0.0.1 with a free port. Each request passes the fault injector first.
 * `resetAfterAccept` runs the handler against a response that is never sent, then drops the socket.
 */
export async function startServer(handler: Handler): Promise<SimulatorServer> {
	const faults = new FaultInjector();
	const sockets = new Set<Socket>();
	const timers = new TimerSet();
	const requests: RequestRecord[] = [];

	const wait = (ms: number) => timers.wait(ms);

	const server = http.createServer((request, response) => {
		requests.push({ ...requestRecord(request), at: performance.now() });
		void (async () => {
			const body = await readBody(request);
			const fault: Fault | undefined = faults.next(request);
			if (fault?.kind === 'reset') {
				request.socket.destroy();
				return;
			}
			if (fault?.kind === 'hang') return;
			if (fault?.kind === 'status') {
				sendJson(response, fault.status, fault.body, fault.headers);
				return;
			}
			if (fault?.kind === 'delay') await wait(fault.ms);
			if (fault?.kind === 'resetAfterAccept') {
				const dropped = new http.ServerResponse(request);
				await handler(request, dropped, body, undefined, wait);
				request.socket.destroy();
				return;
			}
			if (request.socket.destroyed) return;
			await handler(request, response, body, isStreamFault(fault) ? fault : undefined, wait);
		})().catch((error: unknown) => {
			if (!response.headersSent)
				sendJson(response, 500, { error: 'internal_error', message: String(error) });
			else response.destroy();
		});
	});
	server.keepAliveTimeout = 5000;
	let connectionCount = 0;
	server.on('connection', (socket) => {
		connectionCount++;
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	liveServers.add(server);

	return {
		url: `http://127.0.0.1:${port}`,
		port,
		faults,
		requests,
		get requestCount() {
			return requests.length;
		},
		get connectionCount() {
			return connectionCount;
		},
		async close() {
			liveServers.delete(server);
			timers.clear();
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}
