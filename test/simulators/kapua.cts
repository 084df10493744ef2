/**
 * A loopback Eclipse Kapua REST API, faithful to docs/api-contracts.md ("Eclipse Kapua") and Kapua's OpenAPI files in test/contract/kapua-openapi
 * where the real server differs from its spec:
 *
 * - Authentication: POST /authentication/user (reads `username`, as Kapua's Java does, not the spec's
 *   `user`), /authentication/apikey, /authentication/refresh (the old token is invalidated),
 *   /authentication/logout, GET /authentication/info. Tokens expire (a TTL, or on demand with
 *   `expireTokens` / `expireTokensAfterPublishes`). A missing, bad or expired token → 401 with the servlet
 *   container's HTML page; a wrong password or API key → 401 with an empty body.
 * - POST /{scopeId}/streams/messages: 204 on success; malformed JSON → 400; no channel → 400
 *   illegalNullArgument (`dataMessage.channel`); no stream:write on the scope → 403; unknown scope, unknown
 *   device, a clientId that is not the device's, or an account without MQTT endpoint → 500 CALL_ERROR;
 *   a metric value that does not parse for its valueType, or a missing/unknown valueType → 500 throwableInfo.
 * - A log of published messages with their MQTT topic `account/clientId/semanticParts...`, in arrival
 *   order, and every request body as received (for the contract test).
 * - The datastore: GET /{scopeId}/data/messages (operation dataMessageQuery) with clientId, channel,
 *   strictChannel, startDate/endDate (inclusive, on the message's timestamp), metricName/metricType/metricMin/
 *   metricMax, sortDir, limit and offset, answering a storableListResult of jsonDatastoreMessage items
 *   (`queryStoredMessages`, pure, so unit tests share these semantics). As Kapua's Elasticsearch query does:
 *   sorted by timestamp only (ties in arrival order, or shuffled with `tieOrder: 'shuffled'`: Elasticsearch
 *   promises no order among equal timestamps); a non-strict channel is a raw prefix of the channel path
 *   ("heater" also matches "heaters/x"; "#" is not a wildcard there); `totalCount` stops at 10,000 with
 *   `limitExceeded` set beyond it; `offset + limit` over 10,000 (Elasticsearch's result window) is a 400 that
 *   Kapua turns into an empty answer, as it does for a missing index.
 * - What the datastore holds: messages published through streams/messages (timestamp: their Sent On, else the
 *   time they arrived), and device messages (`storeDeviceMessage`, or POST /{scopeId}/data/messages, operation
 *   dataMessageStore), whose timestamp follows the account's `dataIndexBy`: the device's Captured On
 *   (DEVICE_TIMESTAMP, Kapua's default: a device that buffered offline stores messages "in the past") or the
 *   time Kapua received them (SERVER_TIMESTAMP). A message becomes searchable after `indexDelayMs`, or at the
 *   next periodic index refresh (`refreshIntervalMs`; Kapua's default is 5 s), and never in an account whose
 *   data storage is disabled (`dataStorage: false`), as in Kapua's message store.
 * - GET /{scopeId}/serviceConfigurations/org.eclipse.kapua.service.datastore.MessageStoreService: the
 *   account's message store settings (enabled, dataTTL, rxByteLimit, dataIndexBy). Users without datastore
 *   read permission on the scope (`datastoreRead`) get 403 there and on the datastore query.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { seededRandom } from './faults.cjs';
import {
	extendServer,
	requestRecord,
	sendJson,
	startServer,
	type RequestRecord,
	type SimulatorServer,
} from './http.cjs';

export interface KapuaAccount {
	/** The account's own id, which is the scope ID of what it holds. */
	id: string;
	name: string;
	/** Whether an MQTT EndpointInfo exists; a fresh Kapua has none. */
	endpoint: boolean;
	/** The account's message store service setting; stored unless false. */
	dataStorage?: boolean;
	/** Which time a device message is indexed by (the message store's dataIndexBy); Kapua's default is the device's. */
	dataIndexBy?: 'DEVICE_TIMESTAMP' | 'SERVER_TIMESTAMP';
}

export interface KapuaUser {
	username: string;
	password: string;
	scopeId: string;
	/** Scopes in which the user has stream:write; '*' = every scope. */
	streamWrite: string[];
	/** Scopes in which the user has datastore:read; '*' = every scope (the default). */
	datastoreRead?: string[];
}

export interface KapuaApiKey {
	apiKey: string;
	username: string;
}

export interface KapuaDevice {
	id: string;
	scopeId: string;
	clientId: string;
}

export interface KapuaSimulatorOptions {
	accounts?: KapuaAccount[];
	users?: KapuaUser[];
	apiKeys?: KapuaApiKey[];
	devices?: KapuaDevice[];
	/** Access token lifetime; Kapua's docker default is 30 minutes. */
	tokenTtlMs?: number;
	/** A text every issued token (tokenId and refreshToken) contains, for secret tests to search for. */
	tokenCanary?: string;
	/** How long a published message takes to become visible in the datastore (0: at once). */
	indexDelayMs?: number;
	/**
	 * Periodic index refresh, as Elasticsearch does it: a message stored at t becomes searchable at the first
	 * refresh after t (refreshes every `refreshIntervalMs` from the simulator's start). Overrides `indexDelayMs`.
	 */
	refreshIntervalMs?: number;
	/** The order of messages with equal timestamps in a query's answer (default: arrival). */
	tieOrder?: 'arrival' | 'shuffled';
	/** Seed of the shuffled tie order, so a run can be replayed. */
	seed?: number;
}

