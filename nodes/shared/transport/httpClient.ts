/**
 * The package's HTTP clients. One interface, two ways to send:
 *
 * - `createKeepAliveClient` (default): one axios instance with keep-alive agents per execution and the
 *   credential resolved once. Measured in real n8n 2.41 on this project's machines: ~0.65 ms a request,
 *   against ~5.9 ms through n8n's authenticated helper, which resolves the credential and opens a new
 *   TCP connection on every call. Publishing thousands of items a second needs this path; n8n's own
 *   broker nodes (MQTT, Kafka, RabbitMQ) likewise hold one connection per execution.
 * - `createN8nHelperClient`: every request through `this.helpers.httpRequestWithAuthentication`, n8n's own
 *   pipeline. Kept as an option and in the benchmark so its cost stays measured, not remembered.
 *
 * Neither throws for an HTTP status; a request that got no answer throws a TransportFailure that carries
 * a socket-level code and nothing of the request (no URL credentials, no headers).
 */
/* eslint-disable @n8n/community-nodes/no-restricted-imports --
 * The design card names axios as the transport, and keep-alive needs Node's own agents; n8n's helpers
 * offer neither connection reuse nor a shared agent (see the module comment). */
import axios, { type AxiosInstance, type AxiosRequestConfig } from 'axios';
import * as http from 'node:http';
import * as https from 'node:https';
import type { Readable } from 'node:stream';
/* eslint-enable @n8n/community-nodes/no-restricted-imports */
import type { IAllExecuteFunctions, IExecuteFunctions, IHttpRequestOptions } from 'n8n-workflow';

import { TransportFailure, type HttpRequest, type HttpResponse, type TransportFailureKind } from './types';

export interface HttpClient {
	send(request: HttpRequest): Promise<HttpResponse>;
	/** Releases pooled sockets; the client must not be used afterwards. */
	close(): void;
}

export interface KeepAliveClientOptions {
	baseUrl: string;
	/** Headers on every request, typically the credential's (see credentialAuth.ts). */
	headers?: Record<string, string>;
	/** Per request, from sending to the last byte of a non-streamed answer; 0 = none. */
	timeoutMs: number;
	/** The execution's cancel signal: aborts whatever is in flight. */
	signal?: AbortSignal;
	/** Only for servers with a self-signed certificate, when the user asks for it. */
	allowUnauthorizedCerts?: boolean;
	/** Sockets per host; requests beyond it queue in the agent. */
	maxSockets?: number;
}

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
	const code = String((error as { code?: unknown })?.code ?? (error as { cause?: { code?: unknown } })?.cause?.code ?? 'ERR_NETWORK');
	const kind = FAILURE_KINDS[code] ?? 'network';
	const descriptions: Record<TransportFailureKind, string> = {
		refused: 'The server refused the connection',
		reset: 'The connection was closed before the server answered',
		timeout: 'The server did not answer in time',
		aborted: 'The request was cancelled',
		network: 'The request failed on the network',
	};
	return new TransportFailure(kind, code, `${descriptions[kind]} (${code})`);
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
export function parseBody(text: string): unknown {
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

export function createKeepAliveClient(options: KeepAliveClientOptions): HttpClient {
	const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 64 };
	const httpAgent = new http.Agent(agentOptions);
	const httpsAgent = new https.Agent({ ...agentOptions, rejectUnauthorized: !options.allowUnauthorizedCerts });
	const instance: AxiosInstance = axios.create({
		baseURL: options.baseUrl.replace(/\/+$/, ''),
		httpAgent,
		httpsAgent,
		timeout: options.timeoutMs,
		// Proxy: axios reads HTTP_PROXY / HTTPS_PROXY / NO_PROXY itself when `proxy` is left unset.
		validateStatus: () => true,
		maxRedirects: 0,
		maxBodyLength: Infinity,
		maxContentLength: Infinity,
		decompress: true,
		transitional: { clarifyTimeoutError: true, silentJSONParsing: true, forcedJSONParsing: false },
	});

	return {
		async send(request: HttpRequest): Promise<HttpResponse> {
			const data = serialize(request.body);
			const config: AxiosRequestConfig = {
				method: request.method,
				url: request.path,
				params: request.query,
				data,
				headers: {
					Accept: 'application/json',
					...(data !== undefined ? { 'Content-Type': 'application/json' } : {}),
					...options.headers,
					...request.headers,
				},
				responseType: 'stream',
				signal: options.signal,
			};
			try {
				const response = await instance.request<Readable>(config);
				const headers = normalizeHeaders(response.headers);
				const ok = response.status >= 200 && response.status < 300;
				if (request.responseType === 'stream' && ok) {
					return { status: response.status, headers, body: response.data };
				}
				return { status: response.status, headers, body: parseBody(await readAll(response.data)) };
			} catch (error) {
				throw toTransportFailure(error);
			}
		},
		close() {
			httpAgent.destroy();
			httpsAgent.destroy();
		},
	};
}

/**
 * Sends every request through n8n's authenticated helper (credential resolved, pre-authentication run
 * and a new connection opened per request). Slower; see the module comment.
 */
export function createN8nHelperClient(
	context: IAllExecuteFunctions,
	credentialType: string,
	options: { baseUrl: string; timeoutMs: number },
): HttpClient {
	const baseUrl = options.baseUrl.replace(/\/+$/, '');
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
				...(request.responseType === 'stream' ? { encoding: 'stream' as const } : {}),
			};
			try {
				const response = (await context.helpers.httpRequestWithAuthentication.call(
					context,
					credentialType,
					requestOptions,
				)) as { statusCode: number; headers: unknown; body: unknown };
				const headers = normalizeHeaders(response.headers);
				const ok = response.statusCode >= 200 && response.statusCode < 300;
				if (request.responseType === 'stream' && ok) return { status: response.statusCode, headers, body: response.body };
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

/** The client a node uses for one execution, as chosen in its "Connection" option. */
export function openClient(
	context: IExecuteFunctions,
	spec: {
		credentialType: string;
		baseUrl: string;
		/** The credential's headers, computed once by the credential's own function. */
		authHeaders: Record<string, string>;
		transport: 'keepAlive' | 'n8nHelper';
		timeoutMs: number;
		maxSockets: number;
		allowUnauthorizedCerts?: boolean;
	},
): HttpClient {
	if (spec.transport === 'n8nHelper') {
		return createN8nHelperClient(context, spec.credentialType, { baseUrl: spec.baseUrl, timeoutMs: spec.timeoutMs });
	}
	return createKeepAliveClient({
		baseUrl: spec.baseUrl,
		headers: spec.authHeaders,
		timeoutMs: spec.timeoutMs,
		signal: context.getExecutionCancelSignal(),
		allowUnauthorizedCerts: spec.allowUnauthorizedCerts,
		maxSockets: spec.maxSockets,
	});
}
