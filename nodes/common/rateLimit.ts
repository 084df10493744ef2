/**
 * A limit on requests per second (option "Max Requests per Second"), for gateways that answer bursts with 429:
 * every attempt, retries included, takes a permit before it is sent. One limiter serves every execution that
 * uses the same credential in this n8n process (credentialState.ts), so the limit holds for a webhook
 * workflow that runs one execution per event.
 *
 * Two rules, because either alone fails the promise made to the user:
 * - Permits are spaced evenly (1/rate apart), so requests flow steadily instead of a burst at the start of
 *   every second. Timers fire late on a loaded machine; the schedule then catches up, but never by more
 *   than CATCH_UP_MS worth of permits, so the achieved rate stays close to the limit.
 * - No window of one second ever holds more than `rate` permits: the last `rate` grant times are kept,
 *   and a permit waits until the oldest of them is a second (and a margin) old. That bounds every catch-up
 *   and every late-firing timer burst.
 * Waiters are served first come, first served; a cancelled wait leaves the line at once.
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

interface Waiter {
	resolve: (granted: boolean) => void;
	signal?: AbortSignal;
	onAbort?: () => void;
}

function checkRate(perSecond: number): void {
	if (!(perSecond > 0) || !Number.isFinite(perSecond))
		throw new RangeError(`a rate limit must be a positive number, got ${perSecond}`);
}

export class RateLimiter {
	private interval: number;

	private capacity: number;

	/** Grant times of the last `capacity` permits, oldest first. */
	private readonly recent: number[] = [];

	/** When the even schedule allows the next permit. */
	private nextSlot = 0;

	/** Waiting in line, first come first served; the head is the one being served. */
	private readonly waiters: Waiter[] = [];

	private serving = false;

	/** Permits handed out (for tests and the benchmark). */
	granted = 0;

	/** How late the limiter's timers have fired lately (ms, decaying): the machine's scheduling jitter. */
	private lateness = 0;

	constructor(
		private rate: number,
		private readonly clock: RateLimiterClock = realClock,
	) {
		checkRate(rate);
		this.interval = SECOND_MS / rate;
		this.capacity = Math.max(1, Math.floor(rate));
	}

	get perSecond(): number {
		return this.rate;
	}

	/** Changes the rate from the next permit on (the strictest setting of the executions sharing it). */
	setRate(perSecond: number): void {
		checkRate(perSecond);
		if (perSecond === this.rate) return;
		this.rate = perSecond;
		this.interval = SECOND_MS / perSecond;
		this.capacity = Math.max(1, Math.floor(perSecond));
		// The window rule looks at the last `capacity` grants; older ones no longer matter.
		if (this.recent.length > this.capacity)
			this.recent.splice(0, this.recent.length - this.capacity);
	}

	/** Waits for a permit; resolves false (without a permit) as soon as the signal aborts. */
	take(signal?: AbortSignal): Promise<boolean> {
		if (signal?.aborted) return Promise.resolve(false);
		return new Promise<boolean>((resolve) => {
			const waiter: Waiter = { resolve, signal };
			if (signal) {
				waiter.onAbort = () => {
					const index = this.waiters.indexOf(waiter);
					if (index >= 0) this.waiters.splice(index, 1);
					resolve(false);
				};
				signal.addEventListener('abort', waiter.onAbort, { once: true });
			}
			this.waiters.push(waiter);
			if (!this.serving) void this.serve();
		});
	}

	/** Serves the line, one waiter at a time. */
	private async serve(): Promise<void> {
		this.serving = true;
		try {
			while (this.waiters.length > 0) {
				const head = this.waiters[0];
				const granted = await this.acquire(head.signal);
				if (this.waiters[0] === head) this.waiters.shift();
				if (head.onAbort) head.signal?.removeEventListener('abort', head.onAbort);
				// A waiter cancelled meanwhile was already answered false; resolving again does nothing.
				head.resolve(granted);
				// Let the waiter go on with its permit (send its request) before the next one is served.
				await Promise.resolve();
			}
		} finally {
			this.serving = false;
		}
	}

	private async acquire(signal?: AbortSignal): Promise<boolean> {
		for (;;) {
			if (signal?.aborted) return false;
			const now = this.clock.now();
			const window =
				SECOND_MS + Math.min(MAX_MARGIN_MS, Math.max(MIN_MARGIN_MS, 2 * this.lateness));
			const windowFree =
				this.recent.length < this.capacity
					? -Infinity
					: this.recent[this.recent.length - this.capacity] + window;
			// The first permit starts the schedule: there is no lost time to catch up yet.
			const slot = this.granted === 0 ? now : Math.max(this.nextSlot, now - CATCH_UP_MS);
			const at = Math.max(slot, windowFree);
			if (at <= now) {
				this.nextSlot = slot + this.interval;
				this.recent.push(now);
				if (this.recent.length > this.capacity) this.recent.shift();
				this.granted++;
				return true;
			}
			await this.clock.sleep(at - now, signal);
			this.lateness = Math.max(this.clock.now() - at, this.lateness * LATENESS_DECAY);
		}
	}
}
