/**
 * The Kapua Trigger's cursor: which stored messages to emit, so that none is emitted twice and none is
 * missed silently. Pure logic: the datastore is reached through `CursorSource.range` and the time is
 * given; nothing here knows HTTP or n8n. The state is plain JSON, kept in the workflow's static data.
 *
 * Kapua's facts it is built on (docs/api-contracts.md, "Eclipse Kapua"): the only way to read messages is
 * a query on their timestamp (inclusive bounds), sorted by timestamp alone, with no order among equal
 * timestamps, and `offset + limit` at most 10,000 (beyond that Kapua answers an empty list, not an error);
 * `totalCount` is exact below 10,000. Under Kapua's default account setting the timestamp is the device's
 * clock, so a message can be stored "in the past", and a message becomes searchable only after an index
 * refresh (5 s by default).
 *
 * How it reads:
 * - Main scan. A cycle reads every message whose timestamp is at or after `next`, ascending, page by page
 *   ("keyset": each page starts at the last page's last timestamp; only a run of equal timestamps is paged
 *   by offset, so the 10,000 cap is never reached by a long range). Messages already accounted for are
 *   skipped by their `datastoreId`. When a cycle that began at time B ends, the next one starts at
 *   B − (window + guard): a message that becomes searchable at most window + guard after its timestamp is
 *   found by the cycle running when it appears or by the next one. IDs are remembered as long as a scan
 *   can still see them.
 * - Late messages. A message received more than the Late Arrival Window after its timestamp
 *   (receivedOn − timestamp > window) is late: it may be stored below where the main scan reads. It is
 *   emitted with `late: true` wherever it is found, and its ID is remembered for the whole sweep depth.
 *   The sweep looks for them without reading everything again: the past (down to the sweep depth) is cut
 *   into buckets of timestamps, each with the number of messages accounted for in it; every sweep asks
 *   Kapua to count each bucket (a query with limit 1) and reads only a bucket whose count grew. Whether a
 *   message is late depends on its own fields only, so the main scan and the sweep never both emit it.
 * - Limits (said in the docs, never silent): a message that arrives later than the sweep depth is not
 *   found; more than 10,000 messages with one timestamp cannot all be read through Kapua's API (a warning
 *   says so); a bucket whose count Kapua cannot give (10,000 in under a second) is not swept (a warning
 *   says so); a deletion and an arrival in the same bucket between two sweeps cancel out in its count.
 */

/** What the cursor needs of a stored message (times in epoch milliseconds). */
export interface CursorMessage {
	datastoreId: string;
	/** Kapua's timestamp: what queries filter and sort on. */
	timestamp: number;
	/** When Kapua received the message; NaN when Kapua gave none (it is then never late). */
	receivedOn: number;
}

/** Messages whose timestamp is in [startMs, endMs] (endMs open when absent), ascending. */
export interface RangeQuery {
	startMs: number;
	endMs?: number;
	offset: number;
	limit: number;
}

export interface RangePage<M> {
	items: M[];
	/** Kapua's limitExceeded: more messages match than this page holds. */
	more: boolean;
	/** Exact below the result window (10,000), that number at or beyond it. */
	totalCount: number;
}

export interface CursorSource<M extends CursorMessage> {
	range(query: RangeQuery): Promise<RangePage<M>>;
	/**
	 * Whether to emit a message the query returned: a filter Kapua cannot apply itself (the exact levels of
	 * a "#" wildcard). A message refused here is accounted for, never emitted.
	 */
	accept?(message: M): boolean;
}

export interface CursorSettings {
	/** The Late Arrival Window: a message received later than this after its timestamp is late. */
	windowMs: number;
	/** Added to the window when scanning back: the index refresh plus an allowance for clock differences. */
	guardMs: number;
	/** Messages per query. */
	pageSize: number;
	/** At most this many messages per poll; the rest come with the next poll, at once. */
	maxPerPoll: number;
	/** How often to sweep for late messages; 0 turns the sweep off. */
	sweepEveryMs: number;
	/** How far back the sweep looks. */
	sweepDepthMs: number;
	/** Kapua's result window: offset + limit may not exceed it. */
	resultWindow: number;
}

