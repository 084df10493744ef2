/**
 * The node's request bodies against Kapua's real OpenAPI schemas (test/contract/kapua-openapi, a verbatim copy).
 * test/workflow/kapua.test.ts checks every body it sends with `checkRequestBody` in its afterAll; this file
 * proves the checker bites, that each spec patch is needed and the only difference, and runs the node's
 * richest bodies and both logins through it.
 */
import { kapuaLoginRequest } from '../../credentials/KapuaApi.credentials';
import { KAPUA_DEFAULTS, startKapuaSimulator, type KapuaSimulator } from '../simulators/kapua.cjs';
import { ALL_TYPES_METRICS, kapuaCredentials, runKapua } from '../workflow/kapuaFixtures.cjs';
import {
	checkRequestBody,
	DATASTORE_QUERY,
	patched,
	queryParameterNames,
	schemas,
	unknownFields,
	validate,
} from './kapuaSchema.cjs';

const message = (extra: Record<string, unknown> = {}) => ({
	clientId: 'dev-1',
	channel: { semanticParts: ['heater', 'data'] },
	sentOn: '2024-10-17T09:25:05.096Z',
	payload: { metrics: [{ name: 't', valueType: 'double', value: '21.5' }], body: 'aGVsbG8=' },
	...extra,
});
const publishRequest = (body: unknown) => ({
	method: 'POST',
	path: '/_/streams/messages',
	query: {},
	contentType: 'application/json',
	body,
});

describe('the checker bites', () => {
	test.each<[string, unknown, RegExp]>([
		[
			'a numeric metric value (as in the spec examples)',
			message({ payload: { metrics: [{ name: 't', valueType: 'double', value: 21.5 }] } }),
			/payload\/metrics\/0\/value must be string/,
		],
		[
			'a body that is not base64',
			message({ payload: { metrics: [], body: 'not base64!' } }),
			/payload\/body must match format "base64"/,
		],
		[
			'a sentOn that is not a date-time',
			message({ sentOn: 'yesterday' }),
			/sentOn must match format "date-time"/,
		],
		[
			'satellites as a fraction',
			message({ position: { satellites: 7.5 } }),
			/position\/satellites must be integer/,
		],
		['a field the spec does not know', message({ qos: 1 }), /qos is not in the spec/],
		[
			'a nested unknown field',
			message({ channel: { semanticParts: ['a'], type: 'kapuaDataChannel' } }),
			/channel.type is not in the spec/,
		],
		['a read-only field', message({ scopeId: 'AQ' }), /scopeId \(read-only in the spec\)/],
		[
			'no clientId',
			{ channel: { semanticParts: ['a'] } },
			/must have required property 'clientId'/,
		],
	])('%s is reported', (_case, body, problem) => {
		expect(checkRequestBody(publishRequest(body)).join('\n')).toMatch(problem);
	});

	test('a wrong Content-Type is reported', () => {
		expect(checkRequestBody({ ...publishRequest(message()), contentType: 'text/plain' })).toEqual([
			'Content-Type is text/plain, not application/json',
		]);
	});

	test('the example message of NOTES.md passes', () => {
		expect(
			checkRequestBody(
				publishRequest(
					message({ deviceId: 'WyczTs_GuDM', capturedOn: '2024-10-17T09:25:05.000Z' }),
				),
			),
		).toEqual([]);
	});
});

describe('where the server differs from its spec, and only there', () => {
	test('dataMessage: the unpatched schema requires deviceId, which the server does not; that is its only complaint', () => {
		expect(validate(schemas.dataMessage(), message())).toEqual([
			"(body) must have required property 'deviceId'",
		]);
		expect(validate(schemas.dataMessage(), message({ deviceId: 'WyczTs_GuDM' }))).toEqual([]);
		expect(patched.dataMessage().required).toEqual(['clientId']);
	});

	test('user login: the schema says `user`, the server reads `username`; that is the only unknown field we send', () => {
		const login = kapuaLoginRequest({
			authentication: 'userPassword',
			username: 'kapua-sys',
			password: KAPUA_DEFAULTS.password,
		})!;
		expect(unknownFields(login.body, schemas.user())).toEqual(['username']);
		expect(unknownFields(login.body, patched.user())).toEqual([]);
		expect(validate(patched.user(), login.body)).toEqual([]);
		// The spec's password pattern is a creation rule; Kapua's docker default password does not meet it.
		expect(validate(patched.user(), { ...login.body, password: 'kapua-password' })).toEqual([
			expect.stringMatching(/password must match pattern/),
		]);
	});

	test('API key login: the spec says base64, Kapua keys (the docker default) are not', () => {
		const login = kapuaLoginRequest({ authentication: 'apiKey', apiKey: KAPUA_DEFAULTS.apiKey })!;
		expect(validate(schemas.apiKey(), login.body)).toEqual(['/apiKey must match format "base64"']);
		expect(validate(patched.apiKey(), login.body)).toEqual([]);
	});

	test('a pasted token logs in nowhere', () => {
		expect(kapuaLoginRequest({ authentication: 'accessToken', accessToken: 'x' })).toBeUndefined();
	});
});

