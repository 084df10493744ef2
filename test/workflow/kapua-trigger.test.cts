/**
 * Kapua Trigger activated as n8n does (n8n-core's TriggerContext, n8n's request helper and credential
 * pre-authentication) against the Kapua simulator: devices' messages indexed by the device's clock, a
 * periodic index refresh, equal timestamps in no particular order, late arrivals, restarts from the static
 * data n8n saved, and the errors a user sees.
 */
import type { IDataObject } from 'n8n-workflow';

import { DATASTORE_QUERY, queryParameterNames } from '../contract/kapuaSchema.cjs';
import { CredentialStore, startTrigger, type TriggerRun } from '../harness/n8n.cjs';
import { waitFor } from '../harness/waitFor.cjs';
import { kapuaCredentialData } from '../simulators/credentials.cjs';
import {
	KAPUA_DEFAULTS,
	isDatastoreQuery,
	startKapuaSimulator,
	type DeviceMessageInput,
	type KapuaSimulator,
	type PublishedMessage,
} from '../simulators/kapua.cjs';

let sim: KapuaSimulator | undefined;
const runs: TriggerRun[] = [];
afterEach(async () => {
	for (const run of runs.splice(0)) await run.close();
	await sim?.close();
	sim = undefined;
});

/** Short windows so that a test takes seconds: refresh 0.3 s, window 2 s, a sweep every 3 s looking 3 minutes back. */
const FAST = { lateWindow: 2, refreshInterval: 0.3, sweepInterval: 0.05, sweepDepth: 0.05 };
const PARAMETERS = {
	scopeId: '_',
	clientId: '',
	channel: 'heater/#',
	startFrom: 'now',
	pollInterval: 1,
	metricFilter: {},
	options: FAST,
};

async function start(
	options: Parameters<typeof startKapuaSimulator>[0] = {},
): Promise<KapuaSimulator> {
	sim = await startKapuaSimulator({
		refreshIntervalMs: 300,
		tieOrder: 'shuffled',
		seed: 11,
		...options,
	});
	return sim;
}

function credentials(overrides: IDataObject = {}): CredentialStore {
	return new CredentialStore().set(
		'kapuaApi',
		kapuaCredentialData(sim!, 'userPassword', overrides),
	);
}

async function activate(
	parameters: Record<string, unknown> = {},
	spec: { staticData?: string; credentials?: CredentialStore } = {},
): Promise<TriggerRun> {
	const run = await startTrigger({
		type: 'kapuaTrigger',
		parameters: { ...PARAMETERS, ...parameters },
		credentials: spec.credentials ?? credentials(),
		...(spec.staticData ? { staticData: spec.staticData } : {}),
	});
	runs.push(run);
	return run;
}

/** A device message stamped `ageMs` before now by the device's clock, received now. */
function report(
	clientId: string,
	ageMs: number,
	extra: Partial<DeviceMessageInput> = {},
): PublishedMessage {
	return sim!.storeDeviceMessage({
		clientId,
		channel: 'heater/data',
		capturedOn: new Date(Date.now() - ageMs).toISOString(),
		metrics: [
			{ name: 'temperature', valueType: 'double', value: 20.5 },
			{ name: 'n', valueType: 'integer', value: sim!.deviceMessages.length },
		],
		...extra,
	});
}

const ids = (run: TriggerRun) => run.items().map((item) => item.json.datastoreId as string);

