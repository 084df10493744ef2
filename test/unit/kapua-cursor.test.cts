/**
 * The Kapua Trigger's cursor on its own (nodes/KapuaTrigger/cursor.ts), against a datastore held in memory
 * that answers with the simulator's own query semantics (`queryStoredMessages`: timestamp filter and sort,
 * no order among equal timestamps, the 10,000 result window and count) and a clock the test moves.
 */
import {
	poll,
	readState,
	startNow,
	stateFrom,
	type CursorMessage,
	type CursorSettings,
	type CursorSource,
	type CursorState,
	type Emission,
	type RangeQuery,
} from '../../nodes/KapuaTrigger/cursor';
import { seededRandom } from '../simulators/faults.cjs';
import {
	KAPUA_RESULT_WINDOW,
	queryStoredMessages,
	type PublishedMessage,
} from '../simulators/kapua.cjs';

const T0 = Date.parse('2026-03-01T10:00:00.000Z');

const SETTINGS: CursorSettings = {
	windowMs: 10_000,
	guardMs: 2_000,
	pageSize: 100,
	maxPerPoll: 1_000,
	sweepEveryMs: 10_000,
	sweepDepthMs: 600_000,
	resultWindow: KAPUA_RESULT_WINDOW,
};

interface Stored extends CursorMessage {
	clientId: string;
}

/** A datastore of device messages, searchable `visibleAfterMs` after they are received, read through the simulator's query. */
class Datastore {
	readonly messages: PublishedMessage[] = [];

	readonly queries: RangeQuery[] = [];

	now = T0;

	private sequence = 0;

	constructor(private readonly tieRandom = seededRandom(7)) {}

	/** A message stamped `timestamp` (the device's clock), received now (or at `receivedOn`). */
	store(
		timestamp: number,
		options: {
			clientId?: string;
			receivedOn?: number;
			visibleAfterMs?: number;
			channel?: string;
		} = {},
	): PublishedMessage {
		const receivedOn = options.receivedOn ?? this.now;
		const channel = options.channel ?? 'heater/data';
		const message: PublishedMessage = {
			scopeId: 'AQ',
			topic: `kapua-sys/${options.clientId ?? 'dev-1'}/${channel}`,
			clientId: options.clientId ?? 'dev-1',
			semanticParts: channel.split('/'),
			channelPath: channel,
			metrics: [],
			tokenId: '',
			sequence: ++this.sequence,
			receivedOn: new Date(receivedOn).toISOString(),
			capturedOn: new Date(timestamp).toISOString(),
			datastoreId: `id-${this.sequence}`,
			visibleFrom: receivedOn + (options.visibleAfterMs ?? 1_000),
			time: timestamp,
		};
		this.messages.push(message);
		return message;
	}

	source(accept?: (message: Stored) => boolean): CursorSource<Stored> {
		return {
			range: async (query) => {
				this.queries.push(query);
				const params = new URLSearchParams({
					startDate: new Date(query.startMs).toISOString(),
					sortDir: 'ASC',
					offset: String(query.offset),
					limit: String(query.limit),
				});
				if (query.endMs !== undefined) params.set('endDate', new Date(query.endMs).toISOString());
				const answer = queryStoredMessages(this.messages, 'AQ', params, this.now, this.tieRandom);
				if ('error' in answer) throw new Error(JSON.stringify(answer.error));
				const result = answer.result as {
					items: Array<Record<string, string>>;
					limitExceeded: boolean;
					totalCount: number;
				};
				return {
					items: result.items.map((item) => ({
						datastoreId: item.datastoreId,
						timestamp: Date.parse(item.timestamp),
						receivedOn: Date.parse(item.receivedOn),
						clientId: item.clientId,
					})),
					more: result.limitExceeded,
					totalCount: result.totalCount,
				};
			},
			...(accept ? { accept } : {}),
		};
	}
}

/** Polls like the trigger: at `now`, keeping the state (through JSON, as n8n stores it) and everything emitted. */
class Trigger {
	readonly emitted: Array<Emission<Stored>> = [];

	readonly warnings: string[] = [];

	constructor(
		readonly store: Datastore,
		public state: CursorState,
		readonly settings: CursorSettings = SETTINGS,
		private readonly accept?: (message: Stored) => boolean,
	) {}

