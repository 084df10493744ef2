/**
 * The transports through n8n's own request helpers, where `fetch` cannot serve or the user asks for them:
 *
 * - `createN8nHelperClient`: every request through `this.helpers.httpRequestWithAuthentication`, n8n's own
 *   pipeline (the credential resolved and its headers added by n8n, a new connection per request). Used for
 *   Connection = "Built-in Request Helper", and for a credential with "Ignore SSL Issues (Insecure)" on:
 *   Node's fetch offers no way to skip certificate checks without importing undici, and n8n's helper does.
 * - `createLegacyRequestClient`: a credential Test with "Ignore SSL Issues" on, through the one helper n8n
 *   gives a credential test (`this.helpers.request`).
 *
 * Both read answers as streams, capped like the fetch client's, and hand a streamed answer back as a web
 * ReadableStream, so the callers see one shape whatever the transport.
 */
import type {
	IAllExecuteFunctions,
	ICredentialTestFunctions,
	IHttpRequestOptions,
} from 'n8n-workflow';

import { trimBaseUrl } from './baseUrl';
import { toTransportFailure, transportFailure } from './failure';
import { MAX_ANSWER_BYTES, parseBody, queryString, requestHeaders, serialize } from './fetchClient';
import type { HttpClient, HttpRequest, HttpResponse } from './types';

/** A Node Readable, as n8n's helpers give a body with `encoding: 'stream'`, seen only through what is used here. */
type NodeBody = AsyncIterable<Uint8Array | string> & { destroy?: () => void };

function isNodeBody(body: unknown): body is NodeBody {
	return (
		body !== null &&
		typeof body === 'object' &&
		typeof (body as NodeBody)[Symbol.asyncIterator] === 'function'
	);
}

function bytesOf(chunk: Uint8Array | string): Uint8Array {
	return typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
}

/** A Node Readable as a web ReadableStream (what `fetch` gives), pulled chunk by chunk; cancelling destroys it. */
export function webStreamOf(body: NodeBody): ReadableStream<Uint8Array> {
	const chunks = body[Symbol.asyncIterator]();
	return new ReadableStream<Uint8Array>({
		async pull(controller) {
			const next = await chunks.next();
			if (next.done) controller.close();
			else controller.enqueue(bytesOf(next.value));
		},
		async cancel() {
			body.destroy?.();
			await chunks.return?.();
		},
	});
}

/** A whole body as text, refused past `max` bytes (a Buffer, a string or a Node Readable). */
async function textOf(body: unknown, max: number): Promise<string> {
	if (body === undefined || body === null) return '';
	if (typeof body === 'string') return body;
	if (Buffer.isBuffer(body)) return body.toString('utf8');
	if (!isNodeBody(body)) return JSON.stringify(body);
	const chunks: Uint8Array[] = [];
	let size = 0;
	for await (const chunk of body) {
		const bytes = bytesOf(chunk);
		size += bytes.byteLength;
		if (size > max) {
			body.destroy?.();
			throw transportFailure('tooLarge', 'ERR_RESPONSE_TOO_LARGE');
		}
		chunks.push(bytes);
	}
	return Buffer.concat(chunks).toString('utf8');
}

function headersOf(raw: unknown): Record<string, string | undefined> {
	const headers: Record<string, string | undefined> = {};
	if (raw && typeof raw === 'object') {
		for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
			headers[name.toLowerCase()] = Array.isArray(value)
				? value.join(', ')
				: value === undefined
					? undefined
					: String(value);
		}
	}
	return headers;
}

interface FullResponse {
	statusCode: number;
	headers: unknown;
	body: unknown;
}

/** An answer from n8n's helpers in the package's shape: the stream handed over for a 2xx streamed request. */
async function answerOf(request: HttpRequest, response: FullResponse): Promise<HttpResponse> {
	const headers = headersOf(response.headers);
	const status = response.statusCode;
	if (request.stream && status >= 200 && status < 300 && isNodeBody(response.body)) {
		return { status, headers, body: webStreamOf(response.body) };
	}
	return { status, headers, body: parseBody(await textOf(response.body, MAX_ANSWER_BYTES)) };
}

/** See the module comment. `skipSslCertificateValidation` only when the credential asks for it. */
export function createN8nHelperClient(
	context: IAllExecuteFunctions,
	credentialType: string,
	options: { baseUrl: string; timeoutMs: number; skipSslCertificateValidation?: boolean },
): HttpClient {
	const baseUrl = trimBaseUrl(options.baseUrl);
	return {
		authenticates: true,
		async send(request: HttpRequest): Promise<HttpResponse> {
			const requestOptions: IHttpRequestOptions = {
				method: request.method,
				url: `${baseUrl}${request.path}${queryString(request.query)}`,
				body: serialize(request.body),
				headers: requestHeaders(request),
				json: false,
				encoding: 'stream',
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				disableFollowRedirect: true,
				timeout: options.timeoutMs || undefined,
				...(options.skipSslCertificateValidation ? { skipSslCertificateValidation: true } : {}),
			};
			let response: FullResponse;
			try {
				response = (await context.helpers.httpRequestWithAuthentication.call(
					context,
					credentialType,
					requestOptions,
				)) as FullResponse;
			} catch (error) {
				throw toTransportFailure(error);
			}
			try {
				return await answerOf(request, response);
			} catch (error) {
				throw toTransportFailure(error);
			}
		},
		close() {},
	};
}

/** See the module comment: n8n's legacy request helper, with certificate checks off. */
export function createLegacyRequestClient(
	helpers: ICredentialTestFunctions['helpers'],
	options: { baseUrl: string; timeoutMs: number },
): HttpClient {
	const baseUrl = trimBaseUrl(options.baseUrl);
	return {
		async send(request: HttpRequest): Promise<HttpResponse> {
			let response: FullResponse;
			try {
				response = (await helpers.request({
					method: request.method,
					uri: `${baseUrl}${request.path}${queryString(request.query)}`,
					body: serialize(request.body),
					headers: requestHeaders(request),
					json: false,
					resolveWithFullResponse: true,
					simple: false,
					followRedirect: false,
					rejectUnauthorized: false,
					timeout: options.timeoutMs || undefined,
				})) as FullResponse;
			} catch (error) {
				throw toTransportFailure(error);
			}
			return {
				status: response.statusCode,
				headers: headersOf(response.headers),
				body: parseBody(await textOf(response.body, MAX_ANSWER_BYTES)),
			};
		},
		close() {},
	};
}
