/**
 * Max Requests per Second (`npm run bench:options`), measured where it is promised, at the simulator, with
 * the node in a real n8n 2.41 (its own process, installed from the package tarball), so the arrival times
 * are not skewed by the node's own event loop. 2,000 items over 20 subjects at 50, 200 and 1,000 per
 * second: the achieved rate (requests after the first / time from first to last arrival) must be within
 * 5 % of the limit, and no one-second window of arrivals may hold more than the limit plus one.
 */
import { openSession, type E2ESession } from '../test/e2e/lib/session.cjs';
import type { WorkflowJson } from '../test/e2e/lib/restApi.cjs';
import { quivaCredentialData } from '../test/simulators/credentials.cjs';
import { startQuivaSimulator, type QuivaSimulator } from '../test/simulators/quiva.cjs';
import { busiestSecond } from '../test/harness/rate.cjs';
import { benchWorkflow, itemsNode, quivaBenchItem, quivaNode } from './workflows.cjs';

const ITEMS = 2000;
export const RATE_LIMITS = [50, 200, 1000];

export interface RateLimitResult {
	limit: number;
	requests: number;
	achieved: number;
	busiestSecond: number;
	rateWithin5Percent: boolean;
	windowKept: boolean;
}

function rateWorkflow(session: E2ESession, limit: number): WorkflowJson {
	return benchWorkflow(
		`Benchmark: Max Requests per Second ${limit}`,
		itemsNode('r2', 'Items', ITEMS, quivaBenchItem),
		[
			quivaNode(session, {
				id: 'r3',
				stream: 'bench-rate',
				options: { maxRequestsPerSecond: limit },
			}),
		],
	);
}

function measure(sim: QuivaSimulator, first: number, limit: number): RateLimitResult {
	const times = sim.requests
		.slice(first)
		.filter((request) => request.method === 'POST')
		.map((request) => request.at!)
		.sort((a, b) => a - b);
	const achieved = ((times.length - 1) * 1000) / (times[times.length - 1] - times[0]);
	const busiest = busiestSecond(times);
	return {
		limit,
		requests: times.length,
		achieved,
		busiestSecond: busiest,
		rateWithin5Percent: Math.abs(achieved - limit) / limit <= 0.05,
		windowKept: busiest <= limit + 1,
	};
}

export async function benchRateLimit(limits = RATE_LIMITS): Promise<RateLimitResult[]> {
	const sim = await startQuivaSimulator({
		streams: [{ name: 'bench-rate', subjects: ['bench.>'] }],
	});
	let session: E2ESession | undefined;
	try {
		session = await openSession({ label: 'bench-rate' });
		await session.addCredential('quivaApi', 'Quiva (simulator)', quivaCredentialData(sim));
		const results: RateLimitResult[] = [];
		for (const limit of limits) {
			const first = sim.requests.length;
			const run = await session.runWorkflow(rateWorkflow(session, limit));
			if (run.error)
				throw new Error(`the rate-limited run at ${limit}/s failed: ${run.error.message}`);
			results.push(measure(sim, first, limit));
			if (results[results.length - 1].requests !== ITEMS)
				throw new Error(
					`expected ${ITEMS} publishes at ${limit}/s, the simulator saw ${results[results.length - 1].requests}`,
				);
		}
		return results;
	} finally {
		await session?.close();
		await sim.close();
	}
}

export function printRateLimit(results: RateLimitResult[]): void {
	console.log(
		`\nMax Requests per Second — Quiva node in real n8n, 2,000 items, 20 subjects, 16 in flight, measured at the simulator; Node ${process.version}, ${new Date().toISOString()}`,
	);
	console.log(
		'limit/s | requests | achieved/s | vs limit | busiest second | goal (within 5 %, no second over limit + 1)',
	);
	for (const r of results) {
		const off = ((r.achieved - r.limit) / r.limit) * 100;
		const verdict = r.rateWithin5Percent && r.windowKept ? 'goal met' : 'GOAL NOT MET';
		console.log(
			`${String(r.limit).padStart(7)} | ${String(r.requests).padStart(8)} | ${r.achieved.toFixed(1).padStart(10)} | ${`${off >= 0 ? '+' : '−'}${Math.abs(off).toFixed(1)} %`.padStart(8)} | ${String(r.busiestSecond).padStart(14)} | ${verdict}`,
		);
	}
}