	async poll(): Promise<Awaited<ReturnType<typeof poll<Stored>>>> {
		const outcome = await poll(
			this.state,
			this.store.now,
			this.settings,
			this.store.source(this.accept),
		);
		this.state = readState(JSON.parse(JSON.stringify(outcome.state)))!;
		this.emitted.push(...outcome.emitted);
		this.warnings.push(...outcome.warnings);
		return outcome;
	}

	/** Polls until a poll is not capped. */
	async drain(): Promise<void> {
		for (let n = 0; n < 1000; n++) if (!(await this.poll()).more) return;
		throw new Error('the cursor never caught up');
	}

	ids(): string[] {
		return this.emitted.map((emission) => emission.message.datastoreId);
	}

	lateIds(): string[] {
		return this.emitted
			.filter((emission) => emission.late)
			.map((emission) => emission.message.datastoreId);
	}
}

function expectExactlyOnce(trigger: Trigger, expected: Array<{ datastoreId?: string }>): void {
	const ids = trigger.ids();
	expect(ids.length).toBe(new Set(ids).size);
	expect(new Set(ids)).toEqual(new Set(expected.map((message) => message.datastoreId)));
}

/** Moves the clock in steps of `stepMs`, polling after each, for `totalMs`. */
async function run(
	trigger: Trigger,
	totalMs: number,
	stepMs = 1_000,
	each?: (now: number) => void,
): Promise<void> {
	for (let elapsed = 0; elapsed < totalMs; elapsed += stepMs) {
		trigger.store.now += stepMs;
		each?.(trigger.store.now);
		await trigger.drain();
	}
}

test('messages stored in order are each emitted once, on the poll after they become searchable, none late', async () => {
	const store = new Datastore();
	const trigger = new Trigger(store, stateFrom('s', T0, SETTINGS));
	const stored: PublishedMessage[] = [];
	await run(trigger, 30_000, 1_000, (now) => {
		for (let n = 0; n < 3; n++) stored.push(store.store(now - 200, { clientId: `dev-${n}` }));
	});
	await run(trigger, 3_000);
	expectExactlyOnce(trigger, stored);
	expect(trigger.lateIds()).toEqual([]);
	expect(trigger.warnings).toEqual([]);
});

test('a message stamped earlier than ones already emitted, received within the window, is emitted once and not late', async () => {
	const store = new Datastore();
	const trigger = new Trigger(store, stateFrom('s', T0, SETTINGS));
	await run(trigger, 20_000, 1_000, (now) => store.store(now - 100));
	// Buffered by the device: stamped 8 s ago, received now (within the 10 s window), searchable a second later.
	const delayed = store.store(store.now - 8_000);
	await run(trigger, 5_000);
	expect(trigger.ids().filter((id) => id === delayed.datastoreId)).toHaveLength(1);
	expect(trigger.lateIds()).toEqual([]);
	expectExactlyOnce(trigger, store.messages);
});

test('a message received later than the window is found by the sweep, flagged late, and never emitted again', async () => {
	const store = new Datastore();
	const trigger = new Trigger(store, stateFrom('s', T0, SETTINGS));
	await run(trigger, 150_000, 1_000, (now) => store.store(now - 100));
	// Offline for two minutes: stamped 2 min ago, received now, far below where the main scan reads.
	const late = [
		store.store(store.now - 120_000),
		store.store(store.now - 119_000, { clientId: 'dev-2' }),
	];
	const before = trigger.emitted.length;
	await run(trigger, 40_000, 1_000, (now) => store.store(now - 100));
	expect(trigger.lateIds().sort()).toEqual(late.map((message) => message.datastoreId!).sort());
	expect(trigger.emitted.length).toBeGreaterThan(before);
	// More sweeps, a simulated restart (the state went through JSON each poll): still once each.
	await run(trigger, 60_000, 5_000);
	expectExactlyOnce(trigger, store.messages);
	expect(trigger.warnings).toEqual([]);
});

test("a burst of late messages larger than a poll's cap: the sweep goes on with the next poll, at once, and each is emitted once", async () => {
	const store = new Datastore();
	const settings = { ...SETTINGS, maxPerPoll: 50 };
	const trigger = new Trigger(store, stateFrom('s', T0, settings), settings);
	await run(trigger, 150_000, 1_000, (now) => store.store(now - 100));
	// A device back online with 130 readings it buffered two minutes ago.
	const late = Array.from({ length: 130 }, (_, n) =>
		store.store(store.now - 120_000 + n * 10, { clientId: 'buffered' }),
	);
	const outcomes: boolean[] = [];
	for (let n = 0; n < 20; n++) {
		store.now += 1_000;
		outcomes.push((await trigger.poll()).more);
	}
	expect(outcomes).toContain(true);
	expect(trigger.lateIds().sort()).toEqual(late.map((message) => message.datastoreId!).sort());
	expectExactlyOnce(trigger, store.messages);
});

