/**
 * One AbortSignal per streamed request that fires on the first of: the execution being cancelled, no
 * bytes for `idleMs`, or `overallMs` since the start. The request and the body reader both listen to it,
 * so every way a stream can stop waiting goes through one mechanism, and `reason` says which one it was.
 *
 * No timer is re-armed per chunk: a chunk only notes the time (`touch`), and one wait at a time checks
 * when the stream last moved, sleeping until the earliest moment it could have been idle too long.
 */
import { abortableSleep } from '../abortableSleep';

export type StopReason = 'cancelled' | 'idle' | 'overall';

export interface Watchdog {
	signal: AbortSignal;
	/** Bytes arrived: the idle time starts again. */
	touch(): void;
	/** Why the signal fired, or undefined while it has not. */
	readonly reason: StopReason | undefined;
	/** Ends the waits and stops listening to the parent signal. */
	dispose(): void;
}

export function startWatchdog(options: {
	idleMs: number;
	overallMs: number;
	parent?: AbortSignal;
}): Watchdog {
	const controller = new AbortController();
	// Ends the watchdog's own waits, on dispose or once the signal fired.
	const done = new AbortController();
	let reason: StopReason | undefined;
	let lastBytes = performance.now();
	const stop = (why: StopReason) => {
		if (reason !== undefined || done.signal.aborted) return;
		reason = why;
		done.abort();
		controller.abort(why);
	};
	const onParentAbort = () => stop('cancelled');
	if (options.parent?.aborted) stop('cancelled');
	else options.parent?.addEventListener('abort', onParentAbort, { once: true });

	if (options.overallMs > 0) {
		void abortableSleep(options.overallMs, done.signal).then(() => stop('overall'));
	}
	if (options.idleMs > 0) {
		void (async () => {
			while (!done.signal.aborted) {
				const due = lastBytes + options.idleMs - performance.now();
				if (due <= 0) return stop('idle');
				await abortableSleep(due, done.signal);
			}
		})();
	}

	return {
		signal: controller.signal,
		touch: () => {
			lastBytes = performance.now();
		},
		get reason() {
			return reason;
		},
		dispose: () => {
			done.abort();
			options.parent?.removeEventListener('abort', onParentAbort);
		},
	};
}
