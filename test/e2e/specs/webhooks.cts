/**
 * Webhook pipelines in a real n8n (`n8n start`): published workflows whose Webhook starts one execution per
 * call, many at once, as n8n users publish events. What the package keeps per credential across executions
 * (nodes/common/credentialState.ts) is what these check, at the simulators (which run in this process, apart
 * from n8n's):
 * - Max Requests per Second holds across 40 concurrent executions: no one-second window at the gateway above
 *   the limit (+1 for timer slack), every item published once;
 * - 20 concurrent Kapua executions with no stored token log in once;
 * - the chat session is looked up once per session, not once per execution.
 */
import { randomUUID } from 'node:crypto';

import { busiestSecond } from '../../harness/rate.cjs';
import { startChatSimulator, type ChatSimulator } from '../../simulators/chat.cjs';
import {
	chatCredentialData,
	kapuaCredentialData,
	quivaCredentialData,
} from '../../simulators/credentials.cjs';
import {
	isPublishRequest,
	startKapuaSimulator,
	type KapuaSimulator,
} from '../../simulators/kapua.cjs';
import { startQuivaSimulator, type QuivaSimulator } from '../../simulators/quiva.cjs';
import type { WorkflowJson } from '../lib/restApi.cjs';
import type { E2ESession } from '../lib/session.cjs';

/** Webhook (POST, answers when the last node is done) → the node under test, bound to its own credential. */
function webhookWorkflow(
	session: E2ESession,
	path: string,
	node: {
		type: string;
		parameters: Record<string, unknown>;
		credential: { type: string; id: string; name: string };
	},
): WorkflowJson {
	return {
		name: `Webhook → ${node.type} (${path})`,
		nodes: [
			{
				id: randomUUID(),
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2.1,
				position: [0, 0],
				webhookId: randomUUID(),
				parameters: { httpMethod: 'POST', path, responseMode: 'lastNode', options: {} },
			},
			{
				id: randomUUID(),
				name: 'Node Under Test',
				type: session.nodeType(node.type),
				typeVersion: 1,
				position: [220, 0],
				parameters: node.parameters,
				credentials: {
					[node.credential.type]: { id: node.credential.id, name: node.credential.name },
				},
			},
		],
		connections: { Webhook: { main: [[{ node: 'Node Under Test', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	} as unknown as WorkflowJson;
}

/** Publishes the workflow and returns a caller of its production webhook. */
async function publish(session: E2ESession, workflow: WorkflowJson, path: string) {
	const id = await session.api.createWorkflow(workflow);
	await session.api.activateWorkflow(id);
	return async (body: Record<string, unknown>) => {
		const response = await fetch(`${session.server.url}/webhook/${path}`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify(body),
		});
		return { status: response.status, body: await response.text() };
	};
}

async function credential(session: E2ESession, type: string, data: Record<string, unknown>) {
	const name = `${type} for webhooks ${randomUUID().slice(0, 8)}`;
	return { type, name, id: await session.api.createCredential(name, type, data) };
}

export function webhookSpecs(session: () => E2ESession): void {
	describe('Quiva Stream Publish behind a webhook', () => {
		let sim: QuivaSimulator;
		beforeAll(async () => (sim = await startQuivaSimulator()));
		afterAll(async () => sim?.close());

		test('40 callers at once, Max Requests per Second = 5: each published once, no second at the gateway over 5 (+1)', async () => {
			const path = `quiva-limit-${randomUUID().slice(0, 8)}`;
			const quiva = await credential(session(), 'quivaApi', quivaCredentialData(sim));
			const call = await publish(
				session(),
				webhookWorkflow(session(), path, {
					type: 'quivaStreamPublish',
					parameters: {
						stream: 'orders',
						subject: '={{ "orders." + $json.body.n }}',
						bodySource: 'item',
						options: { maxRequestsPerSecond: 5 },
					},
					credential: quiva,
				}),
				path,
			);
			const before = sim.requests.length;
			const answers = await Promise.all(Array.from({ length: 40 }, (_, n) => call({ n })));
			expect(answers.map((answer) => answer.status)).toEqual(Array(40).fill(200));
			const publishes = sim.requests
				.slice(before)
				.filter((request) => request.method === 'POST' && request.path.endsWith('/messages'));
			expect(publishes).toHaveLength(40);
			const published = sim.received
				.filter((message) => message.subject.startsWith('orders.'))
				.map((message) => (message.body.body as { n?: number })?.n);
			expect([...new Set(published)].sort((a, b) => Number(a) - Number(b))).toEqual(
				Array.from({ length: 40 }, (_, n) => n),
			);
			const busiest = busiestSecond(publishes.map((request) => request.at!).sort((a, b) => a - b));
			console.log(
				`[e2e] 40 webhook executions at Max Requests per Second 5: busiest second at the gateway ${busiest}`,
			);
			expect(busiest).toBeLessThanOrEqual(5 + 1);
		});
	});

	describe('Kapua Publish behind a webhook', () => {
		let sim: KapuaSimulator;
		beforeAll(async () => (sim = await startKapuaSimulator()));
		afterAll(async () => sim?.close());

		test('20 callers at once with no stored token: one login for all, every message published once', async () => {
			const path = `kapua-login-${randomUUID().slice(0, 8)}`;
			const kapua = await credential(session(), 'kapuaApi', kapuaCredentialData(sim));
			const call = await publish(
				session(),
				webhookWorkflow(session(), path, {
					type: 'kapuaPublish',
					parameters: {
						scopeId: '_',
						clientId: '={{ "dev-" + $json.body.n }}',
						deviceId: '',
						channel: 'webhook/data',
						metricsSource: 'json',
						metricsJson: '={{ { n: $json.body.n } }}',
						bodyType: 'none',
						options: {},
					},
					credential: kapua,
				}),
				path,
			);
			const logins = sim.logins.user;
			const before = sim.requests.filter(isPublishRequest).length;
			const answers = await Promise.all(Array.from({ length: 20 }, (_, n) => call({ n })));
			expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
			console.log(
				`[e2e] 20 concurrent Kapua webhook executions: ${sim.logins.user - logins} login(s)`,
			);
			expect(sim.logins.user - logins).toBe(1);
			expect(sim.requests.filter(isPublishRequest).length - before).toBe(20);
		});
	});

	describe('Chat Message behind a webhook', () => {
		let sim: ChatSimulator;
		beforeAll(async () => (sim = await startChatSimulator()));
		afterAll(async () => sim?.close());

		test('10 callers one after another: one sign-in and one session look-up for the session, not one per execution', async () => {
			const path = `chat-session-${randomUUID().slice(0, 8)}`;
			const chat = await credential(session(), 'chatApi', chatCredentialData(sim));
			const call = await publish(
				session(),
				webhookWorkflow(session(), path, {
					type: 'chatMessage',
					parameters: {
						chatMode: 'new',
						message: '={{ $json.body.message }}',
						model: 'gpt-5.2',
						outputMode: 'finalReply',
						options: {},
					},
					credential: chat,
				}),
				path,
			);
			const lookups = () =>
				sim.requests.filter((request) => request.path === '/api/auth/get-session').length;
			for (let n = 0; n < 10; n++)
				expect((await call({ message: `Question ${n}` })).status).toBe(200);
			console.log(
				`[e2e] 10 chat webhook executions: ${sim.signIns} sign-in(s), ${lookups()} session look-up(s)`,
			);
			expect(sim.streams).toHaveLength(10);
			expect([sim.signIns, lookups()]).toEqual([1, 1]);
		});
	});
}
