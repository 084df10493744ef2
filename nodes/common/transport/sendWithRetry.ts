/**
 * Sends one request under the retry policy. The only place in the package that loops on a request.
 */
import { abortableSleep } from '../abortableSleep';
import { toTransportFailure, type HttpClient } from './httpClient';
import { decideRetry } from './retryPolicy';
import {
	TransportFailure,
	type AttemptOutcome,
	type HttpRequest,
	type HttpResponse,
	type RetryOptions,
} from './types';

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

export interface SendOptions {
	retry: RetryOptions;
	signal?: AbortSignal;
}

/**
 * A client whose session can be renewed (see ../auth/apiClient.ts). On a 401 it is asked once per
 * request to renew; a 401 means the request was not processed, so sending again duplicates nothing, and
 * that extra try is not counted against maxAttempts.
 */
export interface RenewableClient extends Pick<HttpClient, 'send'> {
	renew?(): Promise<boolean>;
}

export async function sendWithRetry(
	client: RenewableClient,
	request: HttpRequest,
	options: SendOptions,
): Promise<SendResult> {
	let reauthenticated = false;
	for (let attempt = 1; ; attempt++) {
		let outcome: AttemptOutcome;
		try {
			outcome = { type: 'response', response: await client.send(request) };
		} catch (error) {
			outcome = { type: 'failure', failure: toTransportFailure(error) };
		}
		if (
			outcome.type === 'response' &&
			outcome.response.status === 401 &&
			client.renew &&
			!reauthenticated
		) {
			reauthenticated = true;
			if (await client.renew()) {
				attempt--;
				continue;
			}
		}
		const decision = decideRetry(outcome, attempt, options.retry);
		if (!decision.retry || options.signal?.aborted) {
			if (outcome.type === 'response') return { response: outcome.response, attempts: attempt };
			throw new SendFailure(outcome.failure, attempt);
		}
		await abortableSleep(decision.delayMs, options.signal);
		if (options.signal?.aborted) {
			throw new SendFailure(
				new TransportFailure('aborted', 'ABORT_ERR', 'The request was canceled'),
				attempt,
			);
		}
	}
}
