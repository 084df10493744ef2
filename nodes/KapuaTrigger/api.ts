/**
 * Kapua's datastore query (GET {scope}/data/messages, operation dataMessageQuery) as the Kapua Trigger
 * uses it: its parameters read and checked, the query for a range of timestamps or for the newest
 * messages, and a stored message shaped into the item a workflow gets.
 */
import {
	NodeOperationError,
	type IBinaryKeyData,
	type IDataObject,
	type INode,
	type INodeExecutionData,
	type ITriggerFunctions,
} from 'n8n-workflow';

import type { Checked } from '../common/validation';
import { RESULT_WINDOW, type CursorMessage, type CursorSettings, type RangeQuery } from './cursor';
import {
	channelMatches,
	checkChannelFilter,
	checkClientIdFilter,
	checkCount,
	checkDuration,
	checkMetricFilter,
	checkScopeId,
	checkStartDate,
	type ChannelFilter,
	type MetricFilter,
} from './validation';

export const DEFAULTS = {
	pollSeconds: 5,
	windowSeconds: 60,
	refreshSeconds: 5,
	sweepMinutes: 10,
	sweepHours: 24,
	maxPerPoll: 1000,
	timeoutSeconds: 30,
	testCount: 5,
	pageSize: 500,
};

/** Allowed for clocks of n8n and Kapua that differ a little, on top of the index refresh. */
export const CLOCK_ALLOWANCE_MS = 5_000;

export type BodyMode = 'auto' | 'text' | 'binary' | 'base64';

export interface TriggerConfig {
	scopeId: string;
	clientId?: string;
	channel: ChannelFilter;
	metric?: MetricFilter;
	start: { kind: 'now' } | { kind: 'date'; at: number };
	pollMs: number;
	settings: CursorSettings;
	body: BodyMode;
	binaryProperty: string;
	accountName: string;
	timeoutMs: number;
	testCount: number;
}

function fieldError(node: INode, problem: { field: string; message: string }): NodeOperationError {
	return new NodeOperationError(node, `Invalid ${problem.field}: ${problem.message}`, {
		description: `The trigger did not start; nothing was asked of Kapua. Field: ${problem.field}.`,
	});
}

/** The node's parameters, checked; throws the error naming the field. */
export function readTriggerConfig(context: ITriggerFunctions): TriggerConfig {
	const node = context.getNode();
	const take = <T>(checked: Checked<T>): T => {
		if (!checked.ok) throw fieldError(node, checked.problem);
		return checked.value;
	};
	const options = context.getNodeParameter('options', {}) as IDataObject;
	const metric = context.getNodeParameter('metricFilter', {}) as IDataObject;
	const startKind = context.getNodeParameter('startFrom', 'now') as string;
	const windowMs = take(
		checkDuration(
			options.lateWindow ?? DEFAULTS.windowSeconds,
			'Late Arrival Window (Seconds)',
			1000,
			1,
		),
	);
	const refreshMs = take(
		checkDuration(
			options.refreshInterval ?? DEFAULTS.refreshSeconds,
			'Datastore Refresh Interval (Seconds)',
			1000,
			0,
		),
	);
	const sweepEveryMs = take(
		checkDuration(
			options.sweepInterval ?? DEFAULTS.sweepMinutes,
			'Late Sweep Interval (Minutes)',
			60_000,
			0,
		),
	);
	const sweepDepthMs = take(
		checkDuration(
			options.sweepDepth ?? DEFAULTS.sweepHours,
			'Late Sweep Depth (Hours)',
			3_600_000,
			0.01,
		),
	);
	const body = String(options.body ?? 'auto');
	return {
		scopeId: take(checkScopeId(context.getNodeParameter('scopeId', '_'))),
		clientId: take(checkClientIdFilter(context.getNodeParameter('clientId', ''))),
		channel: take(checkChannelFilter(context.getNodeParameter('channel', ''))),
		metric: take(
			checkMetricFilter({
				name: metric.metricName,
				type: metric.metricType,
				min: metric.min,
				max: metric.max,
			}),
		),
		start:
			startKind === 'date'
				? {
						kind: 'date',
						at: take(
							checkStartDate(context.getNodeParameter('startDate', ''), context.getTimezone()),
						),
					}
				: { kind: 'now' },
		pollMs: take(
			checkDuration(
				context.getNodeParameter('pollInterval', DEFAULTS.pollSeconds),
				'Poll Interval (Seconds)',
				1000,
				1,
			),
		),
		settings: {
			windowMs,
			guardMs: refreshMs + CLOCK_ALLOWANCE_MS,
			pageSize: DEFAULTS.pageSize,
			maxPerPoll: take(
				checkCount(options.maxPerPoll ?? DEFAULTS.maxPerPoll, 'Max Messages per Poll', 1),
			),
			sweepEveryMs,
			sweepDepthMs: Math.max(sweepDepthMs, windowMs),
			resultWindow: RESULT_WINDOW,
		},
		body: body === 'text' || body === 'binary' || body === 'base64' ? body : 'auto',
		binaryProperty: String(options.binaryPropertyName ?? 'data').trim() || 'data',
		accountName: String(options.accountName ?? '').trim() || '+',
		timeoutMs: take(
			checkDuration(
				options.timeout ?? DEFAULTS.timeoutSeconds,
				'Request Timeout (Seconds)',
				1000,
				1,
			),
		),
		testCount: take(checkCount(options.testCount ?? DEFAULTS.testCount, 'Test Event Count', 1)),
	};
}