export const RESULT_WINDOW = 10_000;

/** One bucket of the sweep: [messages accounted for in it, Kapua's count at the last sweep or null]. */
type Bucket = [number, number | null];

export interface CursorState {
	v: 1;
	/** The filters and start the state belongs to; another signature starts afresh. */
	signature: string;
	/** No message with an earlier timestamp is ever emitted. */
	origin: number;
	/** Where the next cycle's main scan starts. */
	next: number;
	/** A cycle a poll left unfinished (its cap was reached): when it began, and where to go on reading. */
	cycle?: { began: number; at: number };
	/** Messages accounted for that are not late: ID → timestamp. */
	seen: Record<string, number>;
	/** Late messages accounted for: ID → timestamp, kept for the sweep depth. */
	late: Record<string, number>;
	/** The sweep's bucket width; buckets are aligned to multiples of it. */
	bucketMs: number;
	/** Bucket start (ms, as text) → bucket. */
	buckets: Record<string, Bucket>;
	/**
	 * Buckets starting before this time were not (fully) tracked (the sweep was off, or its depth changed):
	 * the first sweep that reaches one takes Kapua's count as its start instead of reading it. 0 for a fresh state.
	 */
	bucketsSince: number;
	/** When the last sweep finished (0: never). */
	sweptAt: number;
}

export interface Emission<M> {
	message: M;
	late: boolean;
}

export interface PollOutcome<M> {
	emitted: Array<Emission<M>>;
	/** The state to keep with this emission (the input state is never changed). */
	state: CursorState;
	/** The poll stopped at its cap: poll again without waiting. */
	more: boolean;
	/** Things the user should know, already worded. */
	warnings: string[];
	/** Queries sent (counts included) and messages read by scans, for logs and measurements. */
	queries: number;
	read: number;
	swept: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The sweep's bucket width for a depth: about a hundred buckets, at least ten seconds each. */
export function bucketWidth(sweepDepthMs: number): number {
	return Math.max(10_000, Math.ceil(sweepDepthMs / 96 / 1000) * 1000);
}

/** How far back a cycle's scan starts, before the time the previous cycle began. */
export function lookback(settings: Pick<CursorSettings, 'windowMs' | 'guardMs'>): number {
	return settings.windowMs + settings.guardMs;
}

export function isLate(message: CursorMessage, windowMs: number): boolean {
	return Number.isFinite(message.receivedOn) && message.receivedOn - message.timestamp > windowMs;
}

/** A state read back from static data, or undefined when it is not one this code wrote. */
export function readState(value: unknown): CursorState | undefined {
	if (value === null || typeof value !== 'object') return undefined;
	const state = JSON.parse(JSON.stringify(value)) as CursorState;
	if (
		state.v !== 1 ||
		typeof state.next !== 'number' ||
		typeof state.origin !== 'number' ||
		typeof state.seen !== 'object'
	)
		return undefined;
	state.late ??= {};
	state.buckets ??= {};
	return state;
}

/** A fresh state that emits everything with a timestamp at or after `origin`. */
export function stateFrom(
	signature: string,
	origin: number,
	settings: CursorSettings,
): CursorState {
	return {
		v: 1,
		signature,
		origin,
		next: origin,
		seen: {},
		late: {},
		bucketMs: bucketWidth(settings.sweepDepthMs),
		buckets: {},
		bucketsSince: 0,
		sweptAt: 0,
	};
}

type Visit<M> = (message: M) => 'stop' | void;

class Run<M extends CursorMessage> {
	readonly emitted: Array<Emission<M>> = [];

	readonly warnings: string[] = [];

	queries = 0;

	read = 0;