/** A message a device sends (through the broker, or POST /{scopeId}/data/messages), as the datastore stores it. */
export interface DeviceMessageInput {
	scopeId?: string;
	clientId: string;
	deviceId?: string;
	/** The channel's levels joined by "/". */
	channel: string;
	/** The device's clock when it captured the data; the timestamp under DEVICE_TIMESTAMP. */
	capturedOn?: string;
	sentOn?: string;
	/** When Kapua received it (default: now). */
	receivedOn?: string;
	/** name → [valueType, value as Kapua parsed it]. */
	metrics?: Array<{ name: string; valueType: string; value: unknown }>;
	body?: Buffer;
	position?: Record<string, unknown>;
}

export interface PublishedMetric {
	name: string;
	valueType: string;
	/** What Kapua parsed the string into (number, bigint for long, boolean, Buffer, string). */
	value: unknown;
}

export interface PublishedMessage {
	scopeId: string;
	topic: string;
	clientId: string | null;
	deviceId?: string;
	semanticParts: string[];
	metrics: PublishedMetric[];
	body?: Buffer;
	sentOn?: string;
	capturedOn?: string;
	position?: Record<string, unknown>;
	/** The token that sent it (to tell a re-login apart); empty for a device message. */
	tokenId: string;
	/** A publish through streams/messages, or a message a device sent. */
	source?: 'publish' | 'device';
	/** Arrival order across the whole simulator, from 1. */
	sequence: number;
	/** When the simulator accepted it (the datastore's receivedOn). */
	receivedOn: string;
	/** The datastore's ID, when the account stores data. */
	datastoreId?: string;
	/** From when on a datastore query can find it (epoch ms). */
	visibleFrom?: number;
	/** The datastore's timestamp for it (epoch ms), parsed once: queries filter and sort by it. */
	time: number;
	/** `semanticParts` joined by "/", as a channel filter compares it. */
	channelPath: string;
}

export interface CapturedRequest {
	method: string;
	path: string;
	query: Record<string, string>;
	contentType?: string;
	/** The parsed JSON body, or the raw text when it was not JSON. */
	body: unknown;
}

export interface KapuaSimulator extends SimulatorServer {
	published: PublishedMessage[];
	/** Every request with a body, as received (logins and publishes), in arrival order. */
	captured: CapturedRequest[];
	/** Successful logins per way (user, apikey, refresh). */
	logins: { user: number; apikey: number; refresh: number };
	/** Requests answered 401 because of the token. */
	rejectedTokens: number;
	/** Publish requests seen, faulted ones included (requestCount counts logins and checks too). */
	publishRequests: number;
	/** Login requests seen (user and API key), failed and faulted ones included. */
	loginRequests: number;
	/** Datastore queries (GET /{scopeId}/data/messages) seen, faulted ones included. */
	datastoreQueries: number;
	/** The query parameters of every datastore query answered, in arrival order. */
	datastoreQueryLog: Array<Record<string, string>>;
	/** Every valid token expires now (as if its TTL had run out). */
	expireTokens(): void;
	/** Every valid token expires right after the n-th accepted publish (counted from now). */
	expireTokensAfterPublishes(n: number): void;
	/** Issues a token for a user directly, as if it had been copied from Kapua's console. */
	issueToken(username: string): string;
	/** Stores a device's message in the datastore (as Kapua's broker consumer does), searchable after the index refresh. */
	storeDeviceMessage(message: DeviceMessageInput): PublishedMessage;
	/** Device messages stored so far, in arrival order. */
	deviceMessages: PublishedMessage[];
	messages(clientId: string, channel?: string): PublishedMessage[];
}

export const KAPUA_DEFAULTS = {
	accountName: 'kapua-sys',
	scopeId: 'AQ',
	username: 'kapua-sys',
	// Satisfies the spec's password pattern (12+ characters, digit, upper, lower, symbol); Kapua's docker
	// default "kapua-password" does not, see the contract test.
	password: 'Kapua-Passw0rd!',
	apiKey: '12345678kapua-password',
	device: { id: 'WyczTs_GuDM', clientId: 'AA:BB:CC:DD:EE:FF' },
};

const HTML_401 =
	'<!doctype html><html lang="en"><head><title>HTTP Status 401 – Unauthorized</title><style>body{font-family:Tahoma}</style></head>' +
	'<body><h1>HTTP Status 401 – Unauthorized</h1><hr class="line" /><p><b>Type</b> Status Report</p>' +
	'<p><b>Description</b> The request has not been applied because it lacks valid authentication credentials for the target resource.</p>' +
	'<hr class="line" /><h3>Apache Tomcat</h3></body></html>';

interface Token {
	tokenId: string;
	refreshToken: string;
	username: string;
	scopeId: string;
	expiresAt: number;
	expired: boolean;
	invalidated: boolean;
}

/** A path without the optional `/v1` prefix (the docker deployment serves the API under /v1; the simulator serves both). */
function apiPath(path: string): string {
	return path.replace(/^\/v1(?=\/)/, '');
}

