/**
 * One AbortSignal per streamed request that fires on the first of: the execution being cancelled, no
 * bytes for `idleMs`, or `overallMs` since the start. The request and the body reader both listen to it,
 * so every way a stream can stop waiting goes through one mechanism, and `reason` says which one it was.
 */
/* eslint-disable @n8n/community-nodes/no-restricted-globals --
 * An idle watchdog needs a timer that is re-armed on every chunk; n8n-workflow's sleep/sleepWithAbort
 * cannot be re-armed. Timers live here, in the shared layer, and are always cleared by dispose(). */

export type StopReason = 'cancelled' | 'idle' | 'overall';

export interface Watchdog {
	signal: AbortSignal;
	/** Bytes arrived: re-arms the idle timer. */
	touch(): void;
	/** Why the signal fired, or undefined while it has not. */
	readonly reason: StopReason | undefined;
	/** Clears the timers and stops listening to the parent signal. */
	dispose(): void;
}

export function startWatchdog(options: { idleMs: number; overallMs: number; parent?: AbortSignal }): Watchdog {
	const controller = new AbortController();
	let reason: StopReason | undefined;
	const stop = (why: StopReason) => {
		if (reason !== undefined) return;
		reason = why;
		clearTimeout(idleTimer);
		clearTimeout(overallTimer);
		controller.abort(why);
	};
	const idleTimer = options.idleMs > 0 ? setTimeout(() => stop('idle'), options.idleMs) : undefined;
	const overallTimer = options.overallMs > 0 ? setTimeout(() => stop('overall'), options.overallMs) : undefined;
	const onParentAbort = () => stop('cancelled');
	if (options.parent?.aborted) stop('cancelled');
	else options.parent?.addEventListener('abort', onParentAbort, { once: true });

	return {
		signal: controller.signal,
		// refresh() re-arms the same timer without allocating: this runs once per chunk.
		touch: () => {
			if (reason === undefined) idleTimer?.refresh();
		},
		get reason() {
			return reason;
		},
		dispose: () => {
			clearTimeout(idleTimer);
			clearTimeout(overallTimer);
			options.parent?.removeEventListener('abort', onParentAbort);
		},
	};
}
/* eslint-enable @n8n/community-nodes/no-restricted-globals */
