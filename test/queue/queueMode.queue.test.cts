/**
 * The package in a production-shaped n8n 2.41: queue mode, main + 2 workers, Redis and Postgres (real
 * servers on loopback), the package installed from its own tarball into every instance's user folder.
 * Every execution runs on a worker (webhooks and REST-API runs alike); main only receives and relays.
 * docs/operations.md, "Queue mode", states what this suite proved, and "When a worker dies" what a user gets when a
 * worker is stopped (SIGTERM) or killed (SIGKILL) mid-run, as the last two tests measure.
 */
import { say } from '../e2e/lib/cache.cjs';
import type { ExecutionResult, WorkflowJson } from '../e2e/lib/restApi.cjs';
import { postAndStream, type StreamMessage } from '../e2e/lib/streamClient.cjs';
import {
	bindCredentials,
	loadExample,
	outputOf,
	type CredentialRefs,
} from '../e2e/lib/workflows.cjs';
import {
	CHAT_DEFAULTS,
	startChatSimulator,
	type ChatSimulator,
	type StreamRecord,
} from '../simulators/chat.cjs';
import {
	chatCredentialData,
	kapuaCredentialData,
	quivaCredentialData,
} from '../simulators/credentials.cjs';
import { startKapuaSimulator, type KapuaSimulator } from '../simulators/kapua.cjs';
import {
	startQuivaSimulator,
	type QuivaSimulator,
	type ReceivedMessage,
} from '../simulators/quiva.cjs';
import { startQueueCluster, type QueueCluster, type Worker } from './lib/cluster.cjs';
import { kapuaLoadWorkflow, quivaLoadWorkflow } from './lib/loadWorkflows.cjs';

let cluster: QueueCluster | undefined;
let quivaSim: QuivaSimulator | undefined;
let kapuaSim: KapuaSimulator | undefined;
let chatSim: ChatSimulator | undefined;
const credentials: CredentialRefs = {};
const suiteStart = Date.now();

function required<T>(value: T | undefined, what: string): T {
	if (value === undefined) throw new Error(`${what} did not start (see beforeAll)`);
	return value;
}
const n8n = () => required(cluster, 'the queue-mode cluster');
const quiva = () => required(quivaSim, 'the Quiva simulator');
const kapua = () => required(kapuaSim, 'the Kapua simulator');
const chat = () => required(chatSim, 'the chat simulator');

async function saveAndPublish(workflow: WorkflowJson): Promise<string> {
	const id = await n8n().api.createWorkflow(bindCredentials(workflow, credentials));
	await n8n().api.activateWorkflow(id);
	return id;
}

/** A production webhook call, as an outside system makes it; "onReceived" answers at once, the run goes to the queue. */
async function postWebhook(path: string, body: unknown): Promise<number> {
	const response = await fetch(`${n8n().main.url}/webhook/${path}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(body),
	});
	await response.text();
	return response.status;
}

/** The editor's "Execute workflow" through the REST API (offloaded to a worker); resolves when the run ended. */
async function runThroughApi(workflowId: string): Promise<string> {
	const run = await n8n().api.runManually(workflowId, 'Manual Trigger');
	// A run that failed says why in the suite's log, so a failure here is never only a count.
	if (run.status !== 'success')
		say(
			`run #${run.id} of workflow ${workflowId} ended "${run.status}": ${JSON.stringify(run.error ?? null).slice(0, 600)}`,
		);
	return run.status;
}

type FinishedRun = ExecutionResult & { mode: string; worker?: string };

/** Every execution of a workflow once ended, with how it was started and the worker that ran it. */
async function finishedRuns(workflowId: string): Promise<FinishedRun[]> {
	const listed = await n8n().api.executionsOf(workflowId);
	const runs = await Promise.all(
		listed.map(async (entry) => ({
			...(await n8n().api.waitForExecution(entry.id)),
			mode: entry.mode,
			worker: n8n().workerOf(entry.id)?.name,
		})),
	);
	for (const run of runs.filter(
		(candidate) => candidate.status !== 'success' && candidate.status !== 'canceled',
	)) {
		say(
			`#${run.id} (${run.mode} on ${run.worker}) ended "${run.status}": ${JSON.stringify(run.error ?? null).slice(0, 800)}`,
		);
	}
	return runs;
}