/** A publish (`POST /{scopeId}/streams/messages`), live or logged. */
export function isPublishRequest(request: RequestRecord | IncomingMessage): boolean {
	const { method, path } = requestRecord(request);
	return method === 'POST' && /^\/[^/]+\/streams\/messages$/.test(apiPath(path));
}

/** A datastore query (`GET /{scopeId}/data/messages`), live or logged. */
export function isDatastoreQuery(request: RequestRecord | IncomingMessage): boolean {
	const { method, path } = requestRecord(request);
	return method === 'GET' && /^\/[^/]+\/data\/messages$/.test(apiPath(path));
}

/** A login with user and password or with an API key (`POST /authentication/user|apikey`), live or logged. */
export function isLoginRequest(request: RequestRecord | IncomingMessage): boolean {
	const { method, path } = requestRecord(request);
	return method === 'POST' && /^\/authentication\/(user|apikey)$/.test(apiPath(path));
}

function base64url(data: string | Buffer): string {
	return Buffer.from(data).toString('base64url');
}

function exceptionInfo(
	status: number,
	kapuaErrorCode: string,
	message: string,
	extra: Record<string, unknown> = {},
) {
	return { type: 'exceptionInfo', httpErrorCode: status, message, kapuaErrorCode, ...extra };
}

/** java.util.Base64's basic decoder: the standard alphabet, padding optional but never misplaced. */
function javaBase64(text: string): Buffer | undefined {
	if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.replace(/=+$/, '').length % 4 === 1)
		return undefined;
	if (text.includes('=') && text.length % 4 !== 0) return undefined;
	return Buffer.from(text, 'base64');
}

/**
 * A stored metric value as the datastore answers it: Kapua's JsonMetric holds the value as text beside its
 * valueType (the schema's `type: string`), written as Java writes it (a whole double as "5.0", bytes as base64).
 */
function jsonMetricValue(valueType: string, value: unknown): string {
	if (Buffer.isBuffer(value)) return value.toString('base64');
	if (
		(valueType === 'double' || valueType === 'float') &&
		typeof value === 'number' &&
		Number.isInteger(value) &&
		Math.abs(value) < 1e7
	)
		return value.toFixed(1);
	return String(value);
}

/** ObjectTypeConverter: the value Kapua reads from a metric's string, or an error text (500 throwableInfo). */
function convertMetric(valueType: unknown, value: string): { value: unknown } | { error: string } {
	switch (valueType) {
		case 'string':
		case 'date':
			return { value };
		case 'integer':
		case 'int':
		case 'long': {
			if (!/^[+-]?\d+$/.test(value))
				return { error: `java.lang.NumberFormatException: For input string: "${value}"` };
			const parsed = BigInt(value);
			const bits = valueType === 'long' ? 63n : 31n;
			if (parsed < -(2n ** bits) || parsed > 2n ** bits - 1n)
				return { error: `java.lang.NumberFormatException: For input string: "${value}"` };
			return { value: valueType === 'long' ? parsed : Number(parsed) };
		}
		case 'float':
		case 'double': {
			const parsed = Number(value.trim());
			if (value.trim() === '' || Number.isNaN(parsed))
				return { error: `java.lang.NumberFormatException: For input string: "${value}"` };
			return { value: valueType === 'float' ? Math.fround(parsed) : parsed };
		}
		case 'boolean':
			return { value: value.toLowerCase() === 'true' };
		case 'binary': {
			const bytes = javaBase64(value);
			return bytes
				? { value: bytes }
				: { error: 'java.lang.IllegalArgumentException: Illegal base64 character' };
		}
		default:
			return { error: `java.lang.ClassNotFoundException: ${String(valueType)}` };
	}
}

/** The message store's service ID, as Kapua's serviceConfigurations route takes it. */
export const MESSAGE_STORE_SERVICE = 'org.eclipse.kapua.service.datastore.MessageStoreService';

/** Elasticsearch's index.max_result_window: `offset + limit` beyond it is a 400, which Kapua answers as an empty list. */
export const KAPUA_RESULT_WINDOW = 10_000;

function mayReadDatastore(user: KapuaUser, scopeId: string): boolean {
	const scopes = user.datastoreRead ?? ['*'];
	return scopes.includes('*') || scopes.includes(scopeId);
}

function datastoreForbidden(scopeId: string) {
	return exceptionInfo(
		403,
		'SUBJECT_UNAUTHORIZED',
		`User does not have permission to perform this action. Required permission: datastore:read:${scopeId}:*.`,
		{
			type: 'subjectUnauthorizedExceptionInfo',
			permission: {
				domain: 'datastore',
				action: 'read',
				targetScopeId: scopeId,
				forwardable: false,
			},
		},
	);
}

/** The message store's configuration as Kapua's REST API answers it (serviceComponentConfiguration). */
function messageStoreConfiguration(account: KapuaAccount) {
	const property = (name: string, type: string, value: string) => ({
		name,
		array: false,
		encrypted: false,
		type,
		value: [value],
	});
	return {
		type: 'serviceComponentConfiguration',
		id: MESSAGE_STORE_SERVICE,
		name: 'MessageStoreService',
		properties: {
			property: [
				property('enabled', 'Boolean', String(account.dataStorage !== false)),
				property('dataTTL', 'Integer', '30'),
				property('rxByteLimit', 'Long', '0'),
				property('dataIndexBy', 'String', account.dataIndexBy ?? 'DEVICE_TIMESTAMP'),
			],
		},
	};
}

