/**
 * Types shared by the transport: what a node asks for, what comes back, and how a request can fail.
 * Nothing here knows about a particular API.
 */

export type HttpMethod = 'GET' | 'POST';

export interface HttpRequest {
	method: HttpMethod;
	/** Path below the client's base URL, already URL-encoded where it carries user input. */
	path: string;
	query?: Record<string, string | number>;
	/** A string is sent as is (already serialized JSON); anything else is JSON-serialized. */
	body?: unknown;
	headers?: Record<string, string>;
	/** A 2xx answer's body is handed back unread, as a byte stream (Server-Sent Events). */
	stream?: boolean;
	/** Aborts this request only (e.g. a streamed reply's idle watchdog), besides the client's own signal. */
	signal?: AbortSignal;
}

export interface HttpResponse<T = unknown> {
	status: number;
	headers: Record<string, string | undefined>;
	/**
	 * Parsed JSON when the body was JSON, the raw text otherwise ('' when empty); for a 2xx answer to a
	 * `stream` request, the unread body as a `ReadableStream<Uint8Array>` (what `fetch` gives).
	 */
	body: T;
}

/**
 * Why a request got no usable HTTP answer. The distinction matters for publishing: a refused connection
 * surely sent nothing; a reset, a timeout, a malformed or an oversized answer may come after the server
 * accepted the message. 'invalid' is a request refused before it was sent (a header HTTP does not allow).
 */
export type TransportFailureKind =
	| 'refused'
	| 'reset'
	| 'timeout'
	| 'aborted'
	| 'network'
	| 'malformed'
	| 'tooLarge'
	| 'invalid';

/** Failures after which the server may have processed the request (it was sent, the answer was lost). */
export const MAY_HAVE_ARRIVED: ReadonlySet<TransportFailureKind> = new Set([
	'reset',
	'timeout',
	'malformed',
	'tooLarge',
]);

export class TransportFailure extends Error {
	constructor(
		readonly kind: TransportFailureKind,
		/** The socket-level code (ECONNREFUSED, ECONNRESET, ...), never anything from the request. */
		readonly code: string,
		message: string,
		/** What the HTTP parser said of the server's bytes ("Chunk size overflow"), for a malformed answer. */
		readonly detail?: string,
	) {
		super(message);
		this.name = 'TransportFailure';
	}
}

/** The outcome of one attempt, as the retry policy sees it. */
export type AttemptOutcome =
	| { type: 'response'; response: HttpResponse }
	| { type: 'failure'; failure: TransportFailure };

export interface RetryOptions {
	/** Attempts in all, the first included. 1 disables retries. */
	maxAttempts: number;
	/** Also retry 5xx answers and failures after which the server may have processed the request. */
	retryOnServerErrors: boolean;
	/** First backoff step; each further attempt doubles it (full jitter: a random wait up to the step). */
	baseDelayMs: number;
	/** Upper bound of any wait, a server's Retry-After included; a longer Retry-After ends the retries. */
	maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = {
	maxAttempts: 3,
	retryOnServerErrors: false,
	baseDelayMs: 200,
	maxDelayMs: 30_000,
};

/** What every transport offers; none throws for an HTTP status, all throw TransportFailures. */
export interface HttpClient {
	send(request: HttpRequest): Promise<HttpResponse>;
	/** Ends the client's hold on the execution; it must not be used afterwards. */
	close(): void;
	/** True when the transport adds the credential's headers itself (n8n's authenticated helper). */
	readonly authenticates?: boolean;
}
