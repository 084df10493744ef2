/**
 * Chat Message node: a 100,000-token reply as fast as the simulator sends it, the node in n8n-core's
 * engine (its executionTime: session probe, request, SSE decoding, normalizing, collecting) beside raw
 * consumption of the same stream (Node's http client reading the body to its end, no parsing), in the
 * same run, alternating, median of several rounds. Goal: ≤ 1.2×. The reply is long enough that the fixed
 * costs of a message (the session probe, opening the stream: about 3–5 ms, measured apart by bench:n8n) do
 * not dominate; with 10,000 tokens (about 26 ms of stream here) they made the same node read 1.4×.
 */
import * as http from 'node:http';

import { CredentialStore, runNode } from '../test/harness/n8n.cjs';
import { CHAT_DEFAULTS, startChatSimulator } from '../test/simulators/chat.cjs';
import { chatCredentialData } from '../test/simulators/credentials.cjs';
import { readChatStreamRaw } from './rawClient.cjs';
import { interleavedMedians, median } from './rounds.cjs';
import type { BenchResult } from './types.cjs';

const TOKENS = 100_000;
const ROUNDS = 7;

export async function benchChat(): Promise<BenchResult[]> {
	const sim = await startChatSimulator({ reply: { tokenCount: TOKENS } });
	const agent = new http.Agent({ keepAlive: true });
	try {
		const cookie = sim.createSession(CHAT_DEFAULTS.user.id);
		const credentials = new CredentialStore().set(
			'chatApi',
			chatCredentialData(sim, 'sessionToken', { sessionToken: cookie }),
		);
		const nodeRun = async () => {
			const started = performance.now();
			const result = await runNode({
				type: 'chatMessage',
				parameters: {
					chatMode: 'new',
					message: 'bench',
					model: 'gpt-5.2',
					options: { userId: CHAT_DEFAULTS.user.id },
				},
				credentials,
				items: [{}],
			});
			const wall = performance.now() - started;
			if (result.error) throw new Error(`Chat bench run failed: ${result.error.message}`);
			const text = result.output[0]?.json.text as string;
			if (text !== sim.replyText())
				throw new Error('Chat bench: the reply text is not the one sent');
			return { ms: result.executionTime, wall };
		};
		const rawRun = () => readChatStreamRaw(sim, cookie, agent);

		// What the table prints beside the medians, from the measured rounds only.
		const wallMs: number[] = [];
		let bytes = 0;
		const { raw: baselineMs, node: ms } = await interleavedMedians(
			ROUNDS,
			{
				raw: async () => {
					const raw = await rawRun();
					bytes = raw.bytes;
					return raw.ms;
				},
				node: async () => {
					const node = await nodeRun();
					wallMs.push(node.wall);
					return node.ms;
				},
			},
			// JIT, sockets, the engine's first-run costs; not through the runners, whose figures would count it.
			{
				warmUp: async () => {
					await rawRun();
					await nodeRun();
				},
			},
		);
		return [
			{
				name: `Chat Message node, ${TOKENS.toLocaleString('en')}-token reply`,
				baselineName: 'raw http read of the same stream',
				items: TOKENS,
				unit: 'tokens',
				ms: Math.round(ms * 10) / 10,
				baselineMs: Math.round(baselineMs * 10) / 10,
				goal: { maxTimeRatio: 1.2, words: '≤ 1.2× raw reading' },
				notes: `median of ${ROUNDS}; ${Math.round(bytes / 1024)} KiB of SSE per reply; node ms = n8n executionTime (session probe + stream), runNode wall ${Math.round(median(wallMs))} ms`,
			},
		];
	} finally {
		agent.destroy();
		await sim.close();
	}
}

if (require.main === module) {
	void benchChat().then((results) => console.table(results));
}
