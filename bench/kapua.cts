/**
 * Kapua Publish in-process (n8n-core's engine, runNode) against the Kapua simulator, beside the raw
 * keep-alive baseline posting the very bodies the node sent (captured by the simulator), with the same
 * token and concurrency, in the same run. Each path runs ROUNDS times, interleaved; the median is kept.
 */
import { runNode } from '../test/harness/n8n.cjs';
import { startKapuaSimulator } from '../test/simulators/kapua.cjs';
import { kapuaCredentials } from '../test/workflow/kapuaFixtures.cjs';
import { checkDelivery } from './delivery.cjs';
import { postAllRaw, type RawPost } from './rawClient.cjs';
import { interleavedMedians } from './rounds.cjs';
import { perItemDelta, type BenchResult } from './types.cjs';

const ITEMS = 2000;
const CLIENTS = 10;
const CHANNELS = 2;
const CONCURRENCY = 16;
const ROUNDS = 5;

function makeItems(count: number) {
	return Array.from({ length: count }, (_, seq) => ({
		seq,
		client: `gw-${seq % CLIENTS}`,
		channel: `sensors/line${seq % CHANNELS}`,
		temperature: 20 + (seq % 50) / 10,
		humidity: 40 + (seq % 30),
		ok: seq % 7 !== 0,
	}));
}

/** One expression per item (the client ID), as in the Quiva bench; the channel varies in the second row. */
const PARAMETERS = {
	scopeId: '_',
	clientId: '={{ $json.client }}',
	channel: 'sensors/line',
	metricsSource: 'json',
	// The default: every field of the item is a metric (client and channel included, as strings).
	metricsJson: '={{ $json }}',
	bodyType: 'none',
	options: { maxConcurrency: CONCURRENCY },
};

export async function benchKapua(): Promise<BenchResult[]> {
	const sim = await startKapuaSimulator();
	try {
		const credentials = kapuaCredentials(sim);
		const items = makeItems(ITEMS);
		let orderBreaks = 0;
		const node = async (list = items, parameters: typeof PARAMETERS = PARAMETERS) => {
			const first = sim.published.length;
			const start = performance.now();
			const result = await runNode({ type: 'kapuaPublish', parameters, credentials, items: list });
			const ms = performance.now() - start;
			if (result.error || result.output.length !== list.length)
				throw new Error(`node run failed: ${result.error?.message}`);
			// Steps back in seq within an MQTT topic (clientId+channel), over what this run published.
			orderBreaks += checkDelivery(
				sim.published.slice(first),
				(message) => message.topic,
				(message) => Number(message.metrics.find((metric) => metric.name === 'seq')!.value),
			).orderBreaks;
			return ms;
		};

		// Warm-up, and the exact bodies the node sends (in input order) for the baseline.
		const firstCaptured = sim.captured.length;
		await node();
		const posts: RawPost[] = sim.captured
			.slice(firstCaptured)
			.filter((request) => request.path.endsWith('/streams/messages'))
			.sort(
				(a, b) =>
					Number(
						(a.body as { payload: { metrics: Array<{ name: string; value: string }> } }).payload
							.metrics[0].value,
					) -
					Number(
						(b.body as { payload: { metrics: Array<{ value: string }> } }).payload.metrics[0].value,
					),
			)
			.map((request) => ({
				path: `/v1${request.path}?timeout=${request.query.timeout}`,
				body: JSON.stringify(request.body),
			}));
		if (posts.length !== ITEMS)
			throw new Error(`expected ${ITEMS} captured bodies, got ${posts.length}`);
		const token = String(credentials.data.get('kapuaApi')!.sessionToken);
		const raw = () => postAllRaw(sim.url, { Authorization: `Bearer ${token}` }, posts, CONCURRENCY);
		await raw();
		orderBreaks = 0;

		const channelExpression = { ...PARAMETERS, channel: '={{ $json.channel }}' };
		const {
			raw: baselineMs,
			node: ms,
			twoExpressions,
		} = await interleavedMedians(
			ROUNDS,
			{ raw, node: () => node(), twoExpressions: () => node(items, channelExpression) },
			// The default path and the raw client warmed up above (capturing the bodies); here the second row's, on fewer items.
			{
				warmUp: () => node(items.slice(0, 200), channelExpression),
				roundsOf: { twoExpressions: 3 },
			},
		);
		return [
			{
				name: 'Kapua node, keep-alive client (default)',
				baselineName: 'raw keep-alive http client',
				items: ITEMS,
				ms,
				baselineMs,
				goal: { maxTimeRatio: 2, words: '≤ 2× the raw baseline in-process' },
				notes: `${CLIENTS} clients, client ID as an expression, 6 metrics inferred from the item, ${CONCURRENCY} in flight, per-topic order breaks: ${orderBreaks}, logins: ${sim.logins.user}`,
			},
			{
				name: 'Kapua node, client ID and channel as expressions',
				baselineName: 'raw keep-alive http client',
				items: ITEMS,
				ms: twoExpressions,
				baselineMs,
				notes: `${CLIENTS} clients × ${CHANNELS} channels; plain {{ $json.field }} paths are read from the item (nodes/common/itemParameters.ts), ${perItemDelta(twoExpressions, ms, ITEMS)} over the default row`,
			},
		];
	} finally {
		await sim.close();
	}
}