test('a late message the main scan still reaches is emitted by it, flagged late, and the sweep does not emit it again', async () => {
	const store = new Datastore();
	const trigger = new Trigger(store, stateFrom('s', T0, SETTINGS));
	await run(trigger, 30_000, 1_000, (now) => store.store(now - 100));
	// Received 11 s after its timestamp: beyond the 10 s window, inside window + guard (12 s).
	const late = store.store(store.now - 11_000, { visibleAfterMs: 0 });
	store.now += 1;
	await trigger.drain();
	expect(trigger.lateIds()).toEqual([late.datastoreId]);
	await run(trigger, 60_000, 5_000);
	expect(trigger.lateIds()).toEqual([late.datastoreId]);
	expectExactlyOnce(trigger, store.messages);
});

test('equal timestamps in no particular order, runs longer than a page: each message once', async () => {
	const store = new Datastore();
	const trigger = new Trigger(store, stateFrom('s', T0, SETTINGS));
	store.now += 1_000;
	// 350 messages at one millisecond, then 3 × 40 sharing timestamps across page boundaries (page: 100).
	for (let n = 0; n < 350; n++) store.store(T0 + 500, { clientId: `dev-${n % 10}` });
	for (let n = 0; n < 120; n++) store.store(T0 + 600 + Math.floor(n / 40));
	store.now += 2_000;
	await trigger.drain();
	await run(trigger, 5_000);
	expectExactlyOnce(trigger, store.messages);
	// The run at one timestamp was read in one query, not paged by offset.
	expect(store.queries.filter((query) => query.offset > 0)).toEqual([]);
});

test("more than 10,000 messages in range: read in steps from timestamp to timestamp, never past Kapua's 10,000 window", async () => {
	const store = new Datastore();
	const settings = { ...SETTINGS, pageSize: 1_000, maxPerPoll: 4_000 };
	const trigger = new Trigger(store, stateFrom('s', T0, settings), settings);
	store.now += 1_000;
	for (let n = 0; n < 25_000; n++)
		store.store(T0 + Math.floor(n / 3), { clientId: `dev-${n % 10}` });
	store.now = T0 + 20_000;
	const capped = await trigger.poll();
	expect(capped.emitted).toHaveLength(4_000);
	expect(capped.more).toBe(true);
	await trigger.drain();
	expectExactlyOnce(trigger, store.messages);
	// In timestamp order, batch by batch.
	const stamps = trigger.emitted.map((emission) => emission.message.timestamp);
	expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
	for (const query of store.queries)
		expect(query.offset + query.limit).toBeLessThanOrEqual(KAPUA_RESULT_WINDOW);
});

test('more than 10,000 messages at one millisecond: the 10,000 Kapua can return are emitted, and a warning says the rest cannot be', async () => {
	const store = new Datastore();
	const trigger = new Trigger(store, stateFrom('s', T0, { ...SETTINGS, maxPerPoll: 20_000 }), {
		...SETTINGS,
		maxPerPoll: 20_000,
	});
	store.now += 1_000;
	for (let n = 0; n < 10_050; n++) store.store(T0 + 10);
	store.store(T0 + 11);
	store.now += 2_000;
	await trigger.drain();
	expect(new Set(trigger.ids()).size).toBe(trigger.ids().length);
	// 10,000 of that millisecond (a later poll may get others among them: Kapua gives ties in any order) and the next one.
	expect(trigger.ids().length).toBeGreaterThanOrEqual(10_001);
	expect(trigger.ids()).toContain(store.messages.at(-1)!.datastoreId);
	expect(trigger.warnings[0]).toBe(
		"More than 10000 messages have the timestamp 2026-03-01T10:00:00.010Z: Kapua's query cannot return more than 10000 of them, so the rest are not emitted.",
	);
});

/**
 * n8n writes the static data when the trigger emits, so after a restart the trigger goes on from the state of
 * its last emission (polls since that emitted nothing are forgotten).
 */
