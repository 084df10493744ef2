/**
 * Quiva Stream Publish in-process (n8n-core's engine, runNode) against the simulator, beside the raw
 * keep-alive baseline on the same server, same bodies, same concurrency, in the same run.
 * Each path runs ROUNDS times, interleaved, and the median is kept: these machines are shared.
 */
import { CredentialStore, runNode } from '../test/harness/n8n.cjs';
import { quivaCredentialData } from '../test/simulators/credentials.cjs';
import { QUIVA_DEFAULTS, startQuivaSimulator } from '../test/simulators/quiva.cjs';
import { checkDelivery } from './delivery.cjs';
import { postAllAxios, postAllRaw } from './rawClient.cjs';
import { interleavedMedians } from './rounds.cjs';
import type { BenchResult } from './types.cjs';

const ITEMS = 2000;
const SUBJECTS = 20;
const CONCURRENCY = 16;
const ROUNDS = 5;

function makeItems(count: number) {
	return Array.from({ length: count }, (_, i) => ({
		subject: `orders.s${i % SUBJECTS}`,
		orderId: `ord-${i}`,
		amount: (i * 37) % 1000,
		currency: 'EUR',
		customer: { id: `c-${i % 97}`, tier: i % 3 === 0 ? 'gold' : 'standard' },
		note: 'benchmark payload of a typical order event, about two hundred bytes in all',
	}));
}

export async function benchQuiva(): Promise<BenchResult[]> {
	const sim = await startQuivaSimulator();
	try {
		const credentials = new CredentialStore().set('quivaApi', quivaCredentialData(sim));
		const items = makeItems(ITEMS);
		const posts = items.map((item) => ({
			path: '/storage/streams/orders/messages',
			body: JSON.stringify({ stream: 'orders', subject: item.subject, body: item }),
		}));
		let orderBreaks = 0;
		const node = async (transport: 'keepAlive' | 'n8nHelper', list = items) => {
			const first = sim.received.length;
			const start = performance.now();
			const result = await runNode({
				type: 'quivaStreamPublish',
				parameters: {
					stream: 'orders',
					subject: '={{ $json.subject }}',
					bodySource: 'item',
					options: { maxConcurrency: CONCURRENCY, transport },
				},
				credentials,
				items: list,
			});
			const ms = performance.now() - start;
			if (result.error || result.output.length !== list.length)
				throw new Error(`node run failed: ${result.error?.message}`);
			// Steps back in orderId ("ord-<seq>") within a subject, over what this run published.
			orderBreaks += checkDelivery(
				sim.received.slice(first),
				(message) => message.subject,
				(message) => Number(String(message.body.orderId).slice(4)),
			).orderBreaks;
			return ms;
		};
		const raw = () =>
			postAllRaw(sim.url, { 'X-Api-Key': QUIVA_DEFAULTS.apiKey }, posts, CONCURRENCY);
		const viaAxios = () =>
			postAllAxios(sim.url, { 'X-Api-Key': QUIVA_DEFAULTS.apiKey }, posts, CONCURRENCY);

		const {
			raw: baselineMs,
			axios: axiosClient,
			keepAlive,
			helper,
		} = await interleavedMedians(
			ROUNDS,
			{ raw, axios: viaAxios, keepAlive: () => node('keepAlive'), helper: () => node('n8nHelper') },
			{
				// JIT, sockets, expression engine; the nodes on fewer items, to keep the bench short.
				warmUp: async () => {
					await node('keepAlive', items.slice(0, 300));
					await node('n8nHelper', items.slice(0, 100));
					await raw();
					await viaAxios();
				},
				// A new connection per request makes this path slow: two rounds are enough to show it.
				roundsOf: { helper: 2 },
			},
		);
		return [
			{
				name: 'Quiva node, keep-alive client (default)',
				baselineName: 'raw keep-alive http client',
				items: ITEMS,
				ms: keepAlive,
				baselineMs,
				goal: { maxTimeRatio: 2, words: '≤ 2× the raw baseline in-process' },
				notes: `${SUBJECTS} subjects, ${CONCURRENCY} in flight, per-subject order breaks: ${orderBreaks}`,
			},
			{
				name: "Quiva node, n8n's HTTP helper per request",
				baselineName: 'raw keep-alive http client',
				items: ITEMS,
				ms: helper,
				baselineMs,
				notes:
					'credential resolved and a new connection per request (kept measurable, not the default)',
			},
			{
				name: 'axios + keep-alive agent alone (no node)',
				baselineName: 'raw keep-alive http client',
				items: ITEMS,
				ms: axiosClient,
				baselineMs,
				notes:
					"the design card's client, for the record: why the package does not send through axios",
			},
		];
	} finally {
		await sim.close();
	}
}