/** A stored message as Kapua's datastore answers it (jsonDatastoreMessage); dates re-written by Kapua in UTC. */
export function datastoreItem(message: PublishedMessage) {
	return {
		type: 'jsonDatastoreMessage',
		datastoreId: message.datastoreId,
		scopeId: message.scopeId,
		timestamp: new Date(message.time).toISOString(),
		...(message.deviceId !== undefined ? { deviceId: message.deviceId } : {}),
		clientId: message.clientId,
		receivedOn: message.receivedOn,
		...(message.sentOn !== undefined ? { sentOn: message.sentOn } : {}),
		...(message.capturedOn !== undefined ? { capturedOn: message.capturedOn } : {}),
		...(message.position !== undefined ? { position: message.position } : {}),
		channel: { type: 'kapuaDataChannel', semanticParts: message.semanticParts },
		payload: {
			metrics: message.metrics.map((metric) => ({
				valueType: metric.valueType,
				value: jsonMetricValue(metric.valueType, metric.value),
				name: metric.name,
			})),
			...(message.body ? { body: message.body.toString('base64') } : {}),
		},
	};
}

const METRIC_TYPE_NAMES = [
	'string',
	'integer',
	'int',
	'long',
	'float',
	'double',
	'boolean',
	'date',
	'binary',
];

/** A metric's value as Elasticsearch compares it in a range (numbers as numbers, the rest as text). */
function comparable(value: unknown): number | string {
	if (typeof value === 'number') return value;
	if (typeof value === 'bigint') return Number(value);
	return String(value);
}

/**
 * dataMessageQuery over `messages` (what the simulator stores), as Kapua answers it at time `now`: the
 * filters, the sort on timestamp alone, the 10,000 result window and count. `tieRandom` shuffles equal
 * timestamps (a fresh order per query); without it they come in arrival order. An error is Kapua's 400.
 */
export function queryStoredMessages(
	messages: PublishedMessage[],
	scopeId: string,
	query: URLSearchParams,
	now: number,
	tieRandom?: () => number,
): { result: Record<string, unknown> } | { error: Record<string, unknown> } {
	const dateParam = (name: string): number | undefined | null => {
		const text = query.get(name);
		if (text === null) return undefined;
		const time = Date.parse(text);
		return Number.isNaN(time) ? null : time;
	};
	const start = dateParam('startDate');
	const end = dateParam('endDate');
	if (start === null || end === null) {
		return {
			error: exceptionInfo(
				400,
				'ILLEGAL_ARGUMENT',
				'An illegal value was provided for the argument startDate/endDate',
				{ argumentName: start === null ? 'startDate' : 'endDate' },
			),
		};
	}
	const limit = Number(query.get('limit') ?? 50);
	const offset = Number(query.get('offset') ?? 0);
	if (!Number.isInteger(limit) || limit < 0 || !Number.isInteger(offset) || offset < 0) {
		return {
			error: exceptionInfo(
				400,
				'ILLEGAL_ARGUMENT',
				'An illegal value was provided for the argument limit/offset',
			),
		};
	}
	const metricName = query.get('metricName') || null;
	const metricType = query.get('metricType') || null;
	const metricMin = query.get('metricMin');
	const metricMax = query.get('metricMax');
	if (metricType !== null && !METRIC_TYPE_NAMES.includes(metricType)) {
		return {
			error: exceptionInfo(
				400,
				'ILLEGAL_ARGUMENT',
				`An illegal value was provided for the argument type: ${metricType}`,
				{ argumentName: 'type', argumentValue: metricType },
			),
		};
	}
	if (metricName !== null && (metricMin !== null || metricMax !== null) && metricType === null) {
		return {
			error: exceptionInfo(
				400,
				'ILLEGAL_NULL_ARGUMENT',
				'An illegal null value was provided for the argument metricType',
				{ argumentName: 'metricType' },
			),
		};
	}
	const sameType = (valueType: string) =>
		metricType === null ||
		valueType === metricType ||
		(metricType === 'int' && valueType === 'integer');
	const clientId = query.get('clientId') || null;
	const channel = query.get('channel') || null;
	const strict = query.get('strictChannel') === 'true';
	const matches = messages.filter((message) => {
		if (
			message.scopeId !== scopeId ||
			message.datastoreId === undefined ||
			(message.visibleFrom ?? 0) > now
		)
			return false;
		if (clientId !== null && message.clientId !== clientId) return false;
		// Strict: a term query on the channel; otherwise Kapua's ChannelMatchPredicate, an Elasticsearch prefix query.
		if (
			channel !== null &&
			(strict ? message.channelPath !== channel : !message.channelPath.startsWith(channel))
		)
			return false;
		if (metricName !== null) {
			const metric = message.metrics.find(
				(candidate) => candidate.name === metricName && sameType(candidate.valueType),
			);
			if (!metric) return false;
			const value = comparable(metric.value);
			const typed = (text: string) => (typeof value === 'number' ? Number(text) : text);
			if (metricMin !== null && value < typed(metricMin)) return false;
			if (metricMax !== null && value > typed(metricMax)) return false;
		}
		return (
			(start === undefined || message.time >= start) && (end === undefined || message.time <= end)
		);
	});
	const ascending = query.get('sortDir') === 'ASC';
	const tieKey = new Map(
		matches.map((message) => [message, tieRandom ? tieRandom() : message.sequence]),
	);
	matches.sort(
		(a, b) =>
			(ascending ? a.time - b.time : b.time - a.time) ||
			(ascending ? 1 : -1) * (tieKey.get(a)! - tieKey.get(b)!),
	);
	if (offset + limit > KAPUA_RESULT_WINDOW) {
		// Elasticsearch refuses the result window (400); Kapua's client reads a 400 as "no hits".
		return {
			result: {
				type: 'storableListResult',
				limitExceeded: false,
				size: 0,
				items: [],
				totalCount: 0,
			},
		};
	}
	const page = matches.slice(offset, offset + limit);
	// Elasticsearch counts hits up to 10,000 (track_total_hits); Kapua flags anything beyond as limitExceeded.
	const totalCount = Math.min(matches.length, KAPUA_RESULT_WINDOW);
	return {
		result: {
			type: 'storableListResult',
			limitExceeded: matches.length > KAPUA_RESULT_WINDOW || totalCount > offset + limit,
			size: page.length,
			items: page.map(datastoreItem),
			totalCount,
		},
	};
}

