/**
 * Kapua Publish in n8n-core's engine against the loopback Kapua simulator.
 * Every request body sent here is checked against the real dataMessage / login schemas at the end.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { checkRequestBody } from '../contract/kapuaSchema.cjs';
import { KAPUA_DEFAULTS, startKapuaSimulator, type KapuaSimulator } from '../simulators/kapua.cjs';
import { kapuaBadInputs } from './kapua.badInputs.cjs';
import { ALL_TYPES_METRICS, kapuaCredentials, runKapua, type AuthWay } from './kapuaFixtures.cjs';

let sim: KapuaSimulator;
/** Scope "Ag": an account without MQTT endpoint; user "reader" may not write streams anywhere. */
beforeAll(async () => {
	sim = await startKapuaSimulator({
		accounts: [
			{ id: 'AQ', name: 'kapua-sys', endpoint: true },
			{ id: 'Ag', name: 'fresh-account', endpoint: false },
		],
		users: [
			{
				username: 'kapua-sys',
				password: KAPUA_DEFAULTS.password,
				scopeId: 'AQ',
				streamWrite: ['*'],
			},
			{ username: 'reader', password: 'Reader-Passw0rd!', scopeId: 'AQ', streamWrite: [] },
		],
	});
});
afterAll(async () => {
	// The contract: every body the node sent in this file matches Kapua's own schemas. The simulator is
	// closed whatever the check throws, so a failure can never leave it listening (and jest waiting).
	try {
		const problems = sim.captured.flatMap((request) =>
			checkRequestBody(request).map((problem) => `${request.path}: ${problem}`),
		);
		expect(problems).toEqual([]);
	} finally {
		await sim.close();
	}
});
afterEach(() => sim.faults.clear());

const errorOf = (item: INodeExecutionData) => String(item.json.error ?? '');
const published = () => sim.published.length;

describe('metrics', () => {
	test('every metric type, listed in the UI, arrives as Kapua parses it', async () => {
		const before = published();
		const result = await runKapua(
			kapuaCredentials(sim),
			{ metrics: { metric: ALL_TYPES_METRICS } },
			[{}],
		);
		expect(result.error).toBeUndefined();
		expect(result.output[0].json).toMatchObject({
			published: true,
			status: 204,
			metricCount: 8,
			clientId: 'dev-1',
			channel: 'heater/data',
			topic: '+/dev-1/heater/data',
		});
		const [message] = sim.published.slice(before);
		expect(message.topic).toBe('kapua-sys/dev-1/heater/data');
		expect(message.metrics).toEqual([
			{ name: 'label', valueType: 'string', value: 'Heater 1 – Küche' },
			{ name: 'count', valueType: 'integer', value: -2147483648 },
			{ name: 'total', valueType: 'long', value: 9223372036854775807n },
			{ name: 'ratio', valueType: 'float', value: Math.fround(3.4028234e38) },
			{ name: 'temperature', valueType: 'double', value: 21.5 },
			{ name: 'on', valueType: 'boolean', value: true },
			{ name: 'raw', valueType: 'binary', value: Buffer.from([1, 2, 3]) },
			{ name: 'seen', valueType: 'date', value: '2024-10-17T09:25:05.096Z' },
		]);
		// Kapua reads every value from a string.
		const body = sim.captured.at(-1)!.body as { payload: { metrics: Array<{ value: unknown }> } };
		expect(body.payload.metrics.every((metric) => typeof metric.value === 'string')).toBe(true);
	});

	test('metrics from a JSON object get inferred types; listed ones come first; nulls are skipped', async () => {
		const before = published();
		const result = await runKapua(
			kapuaCredentials(sim),
			{
				metricsSource: 'both',
				metrics: { metric: [{ name: 'unit', type: 'string', value: '={{ $json.unit }}' }] },
				metricsJson: '={{ $json.reading }}',
			},
			[
				{
					unit: 'C',
					reading: {
						small: 7,
						big: 3000000000,
						negative: -2147483649,
						fraction: 0.25,
						flag: false,
						note: '42',
						missing: null,
					},
				},
			],
		);
		expect(result.error).toBeUndefined();
		expect(result.output[0].json.metricCount).toBe(7);
		expect(
			sim.published[before].metrics.map(({ name, valueType }) => `${name}:${valueType}`),
		).toEqual([
			'unit:string',
			'small:integer',
			'big:long',
			'negative:long',
			'fraction:double',
			'flag:boolean',
			'note:string',
		]);
		expect(sim.published[before].metrics.find((metric) => metric.name === 'big')!.value).toBe(
			3000000000n,
		);
	});
});

