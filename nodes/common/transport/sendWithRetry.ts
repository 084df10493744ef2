/**
 * Sends one request under the retry policy. The only place in the package that loops on a request.
 */
import type { HttpClient } from './httpClient';
import { toTransportFailure } from './httpClient';
import { decideRetry } from './retryPolicy';
import { TransportFailure, type AttemptOutcome, type HttpRequest, type HttpResponse, type RetryOptions } from './types';

export interface SendResult {
	/** The last answer, whatever its status; the caller maps non-2xx to an error. */
	response: HttpResponse;
	attempts: number;
}

/** Thrown when the last attempt got no answer at all; carries the attempt count for the error message. */
export class SendFailure extends Error {
	constructor(
		readonly failure: TransportFailure,
		readonly attempts: number,
	) {
		super(failure.message);
		this.name = 'SendFailure';
	}
}

/* eslint-disable @n8n/community-nodes/no-restricted-globals --
 * A backoff wait must end early when the execution is cancelled; n8n-workflow's `sleep` takes no signal. */
export async function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
	if (ms <= 0 || signal?.aborted) return;
	await new Promise<void>((resolve) => {
		const onAbort = () => {
			clearTimeout(timer);
			resolve();
		};
		const timer = setTimeout(() => {
			signal?.removeEventListener('abort', onAbort);
			resolve();
		}, ms);
		signal?.addEventListener('abort', onAbort, { once: true });
	});
}
/* eslint-enable @n8n/community-nodes/no-restricted-globals */

export interface SendOptions {
	retry: RetryOptions;
	signal?: AbortSignal;
	/** Called between attempts, e.g. to count retries in a benchmark or soak test. */
	onRetry?: (attempt: number, outcome: AttemptOutcome, delayMs: number) => void;
	random?: () => number;
	/**
	 * Called on a 401: renews the session (a new login or token) and says whether to send again.
	 * A 401 means the request was not processed, so one more try duplicates nothing; it is not counted
	 * against maxAttempts, and happens at most once per request.
	 */
	reauthenticate?: () => Promise<boolean>;
}

export async function sendWithRetry(client: HttpClient, request: HttpRequest, options: SendOptions): Promise<SendResult> {
	let reauthenticated = false;
	for (let attempt = 1; ; attempt++) {
		let outcome: AttemptOutcome;
		try {
			outcome = { type: 'response', response: await client.send(request) };
		} catch (error) {
			outcome = { type: 'failure', failure: toTransportFailure(error) };
		}
		if (outcome.type === 'response' && outcome.response.status === 401 && options.reauthenticate && !reauthenticated) {
			reauthenticated = true;
			if (await options.reauthenticate()) {
				attempt--;
				continue;
			}
		}
		const decision = decideRetry(outcome, attempt, options.retry, options.random);
		if (!decision.retry || options.signal?.aborted) {
			if (outcome.type === 'response') return { response: outcome.response, attempts: attempt };
			throw new SendFailure(outcome.failure, attempt);
		}
		options.onRetry?.(attempt, outcome, decision.delayMs);
		await abortableSleep(decision.delayMs, options.signal);
		if (options.signal?.aborted) {
			throw new SendFailure(new TransportFailure('aborted', 'ABORT_ERR', 'The request was canceled'), attempt);
		}
	}
}
