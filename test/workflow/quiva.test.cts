/**
 * The Quiva Stream Publish node inside n8n-core's execution engine, against the loopback gateway
 * simulator: what users see in outputs and errors, and what the gateway received.
 */
import type { IDataObject } from 'n8n-workflow';

import { CredentialStore, runNode, type NodeRunSpec } from '../harness/n8n.cjs';
import { quivaCredentialData } from '../simulators/credentials.cjs';
import { QUIVA_DEFAULTS, startQuivaSimulator, type QuivaSimulator } from '../simulators/quiva.cjs';
import { QUIVA_GOOD_ITEM, quivaBadInputs } from './quiva.badInputs.cjs';

let sim: QuivaSimulator;
beforeEach(async () => (sim = await startQuivaSimulator()));
afterEach(async () => sim.close());

const SECRET_KEY = QUIVA_DEFAULTS.apiKey;

function credentials(overrides: IDataObject = {}) {
	return new CredentialStore().set('quivaApi', quivaCredentialData(sim, 'apiKey', overrides));
}

function publish(parameters: IDataObject, items: IDataObject[], extra: Partial<NodeRunSpec> = {}) {
	return runNode({
		type: 'quivaStreamPublish',
		parameters: {
			stream: 'orders',
			subject: 'orders.created',
			bodySource: 'item',
			options: {},
			...parameters,
		},
		credentials: credentials(),
		items,
		...extra,
	});
}

describe('publishing', () => {
	test('each item is published once, in order, with pairedItem and the gateway answer', async () => {
		const items = [{ id: 1 }, { id: 2 }, { id: 3 }];
		const { output, error } = await publish({}, items);
		expect(error).toBeUndefined();
		expect(output.map((item) => item.json)).toEqual(
			items.map(() => ({
				stream: 'orders',
				subject: 'orders.created',
				published: true,
				status: 200,
				response: { message: 'success' },
				attempts: 1,
			})),
		);
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(sim.messages('orders').map((message) => message.body)).toEqual(items);
	});

	test('stream, subject and body come from expressions per item', async () => {
		const { output } = await publish(
			{
				stream: '={{ $json.stream }}',
				subject: '={{ $json.stream + "." + $json.kind }}',
				bodySource: 'json',
				bodyJson: '={{ JSON.stringify({ kind: $json.kind, n: $itemIndex }) }}',
			},
			[
				{ stream: 'events', kind: 'a' },
				{ stream: 'orders', kind: 'b' },
			],
		);
		expect(output.map((item) => item.json.subject)).toEqual(['events.a', 'orders.b']);
		expect(sim.received.map(({ stream, subject, body }) => ({ stream, subject, body }))).toEqual([
			{ stream: 'events', subject: 'events.a', body: { kind: 'a', n: 0 } },
			{ stream: 'orders', subject: 'orders.b', body: { kind: 'b', n: 1 } },
		]);
	});

	test('a plain $json path (read directly) publishes exactly what n8n evaluation gives', async () => {
		const items = [
			{ s: 'orders', sub: 'orders.a', b: { x: 1 } },
			{ s: 'events', sub: 'events.z', b: { x: 2 } },
			{ s: 'orders', b: { x: 3 } },
		];
		const direct = await publish(
			{
				stream: '={{ $json.s }}',
				subject: '={{ $json["sub"] }}',
				bodySource: 'json',
				bodyJson: '={{ $json.b }}',
			},
			items,
			{ continueOnFail: true },
		);
		const directLog = sim.received
			.splice(0)
			.map(({ stream, subject, body }) => ({ stream, subject, body }));
		// The same values through n8n's expression engine (no longer a plain path).
		const evaluated = await publish(
			{
				stream: '={{ $json.s + "" }}',
				subject: '={{ $json["sub"] ?? undefined }}',
				bodySource: 'json',
				bodyJson: '={{ $json.b ?? undefined }}',
			},
			items,
			{ continueOnFail: true },
		);
		expect(sim.received.map(({ stream, subject, body }) => ({ stream, subject, body }))).toEqual(
			directLog,
		);
		expect(evaluated.output.map((item) => item.json.published ?? item.json.error)).toEqual(
			direct.output.map((item) => item.json.published ?? item.json.error),
		);
		expect(String(direct.output[2].json.error)).toMatch(/Invalid Subject \[item 2\]/);
	});

	test('the body can be one field of the item, by dotted path', async () => {
		await publish({ bodySource: 'field', bodyField: 'data.payload' }, [
			{ data: { payload: { sku: 'A-1' } }, other: 'not sent' },
		]);
		expect(sim.received[0].body).toEqual({ sku: 'A-1' });
	});

	test('Bearer authentication sends the token as Authorization and no API key', async () => {
		const { error } = await runNode({
			type: 'quivaStreamPublish',
			parameters: { stream: 'orders', subject: 'orders.x', bodySource: 'item', options: {} },
			credentials: credentials({
				authentication: 'bearerToken',
				token: QUIVA_DEFAULTS.bearerToken,
				apiKey: '',
			}),
			items: [{ a: 1 }],
		});
		expect(error).toBeUndefined();
		expect(sim.authHeadersSeen).toEqual([
			{ apiKey: undefined, authorization: `Bearer ${QUIVA_DEFAULTS.bearerToken}` },
		]);
	});

	test("n8n's HTTP helper path publishes the same way (credential applied by n8n)", async () => {
		const { output, error } = await publish({ options: { transport: 'n8nHelper' } }, [
			{ id: 1 },
			{ id: 2 },
		]);
		expect(error).toBeUndefined();
		expect(output).toHaveLength(2);
		expect(sim.messages('orders').map((message) => message.body)).toEqual([{ id: 1 }, { id: 2 }]);
		expect(sim.authHeadersSeen.every((seen) => seen.apiKey === SECRET_KEY)).toBe(true);
	});
});