describe('body, position and dates', () => {
	const bodies: Array<
		[string, Record<string, unknown>, IDataObject | INodeExecutionData, Buffer | undefined]
	> = [
		['none', { bodyType: 'none' }, {}, undefined],
		[
			'text',
			{ bodyType: 'text', bodyText: '={{ $json.text }}' },
			{ text: 'héllo wörld' },
			Buffer.from('héllo wörld', 'utf8'),
		],
		[
			'JSON',
			{ bodyType: 'json', bodyJson: '={{ JSON.stringify($json) }}' },
			{ a: 1, b: [true] },
			Buffer.from('{"a":1,"b":[true]}'),
		],
		[
			'binary property',
			{ bodyType: 'binary', binaryPropertyName: 'file' },
			{
				json: {},
				binary: {
					file: {
						data: Buffer.from([0, 255, 62, 63, 250]).toString('base64'),
						mimeType: 'application/octet-stream',
					},
				},
			},
			Buffer.from([0, 255, 62, 63, 250]),
		],
	];
	test.each(bodies)(
		'body as %s is sent as standard base64',
		async (_kind, parameters, item, expected) => {
			const before = published();
			const result = await runKapua(kapuaCredentials(sim), parameters, [item]);
			expect(result.error).toBeUndefined();
			expect(sim.published[before].body).toEqual(expected);
			const body = (sim.captured.at(-1)!.body as { payload: { body?: string } }).payload.body;
			if (expected) expect(body).toBe(expected.toString('base64'));
			else expect(body).toBeUndefined();
		},
	);

	test('position, sent on, captured on and device ID travel; the device decides the topic', async () => {
		const before = published();
		const result = await runKapua(
			kapuaCredentials(sim),
			{
				clientId: KAPUA_DEFAULTS.device.clientId,
				deviceId: KAPUA_DEFAULTS.device.id,
				position: {
					latitude: 45.46,
					longitude: '9.19',
					altitude: 120,
					satellites: 7,
					status: 1,
					timestamp: '2024-10-17T09:25:04Z',
				},
				additionalFields: {
					sentOn: '2024-10-17T09:25:05.096Z',
					capturedOn: '={{ 1729157105000 }}',
				},
				options: { accountName: 'kapua-sys' },
			},
			[{}],
		);
		expect(result.error).toBeUndefined();
		const message = sim.published[before];
		expect(message.topic).toBe(`kapua-sys/${KAPUA_DEFAULTS.device.clientId}/heater/data`);
		expect(result.output[0].json.topic).toBe(message.topic);
		expect(message.deviceId).toBe(KAPUA_DEFAULTS.device.id);
		expect(message.position).toEqual({
			latitude: 45.46,
			longitude: 9.19,
			altitude: 120,
			satellites: 7,
			status: 1,
			timestamp: '2024-10-17T09:25:04.000Z',
		});
		expect(message.sentOn).toBe('2024-10-17T09:25:05.096Z');
		expect(message.capturedOn).toBe('2024-10-17T09:25:05.000Z');
	});
});

