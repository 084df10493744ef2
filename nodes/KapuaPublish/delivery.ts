/**
 * Verify Delivery: Kapua's publish is fire-and-forget (a 204 says the request was accepted, not that any
 * device or the datastore got the message), so after each accepted publish the message is looked up in
 * Kapua's datastore (GET {scope}/data/messages, operation dataMessageQuery) until it is found or the
 * Verify Timeout passes.
 *
 * One query loop per execution, not one per item: every round asks once per scope + client ID + channel
 * for the time window around the pending messages' Sent On, and matches what is stored to what is pending
 * by Sent On and metrics (a stored message is matched once). Publishing goes on meanwhile; an item's
 * output waits for its answer only at the end (runItems' settle).
 */
import {
	NodeApiError,
	type IDataObject,
	type IExecuteFunctions,
	type JsonObject,
} from 'n8n-workflow';

import { abortableSleep } from '../common/abortableSleep';
import { itemMessage } from '../common/errors';
import { positiveNumber } from '../common/options';
import { runOrdered } from '../common/orderedPool';
import type { PreparedItem } from '../common/runItems';
import type { PublishRequest } from '../common/sendForItem';
import type { HttpClient } from '../common/transport/httpClient';

/**
 * How often the datastore is asked while messages are pending. Kapua makes a stored message searchable at
 * its next index refresh (datastore.index.refresh_interval, 5 s by default), so most answers come then.
 */
const POLL_MS = 250;
/** How far around the pending messages' Sent On a query looks (clocks and rounding). */
const WINDOW_SLACK_MS = 1000;
const PAGE = 500;
/** Datastore queries in flight at once in a round (one per client ID and channel pending). */
const QUERIES_AT_ONCE = 4;

export interface SentMessage {
	scopeId: string;
	clientId: string;
	channel: string;
	sentOn: string;
	metrics: Array<{ name: string; valueType: string; value: string }>;
}

export type DeliveryResult =
	| { found: true; datastoreMessageId: string; storedAfterMs: number }
	| { found: false; reason: 'timeout' | 'canceled' | 'query failed'; detail?: string };

interface Pending {
	message: SentMessage;
	acceptedAt: number;
	deadline: number;
	resolve: (result: DeliveryResult) => void;
	/** Why the last query for it failed, if it did (it is asked again next round). */
	lastError?: string;
}

interface StoredMessage {
	datastoreId?: string;
	sentOn?: string;
	timestamp?: string;
	payload?: { metrics?: Array<{ name?: string; valueType?: string; value?: unknown }> };
}

/** Whether a stored metric value is the one sent: Kapua writes values back as text in its own form ("5.0" for 5). */
function sameValue(valueType: string, sent: string, stored: unknown): boolean {
	const text = String(stored);
	switch (valueType) {
		case 'integer':
		case 'int':
		case 'long':
		case 'float':
		case 'double':
			return (
				Number(sent) === Number(text) ||
				(valueType === 'long' && BigInt(sent.trim() || '0').toString() === text)
			);
		case 'boolean':
			return (sent.toLowerCase() === 'true') === (text.toLowerCase() === 'true');
		default:
			return sent === text;
	}
}

/** Whether a stored message (already known to have the same Sent On) carries the metrics sent. */
function sameMetrics(sent: SentMessage, stored: StoredMessage): boolean {
	const metrics = stored.payload?.metrics ?? [];
	if (metrics.length !== sent.metrics.length) return false;
	return sent.metrics.every((metric) =>
		metrics.some(
			(candidate) =>
				candidate.name === metric.name &&
				sameValue(metric.valueType, metric.value, candidate.value),
		),
	);
}

export class DeliveryVerifier {
	private readonly pending = new Set<Pending>();

	private readonly claimed = new Set<string>();

	private running: Promise<void> | undefined;

	/** Set by `sendingDone`, once: cuts the loop's wait short, or skips the next one if it is querying. */
	private sendingFinished = false;

	private skipNextWait = false;

	private wakeUp: (() => void) | undefined;

	constructor(
		private readonly client: Pick<HttpClient, 'send'>,
		private readonly timeoutMs: number,
		private readonly signal?: AbortSignal,
		private readonly now: () => number = () => Date.now(),
	) {}

	/** Starts looking for a message Kapua accepted; resolves when it is found or its time is up. */
	track(message: SentMessage): Promise<DeliveryResult> {
		const acceptedAt = this.now();
		const result = new Promise<DeliveryResult>((resolve) =>
			this.pending.add({ message, acceptedAt, deadline: acceptedAt + this.timeoutMs, resolve }),
		);
		this.running ??= this.loop().finally(() => (this.running = undefined));
		return result;
	}

