/** Max Requests per Second: the achieved rate and the one-second windows, on a virtual clock and a real one. */
import { readMaxRequestsPerSecond } from '../../nodes/common/options';
import { RateLimiter, type RateLimiterClock } from '../../nodes/common/rateLimit';
import { busiestSecond } from '../harness/rate.cjs';

/** A clock whose sleeps advance virtual time, late by what `lateness()` says (a loaded machine's timers). */
function virtualClock(
	lateness: () => number = () => 0,
): RateLimiterClock & { t: number; jump(ms: number): void } {
	const clock = {
		t: 0,
		now: () => clock.t,
		sleep: async (ms: number) => {
			clock.t += ms + lateness();
		},
		jump: (ms: number) => {
			clock.t += ms;
		},
	};
	return clock;
}

/** A seeded generator, so a failing case can be replayed. */
function seeded(seed: number): () => number {
	let state = seed;
	return () => {
		state = (state * 1103515245 + 12345) % 2 ** 31;
		return state / 2 ** 31;
	};
}

async function grant(
	limiter: RateLimiter,
	clock: { now(): number },
	count: number,
	inFlight = 16,
	between?: (n: number) => void,
) {
	const times: number[] = [];
	let next = 0;
	const worker = async () => {
		while (next < count) {
			const n = next++;
			between?.(n);
			expect(await limiter.take()).toBe(true);
			times.push(clock.now());
		}
	};
	await Promise.all(Array.from({ length: inFlight }, worker));
	return times.sort((a, b) => a - b);
}

describe.each([50, 200, 1000])('at %i per second', (rate) => {
	test('2,000 permits with punctual timers: the achieved rate is the limit, no second holds more', async () => {
		const clock = virtualClock();
		const times = await grant(new RateLimiter(rate, clock), clock, 2000);
		const achieved = ((times.length - 1) * 1000) / (times[times.length - 1] - times[0]);
		expect(Math.abs(achieved - rate) / rate).toBeLessThan(0.05);
		expect(busiestSecond(times)).toBeLessThanOrEqual(rate);
	});

	test('timers that fire up to 5 ms late: still within 5 % of the limit, and no second over it', async () => {
		const random = seeded(rate);
		const clock = virtualClock(() => random() * 5);
		const times = await grant(new RateLimiter(rate, clock), clock, 2000);
		const achieved = ((times.length - 1) * 1000) / (times[times.length - 1] - times[0]);
		expect(Math.abs(achieved - rate) / rate).toBeLessThan(0.05);
		expect(busiestSecond(times)).toBeLessThanOrEqual(rate);
	});

	test('a busy machine: timers up to 40 ms late and requests reaching the server up to 40 ms after their permit; no server second over the limit + 1', async () => {
		const random = seeded(rate + 1);
		const clock = virtualClock(() => random() * 40);
		const times = await grant(new RateLimiter(rate, clock), clock, 2000);
		// What the server counts: each request arrives some time after its permit, as late as the process's timers run.
		const arrivals = times.map((time) => time + random() * 40).sort((a, b) => a - b);
		expect(busiestSecond(arrivals)).toBeLessThanOrEqual(rate + 1);
		// The price is rate, not bursts: still within 10 % of the limit.
		const achieved = ((times.length - 1) * 1000) / (times[times.length - 1] - times[0]);
		expect(achieved).toBeGreaterThan(rate * 0.9);
		expect(achieved).toBeLessThanOrEqual(rate);
	});
});

test('after a 300 ms stall the limiter catches up a little, never into a burst over the limit', async () => {
	const clock = virtualClock();
	const limiter = new RateLimiter(100, clock);
	const times = await grant(limiter, clock, 600, 8, (n) => n === 250 && clock.jump(300));
	expect(busiestSecond(times)).toBeLessThanOrEqual(100);
	// The lost 300 ms are not made up beyond the catch-up allowance: 600 permits take about 6.3 s.
	expect(times[times.length - 1] - times[0]).toBeGreaterThan(6000);
});

test('a cancelled wait gives up its turn at once and takes no permit; the others go on', async () => {
	const clock = virtualClock();
	const limiter = new RateLimiter(10, clock);
	expect(await limiter.take()).toBe(true);
	const cancelled = new AbortController();
	cancelled.abort();
	expect(await limiter.take(cancelled.signal)).toBe(false);
	expect(await limiter.take()).toBe(true);
	expect(limiter.granted).toBe(2);
});

test('a rate that is not a positive number is refused', () => {
	expect(() => new RateLimiter(0)).toThrow(RangeError);
	expect(() => new RateLimiter(Number.NaN)).toThrow(RangeError);
});

test('on the real clock, 51 permits at 50 per second cannot all be had within the first second', async () => {
	const limiter = new RateLimiter(50);
	const started = performance.now();
	for (let i = 0; i < 51; i++) await limiter.take();
	// A lower bound only (a loaded machine makes it slower, never faster): the window rule holds for real timers.
	expect(performance.now() - started).toBeGreaterThanOrEqual(1000 - 1);
});

test('cancelling while waiting ends the wait at once on the real clock', async () => {
	const limiter = new RateLimiter(1);
	expect(await limiter.take()).toBe(true);
	const controller = new AbortController();
	const waiting = limiter.take(controller.signal);
	setTimeout(() => controller.abort(), 20);
	expect(await waiting).toBe(false);
	expect(limiter.granted).toBe(1);
});

test('the option: 0 (the default), empty or not a number means no limit; a positive number is the rate', () => {
	for (const none of [0, -1, undefined, '', '5', Number.NaN, Number.POSITIVE_INFINITY])
		expect(readMaxRequestsPerSecond({ maxRequestsPerSecond: none })).toBeUndefined();
	expect(readMaxRequestsPerSecond({})).toBeUndefined();
	expect(readMaxRequestsPerSecond({ maxRequestsPerSecond: 2.5 })).toBe(2.5);
});
