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
	/** A 2xx answer's body is handed back unread, as a Readable (Server-Sent Events). */
	stream?: boolean;
	/** Aborts this request only (e.g. a streamed reply's idle watchdog), besides the client's own signal. */
	signal?: AbortSignal;
}

export interface HttpResponse<T = unknown> {
	status: number;
	headers: Record<string, string | undefined>;
	/** Parsed JSON when the body was JSON, the raw text otherwise ('' when empty). */
	body: T;
}

/**
 * Why a request got no HTTP answer. The distinction matters for publishing: a refused connection
 * surely sent nothing; a reset or a timeout may have happened after the server accepted the message.
 */
export type TransportFailureKind = 'refused' | 'reset' | 'timeout' | 'aborted' | 'network';

export class TransportFailure extends Error {
	constructor(
		readonly kind: TransportFailureKind,
		/** The socket-level code (ECONNREFUSED, ECONNRESET, ...), never anything from the request. */
		readonly code: string,
		message: string,
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