describe('what the node sends', () => {
	let sim: KapuaSimulator;
	beforeAll(async () => (sim = await startKapuaSimulator()));
	afterAll(async () => sim.close());

	test('the richest message (all metric types, body, position, dates, device) and both logins match the schemas', async () => {
		const parameters = {
			clientId: KAPUA_DEFAULTS.device.clientId,
			deviceId: KAPUA_DEFAULTS.device.id,
			metricsSource: 'both',
			metrics: { metric: ALL_TYPES_METRICS },
			metricsJson: '={{ $json }}',
			bodyType: 'json',
			bodyJson: '={{ JSON.stringify($json) }}',
			position: {
				latitude: -45,
				longitude: 179.5,
				altitude: 1,
				precision: 2,
				heading: 3,
				speed: 4,
				satellites: 5,
				status: 6,
				timestamp: '2024-10-17T09:25:04Z',
			},
			additionalFields: { sentOn: '2024-10-17T09:25:05.096Z', capturedOn: '2024-10-17T09:25:05Z' },
		};
		for (const way of ['userPassword', 'apiKey'] as const) {
			const result = await runKapua(kapuaCredentials(sim, way), parameters, [
				{ extra: 1, big: 5000000000, ok: true },
			]);
			expect(result.error).toBeUndefined();
		}
		const paths = sim.captured.map((request) => request.path);
		expect(paths).toEqual([
			'/authentication/user',
			'/_/streams/messages',
			'/authentication/apikey',
			'/_/streams/messages',
		]);
		for (const request of sim.captured)
			expect({ path: request.path, problems: checkRequestBody(request) }).toEqual({
				path: request.path,
				problems: [],
			});
		const body = sim.captured[1].body as {
			payload: { metrics: unknown[] };
			position: Record<string, unknown>;
		};
		expect(body.payload.metrics).toHaveLength(11);
		expect(Object.keys(body.position)).toHaveLength(9);
	});
});

describe("the simulator's datastore (GET /{scopeId}/data/messages) against Kapua's spec", () => {
	let sim: KapuaSimulator;
	let token = '';
	beforeAll(async () => {
		sim = await startKapuaSimulator();
		token = sim.issueToken(KAPUA_DEFAULTS.username);
	});
	afterAll(async () => sim.close());

	const call = async (method: string, path: string, body?: unknown) => {
		const response = await fetch(`${sim.url}${path}`, {
			method,
			headers: {
				Authorization: `Bearer ${token}`,
				...(body ? { 'Content-Type': 'application/json' } : {}),
			},
			...(body ? { body: JSON.stringify(body) } : {}),
		});
		return {
			status: response.status,
			body:
				response.status === 204 ? undefined : ((await response.json()) as Record<string, unknown>),
		};
	};

	test("its answer matches the patched list schema; the unpatched one complains only of the spec's typo and the deviceId it requires", async () => {
		expect((await call('POST', '/_/streams/messages', message())).status).toBe(204);
		expect(
			(
				await call(
					'POST',
					'/_/streams/messages',
					message({ clientId: KAPUA_DEFAULTS.device.clientId, deviceId: KAPUA_DEFAULTS.device.id }),
				)
			).status,
		).toBe(204);
		const answer = await call('GET', '/_/data/messages?limit=10');
		expect(answer.status).toBe(200);
		expect(answer.body).toMatchObject({ size: 2, limitExceeded: false, totalCount: 2 });
		expect(validate(patched.dataMessageList(), answer.body)).toEqual([]);
		expect(validate(schemas.dataMessageList(), answer.body).sort()).toEqual(
			[
				"(body) must have required property 'limitedExceeded'",
				"/items/1 must have required property 'deviceId'",
			].sort(),
		);
	});

	test("device messages (indexed by the device's time) answer in the same shape; the message store's settings as Kapua gives them", async () => {
		const stored = sim.storeDeviceMessage({
			clientId: 'dev-contract',
			channel: 'heater/data',
			capturedOn: '2026-03-01T10:00:00.000Z',
			metrics: [{ name: 'temperature', valueType: 'double', value: 21 }],
			body: Buffer.from('{}'),
		});
		const answer = await call('GET', '/_/data/messages?clientId=dev-contract&limit=10');
		expect(validate(patched.dataMessageList(), answer.body)).toEqual([]);
		expect((answer.body as { items: Array<Record<string, unknown>> }).items[0]).toMatchObject({
			datastoreId: stored.datastoreId,
			timestamp: '2026-03-01T10:00:00.000Z',
			capturedOn: '2026-03-01T10:00:00.000Z',
		});
		const settings = await call(
			'GET',
			'/_/serviceConfigurations/org.eclipse.kapua.service.datastore.MessageStoreService',
		);
		expect(settings.status).toBe(200);
		expect(
			(
				settings.body as { properties: { property: Array<{ name: string; value: string[] }> } }
			).properties.property.map(({ name, value }) => [name, value]),
		).toEqual([
			['enabled', ['true']],
			['dataTTL', ['30']],
			['rxByteLimit', ['0']],
			['dataIndexBy', ['DEVICE_TIMESTAMP']],
		]);
	});

	test('the query parameters it reads are the ones the spec declares', () => {
		expect(queryParameterNames(...DATASTORE_QUERY)).toEqual(
			expect.arrayContaining([
				'clientId',
				'channel',
				'strictChannel',
				'startDate',
				'endDate',
				'sortDir',
				'limit',
				'offset',
			]),
		);
	});
});
