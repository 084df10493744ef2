/**
 * What Kapua's streams endpoint accepts, checked before anything is sent, and the request built from it.
 * Pure functions: each check returns a problem naming the field, or undefined.
 * Rules: ../shared/contracts/kapua/NOTES.md and openapi/dataMessage/dataMessage.yaml.
 */
import { describeValue } from '../shared/validation';
import { checkMetricValue, inferMetricType, isIsoDate, isMetricType, METRIC_TYPES, type WireMetric } from './metrics';

export interface FieldProblem {
	/** The parameter as the user sees it, e.g. "Channel" or "Metrics › temperature". */
	field: string;
	message: string;
}

/** Kapua's compact id (base64url of the id bytes), or `_` for the token's own scope. */
const KAPUA_ID = /^[A-Za-z0-9_=-]+$/;
export const MAX_CLIENT_ID_LENGTH = 255;
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

export type CheckResult = { ok: true; value: ValidMessage } | { ok: false; problem: FieldProblem };

function text(value: unknown): string | undefined {
	if (typeof value === 'string') return value.trim();
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	return undefined;
}

export function checkScopeId(scopeId: unknown): FieldProblem | string {
	const value = text(scopeId);
	if (value === undefined || value === '') return { field: 'Scope ID', message: `Scope ID is empty (use "_" for the token's own account)` };
	if (!KAPUA_ID.test(value)) {
		return { field: 'Scope ID', message: `Scope ID "${value}" is not a Kapua ID: only letters, digits, "-", "_" and "=" (e.g. "AQ", or "_" for the token's own account)` };
	}
	return value;
}

