/**
 * What Kapua's streams endpoint accepts (its dataMessage schema and the server's own parsing), checked
 * before anything is sent, and the request body built from it. Pure functions, no n8n import: each
 * returns the checked value or a problem naming the field as the user sees it.
 */
import { describeValue, invalid, valid, type Checked } from '../common/validation';
import {
	checkMetricValue,
	inferMetricType,
	isIsoDate,
	isMetricType,
	METRIC_TYPES,
	type WireMetric,
} from './metrics';

/** Kapua's compact id (base64url of the id bytes), or `_` for the token's own scope. */
const KAPUA_ID = /^[A-Za-z0-9_=-]+$/;
const MAX_CLIENT_ID_LENGTH = 255;
/** Default of the Maximum Body Size option: large MQTT payloads are refused by most brokers' defaults. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export interface ListedMetric {
	name: unknown;
	type: unknown;
	value: unknown;
}

export interface PositionInput {
	latitude?: unknown;
	longitude?: unknown;
	altitude?: unknown;
	precision?: unknown;
	heading?: unknown;
	speed?: unknown;
	satellites?: unknown;
	status?: unknown;
	timestamp?: unknown;
}

export interface KapuaMessageInput {
	scopeId: unknown;
	clientId: unknown;
	deviceId?: unknown;
	channel: unknown;
	listedMetrics?: ListedMetric[];
	/** An object whose fields become metrics with inferred types. */
	jsonMetrics?: unknown;
	/** The body's bytes, already read from text, JSON or a binary property. */
	body?: Uint8Array;
	position?: PositionInput;
	/** Undefined or '' = now. */
	sentOn?: unknown;
	capturedOn?: unknown;
}

/** The request body, in the field set of the spec's dataMessage (nothing it does not know). */
export interface KapuaDataMessage {
	clientId: string;
	deviceId?: string;
	channel: { semanticParts: string[] };
	sentOn: string;
	capturedOn?: string;
	position?: KapuaPosition;
	payload: { metrics: WireMetric[]; body?: string };
}

export interface ValidMessage {
	scopeId: string;
	clientId: string;
	channel: string;
	message: KapuaDataMessage;
}

function text(value: unknown): string | undefined {
	if (typeof value === 'string') return value.trim();
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	return undefined;
}

export function checkScopeId(scopeId: unknown): Checked<string> {
	const value = text(scopeId);
	if (value === undefined || value === '')
		return invalid('Scope ID', `Scope ID is empty (use "_" for the token's own account)`);
	if (!KAPUA_ID.test(value)) {
		return invalid(
			'Scope ID',
			`Scope ID "${value}" is not a Kapua ID: only letters, digits, "-", "_" and "=" (e.g. "AQ", or "_" for the token's own account)`,
		);
	}
	return valid(value);
}