test('seeded traffic with delays, late arrivals, equal timestamps and restarts from the last emitted state: every message once, exactly the late ones flagged', async () => {
	for (const seed of [1, 2, 3, 4, 5, 6]) {
		const store = new Datastore(seededRandom(seed));
		const random = seededRandom(seed + 100);
		const settings = { ...SETTINGS, pageSize: 20, maxPerPoll: 50 };
		let persisted = stateFrom('s', T0 - 300_000, settings);
		let trigger = new Trigger(store, persisted, settings);
		const emitted: Array<Emission<Stored>> = [];
		let restarts = 0;
		const step = async () => {
			store.now += 1_000;
			const outcome = await trigger.poll();
			emitted.push(...outcome.emitted);
			if (outcome.emitted.length > 0) persisted = trigger.state;
			if (random() < 0.05) {
				trigger = new Trigger(store, readState(JSON.parse(JSON.stringify(persisted)))!, settings);
				restarts++;
			}
		};
		for (let second = 0; second < 240; second++) {
			for (let n = Math.floor(random() * 8); n > 0; n--) {
				const kind = random();
				// On time; delayed within the window; late (up to about three minutes); and some on whole seconds, to share timestamps.
				const age =
					kind < 0.8
						? random() * 500
						: kind < 0.95
							? random() * 9_000
							: 15_000 + random() * 180_000;
				const stamp =
					random() < 0.3
						? Math.floor((store.now - age) / 1_000) * 1_000
						: Math.round(store.now - age);
				store.store(stamp, { clientId: `dev-${n % 10}`, visibleAfterMs: random() * 1_500 });
			}
			await step();
		}
		for (let second = 0; second < 240; second++) await step();
		const ids = emitted.map((emission) => emission.message.datastoreId);
		expect(ids.length).toBe(new Set(ids).size);
		expect(new Set(ids)).toEqual(new Set(store.messages.map((message) => message.datastoreId)));
		const late = store.messages
			.filter((message) => Date.parse(message.receivedOn) - message.time > SETTINGS.windowMs)
			.map((message) => message.datastoreId);
		expect(
			emitted
				.filter((emission) => emission.late)
				.map((emission) => emission.message.datastoreId)
				.sort(),
		).toEqual(late.sort());
		expect(late.length).toBeGreaterThan(10);
		expect(restarts).toBeGreaterThan(5);
		expect(trigger.warnings).toEqual([]);
	}
});

test('a restart in the middle of a capped backlog goes on where the last emission left off', async () => {
	const store = new Datastore();
	const settings = { ...SETTINGS, maxPerPoll: 37 };
	store.now += 1_000;
	for (let n = 0; n < 500; n++) store.store(T0 + Math.floor(n / 7), { clientId: `dev-${n % 10}` });
	store.now += 2_000;
	let state = stateFrom('s', T0, settings);
	const emitted: string[] = [];
	for (let n = 0; n < 30; n++) {
		const outcome = await poll(state, store.now, settings, store.source());
		emitted.push(...outcome.emitted.map((emission) => emission.message.datastoreId));
		state = readState(JSON.parse(JSON.stringify(outcome.state)))!;
		store.now += 100;
	}
	expect(emitted.length).toBe(new Set(emitted).size);
	expect(new Set(emitted)).toEqual(new Set(store.messages.map((message) => message.datastoreId)));
});

test('Start From Now: what Kapua already shows is not emitted; what appears afterwards is, even stamped a little before', async () => {
	const store = new Datastore();
	store.now = T0 - 70_000;
	for (let n = 0; n < 50; n++) store.store(T0 - 60_000 + n * 1_000);
	store.now = T0;
	const started = await startNow('s', store.now, SETTINGS, store.source());
	const trigger = new Trigger(store, started.state);
	const after = [store.store(store.now - 3_000), store.store(store.now + 100)];
	await run(trigger, 5_000);
	expectExactlyOnce(trigger, after);
});

test('Start From a date: messages stamped before it are never emitted, even late ones', async () => {
	const store = new Datastore();
	store.now = T0 + 60_000;
	const before = store.store(T0 - 1);
	const from = [store.store(T0), store.store(T0 + 30_000)];
	const trigger = new Trigger(store, stateFrom('s', T0, SETTINGS));
	await run(trigger, 5_000);
	store.store(T0 - 5_000);
	await run(trigger, 30_000);
	expectExactlyOnce(trigger, from);
	expect(trigger.ids()).not.toContain(before.datastoreId);
});

