/**
 * A wait that ends at once when the execution is cancelled: retry backoff, the rate limiter's turn, the
 * delivery check's rounds, the stream watchdog. n8n-workflow's `sleep` takes the signal and clears its timer
 * when it fires; it rejects then, and this resolves instead: every caller checks its signal after waiting.
 */
import { sleep } from 'n8n-workflow';

export async function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
	if (ms <= 0 || signal?.aborted) return;
	try {
		await sleep(ms, signal);
	} catch {
		// Aborted: the caller sees it on its signal.
	}
}
