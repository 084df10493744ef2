/**
 * The package's HTTP transports. One interface, two ways to send:
 *
 * - `createKeepAliveClient` (default): keep-alive connections held for one execution, through our
 *   HTTP/1.1 pool (http1Pool.ts) for JSON requests and through Node's http and its agent for streamed answers
 *   and behind a proxy. n8n's authenticated helper resolves the credential and opens a new connection for
 *   every request, which costs more than the publish itself; n8n's own broker nodes (MQTT, Kafka, RabbitMQ)
 *   likewise hold one connection per execution. `npm run bench` keeps the comparison measured.
 * - `createN8nHelperClient`: every request through `this.helpers.httpRequestWithAuthentication`, n8n's own
 *   pipeline, which adds the credential's headers itself.
 *
 * Neither knows about credentials (the ApiClient in ../auth adds the headers) and neither throws for an
 * HTTP status; a request that got no answer throws a TransportFailure that carries a socket-level code and
 * nothing of the request (no URL credentials, no headers).
 */
/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals --
 * Connection reuse needs Node's own agents (n8n's helpers make a new agent per request), a timeout
 * needs a timer, and the proxy environment is read from `process.env`. This is the one module that
 * touches them. */
import * as http from 'node:http';
import * as https from 'node:https';
import type { Readable } from 'node:stream';
import type { IAllExecuteFunctions, IExecuteFunctions, IHttpRequestOptions } from 'n8n-workflow';

import { trimBaseUrl } from './baseUrl';
import { createHttp1Pool, type PoolHandle } from './http1Pool';
import { socketCode } from './socketCode';
import { TransportFailure, type HttpRequest, type HttpResponse, type TransportFailureKind } from './types';

export interface HttpClient {
	send(request: HttpRequest): Promise<HttpResponse>;
	/** Releases pooled sockets; the client must not be used afterwards. */
	close(): void;
}

interface KeepAliveClientOptions {
	baseUrl: string;
	/** Per request, from sending to the last byte of a non-streamed answer; 0 = none. */
	timeoutMs: number;
	/** The execution's cancel signal: aborts whatever is in flight. */
	signal?: AbortSignal;
	/** Only for servers with a self-signed certificate, when the user asks for it. */
	allowUnauthorizedCerts?: boolean;
	/** Sockets per host; requests beyond it queue in the agent. */
	maxSockets?: number;
}

/** With any of these set, requests go through Node's agent, which applies them (and NO_PROXY). */
const PROXY_VARIABLES = ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'];

const FAILURE_KINDS: Record<string, TransportFailureKind> = {
	ECONNREFUSED: 'refused',
	ECONNRESET: 'reset',
	EPIPE: 'reset',
	ECONNABORTED: 'timeout',
	ETIMEDOUT: 'timeout',
	ERR_CANCELED: 'aborted',
	ABORT_ERR: 'aborted',
};

/** Turns whatever a client library threw into a TransportFailure without copying request details. */
export function toTransportFailure(error: unknown): TransportFailure {
	if (error instanceof TransportFailure) return error;
	const code = socketCode(error) ?? 'ERR_NETWORK';
	const kind = FAILURE_KINDS[code] ?? 'network';
	const descriptions: Record<TransportFailureKind, string> = {
		refused: 'The server refused the connection',
		reset: 'The connection was closed before the server answered',
		timeout: 'The server did not answer in time',
		// n8n marks an execution "canceled" (not "error", no error workflow) only when the error message
		// contains "canceled", in this spelling (WorkflowExecute.processSuccessExecution).
		aborted: 'The request was canceled',
		network: 'The request failed on the network',
	};
	// The code stays out of the message: n8n replaces any error message naming a socket code with a
	// generic one (see sendFailureError); the code is shown in the error's description instead.
	return new TransportFailure(kind, code, descriptions[kind]);
}

function normalizeHeaders(raw: unknown): Record<string, string | undefined> {
	const headers: Record<string, string | undefined> = {};
	if (raw && typeof raw === 'object') {
		for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
			headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value === undefined ? undefined : String(value);
		}
	}
	return headers;
}

/** JSON when it parses, the text otherwise: error pages (Kapua's 401) are HTML, not JSON. */
function parseBody(text: string): unknown {
	if (text === '') return '';
	try {
		return JSON.parse(text);
	} catch {
		return text;
	}
}

