/**
 * Kapua Publish with Verify Delivery against the same node without it, in-process (n8n-core's engine),
 * 2,000 items over 20 client IDs, the simulator's datastore storing at once: what the datastore lookups
 * cost. Goal: at most 1.5× the time without them. Interleaved rounds, medians (see rounds.ts).
 */
import { startKapuaSimulator } from '../test/simulators/kapua.cjs';
import { kapuaCredentials, runKapua } from '../test/workflow/kapuaFixtures.cjs';
import { interleavedMedians } from './rounds.cjs';
import { timeRatio, verdict, type BenchResult } from './types.cjs';

const ITEMS = 2000;
const CLIENTS = 20;
const ROUNDS = 5;

export async function benchVerifyDelivery(): Promise<BenchResult> {
	const sim = await startKapuaSimulator();
	try {
		const credentials = kapuaCredentials(sim);
		const items = Array.from({ length: ITEMS }, (_, n) => ({ n, temperature: 20 + (n % 50) / 10 }));
		const parameters = (verifyDelivery: boolean) => ({
			clientId: `={{ "dev-" + ($json.n % ${CLIENTS}) }}`,
			metricsSource: 'json',
			options: { verifyDelivery },
		});
		let queries = 0;
		const run = async (verifyDelivery: boolean) => {
			const before = sim.datastoreQueries;
			const start = performance.now();
			const result = await runKapua(credentials, parameters(verifyDelivery), items);
			const ms = performance.now() - start;
			if (result.error || result.output.length !== ITEMS)
				throw new Error(`Kapua run failed: ${result.error?.message}`);
			if (verifyDelivery) {
				if (!result.output.every((item) => item.json.stored === true))
					throw new Error('an item was not verified');
				queries = sim.datastoreQueries - before;
			}
			return ms;
		};
		const { off, on } = await interleavedMedians(ROUNDS, {
			off: () => run(false),
			on: () => run(true),
		});
		return {
			name: 'Kapua node, Verify Delivery on',
			baselineName: 'the same node, Verify Delivery off',
			items: ITEMS,
			ms: on,
			baselineMs: off,
			goal: { maxTimeRatio: 1.5, words: '≤ 1.5× without it (storage immediate)' },
			notes: `${CLIENTS} client IDs; ${queries} datastore queries for ${ITEMS} items in the last round`,
		};
	} finally {
		await sim.close();
	}
}

export function printVerifyDelivery(result: BenchResult): void {
	console.log(
		`\n${result.name}: ${Math.round(result.ms)} ms for ${result.items} items, vs ${result.baselineName}: ${Math.round(result.baselineMs)} ms`,
	);
	console.log(
		`  time ratio ${timeRatio(result).toFixed(2)} — goal ${result.goal!.words}: ${verdict(result)}; ${result.notes}`,
	);
}
