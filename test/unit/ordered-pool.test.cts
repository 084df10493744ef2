import { runOrdered } from '../../nodes/common/orderedPool';

/** A task that resolves after a few microtask turns, with a per-index jitter, and records start/end. */
function recorder() {
	const events: string[] = [];
	let running = 0;
	let maxRunning = 0;
	const task = async (index: number) => {
		running++;
		maxRunning = Math.max(maxRunning, running);
		events.push(`start ${index}`);
		for (let i = 0; i < (index * 7) % 5; i++) await new Promise((resolve) => setImmediate(resolve));
		events.push(`end ${index}`);
		running--;
		return index * 10;
	};
	return { events, task, maxRunning: () => maxRunning };
}

test('same key runs strictly in input order, one at a time', async () => {
	const { events, task } = recorder();
	const keys = ['a', 'b', 'a', 'c', 'a', 'b'];
	const results = await runOrdered(keys, task, { concurrency: 8 });
	expect(results.map((result) => (result?.ok ? result.value : undefined))).toEqual([
		0, 10, 20, 30, 40, 50,
	]);
	for (const key of ['a', 'b', 'c']) {
		const indices = keys.flatMap((k, i) => (k === key ? [i] : []));
		const order = events.filter((event) => indices.includes(Number(event.split(' ')[1])));
		// start i, end i, start j, end j ...: never two of one key in flight.
		expect(order).toEqual(indices.flatMap((i) => [`start ${i}`, `end ${i}`]));
	}
});

test('different keys overlap, up to the concurrency limit and no further', async () => {
	const many = recorder();
	await runOrdered(
		Array.from({ length: 40 }, (_, i) => `k${i}`),
		many.task,
		{ concurrency: 4 },
	);
	expect(many.maxRunning()).toBe(4);

	const one = recorder();
	await runOrdered(
		Array.from({ length: 10 }, () => 'same'),
		one.task,
		{ concurrency: 4 },
	);
	expect(one.maxRunning()).toBe(1);
});

test('a failing task is captured for its index; its lane goes on', async () => {
	const results = await runOrdered(
		['a', 'a', 'a'],
		async (index) => {
			if (index === 1) throw new Error('boom');
			return index;
		},
		{ concurrency: 2 },
	);
	expect(results[0]).toEqual({ ok: true, value: 0 });
	expect(results[1]).toMatchObject({
		ok: false,
		error: expect.objectContaining({ message: 'boom' }),
	});
	expect(results[2]).toEqual({ ok: true, value: 2 });
});

test('undefined keys are skipped; shouldStop stops new tasks but lets running ones finish', async () => {
	const started: number[] = [];
	let stop = false;
	const results = await runOrdered(
		['a', undefined, 'a', 'a'],
		async (index) => {
			started.push(index);
			if (index === 2) stop = true;
			return index;
		},
		{ concurrency: 1, shouldStop: () => stop },
	);
	expect(started).toEqual([0, 2]);
	expect(results).toEqual([{ ok: true, value: 0 }, undefined, { ok: true, value: 2 }, undefined]);
});

test('lanes take turns, so the pool stays full while more lanes than workers have tasks left', async () => {
	// 5 keys of 4 tasks each on 4 workers, every task as long as the others. Keeping one lane to its end
	// would run the fifth lane alone after the first four (4 rounds at 4 in flight, then 4 rounds at 1);
	// taking turns keeps 4 in flight until the last round.
	const keys = Array.from({ length: 20 }, (_, i) => `k${i % 5}`);
	let running = 0;
	const inFlightAtStart: number[] = [];
	const results = await runOrdered(
		keys,
		async (index) => {
			running++;
			inFlightAtStart.push(running);
			await new Promise((resolve) => setImmediate(resolve));
			running--;
			return index;
		},
		{ concurrency: 4 },
	);
	expect(results.every((result, index) => result?.ok && result.value === index)).toBe(true);
	// The workers start one by one (1, 2, 3), then every task starts beside three others. Keeping a lane to
	// its end gives ..., 4, 1, 1, 1: the fifth lane's last tasks alone.
	expect(inFlightAtStart).toEqual([1, 2, 3, ...Array.from({ length: 17 }, () => 4)]);
});