/** Per key, the sequence numbers in arrival order must be strictly increasing. */
function keysOutOfOrder(items: Array<{ key: string; seq: number }>): string[] {
	const last = new Map<string, number>();
	const broken = new Set<string>();
	for (const { key, seq } of items) {
		if ((last.get(key) ?? -1) >= seq) broken.add(key);
		last.set(key, seq);
	}
	return [...broken];
}

/** What the Quiva simulator holds of one execution, in arrival order; the subject is the ordering key. */
function quivaItemsOf(executionId: string): Array<{ key: string; seq: number }> {
	return quiva()
		.received.filter((message: ReceivedMessage) => message.body.run === executionId)
		.map((message) => ({ key: message.subject, seq: Number(message.body.seq) }));
}

/** What the Kapua simulator holds of one execution, in arrival order; client+channel is the ordering key. */
function kapuaItemsOf(executionId: string): Array<{ key: string; seq: number }> {
	return kapua()
		.published.filter((message) => message.clientId === `dev-${executionId}`)
		.map((message) => ({
			key: message.semanticParts.join('/'),
			seq: Number(message.metrics.find((metric) => metric.name === 'seq')?.value),
		}));
}

function countBy<T>(values: T[]): Record<string, number> {
	const counts: Record<string, number> = {};
	for (const value of values) counts[String(value)] = (counts[String(value)] ?? 0) + 1;
	return counts;
}

beforeAll(async () => {
	cluster = await startQueueCluster({ workers: 2 });
	quivaSim = await startQuivaSimulator();
	kapuaSim = await startKapuaSimulator();
	chatSim = await startChatSimulator();
	for (const [type, name, data] of [
		['quivaApi', 'Quiva account', quivaCredentialData(quivaSim)],
		['kapuaApi', 'Kapua account', kapuaCredentialData(kapuaSim)],
		['chatApi', 'Chat account', chatCredentialData(chatSim)],
	] as const) {
		credentials[type] = { id: await cluster.api.createCredential(name, type, data), name };
	}
});

afterAll(async () => {
	// Every step runs even when one fails, the cluster (all processes and the work folder) last.
	const failures: unknown[] = [];
	for (const step of [
		() => chatSim?.close(),
		() => kapuaSim?.close(),
		() => quivaSim?.close(),
		() => cluster?.close(),
	]) {
		try {
			await step();
		} catch (error) {
			failures.push(error);
		}
	}
	say(`queue-mode suite: ${Math.round((Date.now() - suiteStart) / 1000)} s in all`);
	if (failures.length > 0) throw failures[0];
});

