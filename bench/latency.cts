/**
 * Streaming latency through real n8n: the Chat Message node behind a Webhook in "Streaming" mode, and for
 * each token the delay from the simulator handing it to its socket to the webhook's caller reading it.
 * Beside it, the same delay for a client reading the simulator's stream directly. The simulator, both
 * clients and the clock are in this process, so the delays are on one clock.
 *
 * The reply is paced (a token every ~1 ms), so each token is written on its own and the delay is a
 * latency, not a queue behind a burst.
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';

import { CHAT_DEFAULTS, type ChatSimulator } from '../test/simulators/chat.cjs';
import type { E2ESession } from '../test/e2e/lib/session.cjs';
import { postAndStream } from '../test/e2e/lib/streamClient.cjs';

export const LATENCY_TOKENS = 2000;
const PACING_MS = 1;
const TOKEN = /"token":"tok(\d+) "/g;

export interface LatencyResult {
	p50: number;
	p99: number;
	max: number;
	tokens: number;
}

function percentiles(delays: number[]): LatencyResult {
	const sorted = [...delays].sort((a, b) => a - b);
	const at = (p: number) =>
		sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
	return { p50: at(50), p99: at(99), max: sorted[sorted.length - 1], tokens: sorted.length };
}

/** Sets a paced reply whose writes are stamped; returns the stamps (token index → ms). */
function stampedReply(sim: ChatSimulator): Map<number, number> {
	const written = new Map<number, number>();
	sim.setReply({
		tokenCount: LATENCY_TOKENS,
		pacingMs: PACING_MS,
		onWrite: (data) => {
			const now = performance.now();
			for (const match of data.toString('utf8').matchAll(TOKEN)) written.set(Number(match[1]), now);
		},
	});
	return written;
}

function delays(written: Map<number, number>, read: Map<number, number>): number[] {
	if (read.size !== LATENCY_TOKENS)
		throw new Error(`latency bench: ${read.size} of ${LATENCY_TOKENS} tokens were read`);
	return [...read].map(([index, at]) => at - written.get(index)!);
}

/** A client reading the simulator's stream itself: the floor. */
async function rawLatency(sim: ChatSimulator, cookie: string): Promise<LatencyResult> {
	const written = stampedReply(sim);
	const read = new Map<number, number>();
	const body = JSON.stringify({
		content: 'bench',
		modelId: 'gpt-5.2',
		userId: CHAT_DEFAULTS.user.id,
	});
	await new Promise<void>((resolve, reject) => {
		const request = http.request(
			`${sim.url}/api/chats/${randomUUID()}/messages/stream`,
			{
				method: 'POST',
				agent: false,
				headers: {
					'Content-Type': 'application/json',
					Accept: 'text/event-stream',
					Cookie: `${sim.cookieName}=${cookie}`,
					'Content-Length': Buffer.byteLength(body),
				},
			},
			(response) => {
				response.on('data', (chunk: Buffer) => {
					const now = performance.now();
					for (const match of chunk.toString('utf8').matchAll(TOKEN))
						read.set(Number(match[1]), now);
				});
				response.on('end', resolve);
				response.on('error', reject);
			},
		);
		request.on('error', reject);
		request.end(body);
	});
	return percentiles(delays(written, read));
}

/** The caller of a streaming webhook whose Chat Message node streams the reply. */
async function webhookLatency(sim: ChatSimulator, url: string): Promise<LatencyResult> {
	const written = stampedReply(sim);
	const read = new Map<number, number>();
	const response = await postAndStream(url, { message: 'bench' }, (line) => {
		if (line.type !== 'item') return;
		const match = /^tok(\d+) $/.exec(String(line.content));
		if (match) read.set(Number(match[1]), performance.now());
	});
	if (response.statusCode !== 200)
		throw new Error(`latency bench: the webhook answered ${response.statusCode}`);
	return percentiles(delays(written, read));
}

export async function streamingLatency(
	session: E2ESession,
	sim: ChatSimulator,
	cookie: string,
): Promise<{ node: LatencyResult; raw: LatencyResult }> {
	const path = `bench-chat-stream-${randomUUID().slice(0, 8)}`;
	const workflowId = await session.importWorkflow({
		name: 'Benchmark: Chat Message streaming latency',
		nodes: [
			{
				id: 'l1',
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2.1,
				position: [0, 0],
				webhookId: randomUUID(),
				parameters: { httpMethod: 'POST', path, responseMode: 'streaming', options: {} },
			},
			{
				id: 'l2',
				name: 'Chat Message',
				type: session.nodeType('chatMessage'),
				typeVersion: 1,
				position: [220, 0],
				parameters: {
					chatMode: 'new',
					message: '={{ $json.body.message }}',
					model: 'gpt-5.2',
					outputMode: 'finalReply',
					options: { userId: CHAT_DEFAULTS.user.id },
				},
				credentials: { chatApi: { id: 'bound-at-import', name: 'Chat (simulator)' } },
			},
		],
		connections: { Webhook: { main: [[{ node: 'Chat Message', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	});
	await session.api.activateWorkflow(workflowId);
	const url = `${session.server.url}/webhook/${path}`;
	// Warm-up of both paths (JIT, n8n's first webhook run), then one measured run of each.
	await webhookLatency(sim, url);
	await rawLatency(sim, cookie);
	const node = await webhookLatency(sim, url);
	const raw = await rawLatency(sim, cookie);
	return { node, raw };
}

export function formatLatency({ node, raw }: { node: LatencyResult; raw: LatencyResult }): string {
	const row = (name: string, r: LatencyResult) =>
		`| ${name} | ${r.p50.toFixed(2)} ms | ${r.p99.toFixed(2)} ms | ${r.max.toFixed(2)} ms |`;
	return [
		`| ${LATENCY_TOKENS.toLocaleString('en')} tokens, one every ~${PACING_MS} ms | p50 | p99 | max |`,
		'|---|---:|---:|---:|',
		row('simulator → webhook caller, through n8n and the Chat Message node', node),
		row('simulator → raw client (same stream, read directly)', raw),
		`added by n8n + our node: p50 ${(node.p50 - raw.p50).toFixed(2)} ms, p99 ${(node.p99 - raw.p99).toFixed(2)} ms — goal < 1 ms at p50: ${node.p50 - raw.p50 < 1 ? 'goal met' : 'GOAL NOT MET'}`,
	].join('\n');
}
