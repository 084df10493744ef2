/**
 * What a request that got no usable answer failed of, in the package's words: a TransportFailure with a
 * kind (which decides retries and whether the server may have the message), a code for the details and
 * a message built here. Nothing of the request (URL, headers, body) is copied from the error thrown.
 *
 * `fetch` rejects with `TypeError('fetch failed')` (or 'terminated' while a body is read) whose `cause` says
 * what happened: a Node socket error (ECONNREFUSED...), an undici error (UND_ERR_SOCKET, UND_ERR_HEADERS_OVERFLOW,
 * UND_ERR_RES_CONTENT_LENGTH_MISMATCH), llhttp's HTTPParserError for an answer that is not valid HTTP/1.1, a
 * TLS error (CERT_HAS_EXPIRED...). n8n's helper (axios) throws errors with a `code`.
 */
import { causeChain, socketCode } from './socketCode';
import { TransportFailure, type TransportFailureKind } from './types';

const KINDS: Record<string, TransportFailureKind> = {
	ECONNREFUSED: 'refused',
	ECONNRESET: 'reset',
	EPIPE: 'reset',
	ECONNABORTED: 'timeout',
	ETIMEDOUT: 'timeout',
	UND_ERR_CONNECT_TIMEOUT: 'timeout',
	UND_ERR_HEADERS_TIMEOUT: 'timeout',
	UND_ERR_BODY_TIMEOUT: 'timeout',
	ERR_CANCELED: 'aborted',
	ABORT_ERR: 'aborted',
	ERR_INVALID_HTTP_RESPONSE: 'malformed',
	UND_ERR_HEADERS_OVERFLOW: 'malformed',
	UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'malformed',
	UND_ERR_RES_EXCEEDED_MAX_SIZE: 'tooLarge',
	ERR_RESPONSE_TOO_LARGE: 'tooLarge',
	ERR_INVALID_CHAR: 'invalid',
	ERR_INVALID_URL: 'invalid',
};

const MESSAGES: Record<TransportFailureKind, string> = {
	refused: 'The server refused the connection',
	reset: 'The connection was closed before the server answered',
	timeout: 'The server did not answer in time',
	// n8n marks an execution "canceled" (not "error", no error workflow) only when the error message
	// contains "canceled", in this spelling (WorkflowExecute.processSuccessExecution).
	aborted: 'The request was canceled',
	network: 'The request failed on the network',
	malformed: 'The server sent an answer that is not valid HTTP',
	tooLarge: 'The server sent an answer too large to read',
	invalid: 'The request was not sent: a header or the URL holds a character HTTP does not allow',
};

/** The failure of a given kind, with the package's words for it. */
export function transportFailure(
	kind: TransportFailureKind,
	code: string,
	detail?: string,
): TransportFailure {
	return new TransportFailure(kind, code, MESSAGES[kind], detail);
}

/**
 * undici reports most broken answers as a SocketError (UND_ERR_SOCKET) whose message says which: "other side
 * closed" is a connection closed early, anything else ("bad response", "bad upgrade", "response before
 * request") is an answer it refused to read.
 */
function codeOf(error: unknown): string | undefined {
	for (const candidate of causeChain(error)) {
		const { name, code, message } = candidate as {
			name?: unknown;
			code?: unknown;
			message?: unknown;
		};
		if (name === 'HTTPParserError') return 'ERR_INVALID_HTTP_RESPONSE';
		if (code === 'UND_ERR_SOCKET')
			return /closed|reset/i.test(String(message)) ? 'ECONNRESET' : 'ERR_INVALID_HTTP_RESPONSE';
		if (name === 'TimeoutError') return 'ETIMEDOUT';
		if (name === 'AbortError') return 'ABORT_ERR';
		// fetch validates headers before sending; its message quotes the value, which is never copied.
		if (
			name === 'TypeError' &&
			/header/i.test(String(message)) &&
			(candidate as { cause?: unknown }).cause === undefined
		)
			return 'ERR_INVALID_CHAR';
	}
	return socketCode(error);
}

/**
 * llhttp's reason for refusing an answer ("Invalid header value char", "Chunk size overflow"): words of the
 * parser about the server's bytes, safe to show, and what tells a user (or the server's operator) what is
 * wrong.
 */
export function parserReason(error: unknown): string | undefined {
	for (const candidate of causeChain(error)) {
		const { name, message } = candidate as { name?: unknown; message?: unknown };
		if (name !== 'HTTPParserError' && (candidate as { code?: unknown }).code !== 'UND_ERR_SOCKET')
			continue;
		const reason =
			/\(([^()]{1,80})\)\s*$/.exec(String(message))?.[1] ?? String(message).slice(0, 80);
		return reason;
	}
	return undefined;
}

/** Turns whatever a client threw into a TransportFailure without copying request details. */
export function toTransportFailure(error: unknown): TransportFailure {
	if (error instanceof TransportFailure) return error;
	const code = codeOf(error) ?? 'ERR_NETWORK';
	const kind = KINDS[code] ?? 'network';
	return transportFailure(kind, code, kind === 'malformed' ? parserReason(error) : undefined);
}
