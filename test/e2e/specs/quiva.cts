/**
 * Quiva Stream Publish in real n8n: the shipped example against the loopback gateway, the credential's
 * Test button, the errors a user sees for bad input and for a failing server, and a published webhook
 * workflow that publishes one message per call over connections kept across executions.
 */
import { randomUUID } from 'node:crypto';

import { quivaCredentialData } from '../../simulators/credentials.cjs';
import {
	QUIVA_DEFAULTS,
	startQuivaSimulator,
	type QuivaSimulator,
} from '../../simulators/quiva.cjs';
import type { WorkflowJson } from '../lib/restApi.cjs';
import type { E2ESession } from '../lib/session.cjs';
import { errorOf, loadExample, outputOf, withParameters } from '../lib/workflows.cjs';

const EXAMPLE = 'quiva-stream-publish.json';
const NODE = 'Quiva Stream Publish';

/** A published workflow: Webhook (POST, answers when the last node finished) → Quiva Stream Publish of the call's body. */
function webhookPublishWorkflow(nodeType: string, path: string): WorkflowJson {
	return {
		name: 'Webhook → Quiva Stream Publish',
		nodes: [
			{
				id: 'webhook',
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2.1,
				position: [0, 0],
				webhookId: randomUUID(),
				parameters: { httpMethod: 'POST', path, responseMode: 'lastNode', options: {} },
			},
			{
				id: 'publish',
				name: NODE,
				type: nodeType,
				typeVersion: 1,
				position: [220, 0],
				parameters: {
					stream: 'orders',
					subject: 'orders.webhook',
					bodySource: 'field',
					bodyField: 'body',
					options: {},
				},
				credentials: { quivaApi: { id: 'quiva-credential', name: 'Quiva account' } },
			},
		],
		connections: { Webhook: { main: [[{ node: NODE, type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	};
}

/** What the example's Code node emits; kept here to check the run, not read from the run itself. */
const SAMPLE_ORDERS = [
	{ orderId: 1001, status: 'created', customer: 'ACME', amount: 42.5 },
	{ orderId: 1002, status: 'created', customer: 'Globex', amount: 17 },
	{ orderId: 1001, status: 'paid', customer: 'ACME', amount: 42.5 },
	{ orderId: 1003, status: 'created', customer: 'Initech', amount: 99.9 },
	{ orderId: 1002, status: 'paid', customer: 'Globex', amount: 17 },
];

export function quivaSpecs(session: () => E2ESession): void {
	let sim: QuivaSimulator;
	let credential: Awaited<ReturnType<E2ESession['addCredential']>>;
	const goodData = () => quivaCredentialData(sim);

	beforeAll(async () => {
		sim = await startQuivaSimulator();
		credential = await session().addCredential('quivaApi', 'Quiva account', goodData());
	});
	afterAll(async () => sim?.close());
	beforeEach(() => {
		sim.received.length = 0;
		sim.faults.clear();
	});

	test('the example workflow publishes each order once, in order per subject, and the next node uses the output', async () => {
		const run = await session().runWorkflow(loadExample(EXAMPLE));
		expect(run.error).toBeUndefined();
		expect(run.status).toBe('success');

		const published = outputOf(run, NODE);
		expect(published).toHaveLength(SAMPLE_ORDERS.length);
		for (const item of published)
			expect(item).toMatchObject({ published: true, status: 200, attempts: 1 });

		// The Set node after ours pairs each output with its input item: the user's view of "which order went out".
		expect(outputOf(run, 'Confirmation')).toEqual(
			SAMPLE_ORDERS.map((order) => ({
				orderId: order.orderId,
				subject: `orders.${order.status}`,
				published: true,
				attempts: 1,
			})),
		);

		// Exactly once: the gateway holds each order event one time, with the item as body.
		expect(sim.received).toHaveLength(SAMPLE_ORDERS.length);
		const key = (m: { subject: string; body: Record<string, unknown> }) =>
			`${m.subject}#${String(m.body.orderId)}`;
		expect(sim.received.map(key).sort()).toEqual(
			SAMPLE_ORDERS.map((o) => key({ subject: `orders.${o.status}`, body: o })).sort(),
		);
		for (const message of sim.received) {
			expect(message.stream).toBe('orders');
			expect(message.body).toEqual(
				SAMPLE_ORDERS.find(
					(o) => `orders.${o.status}` === message.subject && o.orderId === message.body.orderId,
				),
			);
		}
		// Order kept per subject, as the node promises.
		for (const subject of ['orders.created', 'orders.paid']) {
			expect(sim.received.filter((m) => m.subject === subject).map((m) => m.body.orderId)).toEqual(
				SAMPLE_ORDERS.filter((o) => `orders.${o.status}` === subject).map((o) => o.orderId),
			);
		}
		expect(sim.authHeadersSeen.every((seen) => seen.apiKey === QUIVA_DEFAULTS.apiKey)).toBe(true);
	});

	test("the credential's Test button says what is wrong: wrong key, unreachable or wrong Base URL, bad scheme, empty key", async () => {
		const requestsBefore = sim.requestCount;
		expect(await credential.test()).toEqual({
			status: 'OK',
			message: 'Connected: the quiva.ai Gateway accepted the API key',
		});
		expect(await credential.test(quivaCredentialData(sim, 'bearerToken'))).toEqual({
			status: 'OK',
			message: 'Connected: the quiva.ai Gateway accepted the token',
		});

		const bad = await credential.test({ ...goodData(), apiKey: 'expired-key' });
		expect(bad).toEqual({
			status: 'Error',
			message:
				'Authentication failed: the gateway rejected the API key or token (HTTP 401). Check the Quiva API credential; API keys expire after 3 months.',
		});

		expect(await credential.test({ ...goodData(), baseUrl: 'http://127.0.0.1:1' })).toEqual({
			status: 'Error',
			message:
				"Could not reach the quiva.ai Gateway: the connection was refused (ECONNREFUSED). Check the Base URL's host and port and that the server is running.",
		});
		expect(await credential.test({ ...goodData(), baseUrl: `${sim.url}/gateway` })).toEqual({
			status: 'Error',
			message:
				"The server at the Base URL is not the quiva.ai Gateway, or the Base URL's path is wrong: it has no /storage/streams route (HTTP 404 on GET /storage/streams). Check the Base URL.",
		});
		const requestsBeforeChecks = sim.requestCount;
		expect(
			await credential.test({ ...goodData(), baseUrl: sim.url.replace('http:', 'ftp:') }),
		).toEqual({
			status: 'Error',
			message: 'Quiva API credential: Base URL must start with http:// or https://',
		});
		expect(await credential.test({ ...goodData(), apiKey: '' })).toEqual({
			status: 'Error',
			message: 'Quiva API credential: API Key is empty',
		});
		// The field checks sent nothing; the Test button never publishes.
		expect(sim.requestCount).toBe(requestsBeforeChecks);
		expect(sim.requestCount).toBeGreaterThan(requestsBefore);
		expect(sim.received).toHaveLength(0);
	});

	test('a published webhook workflow, called 30 times one after another, publishes each call once over at most 3 connections', async () => {
		const path = `quiva-webhook-${randomUUID().slice(0, 8)}`;
		const workflowId = await session().importWorkflow(
			webhookPublishWorkflow(session().nodeType('quivaStreamPublish'), path),
		);
		await session().api.activateWorkflow(workflowId);

		const calls = 30;
		const connectionsBefore = sim.connectionCount;
		for (let orderId = 0; orderId < calls; orderId++) {
			const response = await fetch(`${session().server.url}/webhook/${path}`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ orderId }),
			});
			// "When last node finishes": the answer is the node's output item, so each call's message was sent.
			expect({ status: response.status, answer: await response.json() }).toEqual({
				status: 200,
				answer: expect.objectContaining({ published: true, status: 200, attempts: 1 }),
			});
		}
		// Each call's message exactly once, in the order of the calls.
		expect(
			sim.received.map((message) => ({
				stream: message.stream,
				subject: message.subject,
				body: message.body,
			})),
		).toEqual(
			Array.from({ length: calls }, (_, orderId) => ({
				stream: 'orders',
				subject: 'orders.webhook',
				body: { orderId },
			})),
		);
		// 30 executions, and the connections they opened: fetch's pool outlives an execution, so the executions
		// after the first reuse its connection (before the pool, each opened its own: 30).
		const executions = await session().api.executionsOf(workflowId, 100);
		expect(executions.map((execution) => `${execution.mode} ${execution.status}`)).toEqual(
			Array.from({ length: calls }, () => 'webhook success'),
		);
		expect(sim.connectionCount - connectionsBefore).toBeLessThanOrEqual(3);
	});

	test('bad input: a wildcard subject fails the run with the field named and nothing sent', async () => {
		const run = await session().runWorkflow(
			withParameters(loadExample(EXAMPLE), NODE, { subject: 'orders.*' }),
		);
		expect(run.status).toBe('error');
		const error = errorOf(run);
		expect(error.node?.name).toBe(NODE);
		expect(error.message).toBe(
			'Invalid Subject [item 0]: Subject "orders.*" contains a wildcard token ("*" or ">"); a message is published to one literal subject',
		);
		expect(sim.received).toHaveLength(0);
		expect(run.runData.Confirmation).toBeUndefined();
	});

	test("server error: the gateway's HTTP 500 reaches the user with the server's words, and POSTs are not retried blindly", async () => {
		sim.faults.inject(
			{
				kind: 'status',
				status: 500,
				body: { error: 'internal_error', message: 'JetStream not available' },
			},
			{ times: 1000 },
		);
		const requestsBefore = sim.requestCount;
		const run = await session().runWorkflow(loadExample(EXAMPLE));
		expect(run.status).toBe('error');
		const error = errorOf(run);
		expect(error.node?.name).toBe(NODE);
		expect(error.message).toMatch(
			/^The server failed to process the request; the server may have received the message \[item \d+\]$/,
		);
		expect(String(error.description)).toContain('HTTP 500');
		expect(String(error.description)).toContain('Turn on the Retry on Server Errors option');
		expect(String(error.description)).toContain('JetStream not available');
		expect(String(error.description)).not.toContain(QUIVA_DEFAULTS.apiKey);
		expect(sim.received).toHaveLength(0);
		// The default does not retry a POST on 5xx (it may have been accepted): at most one request per item.
		const requests = sim.requestCount - requestsBefore;
		expect(requests).toBeGreaterThanOrEqual(1);
		expect(requests).toBeLessThanOrEqual(SAMPLE_ORDERS.length);
	});

	test('a credential that cannot work: the run fails naming the credential and field, nothing sent', async () => {
		const requestsBefore = sim.requestCount;
		// Runs bind to the credential added last: the broken one here, the good one again afterwards.
		await session().addCredential('quivaApi', 'Quiva broken', {
			...goodData(),
			baseUrl: sim.url.replace('http://', ''),
		});
		try {
			const run = await session().runWorkflow(loadExample(EXAMPLE));
			expect(run.status).toBe('error');
			const error = errorOf(run);
			expect(error.message).toBe(
				'Quiva API credential: Base URL must start with http:// or https://',
			);
			expect(String(error.description)).toMatch(
				/^Nothing was sent: the credential is checked before the first request/,
			);
			expect(sim.requestCount).toBe(requestsBefore);
		} finally {
			credential = await session().addCredential('quivaApi', 'Quiva account', goodData());
		}
	});
}