/** What the cursor's state belongs to: another filter or start means starting afresh. */
export function configSignature(config: TriggerConfig): string {
	return JSON.stringify({
		scopeId: config.scopeId,
		clientId: config.clientId ?? null,
		channel: config.channel,
		metric: config.metric ?? null,
		start: config.start,
	});
}

export function messagesPath(scopeId: string): string {
	return `/${encodeURIComponent(scopeId)}/data/messages`;
}

/** The filters every query of the trigger carries. A "#" channel is Kapua's prefix match, narrowed by `accepts`. */
function filterQuery(config: TriggerConfig): IDataObject {
	const query: IDataObject = {};
	if (config.clientId) query.clientId = config.clientId;
	if (config.channel.kind === 'exact') {
		query.channel = config.channel.channel;
		query.strictChannel = 'true';
	} else if (config.channel.kind === 'below' && config.channel.parent !== '') {
		query.channel = config.channel.parent;
		query.strictChannel = 'false';
	}
	if (config.metric) {
		query.metricName = config.metric.name;
		if (config.metric.type) query.metricType = config.metric.type;
		if (config.metric.min !== undefined) query.metricMin = config.metric.min;
		if (config.metric.max !== undefined) query.metricMax = config.metric.max;
	}
	return query;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The cursor's range query: timestamps in [startMs, endMs], ascending. */
export function rangeQuery(config: TriggerConfig, range: RangeQuery): IDataObject {
	return {
		...filterQuery(config),
		startDate: iso(range.startMs),
		...(range.endMs !== undefined ? { endDate: iso(range.endMs) } : {}),
		sortDir: 'ASC',
		offset: range.offset,
		limit: range.limit,
	};
}

/** Fetch Test Event: the newest messages, newest first. */
export function newestQuery(config: TriggerConfig): IDataObject {
	return { ...filterQuery(config), sortDir: 'DESC', offset: 0, limit: config.testCount };
}

/** A message as Kapua's datastore answers it (jsonDatastoreMessage). */
export interface DatastoreItem {
	datastoreId?: string;
	scopeId?: string;
	timestamp?: string;
	deviceId?: string;
	clientId?: string;
	receivedOn?: string;
	sentOn?: string;
	capturedOn?: string;
	position?: IDataObject;
	channel?: { semanticParts?: unknown[] };
	payload?: {
		metrics?: Array<{ name?: string; valueType?: string; value?: unknown }>;
		body?: string;
	};
}

export interface StoredMessage extends CursorMessage {
	item: DatastoreItem;
	channelPath: string;
}

/** A datastore answer's items and paging fields, whatever shape came back. */
export function readListResult(body: unknown): {
	items: DatastoreItem[];
	more: boolean;
	totalCount: number;
} {
	const record = (body !== null && typeof body === 'object' ? body : {}) as {
		items?: unknown;
		limitExceeded?: unknown;
		totalCount?: unknown;
	};
	const items = Array.isArray(record.items) ? (record.items as DatastoreItem[]) : [];
	return {
		items,
		more: record.limitExceeded === true,
		totalCount: typeof record.totalCount === 'number' ? record.totalCount : items.length,
	};
}

export function channelPathOf(item: DatastoreItem): string {
	return (item.channel?.semanticParts ?? []).map(String).join('/');
}

/** The cursor's view of a stored message, or undefined for one without an ID or a timestamp (Kapua always gives both). */
export function toStoredMessage(item: DatastoreItem): StoredMessage | undefined {
	const timestamp = Date.parse(item.timestamp ?? '');
	if (
		typeof item.datastoreId !== 'string' ||
		item.datastoreId === '' ||
		!Number.isFinite(timestamp)
	)
		return undefined;
	return {
		datastoreId: item.datastoreId,
		timestamp,
		receivedOn: Date.parse(item.receivedOn ?? ''),
		item,
		channelPath: channelPathOf(item),
	};
}

/** The exact levels of a "#" channel, which Kapua's prefix match does not check. */
export function accepts(config: TriggerConfig, message: StoredMessage): boolean {
	return channelMatches(config.channel, message.channelPath);
}

/** A metric's value in its type: numbers as numbers (a long beyond 2^53 stays text), booleans, dates in ISO 8601. */
export function typedMetricValue(valueType: string | undefined, value: unknown): unknown {
	if (value === null || value === undefined) return null;
	const text = String(value);
	switch ((valueType ?? '').toLowerCase()) {
		case 'integer':
		case 'int':
		case 'long': {
			const number = Number(text);
			return Number.isSafeInteger(number) ? number : text;
		}
		case 'float':
		case 'double': {
			const number = Number(text);
			return Number.isFinite(number) ? number : text;
		}
		case 'boolean':
			return text.toLowerCase() === 'true';
		case 'date':
			return isoOrNull(text) ?? text;
		default:
			return text;
	}
}

function isoOrNull(value: unknown): string | null {
	if (typeof value !== 'string' && typeof value !== 'number') return null;
	const time = typeof value === 'number' ? value : Date.parse(value);
	return Number.isFinite(time) ? new Date(time).toISOString() : null;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The body's fields of the item, and its binary data when it is not text. */
async function bodyFields(
	context: Pick<ITriggerFunctions, 'helpers'>,
	base64: string | undefined,
	config: Pick<TriggerConfig, 'body' | 'binaryProperty'>,
	fileName: string,
): Promise<{ json: IDataObject; binary?: IBinaryKeyData }> {
	if (base64 === undefined || base64 === '') return { json: { body: null, bodyType: 'none' } };
	if (config.body === 'base64') return { json: { body: base64, bodyType: 'base64' } };
	const bytes = Buffer.from(base64, 'base64');
	if (config.body !== 'binary') {
		let text: string | undefined;
		try {
			text = utf8.decode(bytes);
		} catch {
			text = undefined;
		}
		if (text !== undefined && config.body === 'text')
			return { json: { body: text, bodyType: 'text' } };
		if (text !== undefined) {
			const trimmed = text.trim();
			if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
				try {
					return { json: { body: JSON.parse(trimmed) as IDataObject, bodyType: 'json' } };
				} catch {
					// Text that only looks like JSON.
				}
			}
			return { json: { body: text, bodyType: 'text' } };
		}
	}
	const binary = await context.helpers.prepareBinaryData(
		bytes,
		fileName,
		'application/octet-stream',
	);
	return { json: { body: null, bodyType: 'binary' }, binary: { [config.binaryProperty]: binary } };
}

/** A stored message as the workflow gets it: one item, metrics typed and keyed by name, times in ISO 8601. */
export async function shapeMessage(
	context: Pick<ITriggerFunctions, 'helpers'>,
	message: StoredMessage,
	late: boolean,
	config: Pick<TriggerConfig, 'body' | 'binaryProperty' | 'accountName'>,
): Promise<INodeExecutionData> {
	const { item } = message;
	const metrics: IDataObject = {};
	const metricTypes: IDataObject = {};
	for (const metric of item.payload?.metrics ?? []) {
		if (typeof metric.name !== 'string') continue;
		metrics[metric.name] = typedMetricValue(metric.valueType, metric.value) as IDataObject[string];
		metricTypes[metric.name] = metric.valueType ?? null;
	}
	const body = await bodyFields(context, item.payload?.body, config, `${message.datastoreId}.bin`);
	const position = item.position
		? {
				...item.position,
				...(item.position.timestamp !== undefined
					? { timestamp: isoOrNull(item.position.timestamp) }
					: {}),
			}
		: null;
	const clientId = item.clientId ?? null;
	return {
		json: {
			datastoreId: message.datastoreId,
			scopeId: item.scopeId ?? null,
			clientId,
			deviceId: item.deviceId ?? null,
			channel: message.channelPath,
			topic: `${config.accountName}/${clientId ?? ''}/${message.channelPath}`,
			timestamp: isoOrNull(item.timestamp),
			receivedOn: isoOrNull(item.receivedOn),
			sentOn: isoOrNull(item.sentOn),
			capturedOn: isoOrNull(item.capturedOn),
			metrics,
			metricTypes,
			...body.json,
			position,
			late,
			receivedAfterMs: Number.isFinite(message.receivedOn)
				? message.receivedOn - message.timestamp
				: null,
		},
		...(body.binary ? { binary: body.binary } : {}),
	};
}
