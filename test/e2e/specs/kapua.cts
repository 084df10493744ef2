/**
 * Kapua Publish in real n8n: the shipped example against the loopback Kapua REST API (login, then
 * publish), the credential's Test button, and the errors a user sees for bad input and a failing server.
 */
import { kapuaCredentialData } from '../../simulators/credentials.cjs';
import {
	KAPUA_DEFAULTS,
	startKapuaSimulator,
	type KapuaSimulator,
} from '../../simulators/kapua.cjs';
import type { E2ESession } from '../lib/session.cjs';
import { errorOf, loadExample, outputOf, withParameters } from '../lib/workflows.cjs';

const EXAMPLE = 'kapua-publish.json';
const NODE = 'Kapua Publish';

/** The example's readings, kept here to check the run independently of it. */
const READINGS = [
	{ temperature: 20.5, humidity: 41, heating: true },
	{ temperature: 21.25, humidity: 40, heating: true },
	{ temperature: 22, humidity: 39, heating: false },
];

export function kapuaSpecs(session: () => E2ESession): void {
	let sim: KapuaSimulator;
	let credential: Awaited<ReturnType<E2ESession['addCredential']>>;
	const goodData = () => kapuaCredentialData(sim);

	beforeAll(async () => {
		sim = await startKapuaSimulator();
		credential = await session().addCredential('kapuaApi', 'Kapua account', goodData());
	});
	afterAll(async () => sim?.close());
	beforeEach(() => {
		sim.published.length = 0;
		sim.faults.clear();
	});

	test('the example workflow publishes each reading once, in order, with typed metrics, and the next node uses the output', async () => {
		const run = await session().runWorkflow(loadExample(EXAMPLE));
		expect(run.error).toBeUndefined();
		expect(run.status).toBe('success');
		for (const item of outputOf(run, NODE))
			expect(item).toMatchObject({ published: true, status: 204 });
		expect(outputOf(run, 'Confirmation')).toEqual(
			READINGS.map((reading) => ({
				temperature: reading.temperature,
				published: true,
				status: 204,
			})),
		);

		expect(sim.published.map((message) => message.topic)).toEqual(
			READINGS.map(() => 'kapua-sys/heater-1/heater/data'),
		);
		expect(
			sim.published.map(
				(message) => message.metrics.find((metric) => metric.name === 'temperature')?.value,
			),
		).toEqual(READINGS.map((reading) => reading.temperature));
		expect(
			sim.published[0].metrics.map(({ name, valueType, value }) => ({ name, valueType, value })),
		).toEqual([
			{ name: 'temperature', valueType: 'double', value: 20.5 },
			{ name: 'humidity', valueType: 'integer', value: 41 },
			{ name: 'heating', valueType: 'boolean', value: true },
		]);
	});

	test('Verify Delivery: each reading is found in the datastore with its ID; with storage disabled the run fails with the usual causes', async () => {
		const options = { verifyDelivery: true, verifyTimeout: 1 };
		const run = await session().runWorkflow(
			withParameters(loadExample(EXAMPLE), NODE, { options }),
		);
		expect(run.error).toBeUndefined();
		const stored = sim.published.map((message) => message.datastoreId);
		expect(outputOf(run, NODE).map((item) => [item.stored, item.datastoreMessageId])).toEqual(
			stored.map((id) => [true, id]),
		);

		const noStorage = await startKapuaSimulator({
			accounts: [
				{
					id: KAPUA_DEFAULTS.scopeId,
					name: KAPUA_DEFAULTS.accountName,
					endpoint: true,
					dataStorage: false,
				},
			],
		});
		try {
			await session().addCredential(
				'kapuaApi',
				'Kapua account, no data storage',
				kapuaCredentialData(noStorage),
			);
			const failed = await session().runWorkflow(
				withParameters(loadExample(EXAMPLE), NODE, { options }),
			);
			expect(failed.status).toBe('error');
			expect(errorOf(failed).message).toBe(
				'Kapua accepted the message but its datastore did not show it within 1 s [item 0]',
			);
			expect(errorOf(failed).description).toMatch(/data storage disabled for the account/);
			expect(noStorage.published).toHaveLength(READINGS.length);
		} finally {
			await noStorage.close();
			credential = await session().addCredential('kapuaApi', 'Kapua account', goodData());
		}
	});

	test("the credential's Test button says what is wrong: wrong password, token or Base URL, unreachable, bad scheme, empty secret", async () => {
		const publishedBefore = sim.published.length;
		expect(await credential.test()).toEqual({
			status: 'OK',
			message: 'Connected: logged in to Kapua',
		});
		expect(
			await credential.test({
				...goodData(),
				authentication: 'apiKey',
				apiKey: KAPUA_DEFAULTS.apiKey,
			}),
		).toEqual({ status: 'OK', message: 'Connected: logged in to Kapua' });
		expect(await credential.test(kapuaCredentialData(sim, 'accessToken'))).toEqual({
			status: 'OK',
			message: 'Connected: Kapua accepted the access token',
		});

		const bad = await credential.test({ ...goodData(), password: 'Wrong-Passw0rd!' });
		expect(bad).toEqual({
			status: 'Error',
			message:
				'Kapua rejected the login: wrong user name, password or API key, or the user is disabled or expired (HTTP 401)',
		});
		expect(
			await credential.test(
				kapuaCredentialData(sim, 'accessToken', { accessToken: 'eyJ.invalid.token' }),
			),
		).toEqual({
			status: 'Error',
			message:
				'Kapua refused the access token: it expired or was invalidated; paste a new one (HTTP 401)',
		});
		expect(await credential.test({ ...goodData(), baseUrl: 'http://127.0.0.1:1/v1' })).toEqual({
			status: 'Error',
			message:
				"Could not reach Kapua to log in: the connection was refused (ECONNREFUSED). Check the Base URL's host and port and that the server is running.",
		});
		expect(await credential.test({ ...goodData(), baseUrl: `${sim.url}/v2` })).toEqual({
			status: 'Error',
			message:
				'Kapua login failed: the server has no login route at this Base URL (HTTP 404 on POST /authentication/user). Check the Base URL, including the version path such as /v1',
		});
		const requestsBeforeChecks = sim.requestCount;
		expect(
			await credential.test({
				...goodData(),
				baseUrl: `ftp://${sim.url.slice('http://'.length)}/v1`,
			}),
		).toEqual({
			status: 'Error',
			message: 'Eclipse Kapua API credential: Base URL must start with http:// or https://',
		});
		expect(await credential.test({ ...goodData(), password: '' })).toEqual({
			status: 'Error',
			message: 'Eclipse Kapua API credential: Password is empty',
		});
		expect(sim.requestCount).toBe(requestsBeforeChecks);
		expect(sim.published.length).toBe(publishedBefore);
	});

	test('bad input: a wildcard channel fails the run with the field named and nothing published', async () => {
		const run = await session().runWorkflow(
			withParameters(loadExample(EXAMPLE), NODE, { channel: 'heater/#' }),
		);
		expect(run.status).toBe('error');
		const error = errorOf(run);
		expect(error.node?.name).toBe(NODE);
		expect(error.message).toContain('Channel "heater/#" contains an MQTT wildcard');
		expect(sim.published).toHaveLength(0);
	});

	test("server error: Kapua's HTTP 500 on publish reaches the user with its status", async () => {
		sim.faults.inject(
			{
				kind: 'status',
				status: 500,
				body: {
					type: 'exceptionInfo',
					httpErrorCode: 500,
					message: 'Broker unreachable',
					kapuaErrorCode: 'INTERNAL_ERROR',
				},
			},
			{ times: 1000, match: (request) => String(request.url).includes('/streams/messages') },
		);
		const run = await session().runWorkflow(loadExample(EXAMPLE));
		expect(run.status).toBe('error');
		const error = errorOf(run);
		expect(error.node?.name).toBe(NODE);
		expect(`${error.message} ${String(error.description)}`).toContain('500');
		expect(String(error.description)).toContain('Broker unreachable');
		expect(sim.published).toHaveLength(0);
	});

	test("a wrong password fails the run with the login's own words (found by class across the installed package), nothing published", async () => {
		await session().addCredential('kapuaApi', 'Kapua account, wrong password', {
			...goodData(),
			password: 'Wrong-Passw0rd!',
		});
		try {
			const run = await session().runWorkflow(loadExample(EXAMPLE));
			expect(run.status).toBe('error');
			const error = errorOf(run);
			expect(error.node?.name).toBe(NODE);
			expect(error.message).toBe(
				'Kapua rejected the login: wrong user name, password or API key, or the user is disabled or expired (HTTP 401)',
			);
			expect(JSON.stringify(run)).not.toContain('Wrong-Passw0rd!');
			expect(sim.published).toHaveLength(0);
		} finally {
			credential = await session().addCredential('kapuaApi', 'Kapua account', goodData());
		}
	});

	test('a credential that cannot work: the run fails naming the credential and field, not even a login', async () => {
		const requestsBefore = sim.requestCount;
		// Runs bind to the credential added last: the broken one here, the good one again afterwards.
		await session().addCredential('kapuaApi', 'Kapua broken', {
			...goodData(),
			apiKey: '',
			authentication: 'apiKey',
		});
		try {
			const run = await session().runWorkflow(loadExample(EXAMPLE));
			expect(run.status).toBe('error');
			expect(errorOf(run).message).toBe('Eclipse Kapua API credential: API Key is empty');
			expect(sim.requestCount).toBe(requestsBefore);
		} finally {
			credential = await session().addCredential('kapuaApi', 'Kapua account', goodData());
		}
	});
}