	private async loop(): Promise<void> {
		while (this.pending.size > 0) {
			if (this.signal?.aborted) return this.cancelAll();
			const groups = new Map<string, Pending[]>();
			for (const entry of this.pending) {
				const key = `${entry.message.scopeId}\u0000${entry.message.clientId}\u0000${entry.message.channel}`;
				const group = groups.get(key);
				if (group) group.push(entry);
				else groups.set(key, [entry]);
			}
			// One query per client ID and channel, a few at once: a round costs a few round trips, not one per group.
			const queries = [...groups.values()];
			const results = await runOrdered(
				queries.map((_, index) => String(index)),
				async (index) => await this.lookUp(queries[index]),
				{
					concurrency: QUERIES_AT_ONCE,
				},
			);
			results.forEach((result, index) => {
				// A query that fails is asked again next round; the items fail only when their time is up.
				if (result && !result.ok)
					for (const entry of queries[index]) entry.lastError = (result.error as Error).message;
			});
			const now = this.now();
			for (const entry of this.pending) {
				if (now < entry.deadline) continue;
				this.pending.delete(entry);
				const detail = entry.lastError;
				entry.resolve({
					found: false,
					reason: detail ? 'query failed' : 'timeout',
					...(detail ? { detail } : {}),
				});
			}
			if (this.pending.size > 0 && !this.skipNextWait) {
				const wake = new AbortController();
				this.wakeUp = () => wake.abort();
				await abortableSleep(
					POLL_MS,
					this.signal ? AbortSignal.any([this.signal, wake.signal]) : wake.signal,
				);
				this.wakeUp = undefined;
			}
			this.skipNextWait = false;
		}
	}

	/**
	 * Every item was sent: the last ones are looked up now rather than at the next round, which saves the
	 * rest of a wait when the datastore is quick. Once only, so a slow datastore is still asked every POLL_MS.
	 */
	sendingDone(): void {
		if (this.sendingFinished) return;
		this.sendingFinished = true;
		if (this.wakeUp) this.wakeUp();
		else this.skipNextWait = true;
	}

	private async lookUp(group: Pending[]): Promise<void> {
		const { scopeId, clientId, channel } = group[0].message;
		// Indexed by Sent On so that each stored message is compared only with those sent at its millisecond.
		const bySentOn = new Map<number, Pending[]>();
		let first = Infinity;
		let last = -Infinity;
		for (const entry of group) {
			const time = Date.parse(entry.message.sentOn);
			first = Math.min(first, time);
			last = Math.max(last, time);
			const same = bySentOn.get(time);
			if (same) same.push(entry);
			else bySentOn.set(time, [entry]);
		}
		const query = {
			clientId,
			channel,
			strictChannel: 'true',
			startDate: new Date(first - WINDOW_SLACK_MS).toISOString(),
			endDate: new Date(last + WINDOW_SLACK_MS).toISOString(),
			sortDir: 'ASC',
			limit: PAGE,
		};
		for (let offset = 0; ; offset += PAGE) {
			const response = await this.client.send({
				method: 'GET',
				path: `/${encodeURIComponent(scopeId)}/data/messages`,
				query: { ...query, offset },
			});
			if (response.status < 200 || response.status >= 300)
				throw new Error(`Kapua's datastore answered HTTP ${response.status}`);
			const page = (
				typeof response.body === 'string' ? JSON.parse(response.body) : response.body
			) as { items?: StoredMessage[]; limitExceeded?: boolean };
			const now = this.now();
			for (const stored of page.items ?? []) {
				if (!stored.datastoreId || this.claimed.has(stored.datastoreId)) continue;
				const candidates = bySentOn.get(Date.parse(stored.sentOn ?? stored.timestamp ?? ''));
				const entry = candidates?.find(
					(candidate) => this.pending.has(candidate) && sameMetrics(candidate.message, stored),
				);
				if (!entry) continue;
				this.claimed.add(stored.datastoreId);
				this.pending.delete(entry);
				entry.resolve({
					found: true,
					datastoreMessageId: stored.datastoreId,
					storedAfterMs: now - entry.acceptedAt,
				});
			}
			if (!page.limitExceeded || !group.some((entry) => this.pending.has(entry))) return;
		}
	}

	private cancelAll(): void {
		for (const entry of this.pending) entry.resolve({ found: false, reason: 'canceled' });
		this.pending.clear();
	}
}

