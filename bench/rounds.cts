/**
 * How every bench times its paths: a warm-up, then ROUNDS rounds in which each path runs once, one after
 * another, then the median per path. Interleaving puts the node and its baseline under the same load
 * from the shared machine; the median drops the rounds a neighbour disturbed.
 */

export function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)];
}

/** One measured run of a path, resolving to its time in ms. */
export type TimedRun = () => Promise<number>;

export interface InterleavedOptions<Name extends string> {
	/**
	 * Before the first round, unmeasured: JIT, sockets, the engine's first-run costs. By default one run of
	 * each path, in the order given; a bench whose warm-up differs (smaller inputs, runs it must not
	 * count) passes its own.
	 */
	warmUp?: () => Promise<unknown>;
	/** Paths run only in the first N rounds: slow ones kept measurable without making the bench long. */
	roundsOf?: Partial<Record<Name, number>>;
}

/** The median time of each path over `rounds` interleaved rounds, the paths run in the order given. */
export async function interleavedMedians<Name extends string>(
	rounds: number,
	runners: Record<Name, TimedRun>,
	options: InterleavedOptions<Name> = {},
): Promise<Record<Name, number>> {
	const names = Object.keys(runners) as Name[];
	if (options.warmUp) await options.warmUp();
	else for (const name of names) await runners[name]();
	const times = new Map<Name, number[]>(names.map((name) => [name, []]));
	for (let round = 0; round < rounds; round++) {
		for (const name of names) {
			if (round < (options.roundsOf?.[name] ?? rounds))
				times.get(name)!.push(await runners[name]());
		}
	}
	return Object.fromEntries(names.map((name) => [name, median(times.get(name)!)])) as Record<
		Name,
		number
	>;
}