function expectOnceEach(emitted: string[], stored: PublishedMessage[]): void {
	expect(emitted.length - new Set(emitted).size).toBe(0);
	expect(new Set(emitted)).toEqual(new Set(stored.map((message) => message.datastoreId)));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('devices report on time, delayed within the window, beyond it, and with equal timestamps: each message once, exactly the late ones flagged', async () => {
	await start();
	// From a date: a message stamped before "now" but arriving later must qualify.
	const run = await activate({
		startFrom: 'date',
		startDate: new Date(Date.now() - 120_000).toISOString(),
	});
	const stored: PublishedMessage[] = [];
	for (let round = 0; round < 12; round++) {
		for (let device = 0; device < 4; device++) stored.push(report(`dev-${device}`, 50));
		stored.push(report('buffering', 1_500));
		// Three devices stamping the same millisecond.
		const same = new Date(Date.now() - 100).toISOString();
		for (let device = 0; device < 3; device++)
			stored.push(report(`same-${device}`, 0, { capturedOn: same }));
		if (round % 4 === 0) stored.push(report('offline', 30_000 + round * 1_000));
		await sleep(250);
	}
	const late = stored.filter((message) => message.clientId === 'offline');
	await waitFor(
		() => new Set(ids(run)).size >= stored.length,
		60_000,
		'every stored message to be emitted',
	);
	// A few more polls and sweeps: still once each.
	await sleep(4_000);
	expectOnceEach(ids(run), stored);
	expect(
		run
			.items()
			.filter((item) => item.json.late === true)
			.map((item) => item.json.datastoreId)
			.sort(),
	).toEqual(late.map((message) => message.datastoreId).sort());
	expect(run.errors).toEqual([]);
	expect(run.failedExecutions).toEqual([]);

	const first = run.items().find((item) => item.json.clientId === 'dev-0')!.json;
	expect(first).toMatchObject({
		channel: 'heater/data',
		topic: '+/dev-0/heater/data',
		metrics: { temperature: 20.5 },
		metricTypes: { temperature: 'double', n: 'integer' },
		late: false,
		bodyType: 'none',
	});
	expect(first.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
	const offline = run.items().find((item) => item.json.clientId === 'offline')!.json;
	expect(offline.receivedAfterMs as number).toBeGreaterThan(29_000);
	// Only parameters Kapua's dataMessageQuery declares.
	const declared = queryParameterNames(...DATASTORE_QUERY);
	for (const query of sim!.datastoreQueryLog)
		expect(Object.keys(query).filter((name) => !declared.includes(name))).toEqual([]);
});

test('stopped and started again from the static data n8n saved: nothing twice, nothing missed, including what arrived meanwhile', async () => {
	await start();
	const since = { startFrom: 'date', startDate: new Date(Date.now() - 120_000).toISOString() };
	const first = await activate(since);
	const stored: PublishedMessage[] = [];
	for (let n = 0; n < 20; n++) {
		stored.push(report(`dev-${n % 3}`, n % 5 === 0 ? 1_200 : 50));
		await sleep(50);
	}
	await waitFor(() => ids(first).length >= 10, 20_000, 'the first messages');
	for (let n = 0; n < 10; n++) stored.push(report(`dev-${n % 3}`, 50));
	await first.close();
	// While the trigger is down: on time, delayed, late.
	for (let n = 0; n < 10; n++) stored.push(report(`dev-${n % 3}`, n === 0 ? 25_000 : n * 100));
	const second = await activate(since, { staticData: first.saved() });
	for (let n = 0; n < 10; n++) stored.push(report(`dev-${n % 3}`, 50));
	await waitFor(
		() => new Set([...ids(first), ...ids(second)]).size >= stored.length,
		60_000,
		'every stored message, across the restart',
	);
	await sleep(3_000);
	expectOnceEach([...ids(first), ...ids(second)], stored);
});

test('Start From Now leaves out what Kapua already holds; Start From a date emits from that timestamp on, oldest first', async () => {
	await start();
	const old = [report('dev-1', 60_000), report('dev-1', 40_000), report('dev-1', 20_000)];
	await sleep(400);
	const now = await activate();
	const fresh = report('dev-1', 10);
	await waitFor(() => ids(now).length >= 1, 20_000, 'the new message');
	await sleep(1_500);
	expect(ids(now)).toEqual([fresh.datastoreId]);

	const dated = await activate({
		startFrom: 'date',
		startDate: new Date(Date.now() - 50_000).toISOString(),
	});
	await waitFor(() => ids(dated).length >= 3, 20_000, 'the messages since the date');
	expect(ids(dated)).toEqual([old[1], old[2], fresh].map((message) => message.datastoreId));
});

test('a "#" channel and a metric filter: Kapua filters by prefix and range, the trigger keeps the exact levels', async () => {
	await start();
	const run = await activate({
		channel: 'heater/#',
		metricFilter: { metricName: 'temperature', metricType: 'double', min: '20', max: '30' },
	});
	const wanted = [
		report('dev-1', 10, { channel: 'heater' }),
		report('dev-1', 10, { channel: 'heater/data' }),
		report('dev-1', 10, { channel: 'heater/zone/1' }),
	];
	report('dev-1', 10, { channel: 'heaters/data' });
	report('dev-1', 10, { channel: 'cooler/data' });
	report('dev-1', 10, {
		channel: 'heater/data',
		metrics: [{ name: 'temperature', valueType: 'double', value: 35 }],
	});
	await waitFor(() => ids(run).length >= 3, 20_000, 'the matching messages');
	await sleep(1_500);
	expectOnceEach(ids(run), wanted);
	expect(sim!.datastoreQueryLog.at(-1)).toMatchObject({
		channel: 'heater',
		strictChannel: 'false',
		metricName: 'temperature',
		metricType: 'double',
		metricMin: '20',
		metricMax: '30',
	});
});

test('bodies as the user wants them: JSON as an object, text as text, other bytes as binary data', async () => {
	await start();
	const run = await activate();
	report('dev-1', 30, { body: Buffer.from('{"valve":"open"}') });
	report('dev-1', 20, { body: Buffer.from('hello') });
	report('dev-1', 10, { body: Buffer.from([0xff, 0xfe, 0x00]) });
	await waitFor(() => ids(run).length >= 3, 20_000, 'the three messages');
	const items = run.items();
	expect(items.map((item) => [item.json.bodyType, item.json.body])).toEqual([
		['json', { valve: 'open' }],
		['text', 'hello'],
		['binary', null],
	]);
	expect(items[2].binary?.data).toMatchObject({
		mimeType: 'application/octet-stream',
		data: Buffer.from([0xff, 0xfe, 0x00]).toString('base64'),
	});
});

describe('errors', () => {
	test("a wrong password: the activation fails with the login's own words, and no query is sent", async () => {
		await start();
		const failed = await activate(
			{},
			{ credentials: credentials({ password: 'Wrong-Passw0rd!' }) },
		).then(
			() => undefined,
			(error: unknown) => error as Error & { description?: string },
		);
		expect(failed?.message).toBe(
			'Kapua rejected the login: wrong user name, password or API key, or the user is disabled or expired (HTTP 401)',
		);
		// Built from scratch: nothing of the login request, whose body holds the password.
		expect(`${failed?.message} ${failed?.description} ${JSON.stringify(failed)}`).not.toContain(
			'Wrong-Passw0rd!',
		);
		expect(sim!.datastoreQueries).toBe(0);
	});

	test('a user without datastore:read: the activation fails naming the permission and the scope', async () => {
		await start({
			users: [
				{
					username: KAPUA_DEFAULTS.username,
					password: KAPUA_DEFAULTS.password,
					scopeId: KAPUA_DEFAULTS.scopeId,
					streamWrite: ['*'],
					datastoreRead: [],
				},
			],
		});
		await expect(activate({ scopeId: 'AQ' })).rejects.toThrow(
			'The Kapua user needs permission datastore:read on scope "AQ"',
		);
	});

	test('an account whose message store is disabled: told apart from "no new messages", the activation fails', async () => {
		await start({
			accounts: [
				{
					id: KAPUA_DEFAULTS.scopeId,
					name: KAPUA_DEFAULTS.accountName,
					endpoint: true,
					dataStorage: false,
				},
			],
		});
		await expect(activate()).rejects.toThrow(
			"Kapua stores no messages for the token's own account: its Message Store service is disabled",
		);
	});

	test('a bad channel: the error names the field, and nothing is sent', async () => {
		await start();
		await expect(activate({ channel: 'heater/+/data' })).rejects.toThrow(
			'Invalid Channel: Channel "heater/+/data" uses "+", and Kapua\'s message query has no single-level wildcard',
		);
		expect(sim!.requestCount).toBe(0);
	});

	test('the datastore fails for a while (HTTP 500): one failed execution, then the trigger goes on from the same cursor and misses nothing', async () => {
		await start();
		const run = await activate();
		const stored = [report('dev-1', 10)];
		await waitFor(() => ids(run).length >= 1, 20_000, 'the first message');
		sim!.faults.inject(
			{
				kind: 'status',
				status: 500,
				body: {
					type: 'exceptionInfo',
					httpErrorCode: 500,
					message: 'Elasticsearch unavailable',
					kapuaErrorCode: 'INTERNAL_ERROR',
				},
			},
			{ times: 2, match: isDatastoreQuery },
		);
		for (let n = 0; n < 5; n++) stored.push(report('dev-1', 10));
		await waitFor(
			() => ids(run).length >= stored.length,
			40_000,
			'the messages stored during the outage',
		);
		expect(run.failedExecutions).toHaveLength(1);
		expect(run.failedExecutions[0].message).toBe("Kapua's datastore failed to answer (HTTP 500)");
		expect((run.failedExecutions[0] as { description?: string }).description).toContain(
			'Elasticsearch unavailable',
		);
		expect(run.errors).toEqual([]);
		expectOnceEach(ids(run), stored);
	});

	test("the permission is withdrawn while active (HTTP 403): n8n's trigger error, and the trigger stops", async () => {
		await start();
		const run = await activate();
		sim!.faults.inject(
			{
				kind: 'status',
				status: 403,
				body: {
					type: 'subjectUnauthorizedExceptionInfo',
					httpErrorCode: 403,
					message: 'User does not have permission',
					kapuaErrorCode: 'SUBJECT_UNAUTHORIZED',
				},
			},
			{ times: 1, match: isDatastoreQuery },
		);
		await waitFor(() => run.errors.length > 0, 20_000, "the trigger's error");
		expect(run.errors[0].message).toBe(
			"The Kapua user needs permission datastore:read on the token's own account",
		);
		expect((run.errors[0] as { httpCode?: string }).httpCode).toBe('403');
		const queries = sim!.datastoreQueries;
		await sleep(2_500);
		expect(sim!.datastoreQueries).toBe(queries);
	});

	test('the token expires: n8n logs in again and the trigger goes on without an error', async () => {
		await start();
		const run = await activate();
		report('dev-1', 10);
		await waitFor(() => ids(run).length >= 1, 20_000, 'the first message');
		sim!.expireTokens();
		report('dev-1', 10);
		await waitFor(() => ids(run).length >= 2, 20_000, 'the message after the expiry');
		expect(sim!.logins.user).toBe(2);
		expect(run.errors).toEqual([]);
		expect(run.failedExecutions).toEqual([]);
	});
});

describe('Fetch Test Event', () => {
	test('the newest messages, newest first, not where the cursor is', async () => {
		await start();
		const stored = Array.from({ length: 8 }, (_, n) => report('dev-1', 10_000 - n * 1_000));
		await sleep(400);
		const run = await startTrigger({
			type: 'kapuaTrigger',
			mode: 'manual',
			parameters: { ...PARAMETERS, options: { ...FAST, testCount: 3 } },
			credentials: credentials(),
		});
		expect(ids(run)).toEqual(
			stored
				.slice(-3)
				.reverse()
				.map((message) => message.datastoreId),
		);
		expect(sim!.datastoreQueryLog.at(-1)).toMatchObject({ sortDir: 'DESC', limit: '3' });
	});

	test('nothing stored: an error that says where to look', async () => {
		await start();
		await expect(
			startTrigger({
				type: 'kapuaTrigger',
				mode: 'manual',
				parameters: PARAMETERS,
				credentials: credentials(),
			}),
		).rejects.toThrow("No message in Kapua's datastore matches the trigger's filters");
	});
});