	constructor(
		readonly state: CursorState,
		private readonly settings: CursorSettings,
		private readonly source: CursorSource<M>,
		private readonly now: number,
	) {}

	/** A query; the messages of a scan (not of a count) are added to `read`. */
	private async range(query: RangeQuery, counting = false): Promise<RangePage<M>> {
		this.queries++;
		const page = await this.source.range(query);
		if (!counting) this.read += page.items.length;
		return page;
	}

	accounted(id: string): boolean {
		return id in this.state.seen || id in this.state.late;
	}

	/** Remembers a message as handled (emitted, refused by `accept`, or there before "now"); counts it in its bucket. */
	account(message: M, late: boolean): void {
		if (late) this.state.late[message.datastoreId] = message.timestamp;
		else this.state.seen[message.datastoreId] = message.timestamp;
		const { bucketMs } = this.state;
		const start = Math.floor(message.timestamp / bucketMs) * bucketMs;
		if (
			this.settings.sweepEveryMs > 0 &&
			start + bucketMs > this.now - this.settings.sweepDepthMs
		) {
			const bucket = (this.state.buckets[start] ??= [0, null]);
			bucket[0]++;
		}
	}

	/** Accounts for a message and emits it unless `accept` refuses it; 'stop' once the poll's cap is reached. */
	emit(message: M, late: boolean): 'stop' | void {
		this.account(message, late);
		if (this.source.accept && !this.source.accept(message)) return;
		this.emitted.push({ message, late });
		if (this.emitted.length >= this.settings.maxPerPoll) return 'stop';
	}

	/**
	 * Reads [from, to] ascending, calling `visit` for each message; stops when it says 'stop' and returns the
	 * timestamp to go on from. Pages start at the previous page's last timestamp (offset 0, so Kapua's
	 * 10,000 cap on offset + limit is never near); a page entirely at one timestamp is followed by one query
	 * for all of that timestamp.
	 */
	async scan(
		from: number,
		to: number | undefined,
		visit: Visit<M>,
	): Promise<{ complete: true } | { complete: false; at: number }> {
		const { pageSize, resultWindow } = this.settings;
		let position = from;
		for (;;) {
			if (to !== undefined && position > to) return { complete: true };
			const page = await this.range({
				startMs: position,
				...(to !== undefined ? { endMs: to } : {}),
				offset: 0,
				limit: pageSize,
			});
			for (const message of page.items)
				if (visit(message) === 'stop') return { complete: false, at: message.timestamp };
			if (!page.more || page.items.length === 0) return { complete: true };
			const last = page.items[page.items.length - 1].timestamp;
			if (last > position) {
				position = last;
				continue;
			}
			// A whole page at one timestamp: all of that timestamp in one query. Kapua gives equal timestamps no
			// order, so pages by offset could overlap or skip; one answer of up to its result window cannot.
			const tie = await this.range(
				{ startMs: position, endMs: position, offset: 0, limit: 1 },
				true,
			);
			const all = await this.range({
				startMs: position,
				endMs: position,
				offset: 0,
				limit: Math.max(1, Math.min(tie.totalCount, resultWindow)),
			});
			for (const message of all.items)
				if (visit(message) === 'stop') return { complete: false, at: message.timestamp };
			if (all.more) {
				this.warnings.push(
					`More than ${resultWindow} messages have the timestamp ${iso(position)}: Kapua's query cannot return more than ${resultWindow} of them, so the rest are not emitted.`,
				);
			}
			position += 1;
		}
	}

	/** Kapua's count of everything from `from` on, in one query; undefined when it reaches the result window. */
	async countFrom(from: number): Promise<number | undefined> {
		const page = await this.range({ startMs: from, offset: 0, limit: 1 }, true);
		return page.totalCount < this.settings.resultWindow ? page.totalCount : undefined;
	}