export async function startKapuaSimulator(
	options: KapuaSimulatorOptions = {},
): Promise<KapuaSimulator> {
	const accounts = new Map(
		(
			options.accounts ?? [
				{ id: KAPUA_DEFAULTS.scopeId, name: KAPUA_DEFAULTS.accountName, endpoint: true },
			]
		).map((account) => [account.id, account]),
	);
	const users = new Map(
		(
			options.users ?? [
				{
					username: KAPUA_DEFAULTS.username,
					password: KAPUA_DEFAULTS.password,
					scopeId: KAPUA_DEFAULTS.scopeId,
					streamWrite: ['*'],
				},
			]
		).map((user) => [user.username, user]),
	);
	const apiKeys = options.apiKeys ?? [
		{ apiKey: KAPUA_DEFAULTS.apiKey, username: KAPUA_DEFAULTS.username },
	];
	const devices = options.devices ?? [
		{ ...KAPUA_DEFAULTS.device, scopeId: KAPUA_DEFAULTS.scopeId },
	];
	const ttl = options.tokenTtlMs ?? 30 * 60 * 1000;
	const indexDelayMs = options.indexDelayMs ?? 0;
	const startedAt = Date.now();
	/** When a message stored now becomes searchable: after the delay, or at the next periodic refresh. */
	const visibleFrom = (): number => {
		const now = Date.now();
		const every = options.refreshIntervalMs;
		if (!every) return now + indexDelayMs;
		return startedAt + (Math.floor((now - startedAt) / every) + 1) * every;
	};
	const canary = options.tokenCanary ?? '';

	const tokens = new Map<string, Token>();
	const published: PublishedMessage[] = [];
	const deviceMessages: PublishedMessage[] = [];
	const captured: CapturedRequest[] = [];
	const logins = { user: 0, apikey: 0, refresh: 0 };
	const state = { rejectedTokens: 0, expireAfter: undefined as number | undefined };

	const issue = (user: KapuaUser): Token => {
		const header = base64url(JSON.stringify({ alg: 'RS256' }));
		const payload = base64url(
			JSON.stringify({
				iss: 'https://www.eclipse.org/kapua',
				sub: user.username,
				sId: user.scopeId,
				jti: randomUUID(),
			}),
		);
		const token: Token = {
			tokenId: `${header}.${payload}.${canary}${base64url(randomBytes(32))}`,
			refreshToken: `${canary}${randomUUID()}`,
			username: user.username,
			scopeId: user.scopeId,
			expiresAt: Date.now() + ttl,
			expired: false,
			invalidated: false,
		};
		tokens.set(token.tokenId, token);
		return token;
	};
	const accessToken = (token: Token) => ({
		type: 'accessToken',
		id: base64url(randomBytes(8)),
		scopeId: token.scopeId,
		createdOn: new Date().toISOString(),
		userId: token.scopeId,
		tokenId: token.tokenId,
		expiresOn: new Date(token.expiresAt).toISOString(),
		refreshToken: token.refreshToken,
		refreshExpiresOn: new Date(token.expiresAt + 4.5 * 3600 * 1000).toISOString(),
	});
	const expireAll = () => {
		for (const token of tokens.values()) token.expired = true;
	};

	/** The session of a request, or undefined after answering 401 with the HTML page. */
	const authenticate = (request: IncomingMessage, response: ServerResponse): Token | undefined => {
		const header = request.headers.authorization ?? '';
		// Kapua's filter strips a case-sensitive "Bearer " prefix; a bare token works too.
		const tokenId = header.startsWith('Bearer ') ? header.slice(7) : header;
		const token = tokens.get(tokenId);
		if (!token || token.expired || token.invalidated || token.expiresAt <= Date.now()) {
			state.rejectedTokens++;
			sendJson(response, 401, HTML_401);
			return undefined;
		}
		return token;
	};

	const publish = (
		token: Token,
		scopeParam: string,
		body: Record<string, unknown>,
		response: ServerResponse,
	) => {
		const user = users.get(token.username)!;
		const scopeId = scopeParam === '_' ? token.scopeId : scopeParam;
		if (!user.streamWrite.includes('*') && !user.streamWrite.includes(scopeId)) {
			return sendJson(
				response,
				403,
				exceptionInfo(
					403,
					'SUBJECT_UNAUTHORIZED',
					`User does not have permission to perform this action. Required permission: stream:write:${scopeId}:*.`,
					{
						type: 'subjectUnauthorizedExceptionInfo',
						permission: {
							domain: 'stream',
							action: 'write',
							targetScopeId: scopeId,
							forwardable: false,
						},
					},
				),
			);
		}
		const channel = body.channel as { semanticParts?: unknown } | null | undefined;
		if (channel === undefined || channel === null) {
			return sendJson(
				response,
				400,
				exceptionInfo(
					400,
					'ILLEGAL_NULL_ARGUMENT',
					'An illegal null value was provided for the argument dataMessage.channel',
					{
						type: 'illegalNullArgumentExceptionInfo',
						argumentName: 'dataMessage.channel',
					},
				),
			);
		}
		const account = accounts.get(scopeId);
		if (!account)
			return sendJson(
				response,
				500,
				exceptionInfo(500, 'CALL_ERROR', `Error during call: Account not found: ${scopeId}`),
			);
		const clientId = typeof body.clientId === 'string' ? body.clientId : null;
		const deviceId = typeof body.deviceId === 'string' ? body.deviceId : undefined;
		let topicClient = clientId;
		if (deviceId !== undefined) {
			const device = devices.find(
				(candidate) => candidate.id === deviceId && candidate.scopeId === scopeId,
			);
			if (!device)
				return sendJson(
					response,
					500,
					exceptionInfo(500, 'CALL_ERROR', `Error during call: Device not found: ${deviceId}`),
				);
			if (clientId !== null && clientId !== device.clientId) {
				return sendJson(
					response,
					500,
					exceptionInfo(
						500,
						'CALL_ERROR',
						`Error during call: The given clientId ${clientId} does not match the device's ${device.clientId}`,
					),
				);
			}
			topicClient = device.clientId;
		}
		if (!account.endpoint)
			return sendJson(
				response,
				500,
				exceptionInfo(500, 'CALL_ERROR', 'Error during call: No endpoint defined!'),
			);

		const payload = (body.payload ?? {}) as { metrics?: unknown; body?: unknown };
		const metrics: PublishedMetric[] = [];
		for (const metric of Array.isArray(payload.metrics)
			? (payload.metrics as Array<Record<string, unknown>>)
			: []) {
			if (metric.value === null || metric.value === undefined) continue;
			if (metric.valueType === undefined)
				return sendJson(response, 500, {
					type: 'throwableInfo',
					httpErrorCode: 500,
					message: 'java.lang.NullPointerException',
				});
			// Kapua's Java field is a String; Jackson/MOXy reads a JSON number or boolean into its text.
			const converted = convertMetric(metric.valueType, String(metric.value));
			if ('error' in converted)
				return sendJson(response, 500, {
					type: 'throwableInfo',
					httpErrorCode: 500,
					message: converted.error,
				});
			metrics.push({
				name: String(metric.name),
				valueType: String(metric.valueType),
				value: converted.value,
			});
		}
		let bytes: Buffer | undefined;
		if (payload.body !== undefined && payload.body !== null) {
			bytes = typeof payload.body === 'string' ? javaBase64(payload.body) : undefined;
			if (!bytes)
				return sendJson(response, 500, {
					type: 'throwableInfo',
					httpErrorCode: 500,
					message: 'java.lang.IllegalArgumentException: Illegal base64 character',
				});
		}
		const semanticParts = Array.isArray(channel.semanticParts)
			? channel.semanticParts.map(String)
			: [];
		const stored = account.dataStorage !== false;
		const receivedOn = new Date().toISOString();
		const sentOn = typeof body.sentOn === 'string' ? body.sentOn : undefined;
		published.push({
			receivedOn,
			time: Date.parse(sentOn ?? receivedOn),
			channelPath: semanticParts.join('/'),
			...(stored ? { datastoreId: randomUUID(), visibleFrom: visibleFrom() } : {}),
			source: 'publish',
			scopeId,
			topic: [account.name, String(topicClient), ...semanticParts].join('/'),
			clientId,
			...(deviceId !== undefined ? { deviceId } : {}),
			semanticParts,
			metrics,
			...(bytes ? { body: bytes } : {}),
			...(sentOn !== undefined ? { sentOn } : {}),
			...(typeof body.capturedOn === 'string' ? { capturedOn: body.capturedOn } : {}),
			...(body.position && typeof body.position === 'object'
				? { position: body.position as Record<string, unknown> }
				: {}),
			tokenId: token.tokenId,
			sequence: published.length + 1,
		});
		if (state.expireAfter !== undefined && --state.expireAfter <= 0) {
			state.expireAfter = undefined;
			expireAll();
		}
		response.writeHead(204);
		response.end();
	};

	/** GET /{scopeId}/data/messages: what is stored and indexed, filtered and paged as Kapua's query does. */
	const datastoreQueryLog: Array<Record<string, string>> = [];
	const tieRandom = options.tieOrder === 'shuffled' ? seededRandom(options.seed ?? 1) : undefined;
	const queryDatastore = (
		token: Token,
		scopeParam: string,
		query: URLSearchParams,
		response: ServerResponse,
	) => {
		datastoreQueryLog.push(Object.fromEntries(query));
		const user = users.get(token.username)!;
		const scopeId = scopeParam === '_' ? token.scopeId : scopeParam;
		if (!mayReadDatastore(user, scopeId))
			return sendJson(response, 403, datastoreForbidden(scopeId));
		const answer = queryStoredMessages(
			[...published, ...deviceMessages],
			scopeId,
			query,
			Date.now(),
			tieRandom,
		);
		return 'error' in answer
			? sendJson(response, 400, answer.error)
			: sendJson(response, 200, answer.result);
	};

	/** GET /{scopeId}/serviceConfigurations/{serviceId}: only the message store's, the one the trigger reads. */
	const readServiceConfiguration = (
		token: Token,
		scopeParam: string,
		serviceId: string,
		response: ServerResponse,
	) => {
		const scopeId = scopeParam === '_' ? token.scopeId : scopeParam;
		if (serviceId !== MESSAGE_STORE_SERVICE) {
			return sendJson(
				response,
				400,
				exceptionInfo(
					400,
					'ILLEGAL_ARGUMENT',
					`An illegal value was provided for the argument service.pid: ${serviceId}`,
					{ argumentName: 'service.pid' },
				),
			);
		}
		if (!mayReadDatastore(users.get(token.username)!, scopeId))
			return sendJson(response, 403, datastoreForbidden(scopeId));
		const account = accounts.get(scopeId);
		if (!account)
			return sendJson(
				response,
				404,
				exceptionInfo(
					404,
					'ENTITY_NOT_FOUND',
					`The entity of type account with id/name ${scopeId} was not found.`,
				),
			);
		return sendJson(response, 200, messageStoreConfiguration(account));
	};

	/** A device's message reaches the datastore: indexed by the account's dataIndexBy, searchable after the refresh. */
	const storeDeviceMessage = (input: DeviceMessageInput): PublishedMessage => {
		const scopeId = input.scopeId ?? KAPUA_DEFAULTS.scopeId;
		const account = accounts.get(scopeId);
		const receivedOn = input.receivedOn ?? new Date().toISOString();
		const byServer = account?.dataIndexBy === 'SERVER_TIMESTAMP' || input.capturedOn === undefined;
		const semanticParts = input.channel.split('/');
		const stored = account !== undefined && account.dataStorage !== false;
		const message: PublishedMessage = {
			source: 'device',
			scopeId,
			topic: [account?.name ?? scopeId, input.clientId, ...semanticParts].join('/'),
			clientId: input.clientId,
			...(input.deviceId !== undefined ? { deviceId: input.deviceId } : {}),
			semanticParts,
			channelPath: input.channel,
			metrics: input.metrics ?? [],
			...(input.body ? { body: input.body } : {}),
			...(input.sentOn !== undefined ? { sentOn: input.sentOn } : {}),
			...(input.capturedOn !== undefined ? { capturedOn: input.capturedOn } : {}),
			...(input.position !== undefined ? { position: input.position } : {}),
			tokenId: '',
			sequence: published.length + deviceMessages.length + 1,
			receivedOn,
			time: Date.parse(byServer ? receivedOn : input.capturedOn!),
			...(stored ? { datastoreId: randomUUID(), visibleFrom: visibleFrom() } : {}),
		};
		deviceMessages.push(message);
		return message;
	};

	/** POST /{scopeId}/data/messages (dataMessageStore): Kapua stores the message as given, without the broker. */
	const storeMessageRequest = (
		token: Token,
		scopeParam: string,
		body: Record<string, unknown>,
		response: ServerResponse,
	) => {
		const scopeId = scopeParam === '_' ? token.scopeId : scopeParam;
		const channel = body.channel as { semanticParts?: unknown } | undefined;
		if (typeof body.receivedOn !== 'string') {
			return sendJson(
				response,
				400,
				exceptionInfo(
					400,
					'ILLEGAL_NULL_ARGUMENT',
					'An illegal null value was provided for the argument receivedOn',
					{ argumentName: 'receivedOn' },
				),
			);
		}
		if (!channel || !Array.isArray(channel.semanticParts)) {
			return sendJson(
				response,
				400,
				exceptionInfo(
					400,
					'ILLEGAL_NULL_ARGUMENT',
					'An illegal null value was provided for the argument channel',
					{ argumentName: 'channel' },
				),
			);
		}
		const payload = (body.payload ?? {}) as {
			metrics?: Array<Record<string, unknown>>;
			body?: unknown;
		};
		const metrics: DeviceMessageInput['metrics'] = [];
		for (const metric of payload.metrics ?? []) {
			const converted = convertMetric(metric.valueType, String(metric.value));
			if ('error' in converted)
				return sendJson(response, 500, {
					type: 'throwableInfo',
					httpErrorCode: 500,
					message: converted.error,
				});
			metrics.push({
				name: String(metric.name),
				valueType: String(metric.valueType),
				value: converted.value,
			});
		}
		const message = storeDeviceMessage({
			scopeId,
			clientId: String(body.clientId ?? ''),
			channel: (channel.semanticParts as unknown[]).map(String).join('/'),
			receivedOn: body.receivedOn,
			...(typeof body.capturedOn === 'string' ? { capturedOn: body.capturedOn } : {}),
			...(typeof body.sentOn === 'string' ? { sentOn: body.sentOn } : {}),
			...(typeof body.deviceId === 'string' ? { deviceId: body.deviceId } : {}),
			...(typeof payload.body === 'string' ? { body: Buffer.from(payload.body, 'base64') } : {}),
			...(body.position && typeof body.position === 'object'
				? { position: body.position as Record<string, unknown> }
				: {}),
			metrics,
		});
		return sendJson(response, 201, { type: 'storableEntityId', id: message.datastoreId });
	};

	const server = await startServer((request, response, raw) => {
		const url = new URL(request.url ?? '/', 'http://localhost');
		const path = apiPath(url.pathname);
		const text = raw.toString('utf8');
		let body: unknown = undefined;
		let malformed = false;
		if (raw.length > 0) {
			try {
				body = JSON.parse(text);
			} catch {
				body = text;
				malformed = true;
			}
			captured.push({
				method: request.method ?? '',
				path,
				query: Object.fromEntries(url.searchParams),
				contentType: request.headers['content-type'],
				body,
			});
		}
		const record = (
			body !== null && typeof body === 'object' && !Array.isArray(body) ? body : {}
		) as Record<string, unknown>;
		const badRequest = () =>
			sendJson(
				response,
				400,
				exceptionInfo(400, 'ILLEGAL_ARGUMENT', 'The request body is not valid JSON'),
			);

		if (request.method === 'POST' && path === '/authentication/user') {
			if (malformed) return badRequest();
			const user = typeof record.username === 'string' ? users.get(record.username) : undefined;
			if (!user || user.password !== record.password) return sendJson(response, 401, undefined);
			logins.user++;
			return sendJson(response, 200, accessToken(issue(user)));
		}
		if (request.method === 'POST' && path === '/authentication/apikey') {
			if (malformed) return badRequest();
			const key = apiKeys.find((candidate) => candidate.apiKey === record.apiKey);
			if (!key) return sendJson(response, 401, undefined);
			logins.apikey++;
			return sendJson(response, 200, accessToken(issue(users.get(key.username)!)));
		}
		if (request.method === 'POST' && path === '/authentication/refresh') {
			const token = typeof record.tokenId === 'string' ? tokens.get(record.tokenId) : undefined;
			if (!token || token.invalidated || token.refreshToken !== record.refreshToken)
				return sendJson(response, 401, undefined);
			token.invalidated = true;
			logins.refresh++;
			return sendJson(response, 200, accessToken(issue(users.get(token.username)!)));
		}
		if (request.method === 'POST' && path === '/authentication/logout') {
			const token = authenticate(request, response);
			if (!token) return;
			token.invalidated = true;
			response.writeHead(204);
			response.end();
			return;
		}
		if (request.method === 'GET' && path === '/authentication/info') {
			const token = authenticate(request, response);
			if (!token) return;
			return sendJson(response, 200, {
				type: 'loginInfo',
				accessToken: accessToken(token),
				accessPermission: [],
				rolePermissions: [],
			});
		}
		const datastore = /^\/([^/]+)\/data\/messages$/.exec(path);
		if (request.method === 'GET' && datastore) {
			const token = authenticate(request, response);
			if (!token) return;
			return queryDatastore(token, decodeURIComponent(datastore[1]), url.searchParams, response);
		}
		if (request.method === 'POST' && datastore) {
			const token = authenticate(request, response);
			if (!token) return;
			if (malformed || body === undefined) return badRequest();
			return storeMessageRequest(token, decodeURIComponent(datastore[1]), record, response);
		}
		const configuration = /^\/([^/]+)\/serviceConfigurations\/([^/]+)$/.exec(path);
		if (request.method === 'GET' && configuration) {
			const token = authenticate(request, response);
			if (!token) return;
			return readServiceConfiguration(
				token,
				decodeURIComponent(configuration[1]),
				decodeURIComponent(configuration[2]),
				response,
			);
		}
		const stream = /^\/([^/]+)\/streams\/messages$/.exec(path);
		if (request.method === 'POST' && stream) {
			const token = authenticate(request, response);
			if (!token) return;
			if (!String(request.headers['content-type'] ?? '').startsWith('application/json')) {
				return sendJson(
					response,
					415,
					exceptionInfo(415, 'UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json'),
				);
			}
			if (malformed || body === undefined) return badRequest();
			return publish(token, decodeURIComponent(stream[1]), record, response);
		}
		return sendJson(
			response,
			404,
			exceptionInfo(404, 'ENTITY_NOT_FOUND', `No resource ${request.method} ${path}`),
		);
	});

	return extendServer(server, {
		get rejectedTokens() {
			return state.rejectedTokens;
		},
		// From the server's log, which holds every request, faulted ones included (the handler never sees those).
		get publishRequests() {
			return server.requests.filter(isPublishRequest).length;
		},
		get loginRequests() {
			return server.requests.filter(isLoginRequest).length;
		},
		get datastoreQueries() {
			return server.requests.filter(isDatastoreQuery).length;
		},
		published,
		deviceMessages,
		storeDeviceMessage,
		captured,
		datastoreQueryLog,
		logins,
		expireTokens: expireAll,
		expireTokensAfterPublishes(n: number) {
			state.expireAfter = n;
		},
		issueToken(username: string) {
			return issue(users.get(username)!).tokenId;
		},
		messages: (clientId: string, channel?: string) =>
			published.filter(
				(message) =>
					message.clientId === clientId &&
					(channel === undefined || message.semanticParts.join('/') === channel),
			),
	});
}
