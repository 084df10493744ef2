/**
 * Ordered concurrency: tasks that share an ordering key run one after another in input order
 * (a "lane" per key); different keys run in parallel, at most `concurrency` at a time.
 * Results come back indexed by input position, so output order equals input order.
 */

export type TaskResult<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface OrderedRunOptions {
	/** Lanes running at once; 1 sends everything strictly in input order. */
	concurrency: number;
	/**
	 * Checked before each task starts: once it says stop, no further task starts (their result stays
	 * undefined), while tasks already running finish. Used to stop publishing after a failure when the
	 * node will fail anyway, and on cancellation.
	 */
	shouldStop?: () => boolean;
}

/**
 * Runs `task(index)` for every index of `keys` (one key per item; `undefined` marks an item to skip).
 * Never rejects: each result is captured per index.
 */
export async function runOrdered<T>(
	keys: ReadonlyArray<string | undefined>,
	task: (index: number) => Promise<T>,
	options: OrderedRunOptions,
): Promise<Array<TaskResult<T> | undefined>> {
	const lanes = new Map<string, number[]>();
	keys.forEach((key, index) => {
		if (key === undefined) return;
		const lane = lanes.get(key);
		if (lane) lane.push(index);
		else lanes.set(key, [index]);
	});

	const results: Array<TaskResult<T> | undefined> = new Array(keys.length).fill(undefined);
	const queue = [...lanes.values()];
	let next = 0;

	const worker = async () => {
		while (next < queue.length) {
			const lane = queue[next++];
			for (const index of lane) {
				if (options.shouldStop?.()) return;
				try {
					results[index] = { ok: true, value: await task(index) };
				} catch (error) {
					results[index] = { ok: false, error };
				}
			}
		}
	};

	const workers = Math.max(1, Math.min(options.concurrency, queue.length));
	await Promise.all(Array.from({ length: workers }, worker));
	return results;
}