	/** Kapua's count of [from, to], splitting ranges Kapua counts only up to its result window; undefined if it cannot. */
	async count(from: number, to: number): Promise<number | undefined> {
		const page = await this.range({ startMs: from, endMs: to, offset: 0, limit: 1 }, true);
		if (page.totalCount < this.settings.resultWindow) return page.totalCount;
		if (to - from < 1000) return undefined;
		const middle = Math.floor((from + to) / 2);
		const first = await this.count(from, middle);
		const second = first === undefined ? undefined : await this.count(middle + 1, to);
		return first === undefined || second === undefined ? undefined : first + second;
	}
}

function prune(record: Record<string, number>, below: number): void {
	for (const [id, timestamp] of Object.entries(record)) if (timestamp < below) delete record[id];
}

/**
 * The state for a trigger that starts now: everything Kapua already shows from `now − (window + guard)`
 * on is accounted for without being emitted, so only messages that appear after activation are emitted
 * (including ones stamped up to window + guard before it, which the device's clock or the index refresh
 * may delay).
 */
export async function startNow<M extends CursorMessage>(
	signature: string,
	now: number,
	settings: CursorSettings,
	source: CursorSource<M>,
): Promise<{ state: CursorState; queries: number; read: number }> {
	const origin = now - lookback(settings);
	const run = new Run(stateFrom(signature, origin, settings), settings, source, now);
	await run.scan(origin, undefined, (message) => {
		if (!run.accounted(message.datastoreId))
			run.account(message, isLate(message, settings.windowMs));
	});
	return { state: run.state, queries: run.queries, read: run.read };
}

/**
 * One poll: go on with the main scan (a new cycle if none is unfinished), then, when it is due and the main
 * scan has caught up, the sweep for late messages. Returns what to emit and the state to keep with it.
 */
export async function poll<M extends CursorMessage>(
	input: CursorState,
	now: number,
	settings: CursorSettings,
	source: CursorSource<M>,
): Promise<PollOutcome<M>> {
	const state = JSON.parse(JSON.stringify(input)) as CursorState;
	const run = new Run(state, settings, source, now);
	const { windowMs } = settings;
	const back = lookback(settings);
	if (settings.sweepEveryMs === 0 || state.bucketMs !== bucketWidth(settings.sweepDepthMs)) {
		// No sweep, or another depth: what is accounted for from now on is counted in new buckets; the
		// buckets before are started from Kapua's count when the sweep first reaches them.
		state.bucketMs = bucketWidth(settings.sweepDepthMs);
		state.buckets = {};
		state.bucketsSince = now;
	}

	let cycle = state.cycle;
	let settled = false;
	if (!cycle) {
		cycle = state.cycle = { began: now, at: state.next };
		settled = await skipSettled(run, cycle);
	}
	const main = settled
		? ({ complete: true } as const)
		: await run.scan(cycle.at, undefined, (message) => {
				if (message.timestamp < state.origin || run.accounted(message.datastoreId)) return;
				return run.emit(message, isLate(message, windowMs));
			});
	let more = false;
	if (main.complete) {
		state.next = Math.max(state.origin, cycle.began - back);
		delete state.cycle;
		prune(state.seen, state.next);
	} else {
		cycle.at = main.at;
		more = true;
		prune(state.seen, Math.min(cycle.at, cycle.began - back));
	}

	let swept = false;
	if (!more && settings.sweepEveryMs > 0 && now - state.sweptAt >= settings.sweepEveryMs) {
		const sweep = await sweepLate(run, state, settings, now);
		more = !sweep.finished;
		if (sweep.finished) {
			state.sweptAt = now;
			swept = true;
		}
	}

	const floor = now - settings.sweepDepthMs;
	prune(
		state.late,
		settings.sweepEveryMs > 0 ? floor : Math.min(state.next, state.cycle?.at ?? state.next),
	);
	for (const start of Object.keys(state.buckets))
		if (Number(start) + state.bucketMs <= floor) delete state.buckets[start];
	return {
		emitted: run.emitted,
		state,
		more,
		warnings: run.warnings,
		queries: run.queries,
		read: run.read,
		swept,
	};
}

/**
 * A new cycle's range was mostly read by the previous cycle, so counts say where to read. If Kapua counts
 * exactly the messages accounted for from the cycle's start on, nothing is new: true, and the cycle is
 * done with that one query (a poll that finds nothing costs one small answer). Otherwise, if the part up
 * to the highest timestamp accounted for (not in the future) holds exactly the messages accounted for in
 * it, the cycle reads from that timestamp on only.
 */
async function skipSettled<M extends CursorMessage>(
	run: Run<M>,
	cycle: { began: number; at: number },
): Promise<boolean> {
	const timestamps = [...Object.values(run.state.seen), ...Object.values(run.state.late)].filter(
		(timestamp) => timestamp >= cycle.at,
	);
	if ((await run.countFrom(cycle.at)) === timestamps.length) return true;
	let high = -Infinity;
	for (const timestamp of timestamps)
		if (timestamp > high && timestamp <= cycle.began) high = timestamp;
	if (high <= cycle.at) return false;
	const known = timestamps.filter((timestamp) => timestamp < high).length;
	if ((await run.count(cycle.at, high - 1)) === known) cycle.at = high;
	return false;
}

/**
 * The sweep: every bucket below the main scan, down to the sweep depth, is counted by Kapua; a bucket whose
 * count grew since it was last counted (or exceeds what was accounted for in it) is read, and its late
 * messages not yet accounted for are emitted. `finished` is false when the poll's cap stopped it.
 */
async function sweepLate<M extends CursorMessage>(
	run: Run<M>,
	state: CursorState,
	settings: CursorSettings,
	now: number,
): Promise<{ finished: boolean }> {
	const { bucketMs } = state;
	const low = Math.max(state.origin, now - settings.sweepDepthMs);
	for (
		let start = Math.floor(low / bucketMs) * bucketMs;
		start + bucketMs <= state.next;
		start += bucketMs
	) {
		const from = Math.max(start, state.origin);
		const to = start + bucketMs - 1;
		if (from > to) continue;
		const counted = await run.count(from, to);
		if (counted === undefined) {
			run.warnings.push(
				`Kapua cannot count the messages stored between ${iso(from)} and ${iso(to)} (10,000 or more within a second), so late arrivals there are not looked for.`,
			);
			continue;
		}
		const bucket = state.buckets[start];
		if (start < state.bucketsSince && (bucket === undefined || bucket[1] === null)) {
			// Not (fully) tracked: the sweep was off or its depth changed. This count is where it starts.
			state.buckets[start] = [counted, counted];
			continue;
		}
		const [accounted, lastCount] = bucket ?? [0, null];
		if (counted <= (lastCount ?? accounted)) {
			state.buckets[start] = [accounted, counted];
			continue;
		}
		// Distinct IDs: a page starts at the last timestamp of the one before, so those are read twice.
		const inBucket = new Set<string>();
		let found = 0;
		const read = await run.scan(from, to, (message) => {
			inBucket.add(message.datastoreId);
			if (run.accounted(message.datastoreId) || !isLate(message, settings.windowMs)) return;
			found++;
			return run.emit(message, true);
		});
		const nowAccounted = accounted + found;
		const total = inBucket.size;
		if (!read.complete) {
			state.buckets[start] = [nowAccounted, lastCount];
			return { finished: false };
		}
		if (total > nowAccounted) {
			run.warnings.push(
				`Kapua holds ${total - nowAccounted} more message(s) with timestamps between ${iso(from)} and ${iso(to)} than the trigger emitted, and they are not late ` +
					"(received within the Late Arrival Window): they may have been missed. Check that the clocks of n8n and Kapua agree, and that the Datastore Refresh Interval matches Kapua's.",
			);
		}
		state.buckets[start] = [Math.max(nowAccounted, total), total];
	}
	return { finished: true };
}
