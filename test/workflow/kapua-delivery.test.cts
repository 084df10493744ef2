/** Kapua Publish → Verify Delivery, in n8n-core's engine against the simulator's datastore. */
import { DATASTORE_QUERY, queryParameterNames } from '../contract/kapuaSchema.cjs';
import { KAPUA_DEFAULTS, startKapuaSimulator, type KapuaSimulator } from '../simulators/kapua.cjs';
import { kapuaCredentials, runKapua } from './kapuaFixtures.cjs';

let sim: KapuaSimulator | undefined;
afterEach(async () => sim?.close());

const items = (count: number) => Array.from({ length: count }, (_, n) => ({ n }));
/** 3 clients, every item's metric `n` tells it apart; all items share the execution's Sent On. */
const PARAMETERS = {
	clientId: '={{ "dev-" + ($json.n % 3) }}',
	metricsSource: 'list',
	metrics: { metric: [{ name: 'n', type: 'integer', value: '={{ $json.n }}' }] },
};

test('every accepted message is found in the datastore: stored, its own datastore ID, one query loop for all items', async () => {
	sim = await startKapuaSimulator();
	const { output, error } = await runKapua(
		kapuaCredentials(sim),
		{ ...PARAMETERS, options: { verifyDelivery: true } },
		items(30),
	);
	expect(error).toBeUndefined();
	expect(output).toHaveLength(30);
	const byN = new Map(sim.published.map((message) => [Number(message.metrics[0].value), message]));
	output.forEach((item, n) => {
		expect(item.json).toMatchObject({
			published: true,
			stored: true,
			datastoreMessageId: byN.get(n)!.datastoreId,
			clientId: `dev-${n % 3}`,
		});
		expect(item.json.storedAfterMs).toEqual(expect.any(Number));
		expect(item.pairedItem).toEqual({ item: n });
	});
	// Every item matched its own stored message, though all share one Sent On.
	expect(new Set(output.map((item) => item.json.datastoreMessageId)).size).toBe(30);
	// One loop asking once per client and channel per round, not a loop per item.
	expect(sim.datastoreQueries).toBeLessThan(30);
	// Only parameters Kapua's dataMessageQuery declares, for the exact channel and the item's client.
	const declared = queryParameterNames(...DATASTORE_QUERY);
	for (const query of sim.datastoreQueryLog) {
		expect(Object.keys(query).filter((name) => !declared.includes(name))).toEqual([]);
		expect(query).toMatchObject({
			clientId: expect.stringMatching(/^dev-[012]$/),
			channel: 'heater/data',
			strictChannel: 'true',
		});
	}
});

test('a datastore that indexes late: the check waits, and says how long it took', async () => {
	sim = await startKapuaSimulator({ indexDelayMs: 600 });
	const { output, error } = await runKapua(
		kapuaCredentials(sim),
		{ ...PARAMETERS, options: { verifyDelivery: true } },
		items(4),
	);
	expect(error).toBeUndefined();
	for (const item of output) {
		expect(item.json.stored).toBe(true);
		expect(item.json.storedAfterMs as number).toBeGreaterThanOrEqual(500);
	}
});

describe('storage disabled for the account: accepted (204), never stored', () => {
	const start = () =>
		startKapuaSimulator({
			accounts: [
				{
					id: KAPUA_DEFAULTS.scopeId,
					name: KAPUA_DEFAULTS.accountName,
					endpoint: true,
					dataStorage: false,
				},
			],
		});

	test('the node fails naming the item and the usual causes', async () => {
		sim = await start();
		const { error } = await runKapua(
			kapuaCredentials(sim),
			{ ...PARAMETERS, options: { verifyDelivery: true, verifyTimeout: 0.5 } },
			items(2),
		);
		expect(error?.message).toBe(
			'Kapua accepted the message but its datastore did not show it within 0.5 s [item 0]',
		);
		expect(error?.description).toMatch(
			/no device or MQTT endpoint for this client ID.*data storage disabled for the account.*wrong scope/,
		);
		expect(sim.published).toHaveLength(2);
	});

	test('with Continue On Fail each item says stored: false, once, with the same words', async () => {
		sim = await start();
		const { output, error } = await runKapua(
			kapuaCredentials(sim),
			{ ...PARAMETERS, options: { verifyDelivery: true, verifyTimeout: 0.5 } },
			items(3),
			true,
		);
		expect(error).toBeUndefined();
		expect(output.map((item) => item.json.stored)).toEqual([false, false, false]);
		expect(output.map((item) => item.json.error)).toEqual(
			[0, 1, 2].map(
				(n) =>
					`Kapua accepted the message but its datastore did not show it within 0.5 s [item ${n}]`,
			),
		);
		expect(output.map((item) => item.json.clientId)).toEqual(['dev-0', 'dev-1', 'dev-2']);
		expect(sim.published).toHaveLength(3);
	});
});

test('off (the default): no datastore query at all, no stored field', async () => {
	sim = await startKapuaSimulator();
	const { output, error } = await runKapua(
		kapuaCredentials(sim),
		{ ...PARAMETERS, options: {} },
		items(3),
	);
	expect(error).toBeUndefined();
	expect(output.every((item) => item.json.stored === undefined)).toBe(true);
	expect(sim.datastoreQueries).toBe(0);
});