/** The output fields of a verified item. */
export function deliveryJson(result: Extract<DeliveryResult, { found: true }>): IDataObject {
	return {
		stored: true,
		datastoreMessageId: result.datastoreMessageId,
		storedAfterMs: result.storedAfterMs,
	};
}

/** The Verify Delivery options, per execution (one query loop for all items): undefined when off. */
export function readDeliveryOptions(options: IDataObject): { timeoutMs: number } | undefined {
	if (options.verifyDelivery !== true) return undefined;
	return { timeoutMs: (positiveNumber(options.verifyTimeout) ?? 10) * 1000 };
}

/** What was sent, as the datastore will show it: read back from the request body built for the item. */
export function sentMessageOf(
	target: { scopeId: string; clientId: string; channel: string; sentOn: string },
	body: unknown,
): SentMessage {
	const message = JSON.parse(String(body)) as { payload?: { metrics?: SentMessage['metrics'] } };
	return {
		scopeId: target.scopeId,
		clientId: target.clientId,
		channel: target.channel,
		sentOn: target.sentOn,
		metrics: message.payload?.metrics ?? [],
	};
}

/** A message Kapua accepted and its datastore did not show in time; with Continue On Fail, `stored: false`. */
export class DeliveryNotVerified extends NodeApiError {
	readonly stored = false;
}

function notVerifiedError(
	context: IExecuteFunctions,
	result: Extract<DeliveryResult, { found: false }>,
	target: { scopeId: string; clientId: string; channel: string },
	itemIndex: number,
	timeoutMs: number,
): DeliveryNotVerified {
	// The Verify Timeout as the user set it, not the time measured (which a busy machine stretches).
	const seconds = timeoutMs / 1000;
	const scope = target.scopeId === '_' ? "the token's own account" : `scope "${target.scopeId}"`;
	const message =
		result.reason === 'canceled'
			? itemMessage(
					'The execution was canceled before the delivery check found the message',
					itemIndex,
				)
			: itemMessage(
					`Kapua accepted the message but its datastore did not show it within ${seconds} s`,
					itemIndex,
				);
	const description =
		result.reason === 'canceled'
			? 'Kapua had accepted the message; whether it was stored is unknown.'
			: `Kapua answered 204 (accepted) for client "${target.clientId}", channel "${target.channel}" in ${scope}, but the message was not found in the datastore. ` +
				'Usual causes: no device or MQTT endpoint for this client ID (Kapua then drops the message), data storage disabled for the account ' +
				'(Message Store service), or the wrong scope. Raise Verify Timeout if the datastore is slow to index.' +
				(result.detail ? ` The last datastore query failed: ${result.detail}.` : '');
	return new DeliveryNotVerified(context.getNode(), { message } as JsonObject, {
		message,
		description,
		itemIndex,
	});
}

/**
 * The node's delivery check for one execution, or undefined when Verify Delivery is off: `track` starts
 * looking for an item's message as soon as Kapua accepted it, `settle` gives the item its answer once every
 * item was sent.
 */
export function createDeliveryCheck(context: IExecuteFunctions) {
	const options = readDeliveryOptions(context.getNodeParameter('options', 0, {}) as IDataObject);
	if (!options) return undefined;
	const signal = context.getExecutionCancelSignal();
	let verifier: DeliveryVerifier | undefined;
	const tracked = new Map<number, { result: Promise<DeliveryResult>; target: SentMessage }>();
	return {
		track(
			client: Pick<HttpClient, 'send'>,
			item: PreparedItem<
				{ scopeId: string; clientId: string; channel: string; sentOn: string },
				PublishRequest
			>,
			itemIndex: number,
		): void {
			verifier ??= new DeliveryVerifier(client, options.timeoutMs, signal);
			const message = sentMessageOf(item.target, item.request.http.body);
			tracked.set(itemIndex, { result: verifier.track(message), target: message });
		},
		async settle(json: IDataObject, itemIndex: number): Promise<IDataObject> {
			verifier?.sendingDone();
			const entry = tracked.get(itemIndex);
			if (!entry) return json;
			tracked.delete(itemIndex);
			const result = await entry.result;
			if (result.found) return { ...json, ...deliveryJson(result) };
			throw notVerifiedError(context, result, entry.target, itemIndex, options.timeoutMs);
		},
		errorJson: (error: unknown): IDataObject =>
			error instanceof DeliveryNotVerified ? { stored: false } : {},
	};
}