describe('ordering under concurrency', () => {
	test('many subjects interleaved: per-subject order on the server equals input order', async () => {
		const subjects = Array.from({ length: 12 }, (_, i) => `orders.s${i}`);
		const items = Array.from({ length: 600 }, (_, i) => ({
			subject: subjects[(i * 7) % subjects.length],
			seq: i,
		}));
		// Delays on some requests make lanes finish out of step, so a wrong pool would reorder.
		sim.faults.randomly({ rate: 0.2, seed: 7, faults: [{ kind: 'delay', ms: 3 }] });
		const { output, error } = await publish(
			{ subject: '={{ $json.subject }}', options: { maxConcurrency: 8 } },
			items,
		);
		expect(error).toBeUndefined();
		expect(output.map((item) => item.pairedItem)).toEqual(items.map((_, i) => ({ item: i })));
		expect(sim.received).toHaveLength(items.length);
		for (const subject of subjects) {
			const sent = items.filter((item) => item.subject === subject).map((item) => item.seq);
			const got = sim.received
				.filter((message) => message.subject === subject)
				.map((message) => message.body.seq);
			expect(got).toEqual(sent);
		}
		// Different subjects did overlap: arrival order differs from input order somewhere.
		expect(sim.received.map((message) => message.body.seq)).not.toEqual(
			items.map((item) => item.seq),
		);
	});
});

describe('bad input: a clear error naming the item and the field, and nothing sent', () => {
	// Item 0 is valid and item 1 is not (through an expression), or the node-level setting is bad for
	// every item; either way the node stops before sending anything.
	test.each(quivaBadInputs.map((c) => [c.name, c.parameters, c.badItem, c.message] as const))(
		'%s',
		async (_name, parameters, badItem, message) => {
			const good = QUIVA_GOOD_ITEM;
			const { error, output } = await publish(parameters, [good, { ...good, ...badItem }]);
			expect(output).toEqual([]);
			expect(error?.message).toMatch(message);
			expect(sim.requestCount).toBe(0);
		},
	);

	test.each<[string, IDataObject, RegExp]>([
		[
			'body JSON that is an array',
			{ bodySource: 'json', bodyJson: '[1,2]' },
			/Invalid Body \[item 0\].*JSON object, got an array/,
		],
		[
			'body JSON that does not parse',
			{ bodySource: 'json', bodyJson: '{"a":' },
			/Invalid Body \[item 0\].*not valid JSON/,
		],
		[
			'empty field path',
			{ bodySource: 'field', bodyField: '' },
			/Invalid Body \[item 0\]: Field is empty/,
		],
	])('node-level %s', async (_name, parameters, message) => {
		const { error } = await publish(parameters, [{ a: 1 }, { a: 2 }]);
		expect(error?.message).toMatch(message);
		expect(sim.requestCount).toBe(0);
	});

	test('with Continue On Fail the bad item becomes an error item and the good ones are published', async () => {
		const { output, error } = await publish(
			{ subject: '={{ $json.subject }}' },
			[{ subject: 'orders.a' }, { subject: 'orders..b' }, { subject: 'orders.c' }],
			{ continueOnFail: true },
		);
		expect(error).toBeUndefined();
		expect(output).toHaveLength(3);
		expect(output[1].json.error).toMatch(/Invalid Subject \[item 1\]/);
		expect(output[1].pairedItem).toEqual({ item: 1 });
		expect(sim.received.map((message) => message.subject)).toEqual(['orders.a', 'orders.c']);
	});
});

