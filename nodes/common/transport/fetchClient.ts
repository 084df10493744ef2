/**
 * The default transport: Node's built-in `fetch` (undici, maintained and fuzzed by Node's team). The package
 * parses no HTTP of its own; what a broken or hostile server sends is refused by undici and llhttp.
 *
 * - Connections: fetch keeps them alive in one process-wide pool (undici's global dispatcher), so a
 *   webhook-triggered workflow that runs one item per execution reuses the connection of the execution
 *   before. Connections carry nothing of a credential: every request sends its own headers.
 * - Timeout: every request is bounded by `timeoutMs`, from sending to the last byte of a JSON answer, or to
 *   the head of a streamed one (whose body the caller's watchdog bounds).
 * - Size: a JSON answer is read up to `maxAnswerBytes`, then refused with a clear error ('tooLarge').
 * - Redirects are not followed: a 3xx is handed back as an answer (following one could send a credential's
 *   headers to another host).
 * - Proxies: fetch applies HTTP_PROXY / HTTPS_PROXY / NO_PROXY when Node runs with NODE_USE_ENV_PROXY=1
 *   (docs/operations.md); the package reads no environment.
 */
import { trimBaseUrl } from './baseUrl';
import { toTransportFailure, transportFailure } from './failure';
import type { HttpClient, HttpRequest, HttpResponse } from './types';

/** Far above any answer of the three APIs (a Kapua datastore page is a few hundred KB at most). */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

export interface FetchClientOptions {
	baseUrl: string;
	/** Per request (see the module comment); 0 = none. */
	timeoutMs: number;
	/** The execution's cancel signal: aborts whatever is in flight. */
	signal?: AbortSignal;
	maxAnswerBytes?: number;
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

export function serialize(body: unknown): string | undefined {
	if (body === undefined) return undefined;
	return typeof body === 'string' ? body : JSON.stringify(body);
}

/** The headers every transport sends: JSON asked for, JSON sent when there is a body, then the request's own. */
export function requestHeaders(request: HttpRequest): Record<string, string> {
	return {
		Accept: 'application/json',
		...(request.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
		...request.headers,
	};
}

export function queryString(query: HttpRequest['query']): string {
	if (!query) return '';
	const pairs = Object.entries(query).map(([name, value]): [string, string] => [
		name,
		String(value),
	]);
	return pairs.length ? `?${new URLSearchParams(pairs)}` : '';
}

/** Lower-case names; several Set-Cookie lines joined as Node's http client joined them. */
function headersOf(headers: Headers): Record<string, string | undefined> {
	const out: Record<string, string | undefined> = {};
	headers.forEach((value, name) => {
		out[name] = value;
	});
	const cookies = headers.getSetCookie();
	if (cookies.length > 1) out['set-cookie'] = cookies.join(', ');
	return out;
}

/**
 * The one framing rule the package adds to undici's: a Transfer-Encoding other than plain `chunked` is refused.
 * HTTP reads such a body until the connection closes (RFC 9112 6.3), so a server that sends
 * `Transfer-Encoding: xchunked` or `chunked, gzip` has its chunk framing, and whatever it appends (a second,
 * forged answer), taken as the body. No API this package speaks sends one; refusing it keeps such bytes out of
 * an item's output.
 */
function unsupportedTransferEncoding(headers: Headers): string | undefined {
	const value = headers.get('transfer-encoding');
	if (value === null || value.trim().toLowerCase() === 'chunked') return undefined;
	return `Transfer-Encoding: ${value.slice(0, 40)} (only chunked is read)`;
}

/** Reads a body to its end, refusing it past `max` bytes (declared or counted) without buffering more. */
async function readText(response: Response, max: number): Promise<string> {
	const body = response.body;
	if (!body) return '';
	if (Number(response.headers.get('content-length')) > max) {
		await body.cancel();
		throw transportFailure('tooLarge', 'ERR_RESPONSE_TOO_LARGE');
	}
	const reader = body.getReader();
	const chunks: Uint8Array[] = [];
	let size = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		size += value.byteLength;
		if (size > max) {
			await reader.cancel();
			throw transportFailure('tooLarge', 'ERR_RESPONSE_TOO_LARGE');
		}
		chunks.push(value);
	}
	if (chunks.length === 1)
		return Buffer.from(chunks[0].buffer, chunks[0].byteOffset, chunks[0].byteLength).toString(
			'utf8',
		);
	return Buffer.concat(chunks).toString('utf8');
}

export function createFetchClient(options: FetchClientOptions): HttpClient {
	const base = trimBaseUrl(options.baseUrl);
	const maxAnswerBytes = options.maxAnswerBytes ?? MAX_ANSWER_BYTES;
	// One listener on the execution's signal for the whole client, not one per request (adding and removing
	// an EventTarget listener for each of thousands of requests showed in n8n's CPU profile).
	const inFlight = new Set<() => void>();
	const onExecutionAbort = () => {
		for (const abort of [...inFlight]) abort();
	};
	options.signal?.addEventListener('abort', onExecutionAbort, { once: true });

	async function send(request: HttpRequest): Promise<HttpResponse> {
		if (options.signal?.aborted || request.signal?.aborted)
			throw transportFailure('aborted', 'ABORT_ERR');
		const body = serialize(request.body);
		const headers = requestHeaders(request);
		const controller = new AbortController();
		let stoppedBy: 'aborted' | 'timeout' | undefined;
		const onCancel = () => {
			stoppedBy ??= 'aborted';
			controller.abort();
		};
		const onTimeout = () => {
			stoppedBy ??= 'timeout';
			controller.abort();
		};
		const timer = options.timeoutMs > 0 ? AbortSignal.timeout(options.timeoutMs) : undefined;
		inFlight.add(onCancel);
		request.signal?.addEventListener('abort', onCancel, { once: true });
		timer?.addEventListener('abort', onTimeout, { once: true });
		let handedOver = false;
		try {
			const response = await fetch(`${base}${request.path}${queryString(request.query)}`, {
				method: request.method,
				headers,
				body,
				signal: controller.signal,
				redirect: 'manual',
			});
			const status = response.status;
			const refusedEncoding = unsupportedTransferEncoding(response.headers);
			if (refusedEncoding) {
				await response.body?.cancel().catch(() => {});
				throw transportFailure('malformed', 'ERR_INVALID_HTTP_RESPONSE', refusedEncoding);
			}
			if (request.stream && status >= 200 && status < 300) {
				// The head arrived in time; from here the caller's signal (its watchdog, which follows the
				// execution's) bounds the body, and aborting it ends the body at once.
				handedOver = true;
				timer?.removeEventListener('abort', onTimeout);
				inFlight.delete(onCancel);
				return {
					status,
					headers: headersOf(response.headers),
					body: response.body ?? new ReadableStream(),
				};
			}
			return {
				status,
				headers: headersOf(response.headers),
				body: parseBody(await readText(response, maxAnswerBytes)),
			};
		} catch (error) {
			if (stoppedBy === 'timeout') throw transportFailure('timeout', 'ETIMEDOUT');
			if (stoppedBy === 'aborted') throw transportFailure('aborted', 'ABORT_ERR');
			throw toTransportFailure(error);
		} finally {
			if (!handedOver) {
				inFlight.delete(onCancel);
				request.signal?.removeEventListener('abort', onCancel);
				timer?.removeEventListener('abort', onTimeout);
			}
		}
	}

	return {
		send,
		close() {
			// Connections belong to the process-wide pool; only the execution's listener is ours.
			options.signal?.removeEventListener('abort', onExecutionAbort);
		},
	};
}