/** The client ID is one level of the MQTT topic, so "/", "+" and "#" would change where the message goes. */
export function checkClientId(clientId: unknown): Checked<string> {
	const value = text(clientId);
	if (value === undefined)
		return invalid('Client ID', `Client ID must be text, got ${describeValue(clientId)}`);
	if (value === '') return invalid('Client ID', 'Client ID is empty');
	if (value.length > MAX_CLIENT_ID_LENGTH)
		return invalid(
			'Client ID',
			`Client ID is ${value.length} characters long; at most ${MAX_CLIENT_ID_LENGTH} are allowed`,
		);
	if (/[/+#\s]/.test(value)) {
		return invalid(
			'Client ID',
			`Client ID "${value}" contains "/", "+", "#" or whitespace, which would change the MQTT topic`,
		);
	}
	return valid(value);
}

/** Optional: undefined when not given. */
export function checkDeviceId(deviceId: unknown): Checked<string | undefined> {
	const value = text(deviceId);
	if (deviceId === undefined || deviceId === null || value === '') return valid(undefined);
	if (value === undefined || !KAPUA_ID.test(value) || value === '_') {
		return invalid(
			'Device ID',
			`Device ID ${value === undefined ? `is ${describeValue(deviceId)}` : `"${value}"`}; it must be a Kapua ID such as "WyczTs_GuDM" (letters, digits, "-", "_", "=")`,
		);
	}
	return valid(value);
}

/** "heater/data" → ["heater", "data"]; empty levels, MQTT wildcards and whitespace are refused. */
export function parseChannel(channel: unknown): Checked<string[]> {
	const value =
		typeof channel === 'string'
			? channel
			: typeof channel === 'number'
				? String(channel)
				: undefined;
	if (value === undefined)
		return invalid(
			'Channel',
			`Channel must be text such as "heater/data", got ${describeValue(channel)}`,
		);
	if (value.trim() === '')
		return invalid(
			'Channel',
			'Channel is empty; Kapua needs at least one level, e.g. "heater/data"',
		);
	const parts = value.split('/');
	if (parts.some((part) => part === '')) {
		return invalid(
			'Channel',
			`Channel "${value}" has an empty level (a leading, trailing or double "/")`,
		);
	}
	if (parts.some((part) => part.includes('+') || part.includes('#'))) {
		return invalid(
			'Channel',
			`Channel "${value}" contains an MQTT wildcard ("+" or "#"); a message goes to one literal topic`,
		);
	}
	if (/\s/.test(value)) return invalid('Channel', `Channel "${value}" contains whitespace`);
	return valid(parts);
}

/** Metrics listed in the UI and taken from a JSON object, in that order; names must be unique across both. */
export function buildMetrics(listed: ListedMetric[] = [], json?: unknown): Checked<WireMetric[]> {
	const metrics: WireMetric[] = [];
	const seen = new Set<string>();
	const add = (name: unknown, field: string): Checked<string> => {
		if (typeof name !== 'string' || name.trim() === '')
			return invalid(field, 'Metric name is empty');
		if (seen.has(name))
			return invalid(field, `Metric name "${name}" is used twice; metric names must be unique`);
		seen.add(name);
		return valid(name);
	};

	for (const [index, metric] of listed.entries()) {
		const added = add(metric.name, `Metrics › #${index + 1}`);
		if (!added.ok) return added;
		const name = added.value;
		const field = `Metrics › ${name}`;
		if (!isMetricType(metric.type))
			return invalid(
				field,
				`Type "${String(metric.type)}" is not one of ${METRIC_TYPES.join(', ')}`,
			);
		const checked = checkMetricValue(metric.type, metric.value);
		if (!checked.ok) return invalid(field, sentence(checked.message));
		metrics.push({ name, valueType: metric.type, value: checked.value });
	}

	if (json !== undefined) {
		if (json === null || typeof json !== 'object' || Array.isArray(json)) {
			return invalid(
				'Metrics JSON',
				`Metrics JSON must be an object of name → value, got ${describeValue(json)}`,
			);
		}
		for (const [key, raw] of Object.entries(json as Record<string, unknown>)) {
			const field = `Metrics JSON › ${key}`;
			const inferred = inferMetricType(raw);
			if ('skip' in inferred) continue;
			if ('error' in inferred) return invalid(field, inferred.error);
			const added = add(key, field);
			if (!added.ok) return added;
			const checked = checkMetricValue(inferred.type, raw);
			if (!checked.ok) return invalid(field, sentence(checked.message));
			metrics.push({ name: added.value, valueType: inferred.type, value: checked.value });
		}
	}
	return valid(metrics);
}

/** An instant as Kapua's date-time fields want it (UTC, milliseconds). Numbers are epoch milliseconds. */
export function toIsoInstant(value: unknown, field: string): Checked<string> {
	if (value instanceof Date) {
		return Number.isNaN(value.getTime())
			? invalid(field, `${field} is an invalid date`)
			: valid(value.toISOString());
	}
	if (typeof value === 'number') {
		const date = new Date(value);
		return Number.isFinite(value) && !Number.isNaN(date.getTime())
			? valid(date.toISOString())
			: invalid(field, `${field} ${value} is not a valid epoch time in milliseconds`);
	}
	const trimmed = typeof value === 'string' ? value.trim() : undefined;
	if (trimmed === undefined || !isIsoDate(trimmed) || Number.isNaN(Date.parse(trimmed))) {
		return invalid(
			field,
			`${field} needs an ISO-8601 date-time such as 2024-10-17T09:25:05.096Z, got ${trimmed === undefined ? describeValue(value) : `"${trimmed}"`}`,
		);
	}
	return valid(new Date(trimmed).toISOString());
}

const POSITION_NUMBERS = [
	'latitude',
	'longitude',
	'altitude',
	'precision',
	'heading',
	'speed',
] as const;
const POSITION_INTEGERS = ['satellites', 'status'] as const;
const RANGES: Partial<Record<(typeof POSITION_NUMBERS)[number], [number, number]>> = {
	latitude: [-90, 90],
	longitude: [-180, 180],
};

function blank(value: unknown): boolean {
	return (
		value === undefined || value === null || (typeof value === 'string' && value.trim() === '')
	);
}

export type KapuaPosition = Record<string, number | string>;

/** The position fields that were given (blank ones left out); undefined when none was. */
export function buildPosition(
	input: PositionInput | undefined,
): Checked<KapuaPosition | undefined> {
	if (!input) return valid(undefined);
	const position: KapuaPosition = {};
	for (const name of [...POSITION_NUMBERS, ...POSITION_INTEGERS]) {
		const raw = input[name];
		if (blank(raw)) continue;
		const field = `Position › ${name[0].toUpperCase()}${name.slice(1)}`;
		const value =
			typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw.trim()) : NaN;
		if (!Number.isFinite(value))
			return invalid(
				field,
				`${field} must be a number, got ${typeof raw === 'string' ? `"${raw}"` : describeValue(raw)}`,
			);
		const range = RANGES[name as keyof typeof RANGES];
		if (range && (value < range[0] || value > range[1]))
			return invalid(field, `${field} ${value} is outside ${range[0]} to ${range[1]}`);
		if (
			(POSITION_INTEGERS as readonly string[]).includes(name) &&
			(!Number.isInteger(value) || value < -(2 ** 31) || value > 2 ** 31 - 1)
		) {
			return invalid(field, `${field} must be a whole 32-bit number, got ${value}`);
		}
		position[name] = value;
	}
	if (!blank(input.timestamp)) {
		const timestamp = toIsoInstant(input.timestamp, 'Position › Timestamp');
		if (!timestamp.ok) return timestamp;
		position.timestamp = timestamp.value;
	}
	return valid(Object.keys(position).length > 0 ? position : undefined);
}

