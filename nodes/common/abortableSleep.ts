/**
 * A wait that ends at once when the execution is cancelled: retry backoff, the rate limiter's turn, the
 * delivery check's rounds. n8n-workflow's `sleep` takes no signal.
 */
/* eslint-disable @n8n/community-nodes/no-restricted-globals -- timers are the point of this module */
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