describe('authentication', () => {
	test.each<[AuthWay, 'user' | 'apikey' | undefined]>([
		['userPassword', 'user'],
		['apiKey', 'apikey'],
		['accessToken', undefined],
	])(
		'%s: one login for the whole execution, stored with the credential and reused next time',
		async (way, login) => {
			const logins = { ...sim.logins };
			const credentials = kapuaCredentials(sim, way);
			const items = Array.from({ length: 5 }, (_, i) => ({ i }));
			const first = await runKapua(credentials, {}, items);
			expect(first.error).toBeUndefined();
			expect(first.output.map((item) => item.json.published)).toEqual([
				true,
				true,
				true,
				true,
				true,
			]);
			const again = await runKapua(credentials, {}, items);
			expect(again.error).toBeUndefined();
			expect(sim.logins.user - logins.user).toBe(login === 'user' ? 1 : 0);
			expect(sim.logins.apikey - logins.apikey).toBe(login === 'apikey' ? 1 : 0);
			const tokens = new Set(sim.published.slice(-10).map((message) => message.tokenId));
			expect(tokens.size).toBe(1);
			if (way === 'accessToken')
				expect([...tokens][0]).toBe(credentials.data.get('kapuaApi')!.accessToken);
			else expect([...tokens][0]).toBe(credentials.data.get('kapuaApi')!.sessionToken);
		},
	);

	test('a token expiring mid-run: exactly one re-login, no item lost or duplicated, order kept', async () => {
		const before = published();
		const logins = sim.logins.user;
		const credentials = kapuaCredentials(sim);
		sim.expireTokensAfterPublishes(40);
		const items = Array.from({ length: 160 }, (_, i) => ({ i, lane: i % 4 }));
		const result = await runKapua(
			credentials,
			{
				channel: '={{ "lane/" + $json.lane }}',
				metricsSource: 'json',
				metricsJson: '={{ { i: $json.i } }}',
				options: { maxConcurrency: 8 },
			},
			items,
		);
		expect(result.error).toBeUndefined();
		expect(sim.logins.user - logins).toBe(2);
		expect(credentials.preAuthenticationRuns.get('kapuaApi')).toBe(2);
		const sent = sim.published.slice(before).map((message) => Number(message.metrics[0].value));
		expect([...sent].sort((a, b) => a - b)).toEqual(items.map((item) => item.i));
		for (let lane = 0; lane < 4; lane++) {
			const order = sent.filter((i) => i % 4 === lane);
			expect(order).toEqual([...order].sort((a, b) => a - b));
		}
		expect(result.output).toHaveLength(160);
		expect(
			result.output.every(
				(item, index) =>
					item.json.published === true && (item.pairedItem as { item: number }).item === index,
			),
		).toBe(true);
	});

	test('a pasted token that expires mid-run fails the rest with a clear 401 message and no token in it', async () => {
		const before = published();
		const credentials = kapuaCredentials(sim, 'accessToken');
		const token = String(credentials.data.get('kapuaApi')!.accessToken);
		sim.expireTokensAfterPublishes(2);
		const result = await runKapua(
			credentials,
			{ options: { maxConcurrency: 1 } },
			[{}, {}, {}, {}],
			true,
		);
		expect(sim.published.length - before).toBe(2);
		expect(result.output.map((item) => item.json.published ?? false)).toEqual([
			true,
			true,
			false,
			false,
		]);
		expect(errorOf(result.output[2])).toMatch(
			/Kapua login failed or the access token expired \[item 2\]/,
		);
		expect(String(result.output[2].json.description)).toMatch(/paste a new one/);
		expect(JSON.stringify(result.output)).not.toContain(token);
	});

	test.each<[string, AuthWay, IDataObject, RegExp]>([
		[
			'wrong password',
			'userPassword',
			{ password: 'Wrong-Passw0rd!' },
			/wrong user name, password or API key/,
		],
		['unknown API key', 'apiKey', { apiKey: 'not-a-key' }, /wrong user name, password or API key/],
		[
			'invalid pasted token',
			'accessToken',
			{ accessToken: 'eyJ.invalid.token' },
			/refused the access token/,
		],
		[
			'unreachable server',
			'userPassword',
			{ baseUrl: 'http://127.0.0.1:1/v1' },
			/Could not reach Kapua/,
		],
	])(
		'%s: the node fails before sending anything, naming the cause without secrets',
		async (_case, way, overrides, message) => {
			const before = published();
			const result = await runKapua(kapuaCredentials(sim, way, overrides), {}, [{}, {}]);
			expect(result.error?.message).toMatch(message);
			expect(published()).toBe(before);
			const text = JSON.stringify(result.run.data.resultData);
			for (const secret of Object.values(overrides))
				if (!String(secret).startsWith('http')) expect(text).not.toContain(String(secret));
		},
	);
});