describe('server answers', () => {
	test('401: authentication message, no retry, key not in the error', async () => {
		const { error, output } = await runNode({
			type: 'quivaStreamPublish',
			parameters: { stream: 'orders', subject: 'orders.a', bodySource: 'item', options: {} },
			credentials: credentials({ apiKey: 'wrong-key-canary' }),
			items: [{ a: 1 }],
		});
		expect(output).toEqual([]);
		expect(error?.message).toBe(
			'Authentication failed: the gateway rejected the API key or token [item 0]',
		);
		expect(sim.requestCount).toBe(1);
		expect(JSON.stringify(error)).not.toContain('wrong-key-canary');
	});

	test('404 unknown stream names the stream', async () => {
		const { error } = await publish({ stream: 'nope' }, [{ a: 1 }]);
		expect(error?.message).toBe('Stream "nope" was not found [item 0]');
		expect((error as unknown as { httpCode: string }).httpCode).toBe('404');
	});

	test('400 for a subject outside the stream filters carries the gateway text', async () => {
		const { error } = await publish({ stream: 'events', subject: 'other.x' }, [{ a: 1 }]);
		expect(error?.message).toMatch(/rejected the message for stream "events"/);
		expect(error?.description).toMatch(/validation_error/);
	});

	test('413 from the gateway (limit lower than the node option)', async () => {
		await sim.close();
		sim = await startQuivaSimulator({ maxPayloadBytes: 50 });
		const { error } = await publish({}, [{ big: 'x'.repeat(100) }]);
		expect(error?.message).toMatch(/larger than stream "orders" accepts/);
	});

	test('429 with Retry-After, then success: published exactly once', async () => {
		sim.faults.inject(
			{
				kind: 'status',
				status: 429,
				headers: { 'Retry-After': '0' },
				body: { error: 'Rate limit exceeded' },
			},
			{ times: 2 },
		);
		const { output, error } = await publish({}, [{ id: 1 }]);
		expect(error).toBeUndefined();
		expect(output[0].json).toMatchObject({ published: true, attempts: 3 });
		expect(sim.received).toHaveLength(1);
	});

	test('429 with the body form retry_after is honoured too', async () => {
		sim.faults.inject({
			kind: 'status',
			status: 429,
			body: { error: 'Rate limit exceeded', retry_after: 0 },
		});
		const { output } = await publish({}, [{ id: 1 }]);
		expect(output[0].json.attempts).toBe(2);
	});

	test('429 on every attempt: the error says so', async () => {
		sim.faults.inject(
			{
				kind: 'status',
				status: 429,
				headers: { 'Retry-After': '0' },
				body: { error: 'Rate limit exceeded' },
			},
			{ times: 3 },
		);
		const { error } = await publish({}, [{ id: 1 }]);
		expect(error?.message).toMatch(/Rate limit exceeded: the gateway asks to slow down \[item 0\]/);
		expect(error?.description).toMatch(/after 3 attempts/);
		expect(sim.received).toHaveLength(0);
	});

	test('503 with Retry-After is retried; 503 without it is reported, not retried', async () => {
		sim.faults.inject({
			kind: 'status',
			status: 503,
			headers: { 'Retry-After': '0' },
			body: { error: 'unavailable' },
		});
		const retried = await publish({}, [{ id: 1 }]);
		expect(retried.output[0].json.attempts).toBe(2);

		sim.faults.inject({ kind: 'status', status: 503, body: { error: 'unavailable' } });
		const reported = await publish({}, [{ id: 2 }]);
		expect(reported.error?.message).toMatch(/unavailable/);
		expect(sim.received.map((message) => message.body)).toEqual([{ id: 1 }]);
	});

	test('500 is not retried by default, and is with "Retry on Server Errors"', async () => {
		sim.faults.inject({ kind: 'status', status: 500, body: { error: 'internal_error' } });
		const strict = await publish({}, [{ id: 1 }]);
		expect(strict.error?.message).toMatch(/failed to process/);
		expect(sim.requestCount).toBe(1);

		sim.faults.inject({ kind: 'status', status: 500, body: { error: 'internal_error' } });
		const lenient = await publish({ options: { retryOnServerErrors: true } }, [{ id: 2 }]);
		expect(lenient.output[0].json).toMatchObject({ published: true, attempts: 2 });
	});

	test('a reset after the gateway accepted is reported, never republished behind the user', async () => {
		sim.faults.inject({ kind: 'resetAfterAccept' });
		const { output, error } = await publish({}, [{ id: 1 }, { id: 2 }], { continueOnFail: true });
		expect(error).toBeUndefined();
		expect(output[0].json.error).toMatch(
			/^The connection was closed before the server answered; the server may have received the message \[item 0\]$/,
		);
		expect(output[0].json.description).toMatch(
			/It was not sent again, so it is not duplicated. Turn on the Retry on Server Errors option/,
		);
		expect(output[1].json.published).toBe(true);
		expect(sim.received.map((message) => message.body)).toEqual([{ id: 1 }, { id: 2 }]);
	});

	test('a reset before accepting is not retried by default either (the client cannot tell)', async () => {
		sim.faults.inject({ kind: 'reset' });
		const { error } = await publish({}, [{ id: 1 }]);
		expect(error?.message).toMatch(/closed before the server answered/);
		expect(sim.received).toHaveLength(0);
	});

	test('connection refused is retried, then reported with the attempts', async () => {
		const url = sim.url;
		await sim.close();
		const { error } = await runNode({
			type: 'quivaStreamPublish',
			parameters: { stream: 'orders', subject: 'orders.a', bodySource: 'item', options: {} },
			credentials: credentials({ baseUrl: url }),
			items: [{ id: 1 }],
		});
		expect(error?.message).toMatch(/refused the connection/);
		expect(error?.description).toMatch(/after 3 attempts \(ECONNREFUSED\)/);
		sim = await startQuivaSimulator();
	});

	test('a server slower than the timeout gives a timeout error and no retry', async () => {
		sim.faults.inject({ kind: 'hang' });
		const { error } = await publish({ options: { timeout: 200 } }, [{ id: 1 }]);
		expect(error?.message).toMatch(/did not answer in time/);
		expect(sim.requestCount).toBe(1);
	});

	test('with Continue On Fail every item ends as exactly one output item, in order', async () => {
		sim.faults.inject(
			{ kind: 'status', status: 500, body: { error: 'internal_error' } },
			{ match: (request) => request.method === 'POST', times: 2 },
		);
		const items = Array.from({ length: 6 }, (_, i) => ({ id: i }));
		const { output } = await publish({ options: { maxConcurrency: 1 } }, items, {
			continueOnFail: true,
		});
		expect(output.map((item) => item.pairedItem)).toEqual(items.map((_, i) => ({ item: i })));
		expect(output.map((item) => (item.json.error ? 'error' : 'ok'))).toEqual([
			'error',
			'error',
			'ok',
			'ok',
			'ok',
			'ok',
		]);
		expect(sim.received.map((message) => message.body.id)).toEqual([2, 3, 4, 5]);
	});
});