test('steady state: a poll that finds nothing costs one count; a sweep one count per bucket, reading nothing; a new message one count more and a short read', async () => {
	const store = new Datastore();
	const trigger = new Trigger(store, stateFrom('s', T0, SETTINGS));
	await run(trigger, 60_000, 1_000, (now) => {
		for (let n = 0; n < 5; n++) store.store(now - 300, { clientId: `dev-${n}` });
	});
	// Right after a sweep: the next poll is a plain one.
	for (let n = 0; n < 20 && !(await trigger.poll()).swept; n++) store.now += 1_000;
	store.queries.length = 0;
	store.now += 1_000;
	const quiet = await trigger.poll();
	expect(quiet.emitted).toEqual([]);
	expect(quiet.swept).toBe(false);
	// One count from where the cycle starts: nothing new, nothing read.
	expect(quiet.queries).toBe(1);
	expect(quiet.read).toBe(0);
	store.now += SETTINGS.sweepEveryMs;
	const sweep = await trigger.poll();
	expect(sweep.swept).toBe(true);
	expect(sweep.emitted).toEqual([]);
	expect(sweep.read).toBe(0);
	// The poll's count and one count per bucket below the main scan (as deep as there are messages).
	expect(sweep.queries).toBe(1 + Object.keys(trigger.state.buckets).length);
	expect(Object.keys(trigger.state.buckets).length).toBeGreaterThan(3);
	// Something new: the open count differs, the settled part is counted, only the new part is read.
	store.store(store.now - 200);
	store.now += 1_500;
	const busy = await trigger.poll();
	expect(busy.emitted).toHaveLength(1);
	expect(busy.queries).toBeLessThanOrEqual(3);
	expect(busy.read).toBeLessThanOrEqual(6);
	expect(trigger.warnings).toEqual([]);
});

test('an on-time message that appears too late to be read (clocks apart, refresh slower than set) is not missed silently: the sweep warns', async () => {
	const store = new Datastore();
	const trigger = new Trigger(store, stateFrom('s', T0, SETTINGS));
	await run(trigger, 30_000, 1_000, (now) => store.store(now - 100));
	// Received on time (5 s after its stamp) but searchable only 20 s later: past window + guard.
	const hidden = store.store(store.now - 5_000, { visibleAfterMs: 20_000 });
	await run(trigger, 90_000, 1_000);
	expect(trigger.ids()).not.toContain(hidden.datastoreId);
	expect(trigger.warnings).toHaveLength(1);
	expect(trigger.warnings[0]).toMatch(
		/^Kapua holds 1 more message\(s\) with timestamps between .* than the trigger emitted, and they are not late/,
	);
});

test('messages a client-side filter refuses are accounted for: never emitted, and the sweep raises no alarm', async () => {
	const store = new Datastore();
	const accept = (message: Stored) => message.clientId !== 'noisy';
	const trigger = new Trigger(store, stateFrom('s', T0, SETTINGS), SETTINGS, accept);
	const wanted: PublishedMessage[] = [];
	await run(trigger, 40_000, 1_000, (now) => {
		wanted.push(store.store(now - 100));
		store.store(now - 100, { clientId: 'noisy' });
	});
	store.store(store.now - 60_000, { clientId: 'noisy' });
	await run(trigger, 60_000, 2_000);
	expectExactlyOnce(trigger, wanted);
	expect(trigger.warnings).toEqual([]);
});

test('a device clock ahead of time: its messages are emitted once, and the others are not held back', async () => {
	const store = new Datastore();
	const trigger = new Trigger(store, stateFrom('s', T0, SETTINGS));
	const stored: PublishedMessage[] = [];
	await run(trigger, 30_000, 1_000, (now) => {
		stored.push(store.store(now - 100));
		stored.push(store.store(now + 3_600_000, { clientId: 'ahead' }));
	});
	await run(trigger, 3_000);
	expectExactlyOnce(trigger, stored);
	expect(trigger.lateIds()).toEqual([]);
});

test('the limit, stated: a message that arrives later than the sweep depth is not found', async () => {
	const store = new Datastore();
	const settings = { ...SETTINGS, sweepDepthMs: 120_000 };
	const trigger = new Trigger(store, stateFrom('s', T0, settings), settings);
	await run(trigger, 200_000, 5_000, (now) => store.store(now - 100));
	const tooLate = store.store(store.now - 150_000);
	await run(trigger, 60_000, 5_000);
	expect(trigger.ids()).not.toContain(tooLate.datastoreId);
	expect(trigger.warnings).toEqual([]);
});