/** The client ID is one level of the MQTT topic, so "/", "+" and "#" would change where the message goes. */
export function checkClientId(clientId: unknown): FieldProblem | string {
	const value = text(clientId);
	if (value === undefined) return { field: 'Client ID', message: `Client ID must be text, got ${describeValue(clientId)}` };
	if (value === '') return { field: 'Client ID', message: 'Client ID is empty' };
	if (value.length > MAX_CLIENT_ID_LENGTH) return { field: 'Client ID', message: `Client ID is ${value.length} characters long; at most ${MAX_CLIENT_ID_LENGTH} are allowed` };
	if (/[/+#\s]/.test(value)) {
		return { field: 'Client ID', message: `Client ID "${value}" contains "/", "+", "#" or whitespace, which would change the MQTT topic` };
	}
	return value;
}

export function checkDeviceId(deviceId: unknown): FieldProblem | string | undefined {
	const value = text(deviceId);
	if (deviceId === undefined || deviceId === null || value === '') return undefined;
	if (value === undefined || !KAPUA_ID.test(value) || value === '_') {
		return { field: 'Device ID', message: `Device ID ${value === undefined ? `is ${describeValue(deviceId)}` : `"${value}"`}; it must be a Kapua ID such as "WyczTs_GuDM" (letters, digits, "-", "_", "=")` };
	}
	return value;
}

/** "heater/data" → ["heater", "data"]; empty levels, MQTT wildcards and whitespace are refused. */
export function parseChannel(channel: unknown): FieldProblem | string[] {
	const value = typeof channel === 'string' ? channel : typeof channel === 'number' ? String(channel) : undefined;
	if (value === undefined) return { field: 'Channel', message: `Channel must be text such as "heater/data", got ${describeValue(channel)}` };
	if (value.trim() === '') return { field: 'Channel', message: 'Channel is empty; Kapua needs at least one level, e.g. "heater/data"' };
	const parts = value.split('/');
	if (parts.some((part) => part === '')) {
		return { field: 'Channel', message: `Channel "${value}" has an empty level (a leading, trailing or double "/")` };
	}
	if (parts.some((part) => part.includes('+') || part.includes('#'))) {
		return { field: 'Channel', message: `Channel "${value}" contains an MQTT wildcard ("+" or "#"); a message goes to one literal topic` };
	}
	if (/\s/.test(value)) return { field: 'Channel', message: `Channel "${value}" contains whitespace` };
	return parts;
}

/** Metrics listed in the UI and taken from a JSON object, in that order; names must be unique across both. */
export function buildMetrics(listed: ListedMetric[] = [], json?: unknown): FieldProblem | WireMetric[] {
	const metrics: WireMetric[] = [];
	const seen = new Set<string>();
	const add = (name: unknown, field: string): FieldProblem | string => {
		if (typeof name !== 'string' || name.trim() === '') return { field, message: 'Metric name is empty' };
		if (seen.has(name)) return { field, message: `Metric name "${name}" is used twice; metric names must be unique` };
		seen.add(name);
		return name;
	};

	for (const [index, metric] of listed.entries()) {
		const position = `Metrics › #${index + 1}`;
		const name = add(metric.name, position);
		if (typeof name !== 'string') return name;
		const field = `Metrics › ${name}`;
		if (!isMetricType(metric.type)) {
			return { field, message: `Type "${String(metric.type)}" is not one of ${METRIC_TYPES.join(', ')}` };
		}
		const checked = checkMetricValue(metric.type, metric.value);
		if (!checked.ok) return { field, message: `Value does not fit type ${checked.message}` };
		metrics.push({ name, valueType: metric.type, value: checked.value });
	}

	if (json !== undefined) {
		if (json === null || typeof json !== 'object' || Array.isArray(json)) {
			return { field: 'Metrics JSON', message: `Metrics JSON must be an object of name → value, got ${describeValue(json)}` };
		}
		for (const [key, raw] of Object.entries(json as Record<string, unknown>)) {
			const field = `Metrics JSON › ${key}`;
			const inferred = inferMetricType(raw);
			if ('skip' in inferred) continue;
			if ('error' in inferred) return { field, message: inferred.error };
			const name = add(key, field);
			if (typeof name !== 'string') return name;
			const checked = checkMetricValue(inferred.type, raw);
			if (!checked.ok) return { field, message: checked.message };
			metrics.push({ name, valueType: inferred.type, value: checked.value });
		}
	}
	return metrics;
}

/** An instant as Kapua's date-time fields want it (UTC, milliseconds). Numbers are epoch milliseconds. */
export function toIsoInstant(value: unknown, field: string): FieldProblem | string {
	if (value instanceof Date) {
		return Number.isNaN(value.getTime()) ? { field, message: `${field} is an invalid date` } : value.toISOString();
	}
	if (typeof value === 'number') {
		const date = new Date(value);
		return Number.isFinite(value) && !Number.isNaN(date.getTime()) ? date.toISOString() : { field, message: `${field} ${value} is not a valid epoch time in milliseconds` };
	}
	const trimmed = typeof value === 'string' ? value.trim() : undefined;
	if (trimmed === undefined || !isIsoDate(trimmed) || Number.isNaN(Date.parse(trimmed))) {
		return { field, message: `${field} needs an ISO-8601 date-time such as 2024-10-17T09:25:05.096Z, got ${trimmed === undefined ? describeValue(value) : `"${trimmed}"`}` };
	}
	return new Date(trimmed).toISOString();
}

const POSITION_NUMBERS = ['latitude', 'longitude', 'altitude', 'precision', 'heading', 'speed'] as const;
const POSITION_INTEGERS = ['satellites', 'status'] as const;
const RANGES: Partial<Record<(typeof POSITION_NUMBERS)[number], [number, number]>> = { latitude: [-90, 90], longitude: [-180, 180] };

function blank(value: unknown): boolean {
	return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

export type KapuaPosition = Record<string, number | string>;

/** The position fields that were given (blank ones left out), or a problem. */
export function buildPosition(input: PositionInput | undefined): { problem: FieldProblem } | { position?: KapuaPosition } {
	if (!input) return {};
	const position: Record<string, number | string> = {};
	for (const name of [...POSITION_NUMBERS, ...POSITION_INTEGERS]) {
		const raw = input[name];
		if (blank(raw)) continue;
		const field = `Position › ${name[0].toUpperCase()}${name.slice(1)}`;
		const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw.trim()) : NaN;
		if (!Number.isFinite(value)) return { problem: { field, message: `${field} must be a number, got ${typeof raw === 'string' ? `"${raw}"` : describeValue(raw)}` } };
		const range = RANGES[name as keyof typeof RANGES];
		if (range && (value < range[0] || value > range[1])) return { problem: { field, message: `${field} ${value} is outside ${range[0]} to ${range[1]}` } };
		if ((POSITION_INTEGERS as readonly string[]).includes(name) && (!Number.isInteger(value) || value < -(2 ** 31) || value > 2 ** 31 - 1)) {
			return { problem: { field, message: `${field} must be a whole 32-bit number, got ${value}` } };
		}
		position[name] = value;
	}
	if (!blank(input.timestamp)) {
		const timestamp = toIsoInstant(input.timestamp, 'Position › Timestamp');
		if (typeof timestamp !== 'string') return { problem: timestamp };
		position.timestamp = timestamp;
	}
	return Object.keys(position).length > 0 ? { position } : {};
}

/** Checks every field and builds the request body. `now` is the default Sent On. */
export function validateKapuaMessage(input: KapuaMessageInput, limits: { maxBodyBytes: number }, now: Date): CheckResult {
	const fail = (problem: FieldProblem): CheckResult => ({ ok: false, problem });

	const scopeId = checkScopeId(input.scopeId);
	if (typeof scopeId !== 'string') return fail(scopeId);
	const clientId = checkClientId(input.clientId);
	if (typeof clientId !== 'string') return fail(clientId);
	const deviceId = checkDeviceId(input.deviceId);
	if (deviceId !== undefined && typeof deviceId !== 'string') return fail(deviceId);
	const semanticParts = parseChannel(input.channel);
	if (!Array.isArray(semanticParts)) return fail(semanticParts);
	const metrics = buildMetrics(input.listedMetrics, input.jsonMetrics);
	if (!Array.isArray(metrics)) return fail(metrics);
	const built = buildPosition(input.position);
	if ('problem' in built) return fail(built.problem);
	const { position } = built;
	const sentOn = blank(input.sentOn) ? now.toISOString() : toIsoInstant(input.sentOn, 'Sent On');
	if (typeof sentOn !== 'string') return fail(sentOn);
	const capturedOn = blank(input.capturedOn) ? undefined : toIsoInstant(input.capturedOn, 'Captured On');
	if (capturedOn !== undefined && typeof capturedOn !== 'string') return fail(capturedOn);
	if (input.body && input.body.byteLength > limits.maxBodyBytes) {
		return fail({ field: 'Body', message: `Body is ${input.body.byteLength} bytes; the limit is ${limits.maxBodyBytes} bytes (Maximum Body Size option)` });
	}

	const message: KapuaDataMessage = {
		clientId,
		...(deviceId ? { deviceId } : {}),
		channel: { semanticParts },
		sentOn,
		...(capturedOn ? { capturedOn } : {}),
		...(position ? { position } : {}),
		payload: {
			metrics,
			...(input.body ? { body: Buffer.from(input.body).toString('base64') } : {}),
		},
	};
	return { ok: true, value: { scopeId, clientId, channel: semanticParts.join('/'), message } };
}

/** The publish path; the scope ID passed the Kapua ID pattern, encoding keeps it one path segment anyway. */
export function publishPath(scopeId: string): string {
	return `/${encodeURIComponent(scopeId)}/streams/messages`;
}