async function readAll(stream: Readable): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of stream) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks).toString('utf8');
}

function serialize(body: unknown): string | undefined {
	if (body === undefined) return undefined;
	return typeof body === 'string' ? body : JSON.stringify(body);
}

function createKeepAliveClient(options: KeepAliveClientOptions): HttpClient {
	const base = new URL(trimBaseUrl(options.baseUrl) || 'http://invalid.invalid');
	const basePath = base.pathname.replace(/\/+$/, '');
	const secure = base.protocol === 'https:';
	// Node >= 24.5 agents honour HTTP_PROXY / HTTPS_PROXY / NO_PROXY themselves (CONNECT for https).
	const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 64, proxyEnv: process.env };
	const agent = secure
		? new https.Agent({ ...agentOptions, rejectUnauthorized: !options.allowUnauthorizedCerts })
		: new http.Agent(agentOptions);
	const transport = secure ? https : http;
	// The execution's signal gets one listener per client, not one per request (adding and removing an
	// EventTarget listener for each of thousands of requests showed in n8n's CPU profile); it aborts
	// whatever is in flight. A request's own signal (a stream's watchdog) is listened to per request.
	const inFlight = new Set<() => void>();
	const onExecutionAbort = () => {
		for (const abort of [...inFlight]) abort();
	};
	options.signal?.addEventListener('abort', onExecutionAbort, { once: true });

	// Small JSON requests go through our HTTP/1.1 pool (http1Pool.ts: why), streamed answers and everything
	// behind a proxy through Node's http and its agent.
	const pool = PROXY_VARIABLES.some((name) => process.env[name])
		? undefined
		: createHttp1Pool({ url: base, maxSockets: options.maxSockets ?? 64, rejectUnauthorized: !options.allowUnauthorizedCerts });

	const send = (request: HttpRequest) =>
		new Promise<HttpResponse>((resolve, reject) => {
			if (options.signal?.aborted || request.signal?.aborted) {
				reject(new TransportFailure('aborted', 'ABORT_ERR', 'The request was canceled'));
				return;
			}
			const body = serialize(request.body);
			const query = request.query ? `?${new URLSearchParams(Object.entries(request.query).map(([k, v]): [string, string] => [k, String(v)]))}` : '';
			const path = `${basePath}${request.path}${query}`;
			const headers: Record<string, string | number> = {
				Accept: 'application/json',
				...(body !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } : {}),
				...request.headers,
			};
			let settled = false;
			let timer: NodeJS.Timeout | undefined;
			const detach = () => {
				inFlight.delete(onAbort);
				request.signal?.removeEventListener('abort', onAbort);
			};
			const finish = (error: unknown, response?: HttpResponse, streaming = false) => {
				if (settled) return;
				settled = true;
				if (timer) clearTimeout(timer);
				// A streamed body stays abortable by the same signals until it closes.
				if (!streaming) detach();
				if (response) resolve(response);
				else reject(toTransportFailure(error));
			};
			/** Ends the request on the wire; its connection is not reused. */
			let cancel: () => void;
			const onAbort = () => {
				detach();
				cancel();
				finish({ code: 'ABORT_ERR' });
			};
			if (pool && !request.stream) {
				let handle: PoolHandle;
				try {
					handle = pool.send({ method: request.method, path, headers, body }, (error, response) => {
						if (error || !response) finish(error);
						else finish(undefined, { status: response.status, headers: response.headers, body: parseBody(response.body.toString('utf8')) });
					});
				} catch (error) {
					// A header or path Node's http would refuse too: nothing was sent.
					finish(error);
					return;
				}
				cancel = () => handle.destroy();
			} else {
				const req = transport.request(
					{ protocol: base.protocol, hostname: base.hostname, port: base.port, method: request.method, path, agent, headers },
					(res) => {
						const status = res.statusCode ?? 0;
						const responseHeaders = normalizeHeaders(res.headers);
						if (request.stream && status >= 200 && status < 300) {
							// The caller owns the stream from here (idle and overall timeouts are its own).
							res.once('close', detach);
							finish(undefined, { status, headers: responseHeaders, body: res }, true);
							return;
						}
						const chunks: Buffer[] = [];
						res.on('data', (chunk: Buffer) => chunks.push(chunk));
						res.on('end', () => finish(undefined, { status, headers: responseHeaders, body: parseBody(Buffer.concat(chunks).toString('utf8')) }));
						res.on('error', (error) => finish(error));
						res.on('aborted', () => finish({ code: 'ECONNRESET' }));
					},
				);
				req.on('error', (error) => finish(error));
				req.end(body);
				cancel = () => req.destroy(new TransportFailure('aborted', 'ABORT_ERR', 'The request was canceled'));
			}
			inFlight.add(onAbort);
			request.signal?.addEventListener('abort', onAbort, { once: true });
			if (options.timeoutMs > 0) {
				timer = setTimeout(() => {
					cancel();
					finish({ code: 'ETIMEDOUT' });
				}, options.timeoutMs);
			}
		});

	return {
		send,
		close() {
			options.signal?.removeEventListener('abort', onExecutionAbort);
			agent.destroy();
			pool?.close();
		},
	};
}

