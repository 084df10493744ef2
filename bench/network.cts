/**
 * The sections of `npm run bench:n8n` that put a network between n8n and the gateway, in the same real n8n
 * as the other sections:
 *
 * - https (`--only=https`): HTTPS on loopback, no added delay. The Quiva simulator behind a TLS front
 *   (tlsFront.ts, the test certificate, trusted through NODE_EXTRA_CA_CERTS). The Quiva node (default
 *   Connection), a raw fetch client and a raw Node https client (each in a process of its own, 16 in
 *   flight, the very bodies the node publishes) and n8n's HTTP Request node, side by side in the same rounds.
 * - rtt (`--only=rtt`): HTTPS at a 20 ms round trip (the TLS front behind the delay proxy, delayProxy.ts),
 *   400 items over 20 subjects, the node's time against the bound of 16 requests in flight.
 * - webhook (`--only=webhook`): a published Webhook → Quiva Stream Publish (one item), and Webhook → No
 *   Operation, each called one call after another by the bench; the gateway is HTTPS at 20 ms. What the
 *   Quiva call costs beyond the No Operation call, in round trips, and how many connections the gateway saw.
 */
import { randomUUID } from 'node:crypto';

import { quivaCredentialData } from '../test/simulators/credentials.cjs';
import { QUIVA_DEFAULTS, type QuivaSimulator } from '../test/simulators/quiva.cjs';
import type { WorkflowJson } from '../test/e2e/lib/restApi.cjs';
import type { E2ESession } from '../test/e2e/lib/session.cjs';
import { executionTimeOf, outputOf } from '../test/e2e/lib/workflows.cjs';
import { checkDelivery } from './delivery.cjs';
import { startDelayProxyProcess, type DelayProxyProcess } from './delayProxy.cjs';
import { formatNodeCpu, nodeCpuPerItem, type NodeCpu } from './nodeCpu.cjs';
import { monotonicMinusEpochUs, type Window } from './profile.cjs';
import {
	lastRawCpuMs,
	lastRawWindow,
	postAllRawInOwnProcess,
	type RawClientKind,
} from './rawClientProcess.cjs';
import type { RawPost } from './rawClient.cjs';
import { interleavedMedians, median } from './rounds.cjs';
import { startTlsFront, type TlsFront } from './tlsFront.cjs';
import type { BenchResult } from './types.cjs';
import {
	benchWorkflow,
	httpRequestNode,
	itemsNode,
	quivaBenchItem,
	quivaNode,
	type WorkflowNode,
} from './workflows.cjs';

/** Requests in flight: the node's default Concurrency, and the raw clients'. */
const IN_FLIGHT = 16;
/** The round trip the rtt and webhook sections add, ms (half of it each way). */
export const RTT_MS = 20;

export const NETWORK_STREAMS = {
	httpsNode: 'bench-https-node',
	httpsHttp: 'bench-https-http',
	httpsRaw: 'bench-https-raw',
	httpsCpu: 'bench-https-cpu',
	rtt: 'bench-rtt',
	rttRaw: 'bench-rtt-raw',
	webhook: 'bench-webhook',
};

/** The gateway as the n8n process reaches it: the simulator behind a TLS front, behind a delay proxy when given a round trip. */
interface Gateway {
	/** The Base URL the credential gets (https://127.0.0.1:<port>, the certificate's IP). */
	url: string;
	front: TlsFront;
	proxy?: DelayProxyProcess;
	/** TCP connections the gateway side accepted so far: the proxy's when there is one, else the TLS front's. */
	connections(): Promise<number>;
	close(): Promise<void>;
}

