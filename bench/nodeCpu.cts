/**
 * CPU spent per item for the Quiva node in a real n8n, whatever the machine's load, by thread: runs of the
 * node alone less runs of the same workflow with No Operation in its place (both include n8n's own handling
 * of the execution, saving it too), alternated, from /proc at 10 ms resolution. The bench's own process runs
 * the simulator (and the TLS front, for HTTPS) and reads each run's output. On a machine with two CPUs their
 * sum is what bounds the node's time.
 */
import type { E2ESession } from '../test/e2e/lib/session.cjs';
import { threadCpuMs } from './processMemory.cjs';
import { quivaOnlyWorkflow } from './scaling.cjs';

/** Runs of each workflow: /proc counts in 10 ms ticks, a run takes a few hundred ms. */
export const CPU_RUNS = 3;
/** The n8n process's threads (processMemory.ts) and the bench's own process. */
const CPU_KINDS = ['main', 'v8Helpers', 'other', 'bench'] as const;
type CpuKind = (typeof CPU_KINDS)[number];
const emptyCpu = (): Record<CpuKind, number> => ({ main: 0, v8Helpers: 0, other: 0, bench: 0 });

/** µs per item by kind of thread; `n8n` is the n8n process's sum (main + V8 helpers + other). */
export type NodeCpu = Record<CpuKind | 'n8n', number>;

/** The workflows run with the quivaApi credential added last (so its Base URL: HTTP or HTTPS). */
export async function nodeCpuPerItem(
	session: E2ESession,
	items: number,
	stream: string,
): Promise<NodeCpu> {
	const cpuOf = async (target: 'quiva' | 'noop'): Promise<Record<CpuKind, number>> => {
		const before = threadCpuMs(session.server.pid);
		const benchBefore = process.cpuUsage();
		const run = await session.runWorkflow(quivaOnlyWorkflow(session, items, stream, target));
		if (run.error) throw new Error(`the CPU measuring workflow failed: ${run.error.message}`);
		const after = threadCpuMs(session.server.pid);
		const bench = process.cpuUsage(benchBefore);
		return {
			main: after.main - before.main,
			v8Helpers: after.v8Helpers - before.v8Helpers,
			other: after.other - before.other,
			bench: (bench.user + bench.system) / 1000,
		};
	};
	// One unmeasured run first (the workflow is new to n8n).
	await cpuOf('quiva');
	const sample = { quiva: emptyCpu(), noop: emptyCpu() };
	for (let run = 0; run < CPU_RUNS; run++) {
		for (const target of ['quiva', 'noop'] as const) {
			const used = await cpuOf(target);
			for (const kind of CPU_KINDS) sample[target][kind] += used[kind];
		}
	}
	const perItemUs = (kind: CpuKind) =>
		((sample.quiva[kind] - sample.noop[kind]) / CPU_RUNS / items) * 1000;
	const cpu = {
		main: perItemUs('main'),
		v8Helpers: perItemUs('v8Helpers'),
		other: perItemUs('other'),
		bench: perItemUs('bench'),
	};
	return { ...cpu, n8n: cpu.main + cpu.v8Helpers + cpu.other };
}

/** "n8n process for our node 80 µs (JavaScript thread 60, V8 helper threads 15, other threads 5; ...)". */
export function formatNodeCpu(cpu: NodeCpu, benchWords: string): string {
	return (
		`n8n process for our node ${cpu.n8n.toFixed(0)} µs ` +
		`(JavaScript thread ${cpu.main.toFixed(0)}, V8 helper threads ${cpu.v8Helpers.toFixed(0)}, other threads ${cpu.other.toFixed(0)}; ` +
		`runs of the node alone − runs with No Operation instead, ${CPU_RUNS} each), the bench's process meanwhile (${benchWords}) ${cpu.bench.toFixed(0)} µs`
	);
}