/** Checks every field and builds the request body. `now` is the default Sent On. */
export function validateKapuaMessage(
	input: KapuaMessageInput,
	limits: { maxBodyBytes: number },
	now: Date,
): Checked<ValidMessage> {
	const scopeId = checkScopeId(input.scopeId);
	if (!scopeId.ok) return scopeId;
	const clientId = checkClientId(input.clientId);
	if (!clientId.ok) return clientId;
	const deviceId = checkDeviceId(input.deviceId);
	if (!deviceId.ok) return deviceId;
	const semanticParts = parseChannel(input.channel);
	if (!semanticParts.ok) return semanticParts;
	const metrics = buildMetrics(input.listedMetrics, input.jsonMetrics);
	if (!metrics.ok) return metrics;
	const position = buildPosition(input.position);
	if (!position.ok) return position;
	const sentOn = blank(input.sentOn)
		? valid(now.toISOString())
		: toIsoInstant(input.sentOn, 'Sent On');
	if (!sentOn.ok) return sentOn;
	const capturedOn = blank(input.capturedOn)
		? valid(undefined)
		: toIsoInstant(input.capturedOn, 'Captured On');
	if (!capturedOn.ok) return capturedOn;
	if (input.body && input.body.byteLength > limits.maxBodyBytes) {
		return invalid(
			'Body',
			`Body is ${input.body.byteLength} bytes; the limit is ${limits.maxBodyBytes} bytes (Maximum Body Size option)`,
		);
	}

	const message: KapuaDataMessage = {
		clientId: clientId.value,
		...(deviceId.value ? { deviceId: deviceId.value } : {}),
		channel: { semanticParts: semanticParts.value },
		sentOn: sentOn.value,
		...(capturedOn.value ? { capturedOn: capturedOn.value } : {}),
		...(position.value ? { position: position.value } : {}),
		payload: {
			metrics: metrics.value,
			...(input.body ? { body: Buffer.from(input.body).toString('base64') } : {}),
		},
	};
	return valid({
		scopeId: scopeId.value,
		clientId: clientId.value,
		channel: semanticParts.value.join('/'),
		message,
	});
}

/** The publish path; the scope ID passed the Kapua ID pattern, encoding keeps it one path segment anyway. */
export function publishPath(scopeId: string): string {
	return `/${encodeURIComponent(scopeId)}/streams/messages`;
}

/** A value check's reason as a sentence of its own ("integer needs …" → "Integer needs …"). */
function sentence(text: string): string {
	return text.charAt(0).toUpperCase() + text.slice(1);
}
