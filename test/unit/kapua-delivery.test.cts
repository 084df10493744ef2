/**
 * Verify Delivery's query loop on its own, against a datastore held in memory and jest's fake timers:
 * when it asks, how many queries run at once, and how stored messages are matched to what was sent.
 */
import { DeliveryVerifier, type SentMessage } from '../../nodes/KapuaPublish/delivery';
import type { HttpRequest, HttpResponse } from '../../nodes/common/transport/types';

const SENT_ON = '2026-12-01T05:00:00.000Z';

function message(clientId: string, value: number, sentOn = SENT_ON): SentMessage {
	return {
		scopeId: '_',
		clientId,
		channel: 'heater/data',
		sentOn,
		metrics: [{ name: 'n', valueType: 'integer', value: String(value) }],
	};
}

/** A datastore answering dataMessageQuery from `stored`, counting the queries and the most in flight at once. */
function datastore() {
	const stored: Array<{ clientId: string; item: Record<string, unknown> }> = [];
	const state = { queries: 0, inFlight: 0, mostInFlight: 0 };
	const client = {
		async send(request: HttpRequest): Promise<HttpResponse> {
			state.queries++;
			state.inFlight++;
			state.mostInFlight = Math.max(state.mostInFlight, state.inFlight);
			// What is stored when the query arrives; the answer comes a microtask later.
			const items = stored
				.filter((entry) => entry.clientId === request.query?.clientId)
				.map((entry) => entry.item);
			await Promise.resolve();
			state.inFlight--;
			return {
				status: 200,
				headers: {},
				body: { type: 'storableListResult', limitExceeded: false, size: items.length, items },
			};
		},
	};
	const store = (sent: SentMessage, datastoreId: string, value = sent.metrics[0].value) =>
		stored.push({
			clientId: sent.clientId,
			item: {
				datastoreId,
				sentOn: sent.sentOn,
				payload: { metrics: [{ name: 'n', valueType: 'integer', value }] },
			},
		});
	return { client, store, state };
}

/** Lets the loop's promises run without moving the fake clock. */
async function settleMicrotasks() {
	for (let n = 0; n < 20; n++) await Promise.resolve();
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

test('a message not yet indexed is asked for again after the poll interval, not before', async () => {
	const { client, store, state } = datastore();
	const verifier = new DeliveryVerifier(client, 10_000);
	const sent = message('dev-0', 1);
	const result = verifier.track(sent);
	await settleMicrotasks();
	expect(state.queries).toBe(1);
	store(sent, 'ds-1');
	await settleMicrotasks();
	expect(state.queries).toBe(1);
	await jest.advanceTimersByTimeAsync(250);
	await expect(result).resolves.toMatchObject({ found: true, datastoreMessageId: 'ds-1' });
	expect(state.queries).toBe(2);
});

test('once every item was sent, the loop stops waiting and asks at once, one time only', async () => {
	const { client, store, state } = datastore();
	const verifier = new DeliveryVerifier(client, 10_000);
	const first = message('dev-0', 1);
	const second = message('dev-0', 2);
	const results = [verifier.track(first), verifier.track(second)];
	await settleMicrotasks();
	expect(state.queries).toBe(1);
	store(first, 'ds-1');
	verifier.sendingDone();
	await settleMicrotasks();
	// The wait was cut short: asked again with no time passing, and the first message was found.
	expect(state.queries).toBe(2);
	await expect(results[0]).resolves.toMatchObject({ found: true, datastoreMessageId: 'ds-1' });
	// A second call does not cut the next wait: a slow datastore is still asked once per interval.
	verifier.sendingDone();
	await settleMicrotasks();
	expect(state.queries).toBe(2);
	store(second, 'ds-2');
	await jest.advanceTimersByTimeAsync(250);
	await expect(results[1]).resolves.toMatchObject({ found: true, datastoreMessageId: 'ds-2' });
});

test('sendingDone during a query skips the wait that would follow it', async () => {
	const { client, store, state } = datastore();
	const verifier = new DeliveryVerifier(client, 10_000);
	const sent = message('dev-0', 1);
	const result = verifier.track(sent);
	// The first query is in flight (its answer awaits a microtask) when sending ends.
	verifier.sendingDone();
	store(sent, 'ds-1');
	await settleMicrotasks();
	// The first answer came from before the store; the next round ran at once and found it.
	await expect(result).resolves.toMatchObject({ found: true });
	expect(state.queries).toBe(2);
});

test('one query per client ID per round, at most 4 in flight at once', async () => {
	const { client, store, state } = datastore();
	const verifier = new DeliveryVerifier(client, 10_000);
	const sent = Array.from({ length: 30 }, (_, n) => message(`dev-${n % 10}`, n));
	const results = sent.map((entry) => verifier.track(entry));
	sent.forEach((entry, n) => store(entry, `ds-${n}`));
	await jest.advanceTimersByTimeAsync(250);
	const found = await Promise.all(results);
	// Each item got its own stored message, though all share one Sent On.
	expect(found.map((entry) => entry.found && entry.datastoreMessageId)).toEqual(
		sent.map((_, n) => `ds-${n}`),
	);
	expect(state.mostInFlight).toBe(4);
	// The first round was started by the first item alone; the second asked once for each of the 10 clients.
	expect(state.queries).toBe(11);
});

test('a stored message with the same Sent On but other metrics is not taken for the one sent', async () => {
	const { client, store } = datastore();
	const verifier = new DeliveryVerifier(client, 600);
	const sent = message('dev-0', 1);
	store(sent, 'ds-other', '2');
	const result = verifier.track(sent);
	await jest.advanceTimersByTimeAsync(1000);
	await expect(result).resolves.toEqual({ found: false, reason: 'timeout' });
});