describe('bad input sends nothing', () => {
	test.each(kapuaBadInputs.map((c) => [c.name, c.parameters, c.items, c.message] as const))(
		'%s: the node fails naming item and field, and sends nothing',
		async (_case, parameters, items, message) => {
			const requests = sim.requestCount;
			const before = published();
			const result = await runKapua(kapuaCredentials(sim), parameters, items);
			expect(result.error?.message).toMatch(message);
			expect(published()).toBe(before);
			// Not even a login: the session opens only when something will be sent.
			expect(sim.requestCount).toBe(requests);
		},
	);

	test('a valid item before a bad one is not sent either', async () => {
		const requests = sim.requestCount;
		const result = await runKapua(kapuaCredentials(sim), { channel: '={{ $json.channel }}' }, [
			{ channel: 'a/b' },
			{ channel: 'a//b' },
		]);
		expect(result.error?.message).toMatch(/Invalid Channel \[item 1\]/);
		expect(sim.requestCount).toBe(requests);
	});

	test('with Continue On Fail, the bad item becomes an error item and the others are sent', async () => {
		const before = published();
		const result = await runKapua(
			kapuaCredentials(sim),
			{ channel: '={{ $json.channel }}' },
			[{ channel: 'a/b' }, { channel: 'a/+' }, { channel: 'c' }],
			true,
		);
		expect(result.error).toBeUndefined();
		expect(result.output).toHaveLength(3);
		expect(result.output.map((item) => (item.pairedItem as { item: number }).item)).toEqual([
			0, 1, 2,
		]);
		expect(result.output[0].json.published).toBe(true);
		expect(errorOf(result.output[1])).toMatch(/Invalid Channel \[item 1\]/);
		expect(result.output[2].json.published).toBe(true);
		expect(sim.published.slice(before).map((message) => message.semanticParts.join('/'))).toEqual([
			'a/b',
			'c',
		]);
	});
});

