/**
 * A limit on requests per second across one execution (option "Max Requests per Second"), for gateways that
 * answer bursts with 429: every attempt, retries included, takes a permit before it is sent.
 *
 * Two rules, because either alone fails the promise made to the user:
 * - Permits are spaced evenly (1/rate apart), so requests flow steadily instead of a burst at the start of
 *   every second. Timers fire late on a loaded machine; the schedule then catches up, but never by more
 *   than CATCH_UP_MS worth of permits, so the achieved rate stays close to the limit.
 * - No window of one second ever holds more than `rate` permits: the last `rate` grant times are kept,
 *   and a permit waits until the oldest of them is a second (and a margin, WINDOW_MS) old. That bounds
 *   every catch-up and every late-firing timer burst.
 * Waiters are served first come, first served; a cancelled wait gives up its turn at once.
 */

import { abortableSleep } from './abortableSleep';

/** How far behind its even schedule the limiter may run before it forgets the lost time. */
const CATCH_UP_MS = 50;
/**
 * The window the last `rate` grants must fit is a second and a margin, because a request reaches the server
 * some milliseconds after its permit, not always the same number, and the promise is about what the server
 * sees. On a quiet machine that is a few milliseconds and the least margin costs 2 % of the rate, within the
 * 5 % the option allows. On a busy one the process is not scheduled for tens of milliseconds at a time, so
 * requests leave (and arrive) bunched by that much: the margin follows how late the limiter's own timers
 * fire (twice the recent worst), up to MAX_MARGIN_MS. Then the rate falls short of the limit by a few per
 * cent more, rather than a gateway counting more than the limit in one second.
 */
const MIN_MARGIN_MS = 20;
const MAX_MARGIN_MS = 100;
/** How fast the remembered lateness fades, per timer: after about 45 punctual ones it is a tenth. */
const LATENESS_DECAY = 0.95;
const SECOND_MS = 1000;

export interface RateLimiterClock {
	now(): number;
	/** Resolves after `ms`, or early when the signal aborts. */
	sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

const realClock: RateLimiterClock = { now: () => performance.now(), sleep: abortableSleep };

export class RateLimiter {
	private readonly interval: number;

	/** Grant times of the last `rate` permits, as a ring. */
	private readonly recent: number[] = [];

	private oldest = 0;

	/** When the even schedule allows the next permit. */
	private nextSlot = 0;

	/** The previous waiter's turn; each take() queues behind it. */
	private queue: Promise<void> = Promise.resolve();

	/** Permits handed out (for tests and the benchmark). */
	granted = 0;

	/** How late the limiter's timers have fired lately (ms, decaying): the machine's scheduling jitter. */
	private lateness = 0;

	constructor(
		readonly perSecond: number,
		private readonly clock: RateLimiterClock = realClock,
	) {
		if (!(perSecond > 0) || !Number.isFinite(perSecond)) throw new RangeError(`a rate limit must be a positive number, got ${perSecond}`);
		this.interval = SECOND_MS / perSecond;
	}

	/** Waits for a permit; returns false (without a permit) when the signal aborted first. */
	take(signal?: AbortSignal): Promise<boolean> {
		const turn = this.queue.then(() => this.acquire(signal));
		this.queue = turn.then(
			() => undefined,
			() => undefined,
		);
		return turn;
	}

	private async acquire(signal?: AbortSignal): Promise<boolean> {
		const capacity = Math.max(1, Math.floor(this.perSecond));
		for (;;) {
			if (signal?.aborted) return false;
			const now = this.clock.now();
			const window = SECOND_MS + Math.min(MAX_MARGIN_MS, Math.max(MIN_MARGIN_MS, 2 * this.lateness));
			const windowFree = this.recent.length < capacity ? -Infinity : this.recent[this.oldest] + window;
			// The first permit starts the schedule: there is no lost time to catch up yet.
			const slot = this.granted === 0 ? now : Math.max(this.nextSlot, now - CATCH_UP_MS);
			const at = Math.max(slot, windowFree);
			if (at <= now) {
				this.nextSlot = slot + this.interval;
				if (this.recent.length < capacity) this.recent.push(now);
				else {
					this.recent[this.oldest] = now;
					this.oldest = (this.oldest + 1) % capacity;
				}
				this.granted++;
				return true;
			}
			await this.clock.sleep(at - now, signal);
			this.lateness = Math.max(this.clock.now() - at, this.lateness * LATENESS_DECAY);
		}
	}
}