describe('cancellation', () => {
	test('cancelling the execution aborts the request in flight and sends no further item', async () => {
		sim.faults.inject({ kind: 'hang' });
		const { output } = await publish(
			{ options: { maxConcurrency: 1 } },
			[{ id: 1 }, { id: 2 }, { id: 3 }],
			{ cancelAfterMs: 150 },
		);
		expect(output).toEqual([]);
		// Give a wrongly still-running node the chance to send more before checking.
		await new Promise((resolve) => setTimeout(resolve, 100));
		expect(sim.requestCount).toBe(1);
		expect(sim.received).toHaveLength(0);
	});
	test('with Continue On Fail the run still ends canceled, each item saying it was not sent, and no further item is sent', async () => {
		sim.faults.inject({ kind: 'hang' });
		const result = await publish(
			{ options: { maxConcurrency: 1 } },
			[{ id: 1 }, { id: 2 }, { id: 3 }],
			{ cancelAfterMs: 150, continueOnFail: true },
		);
		expect(result.run.status).toBe('canceled');
		expect(
			result.output.map((item) => [item.pairedItem, item.json.stream, item.json.error]),
		).toEqual([
			[{ item: 0 }, 'orders', 'The request was canceled [item 0]'],
			[{ item: 1 }, 'orders', 'Not sent: the execution was canceled [item 1]'],
			[{ item: 2 }, 'orders', 'Not sent: the execution was canceled [item 2]'],
		]);
		await new Promise((resolve) => setTimeout(resolve, 100));
		expect(sim.requestCount).toBe(1);
		expect(sim.received).toHaveLength(0);
	});
});