describe('server errors', () => {
	// Every row has all five entries: jest passes `done` in place of a missing last one.
	const cases: Array<[string, Record<string, unknown>, RegExp, RegExp, string | undefined]> = [
		[
			'403 without stream:write',
			{},
			/needs permission stream:write on the token's own account \[item 0\]/,
			/SUBJECT_UNAUTHORIZED/,
			'reader',
		],
		[
			'500 CALL_ERROR for an unknown device',
			{ deviceId: 'Zm9vYmFy' },
			/Kapua could not publish for client "dev-1" \[item 0\]/,
			/no device with client ID[\s\S]*Device not found: Zm9vYmFy/,
			undefined,
		],
		[
			"500 CALL_ERROR when the client ID is not the device's",
			{ deviceId: KAPUA_DEFAULTS.device.id, clientId: 'other-client' },
			/Kapua could not publish for client "other-client"/,
			/differs from the device's own client ID[\s\S]*does not match/,
			undefined,
		],
		[
			'500 CALL_ERROR without MQTT endpoint',
			{ scopeId: 'Ag' },
			/Kapua could not publish/,
			/no MQTT endpoint is configured[\s\S]*No endpoint defined!/,
			undefined,
		],
		[
			'500 CALL_ERROR for an unknown scope',
			{ scopeId: 'Zm9v' },
			/Kapua could not publish/,
			/scope "Zm9v"[\s\S]*Account not found/,
			undefined,
		],
	];
	test.each(cases)('%s', async (_case, parameters, message, description, user) => {
		const before = published();
		const credentials = user
			? kapuaCredentials(sim, 'userPassword', { username: user, password: 'Reader-Passw0rd!' })
			: kapuaCredentials(sim);
		const result = await runKapua(credentials, parameters, [{}], true);
		expect(published()).toBe(before);
		expect(result.output).toHaveLength(1);
		expect(errorOf(result.output[0])).toMatch(message);
		expect(String(result.output[0].json.description)).toMatch(description);
		expect(result.output[0].json.httpCode).toBe(user ? '403' : '500');
	});

	test("400 names Kapua's argument; without Continue On Fail the node fails on it", async () => {
		sim.faults.inject(
			{
				kind: 'status',
				status: 400,
				body: {
					type: 'illegalNullArgumentExceptionInfo',
					httpErrorCode: 400,
					message: 'An illegal null value was provided for the argument dataMessage.channel',
					kapuaErrorCode: 'ILLEGAL_NULL_ARGUMENT',
					argumentName: 'dataMessage.channel',
				},
			},
			{ match: (request) => request.url?.includes('/streams/') === true },
		);
		const result = await runKapua(kapuaCredentials(sim), {}, [{}]);
		expect(result.error?.message).toMatch(
			/Kapua rejected the value of "dataMessage.channel" \[item 0\]/,
		);
	});

	test('a 500 is not retried by default (publishing is not idempotent), and is with Retry on Server Errors', async () => {
		const match = {
			match: (request: { url?: string }) => request.url?.includes('/streams/') === true,
		};
		const callError = {
			kind: 'status' as const,
			status: 500,
			body: {
				type: 'exceptionInfo',
				httpErrorCode: 500,
				message: 'Error during call',
				kapuaErrorCode: 'CALL_ERROR',
			},
		};
		sim.faults.inject(callError, match);
		const before = published();
		const once = await runKapua(kapuaCredentials(sim), {}, [{}], true);
		expect(once.output[0].json.published).toBeUndefined();
		expect(published()).toBe(before);
		sim.faults.inject(callError, match);
		const retried = await runKapua(
			kapuaCredentials(sim),
			{ options: { retryOnServerErrors: true } },
			[{}],
			true,
		);
		expect(retried.output[0].json).toMatchObject({ published: true, attempts: 2 });
		expect(published()).toBe(before + 1);
	});
});

test('ordering per scope, client ID and channel under concurrency, with random server delays', async () => {
	sim.faults.randomly({
		rate: 0.3,
		seed: 7,
		faults: [
			{ kind: 'delay', ms: 3 },
			{ kind: 'delay', ms: 11 },
		],
		match: (request) => request.url?.includes('/streams/') === true,
	});
	const before = published();
	const items = Array.from({ length: 120 }, (_, seq) => ({
		seq,
		client: `dev-${seq % 3}`,
		channel: `ch/${seq % 2}`,
	}));
	const result = await runKapua(
		kapuaCredentials(sim),
		{
			clientId: '={{ $json.client }}',
			channel: '={{ $json.channel }}',
			metrics: { metric: [{ name: 'seq', type: 'integer', value: '={{ $json.seq }}' }] },
			options: { maxConcurrency: 6 },
		},
		items,
	);
	expect(result.error).toBeUndefined();
	const sent = sim.published.slice(before);
	expect(sent).toHaveLength(120);
	const lanes = new Map<string, number[]>();
	for (const message of sent) {
		const key = `${message.clientId}|${message.semanticParts.join('/')}`;
		lanes.set(key, [...(lanes.get(key) ?? []), Number(message.metrics[0].value)]);
	}
	expect(lanes.size).toBe(6);
	for (const order of lanes.values()) expect(order).toEqual([...order].sort((a, b) => a - b));
	expect(result.output.map((item) => (item.pairedItem as { item: number }).item)).toEqual(
		items.map((_, index) => index),
	);
});