/**
 * Sends every request through n8n's authenticated helper (credential resolved, pre-authentication run
 * and a new connection opened per request). Slower; see the module comment.
 */
function createN8nHelperClient(
	context: IAllExecuteFunctions,
	credentialType: string,
	options: { baseUrl: string; timeoutMs: number },
): HttpClient {
	const baseUrl = trimBaseUrl(options.baseUrl);
	return {
		async send(request: HttpRequest): Promise<HttpResponse> {
			const requestOptions: IHttpRequestOptions = {
				method: request.method,
				url: `${baseUrl}${request.path}`,
				qs: request.query,
				body: serialize(request.body),
				headers: {
					Accept: 'application/json',
					...(request.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
					...request.headers,
				},
				json: false,
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				timeout: options.timeoutMs || undefined,
				...(request.stream ? { encoding: 'stream' as const } : {}),
			};
			try {
				const response = (await context.helpers.httpRequestWithAuthentication.call(
					context,
					credentialType,
					requestOptions,
				)) as { statusCode: number; headers: unknown; body: unknown };
				const headers = normalizeHeaders(response.headers);
				const ok = response.statusCode >= 200 && response.statusCode < 300;
				if (request.stream && ok) return { status: response.statusCode, headers, body: response.body };
				const body = response.body;
				const text = Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'string' ? body : body && typeof (body as Readable).pipe === 'function' ? await readAll(body as Readable) : JSON.stringify(body ?? '');
				return { status: response.statusCode, headers, body: parseBody(text) };
			} catch (error) {
				throw toTransportFailure(error);
			}
		},
		close() {},
	};
}

/**
 * A client for a credential's Test button, which runs outside any execution (no cancel signal, no node
 * options): the same keep-alive client a run uses, bounded by `timeoutMs` per request.
 */
export function openTestTransport(spec: { baseUrl: string; allowUnauthorizedCerts?: boolean; timeoutMs: number }): HttpClient {
	return createKeepAliveClient({ baseUrl: spec.baseUrl, timeoutMs: spec.timeoutMs, allowUnauthorizedCerts: spec.allowUnauthorizedCerts, maxSockets: 1 });
}

/** How a node connects for one execution, as chosen in its "Connection" option. */
export interface ConnectionOptions {
	transport: 'keepAlive' | 'n8nHelper';
	timeoutMs: number;
	maxSockets: number;
	/** Requests per second across the execution, every attempt counted; undefined: no limit. */
	maxRequestsPerSecond?: number;
}

/** The transport for one execution. The n8n helper authenticates requests itself; the keep-alive client does not. */
export function openTransport(
	context: IExecuteFunctions,
	spec: ConnectionOptions & { credentialType: string; baseUrl: string; allowUnauthorizedCerts?: boolean },
): HttpClient {
	if (spec.transport === 'n8nHelper') {
		return createN8nHelperClient(context, spec.credentialType, { baseUrl: spec.baseUrl, timeoutMs: spec.timeoutMs });
	}
	return createKeepAliveClient({
		baseUrl: spec.baseUrl,
		timeoutMs: spec.timeoutMs,
		signal: context.getExecutionCancelSignal(),
		allowUnauthorizedCerts: spec.allowUnauthorizedCerts,
		maxSockets: spec.maxSockets,
	});
}