describe('n8n 2.41 in queue mode: main + 2 workers, Redis, Postgres', () => {
	const QUIVA_ITEMS = 500;
	const KAPUA_ITEMS = 200;
	const KEYS = 5;
	let kapuaWorkflowId = '';

	test('20 executions started at once, by webhook and by the REST API, run on both workers; every item reaches the server once, in order per key', async () => {
		const quivaWorkflowId = await saveAndPublish(
			quivaLoadWorkflow(n8n().nodeType('quivaStreamPublish'), 'queue-quiva', QUIVA_ITEMS, KEYS),
		);
		kapuaWorkflowId = await saveAndPublish(
			kapuaLoadWorkflow(n8n().nodeType('kapuaPublish'), 'queue-kapua', KAPUA_ITEMS, KEYS),
		);
		const loginsBefore = kapua().logins.user;

		// 5 of each kind per node: webhook and API, Quiva and Kapua, all in flight together.
		const starts: Array<Promise<unknown>> = [];
		for (let index = 0; index < 5; index++) {
			starts.push(
				postWebhook('queue-quiva', { index }),
				runThroughApi(quivaWorkflowId),
				postWebhook('queue-kapua', { index }),
				runThroughApi(kapuaWorkflowId),
			);
		}
		const answers = countBy(await Promise.all(starts));
		// Webhooks answer 200 once queued; API runs resolve to their final status.
		expect(answers).toEqual({ 200: 10, success: 10 });

		const quivaRuns = await finishedRuns(quivaWorkflowId);
		const kapuaRuns = await finishedRuns(kapuaWorkflowId);
		const runs = [...quivaRuns, ...kapuaRuns];
		const logins = kapua().logins.user - loginsBefore;
		say(
			`20 executions: ${runs.map((run) => `#${run.id} ${run.mode} on ${run.worker}`).join(', ')}`,
		);
		say(
			`per worker: ${JSON.stringify(countBy(runs.map((run) => run.worker)))}; Quiva received ${quiva().received.length}, Kapua published ${kapua().published.length}, Kapua logins ${logins}`,
		);

		expect(countBy(quivaRuns.map((run) => `${run.mode} ${run.status}`))).toEqual({
			'webhook success': 5,
			'manual success': 5,
		});
		expect(countBy(kapuaRuns.map((run) => `${run.mode} ${run.status}`))).toEqual({
			'webhook success': 5,
			'manual success': 5,
		});
		// Every one ran on a worker (its log says it started it), so none on main; both workers took work.
		expect(runs.filter((run) => run.worker === undefined).map((run) => run.id)).toEqual([]);
		const perWorker = countBy(runs.map((run) => run.worker));
		expect(Object.keys(perWorker).sort()).toEqual(
			n8n()
				.workers.map((worker) => worker.name)
				.sort(),
		);

		// Exactly once: each execution's items, each sequence number one time; nothing else arrived.
		for (const run of quivaRuns) {
			const items = quivaItemsOf(run.id);
			expect({
				run: run.id,
				count: items.length,
				distinct: new Set(items.map((item) => item.seq)).size,
			}).toEqual({ run: run.id, count: QUIVA_ITEMS, distinct: QUIVA_ITEMS });
			expect({ run: run.id, outOfOrder: keysOutOfOrder(items) }).toEqual({
				run: run.id,
				outOfOrder: [],
			});
			expect(outputOf(run, 'Quiva Stream Publish')).toHaveLength(QUIVA_ITEMS);
		}
		expect(quiva().received).toHaveLength(10 * QUIVA_ITEMS);
		for (const run of kapuaRuns) {
			const items = kapuaItemsOf(run.id);
			expect({
				run: run.id,
				count: items.length,
				distinct: new Set(items.map((item) => item.seq)).size,
			}).toEqual({ run: run.id, count: KAPUA_ITEMS, distinct: KAPUA_ITEMS });
			expect({ run: run.id, outOfOrder: keysOutOfOrder(items) }).toEqual({
				run: run.id,
				outOfOrder: [],
			});
		}
		expect(kapua().published).toHaveLength(10 * KAPUA_ITEMS);

		// The first executions met an empty session token at the same moment. n8n does not serialise a
		// credential's pre-authentication, but each process lets one login run for all its executions
		// (nodes/common/credentialState.ts): at most one per worker, never one per execution or item.
		expect(logins).toBeGreaterThanOrEqual(1);
		expect(logins).toBeLessThanOrEqual(2);
	});

	test("Kapua's login token is shared through the credential in Postgres: later executions on either worker log in no more", async () => {
		const loginsBefore = kapua().logins.user;
		const publishedBefore = kapua().published.length;
		const tokensIssued = new Set(kapua().published.map((message) => message.tokenId));
		const answers = await Promise.all(
			Array.from({ length: 6 }, (_, index) => postWebhook('queue-kapua', { wave: 2, index })),
		);
		expect(answers).toEqual(Array(6).fill(200));
		const runs = (await finishedRuns(kapuaWorkflowId)).slice(0, 6);
		const logins = kapua().logins.user - loginsBefore;
		say(
			`second wave: ${runs.map((run) => `#${run.id} on ${run.worker}`).join(', ')}; Kapua logins ${logins}`,
		);

		expect(runs.map((run) => run.status)).toEqual(Array(6).fill('success'));
		expect(kapua().published.length - publishedBefore).toBe(6 * KAPUA_ITEMS);
		expect(logins).toBe(0);
		// Sent with a token issued in the first wave, i.e. read from the stored credential.
		const used = new Set(
			kapua()
				.published.slice(publishedBefore)
				.map((message) => message.tokenId),
		);
		expect([...used].filter((token) => !tokensIssued.has(token))).toEqual([]);
	});

	test('Chat Message through a Webhook in Streaming mode, run by a worker: the caller reads the reply token by token while the server is still sending, and the full text', async () => {
		const tokens = [
			'Queue ',
			'mode ',
			'relays ',
			'each ',
			'chunk ',
			'from ',
			'the ',
			'worker ',
			'through ',
			'Redis ',
			'to ',
			'main.',
		];
		chat().setReply({ tokens, pacingMs: 40 });
		const workflowId = await saveAndPublish(loadExample('chat-message-streaming.json'));

		const streamsBefore = chat().streams.length;
		const simulatorSide = (): StreamRecord | undefined => chat().streams[streamsBefore];
		// For each token line the caller reads: how far the simulator was at that moment (same process).
		const seen: Array<{ content: string; simEventsWritten: number; simEnded: boolean }> = [];
		const message = 'Stream me an answer from a worker, please.';
		const response = await postAndStream(
			`${n8n().main.url}/webhook/chat-stream`,
			{ message },
			(line: StreamMessage) => {
				if (line.type !== 'item') return;
				const record = simulatorSide();
				seen.push({
					content: String(line.content),
					simEventsWritten: record?.eventsWritten ?? -1,
					simEnded: record?.ended ?? false,
				});
			},
		);

		expect({ status: response.statusCode, stray: response.stray }).toEqual({
			status: 200,
			stray: [],
		});
		const ours = response.messages.filter((line) => line.metadata?.nodeName === 'Chat Message');
		expect(ours.map((line) => line.type)).toEqual(['begin', ...tokens.map(() => 'item'), 'end']);
		expect(seen.map((entry) => entry.content).join('')).toBe(tokens.join(''));
		// The first token reached the caller before the simulator wrote the last one (events: user_message,
		// the tokens, complete; n counted means at most n + 1 on the wire), and progress kept growing.
		expect(seen[0].simEnded).toBe(false);
		expect(seen[0].simEventsWritten).toBeLessThan(tokens.length);
		const progress = seen.map((entry) => entry.simEventsWritten);
		expect(progress).toEqual([...progress].sort((a, b) => a - b));
		expect(progress[progress.length - 1]).toBeGreaterThan(progress[0]);
		expect(response.readsWithLines).toBeGreaterThan(1);

		// Once at the server; the execution is a webhook run that a worker (not main) carried out.
		const streams = chat().streams.slice(streamsBefore);
		expect(streams).toHaveLength(1);
		expect(streams[0].body).toEqual({
			content: message,
			modelId: 'gpt-5.2',
			userId: CHAT_DEFAULTS.user.id,
		});
		const [execution] = await n8n().api.executionsOf(workflowId);
		const run = await n8n().api.waitForExecution(execution.id);
		expect({ mode: execution.mode, status: run.status }).toEqual({
			mode: 'webhook',
			status: 'success',
		});
		expect(n8n().workerOf(run.id)).toBeDefined();
		say(
			`streaming run #${run.id} on ${n8n().workerOf(run.id)?.name}: ${seen.length} tokens, first read when the simulator had written ${seen[0].simEventsWritten} events`,
		);
		expect(outputOf(run, 'Chat Message')).toEqual([
			expect.objectContaining({ text: tokens.join(''), complete: true }),
		]);
	});

	const LONG_RUN = 2000;

	/**
	 * Starts a 2000-item Quiva publish by webhook and returns once 300 items have arrived, with the worker
	 * running it. Each publish takes 50 ms at the server (16 in flight: about 6 s in all), so whatever the
	 * test then does to the worker lands in the middle of the run.
	 */
	async function longPublishUnderWay(
		webhookPath: string,
	): Promise<{ executionId: string; worker: Worker }> {
		const workflowId = await saveAndPublish(
			quivaLoadWorkflow(n8n().nodeType('quivaStreamPublish'), webhookPath, LONG_RUN, KEYS),
		);
		quiva().faults.inject(
			{ kind: 'delay', ms: 50 },
			{ times: 1_000_000, match: (request) => request.method === 'POST' },
		);
		expect(await postWebhook(webhookPath, {})).toBe(200);
		const executionId = await waitFor(
			`the ${webhookPath} run to be listed`,
			async () => (await n8n().api.executionsOf(workflowId))[0]?.id,
		);
		await waitFor(
			'the first 300 items to arrive',
			async () => quivaItemsOf(executionId).length >= 300 || undefined,
		);
		return {
			executionId,
			worker: required(n8n().workerOf(executionId), `the worker of execution ${executionId}`),
		};
	}

	/** What reached the server for an execution, and whether any worker but `except` started it. */
	function deliveryOf(executionId: string, except: Worker) {
		const items = quivaItemsOf(executionId);
		const distinct = new Set(items.map((item) => item.seq)).size;
		return {
			distinct,
			duplicates: items.length - distinct,
			outOfOrder: keysOutOfOrder(items),
			reRunBy: n8n()
				.workers.filter(
					(worker) => worker !== except && worker.startedExecutions().includes(executionId),
				)
				.map((worker) => worker.name),
		};
	}

	test('a worker stopped normally (SIGTERM, as on a redeploy) in the middle of a 2000-item publish finishes it first: measured', async () => {
		try {
			const { executionId, worker } = await longPublishUnderWay('queue-drain');
			const atStop = quivaItemsOf(executionId).length;
			const stoppedAt = Date.now();
			await worker.stop();
			const exitedAfter = Math.round((Date.now() - stoppedAt) / 1000);
			const run = await n8n().api.waitForExecution(executionId);
			const delivery = deliveryOf(executionId, worker);
			say(
				`SIGTERM to ${worker.name} at ${atStop} of ${LONG_RUN} items of #${executionId}: it exited after ${exitedAfter} s; ` +
					`status "${run.status}", published ${delivery.distinct}, duplicates ${delivery.duplicates}, re-run by another worker: ${delivery.reRunBy.join(', ') || 'no'}`,
			);

			// Measured, and stated in docs/operations.md (When a worker dies): n8n's worker stops taking jobs, lets the running one
			// finish within its shutdown window (30 s by default), then exits; nothing is lost or repeated.
			expect(run.status).toBe('success');
			expect(delivery).toEqual({ distinct: LONG_RUN, duplicates: 0, outOfOrder: [], reRunBy: [] });
			expect(outputOf(run, 'Quiva Stream Publish')).toHaveLength(LONG_RUN);
		} finally {
			quiva().faults.clear();
		}
		// Two live workers again for the crash test.
		await n8n().addWorker();
	});

	test('a worker killed (SIGKILL) in the middle of a 2000-item publish: what the user gets, measured', async () => {
		try {
			const { executionId, worker: victim } = await longPublishUnderWay('queue-crash');
			await victim.kill();
			const killedAt = Date.now();
			const atKill = quivaItemsOf(executionId).length;
			say(
				`killed ${victim.name} (SIGKILL) while execution #${executionId} had published ${atKill} of ${LONG_RUN}`,
			);

			const run = await n8n().api.waitForExecution(executionId);
			const settledAfter = Math.round((Date.now() - killedAt) / 1000);
			// Give n8n time to re-run it if it ever would: one more stalled-job check of the surviving worker
			// (every 30 s by default) and more, then count again.
			await new Promise((resolve) => setTimeout(resolve, 45_000));
			const delivery = deliveryOf(executionId, victim);
			const message = String(run.error?.message ?? '');
			say(
				`crash run #${executionId}: status "${run.status}" ${settledAfter} s after the kill (${message}); published ${delivery.distinct} of ${LONG_RUN} ` +
					`(${delivery.distinct - atKill} after the kill was observed), duplicates ${delivery.duplicates}, re-run by another worker: ${delivery.reRunBy.join(', ') || 'no'}`,
			);

			// What was measured, stated as the guarantee (docs/operations.md, When a worker dies): n8n does not re-run the execution
			// on another worker; it marks it failed; what was published before the kill stays published once,
			// in order per key, and the rest is never sent.
			expect(delivery.reRunBy).toEqual([]);
			expect(run.status).toBe('error');
			// n8n's MaxStalledCountError: Bull found the job's lock expired and, with n8n's maxStalledCount 0, failed it.
			expect(message).toMatch(/failed to be processed too many times and will no longer retry/);
			expect(delivery.duplicates).toBe(0);
			expect(delivery.outOfOrder).toEqual([]);
			expect(delivery.distinct).toBeGreaterThanOrEqual(atKill);
			expect(delivery.distinct).toBeLessThan(LONG_RUN);

			// The surviving worker still serves.
			quiva().faults.clear();
			const survivor = n8n().workers.find((worker) => worker !== victim && !worker.service.exited);
			expect(survivor).toBeDefined();
			const small = quivaLoadWorkflow(
				n8n().nodeType('quivaStreamPublish'),
				'queue-after-crash',
				10,
				2,
			);
			expect(
				await runThroughApi(await n8n().api.createWorkflow(bindCredentials(small, credentials))),
			).toBe('success');
		} finally {
			quiva().faults.clear();
		}
	});
});

/** Polls until `probe` returns a value; a safety net of minutes turns a hang into a message, not a speed check. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
	const deadline = Date.now() + 300_000;
	while (Date.now() < deadline) {
		const value = await probe();
		if (value !== undefined && value !== false) return value;
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
	throw new Error(`gave up waiting for ${what}`);
}