async function startGateway(sim: QuivaSimulator, rttMs = 0): Promise<Gateway> {
	const front = await startTlsFront({ host: '127.0.0.1', port: sim.port });
	const proxy =
		rttMs > 0
			? await startDelayProxyProcess({
					target: { host: front.host, port: front.port },
					oneWayMs: rttMs / 2,
				})
			: undefined;
	return {
		url: proxy ? `https://${proxy.host}:${proxy.port}` : front.url,
		front,
		proxy,
		connections: async () => (proxy ? (await proxy.stats()).connections : front.connections),
		async close() {
			await proxy?.close();
			await front.close();
		},
	};
}

/** "chunks went out 0.6 ms late on average (max 3.1)": how far the proxy's round trip was above the nominal one. */
async function proxyLateness(gateway: Gateway): Promise<string> {
	if (!gateway.proxy) return '';
	const { lateMs } = await gateway.proxy.stats();
	return `the proxy handed ${lateMs.chunks} chunks on ${lateMs.mean.toFixed(2)} ms after they were due on average (max ${lateMs.max.toFixed(1)} ms), so a round trip took about ${(RTT_MS + 2 * lateMs.mean).toFixed(1)} ms`;
}

/** Saves a Quiva credential for the gateway; workflows saved from now on bind to it (restore with `restore`). */
async function useGateway(session: E2ESession, gateway: Gateway, name: string): Promise<void> {
	await session.addCredential('quivaApi', name, quivaCredentialData(gateway));
}

/** Each seq 0 … items-1 exactly once, and per subject (quivaBenchItem's) in ascending order. */
function checkBenchDelivery(
	sim: QuivaSimulator,
	stream: string,
	items: number,
): { exactlyOnce: boolean; orderKept: boolean } {
	const seqOf = (message: { body: Record<string, unknown> }) => Number(message.body.seq);
	const delivery = checkDelivery(
		sim.messages(stream),
		(message) => quivaBenchItem(seqOf(message)).subject,
		seqOf,
		items,
	);
	return { exactlyOnce: delivery.exactlyOnce, orderKept: delivery.orderBreaks === 0 };
}

/** The bodies the node publishes for `items` bench items (validation.ts: {stream, subject, body}), to `stream`. */
function rawPosts(items: number, stream: string): RawPost[] {
	return Array.from({ length: items }, (_, seq) => {
		const item = quivaBenchItem(seq);
		return {
			path: `/storage/streams/${stream}/messages`,
			body: JSON.stringify({ stream, subject: item.subject, body: item }),
		};
	});
}
const RAW_HEADERS = { 'X-Api-Key': QUIVA_DEFAULTS.apiKey };

