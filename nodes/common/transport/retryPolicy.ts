/**
 * The one retry policy of the package, as pure functions (no timers, no I/O) so it is tested by tables.
 *
 * Publishing is not idempotent: neither the quiva gateway nor Kapua takes a deduplication key. So by
 * default only what surely did not reach the server is retried: a refused connection, a 429, and a 503
 * that says when to come back. "Retry on server errors" adds other 5xx, resets and timeouts for users
 * who accept at-least-once delivery.
 */
import type { AttemptOutcome, HttpResponse, RetryOptions } from './types';

export type RetryDecision = { retry: false } | { retry: true; delayMs: number };

/** Seconds from a Retry-After header (delta-seconds or HTTP-date) or a body's retry_after / retryAfter. */
export function retryAfterMs(response: HttpResponse, now: number = Date.now()): number | undefined {
	const header = response.headers['retry-after'];
	if (header !== undefined && header.trim() !== '') {
		const seconds = Number(header);
		if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
		const date = Date.parse(header);
		if (!Number.isNaN(date)) return Math.max(0, date - now);
	}
	const body = response.body;
	if (body !== null && typeof body === 'object') {
		const record = body as Record<string, unknown>;
		const value = record.retry_after ?? record.retryAfter;
		const seconds = typeof value === 'string' ? Number(value) : value;
		if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0) {
			return Math.round(seconds * 1000);
		}
	}
	return undefined;
}

/** Exponential backoff with full jitter: a random wait in [0, min(max, base * 2^(attempt-1))]. */
export function backoffMs(
	attempt: number,
	options: RetryOptions,
	random: () => number = Math.random,
): number {
	const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
	return Math.floor(random() * ceiling);
}

/**
 * Decides whether to try again after `attempt` attempts (1 = the first) ended with `outcome`.
 * Successful answers and client errors other than 429 are never retried.
 */
export function decideRetry(
	outcome: AttemptOutcome,
	attempt: number,
	options: RetryOptions,
	random: () => number = Math.random,
	now: number = Date.now(),
): RetryDecision {
	if (attempt >= options.maxAttempts) return { retry: false };

	if (outcome.type === 'failure') {
		const { kind } = outcome.failure;
		if (kind === 'aborted' || kind === 'invalid') return { retry: false };
		if (kind === 'refused') return { retry: true, delayMs: backoffMs(attempt, options, random) };
		// A reset, timeout or other network failure may come after the server accepted the request.
		return options.retryOnServerErrors
			? { retry: true, delayMs: backoffMs(attempt, options, random) }
			: { retry: false };
	}

	const { status } = outcome.response;
	if (status < 500 && status !== 429) return { retry: false };

	const serverWait = retryAfterMs(outcome.response, now);
	// 429 always means "not processed"; a 503 is taken as such only when it says when to come back.
	const surelyNotProcessed = status === 429 || (status === 503 && serverWait !== undefined);
	if (!surelyNotProcessed && !options.retryOnServerErrors) return { retry: false };

	if (serverWait !== undefined) {
		// Waiting longer than the cap would stall the workflow; report the server's answer instead.
		return serverWait <= options.maxDelayMs
			? { retry: true, delayMs: serverWait }
			: { retry: false };
	}
	return { retry: true, delayMs: backoffMs(attempt, options, random) };
}
