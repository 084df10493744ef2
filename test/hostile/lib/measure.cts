/**
 * What a case costs the test process (the node's client runs in it): CPU time by process.cpuUsage(), and
 * the memory it made the process hold, sampled every few milliseconds while the case runs. No wall-clock
 * time is measured or judged.
 *
 * A full garbage collection runs before each measurement, so garbage a previous case left is neither
 * collected on this case's CPU nor counted in its memory. Memory is the JavaScript heap plus external
 * memory (Buffers): what the process holds, unlike RSS, which keeps an earlier case's high-water mark.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface Cost {
	/** User + system CPU of the whole process during the work, in milliseconds. */
	cpuMs: number;
	/** The highest heap + external memory seen during the work minus before it, in MiB (0 when it never grew). */
	peakMemoryGrowthMiB: number;
	/** The same for the resident set size (reported, not judged: RSS keeps earlier high-water marks). */
	peakRssGrowthMiB: number;
}

const MIB = 1024 * 1024;
const SAMPLE_MS = 5;

setFlagsFromString('--expose-gc');
/** V8's gc(), exposed by the flag above in a fresh context. */
const collectGarbage = runInNewContext('gc') as () => void;

function held(): number {
	const { heapUsed, external } = process.memoryUsage();
	return heapUsed + external;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A full collection whose freed Buffers are really released (V8 sweeps ArrayBuffers after the collection). */
async function settleMemory(): Promise<void> {
	collectGarbage();
	await nextTurn();
	collectGarbage();
	await nextTurn();
}

export async function measure<T>(work: () => Promise<T>): Promise<{ result: T; cost: Cost }> {
	await settleMemory();
	const heldBefore = held();
	const rssBefore = process.memoryUsage.rss();
	let peakHeld = heldBefore;
	let peakRss = rssBefore;
	const sample = () => {
		const now = held();
		if (now > peakHeld) peakHeld = now;
		const rss = process.memoryUsage.rss();
		if (rss > peakRss) peakRss = rss;
	};
	const sampler = setInterval(sample, SAMPLE_MS);
	const cpuBefore = process.cpuUsage();
	try {
		const result = await work();
		sample();
		const cpu = process.cpuUsage(cpuBefore);
		return {
			result,
			cost: {
				cpuMs: (cpu.user + cpu.system) / 1000,
				peakMemoryGrowthMiB: Math.max(0, peakHeld - heldBefore) / MIB,
				peakRssGrowthMiB: Math.max(0, peakRss - rssBefore) / MIB,
			},
		};
	} finally {
		clearInterval(sampler);
	}
}