/** "p" percentile of a sample (nearest rank). */
function percentile(values: number[], p: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

// ---------------------------------------------------------------------------------------------------------
// https: loopback, no delay

const HTTPS_ITEMS = 2000;
const HTTPS_ROUNDS = 7;
/** The HTTP Request node takes seconds a run; measured in the first rounds only. */
const HTTPS_HTTP_ROUNDS = 3;
const WARM_UP_RUNS = 3;
const HTTP_NODE = 'HTTP Request';
const QUIVA_NODE = 'Quiva Stream Publish';

export interface HttpsSection {
	results: BenchResult[];
	/** The raw fetch process's last measured round on the monotonic clock, for its CPU profile (--profile). */
	rawFetchWindow: Window;
	figures: {
		nodeMs: number;
		rawFetchMs: number;
		rawHttpsMs: number;
		httpMs: number;
		nodeCpu: NodeCpu;
		rawFetchCpuUs: number;
		rawHttpsCpuUs: number;
	};
}

export async function benchHttps(
	session: E2ESession,
	sim: QuivaSimulator,
	profileWindows?: Window[],
): Promise<HttpsSection> {
	const gateway = await startGateway(sim);
	try {
		await useGateway(session, gateway, 'Quiva (HTTPS, TLS front)');
		const items = itemsNode('h2', 'Items', HTTPS_ITEMS, quivaBenchItem);
		const nodeWorkflow = await session.importWorkflow(
			benchWorkflow('Benchmark: Quiva node over HTTPS', items, [
				quivaNode(session, { id: 'h3', name: QUIVA_NODE, stream: NETWORK_STREAMS.httpsNode }),
			]),
		);
		const httpWorkflow = await session.importWorkflow(
			benchWorkflow('Benchmark: HTTP Request node over HTTPS', items, [
				httpRequestNode('h4', HTTP_NODE, [440, 0], {
					url: `={{ '${gateway.url}/storage/streams/' + '${NETWORK_STREAMS.httpsHttp}' + '/messages' }}`,
					header: { name: 'X-Api-Key', value: QUIVA_DEFAULTS.apiKey },
					jsonBody: `={{ JSON.stringify({ stream: '${NETWORK_STREAMS.httpsHttp}', subject: $json.subject, body: $json }) }}`,
				}),
			]),
		);

		// What the TLS front saw during the node's runs: proof that the node spoke HTTPS through it, and how
		// many connections a run had to open (fetch's pool keeps them across executions).
		const nodeRuns = { runs: 0, connections: 0, handshakes: 0 };
		let measuring = false;
		const runNode = async () => {
			sim.received.length = 0;
			const connectionsBefore = gateway.front.connections;
			const handshakesBefore = gateway.front.handshakes;
			const run = await session.api.runManually(nodeWorkflow, 'Manual Trigger');
			if (run.error)
				throw new Error(
					`the HTTPS benchmark workflow of the Quiva node failed: ${run.error.message}`,
				);
			if (outputOf(run, QUIVA_NODE).length !== HTTPS_ITEMS)
				throw new Error('the Quiva node over HTTPS did not output one item per input');
			const delivery = checkBenchDelivery(sim, NETWORK_STREAMS.httpsNode, HTTPS_ITEMS);
			if (!delivery.exactlyOnce || !delivery.orderKept)
				throw new Error(
					`Quiva node over HTTPS: exactly once ${delivery.exactlyOnce}, order per subject kept ${delivery.orderKept}`,
				);
			nodeRuns.runs++;
			nodeRuns.connections += gateway.front.connections - connectionsBefore;
			nodeRuns.handshakes += gateway.front.handshakes - handshakesBefore;
			const ms = executionTimeOf(run, QUIVA_NODE);
			const startTime = run.runData[QUIVA_NODE][0].startTime;
			if (measuring && profileWindows && startTime !== undefined) {
				const fromUs = startTime * 1000 + monotonicMinusEpochUs();
				profileWindows.push({ fromUs, toUs: fromUs + ms * 1000 });
			}
			return ms;
		};
		let httpOrderBroken = 0;
		// The HTTP Request node is the baseline, not what is under test: a run it fails (on a loaded machine its
		// keep-alive sockets can be reused just as the server closes them) is run again, and reported.
		const httpFailures: string[] = [];
		const httpRuns = { runs: 0, connections: 0, handshakes: 0 };
		const runHttp = async (): Promise<number> => {
			sim.received.length = 0;
			const connectionsBefore = gateway.front.connections;
			const handshakesBefore = gateway.front.handshakes;
			const run = await session.api.runManually(httpWorkflow, 'Manual Trigger');
			if (run.error) {
				httpFailures.push(
					`${run.error.message} (TLS front errors so far: ${JSON.stringify(gateway.front.errors)})`,
				);
				if (httpFailures.length > 2)
					throw new Error(
						`the HTTPS benchmark workflow of the HTTP Request node failed ${httpFailures.length} times: ${httpFailures.join('; ')}`,
					);
				return await runHttp();
			}
			const delivery = checkBenchDelivery(sim, NETWORK_STREAMS.httpsHttp, HTTPS_ITEMS);
			if (!delivery.exactlyOnce)
				throw new Error('the HTTP Request node over HTTPS did not deliver every item exactly once');
			if (!delivery.orderKept) httpOrderBroken++;
			httpRuns.runs++;
			httpRuns.connections += gateway.front.connections - connectionsBefore;
			httpRuns.handshakes += gateway.front.handshakes - handshakesBefore;
			return executionTimeOf(run, HTTP_NODE);
		};
		const posts = rawPosts(HTTPS_ITEMS, NETWORK_STREAMS.httpsRaw);
		const rawCpuMs: Record<RawClientKind, number[]> = { fetch: [], node: [] };
		let rawFetchWindow: Window = { fromUs: 0, toUs: 0 };
		// Each raw client in a new process of its own each round (client and server in two processes, as n8n
		// and the simulator are), warmed up there as the node is, then timed once.
		const runRaw = (client: RawClientKind) => async () => {
			sim.received.length = 0;
			const ms = await postAllRawInOwnProcess(gateway.url, RAW_HEADERS, posts, IN_FLIGHT, {
				client,
				rounds: 1,
				warmUpRounds: WARM_UP_RUNS,
			});
			if (sim.messages(NETWORK_STREAMS.httpsRaw).length !== HTTPS_ITEMS * (WARM_UP_RUNS + 1))
				throw new Error(`the raw ${client} client did not deliver every post`);
			rawCpuMs[client].push(lastRawCpuMs());
			if (client === 'fetch') rawFetchWindow = lastRawWindow();
			return ms;
		};
		const handshakesBefore = gateway.front.handshakes;
		const medians = await interleavedMedians(
			HTTPS_ROUNDS,
			{ node: runNode, rawFetch: runRaw('fetch'), rawHttps: runRaw('node'), http: runHttp },
			{
				roundsOf: { http: HTTPS_HTTP_ROUNDS },
				warmUp: async () => {
					for (let run = 0; run < WARM_UP_RUNS; run++) await runNode();
					await runHttp();
					measuring = true;
				},
			},
		);
		if (nodeRuns.handshakes === 0)
			throw new Error(
				'the Quiva node made no TLS handshake with the TLS front: it did not speak HTTPS through it',
			);
		const handshakes = gateway.front.handshakes - handshakesBefore;
		const versions = Object.entries(gateway.front.versions)
			.map(([version, count]) => `${version} ×${count}`)
			.join(', ');

		const nodeCpu = await nodeCpuPerItem(session, HTTPS_ITEMS, NETWORK_STREAMS.httpsCpu);
		const rawFetchCpuUs = (median(rawCpuMs.fetch) / HTTPS_ITEMS) * 1000;
		const rawHttpsCpuUs = (median(rawCpuMs.node) / HTTPS_ITEMS) * 1000;
		const { node: nodeMs, rawFetch: rawFetchMs, rawHttps: rawHttpsMs, http: httpMs } = medians;
		const common = `HTTPS to a TLS front on loopback (TLS 1.3, the test certificate), ${HTTPS_ITEMS.toLocaleString('en')} items over 20 subjects; medians of ${HTTPS_ROUNDS} rounds (HTTP Request node: ${HTTPS_HTTP_ROUNDS}) after ${WARM_UP_RUNS} warm-up runs`;
		return {
			results: [
				{
					name: 'Quiva node in real n8n, HTTPS',
					baselineName: `raw fetch client in its own process (Node's global fetch, ${IN_FLIGHT} in flight)`,
					items: HTTPS_ITEMS,
					ms: nodeMs,
					baselineMs: rawFetchMs,
					goal: { maxTimeRatio: 1.3, words: "≤ 1.3× the raw fetch client's time" },
					notes:
						`${common}; the node's ${nodeRuns.runs} runs opened ${nodeRuns.connections} TCP connections and made ${nodeRuns.handshakes} TLS handshakes at the TLS front ` +
						`(all clients: ${handshakes} handshakes, ${versions}); CPU per item: ${formatNodeCpu(nodeCpu, 'simulator and TLS front')}; ` +
						`raw fetch process ${rawFetchCpuUs.toFixed(0)} µs`,
				},
				{
					name: 'Quiva node in real n8n, HTTPS',
					baselineName: `raw Node https client in its own process (keep-alive agent, ${IN_FLIGHT} in flight)`,
					items: HTTPS_ITEMS,
					ms: nodeMs,
					baselineMs: rawHttpsMs,
					notes: `Node's https, which the package no longer uses: raw https process ${rawHttpsCpuUs.toFixed(0)} µs CPU per item, raw fetch process ${rawFetchCpuUs.toFixed(0)} µs`,
				},
				{
					name: 'Quiva node in real n8n, HTTPS',
					baselineName:
						'HTTP Request node over HTTPS (POST per item, URL + JSON body as expressions)',
					items: HTTPS_ITEMS,
					ms: nodeMs,
					baselineMs: httpMs,
					goal: { maxTimeRatio: 0.25, words: '≥ 4× the HTTP Request node (time ratio ≤ 0.25)' },
					notes:
						`${(httpMs / nodeMs).toFixed(1)}× faster; HTTP Request: exactly once, order per subject broken in ${httpOrderBroken} of ${HTTPS_HTTP_ROUNDS + 1} runs, ` +
						`${Math.round(httpRuns.connections / httpRuns.runs)} TCP connections (${Math.round(httpRuns.handshakes / httpRuns.runs)} TLS handshakes) a run on average` +
						(httpFailures.length
							? `; ${httpFailures.length} failed run(s), run again: ${httpFailures.join('; ')}`
							: ''),
				},
			],
			rawFetchWindow,
			figures: { nodeMs, rawFetchMs, rawHttpsMs, httpMs, nodeCpu, rawFetchCpuUs, rawHttpsCpuUs },
		};
	} finally {
		await gateway.close();
	}
}

// ---------------------------------------------------------------------------------------------------------
// rtt: HTTPS at a 20 ms round trip

const RTT_ITEMS = 400;
const RTT_ROUNDS = 7;
const RTT_WARM_UP_RUNS = 2;
/** What a new connection costs before its first request: TCP's handshake and TLS 1.3's, a round trip each. */
const SETUP_ROUND_TRIPS = 2;

export interface RttSection {
	result: BenchResult;
	figures: {
		nodeMs: number;
		boundMs: number;
		rawFetchMs: number;
		connectionsPerRun: number[];
		ratios: number[];
	};
}

export async function benchRtt(session: E2ESession, sim: QuivaSimulator): Promise<RttSection> {
	const gateway = await startGateway(sim, RTT_MS);
	try {
		await useGateway(session, gateway, 'Quiva (HTTPS, 20 ms round trip)');
		const workflow = await session.importWorkflow(
			benchWorkflow(
				'Benchmark: Quiva node, HTTPS at 20 ms',
				itemsNode('r2', 'Items', RTT_ITEMS, quivaBenchItem),
				[quivaNode(session, { id: 'r3', name: QUIVA_NODE, stream: NETWORK_STREAMS.rtt })],
			),
		);
		// ceil(400 / 16) = 25 waves of 16 requests, a round trip each; 20 subjects of 20 items each also need 20
		// round trips one after another, fewer than 25.
		const waves = Math.max(Math.ceil(RTT_ITEMS / IN_FLIGHT), RTT_ITEMS / 20);
		const boundMs = waves * RTT_MS;
		const measured: Array<{ ms: number; connections: number }> = [];
		let measuring = false;
		const runNode = async () => {
			sim.received.length = 0;
			const before = await gateway.connections();
			const run = await session.api.runManually(workflow, 'Manual Trigger');
			if (run.error) throw new Error(`the 20 ms benchmark workflow failed: ${run.error.message}`);
			const delivery = checkBenchDelivery(sim, NETWORK_STREAMS.rtt, RTT_ITEMS);
			if (!delivery.exactlyOnce || !delivery.orderKept)
				throw new Error(
					`Quiva node at 20 ms: exactly once ${delivery.exactlyOnce}, order per subject kept ${delivery.orderKept}`,
				);
			const ms = executionTimeOf(run, QUIVA_NODE);
			if (measuring) measured.push({ ms, connections: (await gateway.connections()) - before });
			return ms;
		};
		// The node's runs one after another: against a fixed bound there is nothing to interleave, and a run
		// follows the one before within fetch's idle timeout (a few seconds), as executions of a busy workflow do.
		const medians = await interleavedMedians(
			RTT_ROUNDS,
			{ node: runNode },
			{
				warmUp: async () => {
					for (let run = 0; run < RTT_WARM_UP_RUNS; run++) await runNode();
					measuring = true;
				},
			},
		);
		// For comparison, afterwards: a raw fetch client through the same proxy in a process of its own, one
		// unmeasured round then one measured (its connections open in the warm-up round), median of 3 processes.
		const posts = rawPosts(RTT_ITEMS, NETWORK_STREAMS.rttRaw);
		const rawTimes: number[] = [];
		for (let round = 0; round < 3; round++) {
			sim.received.length = 0;
			rawTimes.push(
				await postAllRawInOwnProcess(gateway.url, RAW_HEADERS, posts, IN_FLIGHT, {
					client: 'fetch',
					rounds: 1,
					warmUpRounds: 1,
				}),
			);
		}
		const rawFetchMs = median(rawTimes);
		const lateness = await proxyLateness(gateway);
		if (gateway.front.handshakes === 0)
			throw new Error('no TLS handshake at the TLS front behind the delay proxy');
		// Each run against its own bound: a run that had to open connections pays their setup once (they open in parallel).
		const ratios = measured.map(
			({ ms, connections }) => ms / (boundMs + (connections > 0 ? SETUP_ROUND_TRIPS * RTT_MS : 0)),
		);
		const ratio = median(ratios);
		const connectionsPerRun = measured.map(({ connections }) => connections);
		return {
			result: {
				name: `Quiva node in real n8n, HTTPS at a ${RTT_MS} ms round trip, ${RTT_ITEMS} items over 20 subjects`,
				baselineName: `bound of ${IN_FLIGHT} requests in flight: ceil(${RTT_ITEMS}/${IN_FLIGHT}) × RTT = ${boundMs} ms (+ ${SETUP_ROUND_TRIPS} RTT in a run that opens connections)`,
				items: RTT_ITEMS,
				ms: medians.node,
				// The ratio printed is the median of each run's ratio to its own bound.
				baselineMs: medians.node / ratio,
				goal: { maxTimeRatio: 1.25, words: '≤ 1.25× the bound' },
				notes:
					`TLS front behind a delay proxy adding ${RTT_MS / 2} ms each way (a new TCP connection's first bytes held one more round trip, as its handshake would); ` +
					`median of ${RTT_ROUNDS} runs one after another after ${RTT_WARM_UP_RUNS} warm-up runs; ` +
					`runs (ms/new connections): ${measured.map(({ ms, connections }) => `${Math.round(ms)}/${connections}`).join(', ')}; ` +
					`raw fetch client through the same proxy, warm (its own process, a warm-up round first), right after: ${Math.round(rawFetchMs)} ms ` +
					`(${(rawFetchMs / boundMs).toFixed(2)}× the bound; the node ${(medians.node / rawFetchMs).toFixed(2)}× the raw fetch client); ${lateness}`,
			},
			figures: { nodeMs: medians.node, boundMs, rawFetchMs, connectionsPerRun, ratios },
		};
	} finally {
		await gateway.close();
	}
}

// ---------------------------------------------------------------------------------------------------------
// webhook: one item per execution, HTTPS at 20 ms

const WEBHOOK_CALLS = 30;
const WEBHOOK_WARM_UP_CALLS = 3;

/** A published workflow: Webhook (POST, answers when the last node finished) → `target`. */
function webhookWorkflow(name: string, path: string, target: WorkflowNode): WorkflowJson {
	const webhook: WorkflowNode = {
		id: `${path}-webhook`,
		name: 'Webhook',
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2.1,
		position: [0, 0],
		webhookId: randomUUID(),
		parameters: { httpMethod: 'POST', path, responseMode: 'lastNode', options: {} },
	};
	return {
		name,
		nodes: [webhook, target],
		connections: { Webhook: { main: [[{ node: target.name, type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	};
}

export interface WebhookSection {
	text: string;
	figures: {
		quiva: { median: number; p90: number };
		noop: { median: number; p90: number };
		roundTrips: number;
		/** Median of the paired differences (Quiva call − the No Operation call beside it), in round trips. */
		pairedRoundTrips: number;
		/** n8n's executionTime of the Quiva node in the measured executions. */
		node: { median: number; p90: number };
		connections: number;
		handshakes: number;
	};
}

export async function benchWebhook(
	session: E2ESession,
	sim: QuivaSimulator,
): Promise<WebhookSection> {
	const gateway = await startGateway(sim, RTT_MS);
	try {
		await useGateway(session, gateway, 'Quiva (HTTPS, 20 ms round trip, webhook)');
		const quivaPath = `bench-webhook-quiva-${randomUUID().slice(0, 8)}`;
		const noopPath = `bench-webhook-noop-${randomUUID().slice(0, 8)}`;
		const publish = quivaNode(session, {
			id: 'w2',
			name: QUIVA_NODE,
			stream: NETWORK_STREAMS.webhook,
			subject: 'bench.webhook',
		});
		publish.parameters = { ...publish.parameters, bodySource: 'field', bodyField: 'body' };
		const noop: WorkflowNode = {
			id: 'w3',
			name: 'No Operation',
			type: 'n8n-nodes-base.noOp',
			typeVersion: 1,
			position: [220, 0],
			parameters: {},
		};
		const quivaWorkflowId = await session.importWorkflow(
			webhookWorkflow('Benchmark: Webhook → Quiva', quivaPath, publish),
		);
		await session.api.activateWorkflow(quivaWorkflowId);
		await session.api.activateWorkflow(
			await session.importWorkflow(
				webhookWorkflow('Benchmark: Webhook → No Operation', noopPath, noop),
			),
		);
		sim.received.length = 0;
		let seq = 0;
		/** One call as an outside system makes it; its wall time from the caller, and a check of its answer. */
		const call = async (path: string): Promise<number> => {
			const body = JSON.stringify({ seq: seq++ });
			const started = performance.now();
			const response = await fetch(`${session.server.url}/webhook/${path}`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body,
			});
			const answer = (await response.json()) as Record<string, unknown>;
			const ms = performance.now() - started;
			if (response.status !== 200)
				throw new Error(
					`the webhook ${path} answered ${response.status}: ${JSON.stringify(answer).slice(0, 300)}`,
				);
			if (path === quivaPath && answer.published !== true)
				throw new Error(
					`the Quiva webhook answered without publishing: ${JSON.stringify(answer).slice(0, 300)}`,
				);
			return ms;
		};
		for (let warm = 0; warm < WEBHOOK_WARM_UP_CALLS; warm++) {
			await call(quivaPath);
			await call(noopPath);
		}
		const connectionsBefore = await gateway.connections();
		const handshakesBefore = gateway.front.handshakes;
		const requestsBefore = sim.requestCount;
		const times = { quiva: [] as number[], noop: [] as number[] };
		// Alternated, one call at a time, so both paths meet the same load from the shared machine; the
		// order within a pair alternates too.
		for (let index = 0; index < WEBHOOK_CALLS; index++) {
			const pair = index % 2 === 0 ? (['quiva', 'noop'] as const) : (['noop', 'quiva'] as const);
			for (const which of pair)
				times[which].push(await call(which === 'quiva' ? quivaPath : noopPath));
		}
		const requestsPerCall = (sim.requestCount - requestsBefore) / WEBHOOK_CALLS;
		const connections = (await gateway.connections()) - connectionsBefore;
		const handshakes = gateway.front.handshakes - handshakesBefore;
		// Every Quiva call's message, warm-up ones included, exactly once.
		const published = sim
			.messages(NETWORK_STREAMS.webhook)
			.map((message) => Number(message.body.seq));
		const expected = WEBHOOK_WARM_UP_CALLS + WEBHOOK_CALLS;
		if (published.length !== expected || new Set(published).size !== expected) {
			throw new Error(
				`the Quiva webhook published ${published.length} messages (${new Set(published).size} distinct) for ${expected} calls`,
			);
		}
		// n8n's own executionTime of the Quiva node in the measured calls: the node's part of the difference.
		const executions = (await session.api.executionsOf(quivaWorkflowId, 100)).slice(
			0,
			WEBHOOK_CALLS,
		);
		const nodeMs: number[] = [];
		for (const execution of executions)
			nodeMs.push(executionTimeOf(await session.api.waitForExecution(execution.id), QUIVA_NODE));
		const stats = (values: number[]) => ({ median: median(values), p90: percentile(values, 90) });
		const node = stats(nodeMs);
		const quiva = stats(times.quiva);
		const noopStats = stats(times.noop);
		const roundTrips = (quiva.median - noopStats.median) / RTT_MS;
		// The same, pair by pair (each Quiva call against the No Operation call beside it): the machine's drift
		// cancels within a pair, so this is the steadier figure on a shared machine.
		const paired = median(times.quiva.map((ms, index) => ms - times.noop[index]));
		const verdictOf = (met: boolean) => (met ? 'goal met' : 'GOAL NOT MET');
		const text = [
			`HTTPS to the gateway at a ${RTT_MS} ms round trip (TLS front behind the delay proxy); ${WEBHOOK_CALLS} calls of each webhook, alternated, one at a time, after ${WEBHOOK_WARM_UP_CALLS} warm-up calls of each;`,
			'wall time of each call from the caller (POST to n8n on loopback, answered when the last node finished):',
			`  Webhook → Quiva Stream Publish (one item)  median ${quiva.median.toFixed(1)} ms, p90 ${quiva.p90.toFixed(1)} ms`,
			`  Webhook → No Operation                     median ${noopStats.median.toFixed(1)} ms, p90 ${noopStats.p90.toFixed(1)} ms`,
			`  difference of the medians: ${(quiva.median - noopStats.median).toFixed(1)} ms = ${roundTrips.toFixed(2)} round trips — goal ≤ 1.5: ${verdictOf(roundTrips <= 1.5)}`,
			`  median of the 30 paired differences (each Quiva call − the No Operation call beside it): ${paired.toFixed(1)} ms = ${(paired / RTT_MS).toFixed(2)} round trips`,
			`  the Quiva node's own executionTime (n8n's) in those ${nodeMs.length} executions: median ${node.median.toFixed(1)} ms = ${(node.median / RTT_MS).toFixed(2)} round trips, p90 ${node.p90.toFixed(1)} ms`,
			`  TCP connections the gateway accepted during the ${WEBHOOK_CALLS} Quiva calls: ${connections} (TLS handshakes ${handshakes}) — goal ≤ 3: ${verdictOf(connections <= 3)}`,
			`  every message published exactly once (${expected} calls, warm-up included); requests at the gateway per Quiva call: ${requestsPerCall}`,
			`  ${await proxyLateness(gateway)}`,
		].join('\n');
		return {
			text,
			figures: {
				quiva,
				noop: noopStats,
				roundTrips,
				pairedRoundTrips: paired / RTT_MS,
				node,
				connections,
				handshakes,
			},
		};
	} finally {
		await gateway.close();
	}
}
