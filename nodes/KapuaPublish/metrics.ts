/**
 * Kapua metrics: checking a value against its valueType, and inferring the type of a JSON value.
 * Pure functions. What the server accepts is Java's ObjectTypeConverter:
 * every value travels as a string and is parsed by the server for its valueType, so a value that would not
 * parse there (or would silently become something else, like Boolean.parseBoolean("yes") = false) is
 * rejected here, before anything is sent.
 */
import { describeValue } from '../common/validation';

export const METRIC_TYPES = [
	'string',
	'integer',
	'long',
	'float',
	'double',
	'boolean',
	'binary',
	'date',
] as const;
export type MetricType = (typeof METRIC_TYPES)[number];

/** A metric as it goes on the wire (field order as in Kapua's own examples). */
export interface WireMetric {
	name: string;
	valueType: MetricType;
	value: string;
}

export type ValueCheck = { ok: true; value: string } | { ok: false; message: string };

const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** Float.MAX_VALUE: a larger literal parses to Infinity in Java. */
const FLOAT_MAX = 3.4028234663852886e38;

const WHOLE = /^[+-]?\d+$/;
/** Decimal notation only; Java also reads hex floats, "NaN" and "Infinity", which we do not want to send. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** Standard base64 (RFC 4648 §4) with padding; Kapua decodes binary metrics and the body this way. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** ISO-8601 calendar date, optionally with a time and a zone ("Z" or ±hh:mm). */
const ISO_DATE =
	/^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

export function isBase64(text: string): boolean {
	return BASE64.test(text);
}

/** A real calendar date and time in ISO-8601 (2024-02-30 and 25:00 are refused). */
export function isIsoDate(text: string): boolean {
	const match = ISO_DATE.exec(text);
	if (!match) return false;
	const [, y, mo, d, h, mi, s] = match;
	const year = Number(y);
	const month = Number(mo);
	const day = Number(d);
	if (month < 1 || month > 12 || day < 1) return false;
	const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
	if (day > daysInMonth) return false;
	if (h !== undefined && (Number(h) > 23 || Number(mi) > 59 || (s !== undefined && Number(s) > 59)))
		return false;
	return true;
}

/** Text of a value given in the UI or by an expression; numbers and booleans as JavaScript writes them. */
function asText(value: unknown): string | undefined {
	if (typeof value === 'string') return value.trim();
	if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
		return String(value);
	return undefined;
}

function checkWhole(value: unknown, type: 'integer' | 'long'): ValueCheck {
	const [min, max, bits] =
		type === 'integer' ? [INT32_MIN, INT32_MAX, 32] : [INT64_MIN, INT64_MAX, 64];
	if (typeof value === 'number' && !Number.isSafeInteger(value) && Number.isInteger(value)) {
		return {
			ok: false,
			message: `${value} is beyond the exact range of a JavaScript number; give ${type} values this large as text`,
		};
	}
	const text = asText(value);
	if (text === undefined || !WHOLE.test(text)) {
		return {
			ok: false,
			message: `${type} needs a whole number, got ${text === undefined ? describeValue(value) : `"${text}"`}`,
		};
	}
	const parsed = BigInt(text);
	if (parsed < min || parsed > max) {
		return {
			ok: false,
			message: `${text} does not fit in a ${bits}-bit ${type} (${min} to ${max})`,
		};
	}
	return { ok: true, value: parsed.toString() };
}

function checkFractional(value: unknown, type: 'float' | 'double'): ValueCheck {
	const text = asText(value);
	if (text === undefined || !DECIMAL.test(text)) {
		return {
			ok: false,
			message: `${type} needs a decimal number, got ${text === undefined ? describeValue(value) : `"${text}"`}`,
		};
	}
	const parsed = Number(text);
	const limit = type === 'float' ? FLOAT_MAX : Number.MAX_VALUE;
	if (!Number.isFinite(parsed) || Math.abs(parsed) > limit) {
		return { ok: false, message: `${text} is out of the range of a ${type} (±${limit})` };
	}
	return { ok: true, value: text };
}

/** Checks `value` for `type` and returns the exact text Kapua will parse. */
export function checkMetricValue(type: MetricType, value: unknown): ValueCheck {
	switch (type) {
		case 'string': {
			// Text is sent exactly as given (no trimming): it is the user's data.
			if (typeof value === 'string') return { ok: true, value };
			const text = asText(value);
			return text === undefined
				? { ok: false, message: `string needs text, got ${describeValue(value)}` }
				: { ok: true, value: text };
		}
		case 'integer':
		case 'long':
			return checkWhole(value, type);
		case 'float':
		case 'double':
			return checkFractional(value, type);
		case 'boolean': {
			const text = asText(value)?.toLowerCase();
			if (text === 'true' || text === 'false') return { ok: true, value: text };
			// Kapua reads anything but "true" as false; a typo would silently publish false.
			return {
				ok: false,
				message: `boolean needs true or false, got ${text === undefined ? describeValue(value) : `"${text}"`}`,
			};
		}
		case 'binary': {
			const text = typeof value === 'string' ? value.trim() : undefined;
			if (text === undefined)
				return { ok: false, message: `binary needs base64 text, got ${describeValue(value)}` };
			if (!isBase64(text))
				return {
					ok: false,
					message: 'binary needs standard base64 (A-Z, a-z, 0-9, "+", "/", padded with "=")',
				};
			return { ok: true, value: text };
		}
		case 'date': {
			if (value instanceof Date) {
				return Number.isNaN(value.getTime())
					? { ok: false, message: 'date is an invalid Date' }
					: { ok: true, value: value.toISOString() };
			}
			const text = typeof value === 'string' ? value.trim() : undefined;
			if (text === undefined || !isIsoDate(text)) {
				return {
					ok: false,
					message: `date needs an ISO-8601 date such as 2024-10-17T09:25:05.096Z, got ${text === undefined ? describeValue(value) : `"${text}"`}`,
				};
			}
			// Kapua keeps a date metric as the string it was given.
			return { ok: true, value: text };
		}
	}
}

export function isMetricType(value: unknown): value is MetricType {
	return typeof value === 'string' && (METRIC_TYPES as readonly string[]).includes(value);
}

/**
 * The type of a JSON value taken as a metric. The rule:
 * - boolean → boolean; string → string (text is never guessed to be a number or a date);
 * - a whole number → integer when it fits in 32 bits, else long (JSON numbers beyond 2^53 were already
 *   rounded by the JSON parser, so they are refused: give them as text with an explicit long type);
 * - any other finite number → double (a JavaScript number is a double; float would lose precision);
 * - null → skipped (Kapua skips null metrics too); objects, arrays, NaN and infinities → refused.
 */
export function inferMetricType(
	value: unknown,
): { type: MetricType } | { skip: true } | { error: string } {
	if (value === null || value === undefined) return { skip: true };
	switch (typeof value) {
		case 'boolean':
			return { type: 'boolean' };
		case 'string':
			return { type: 'string' };
		case 'number': {
			if (!Number.isFinite(value)) return { error: `${value} is not a finite number` };
			if (!Number.isInteger(value)) return { type: 'double' };
			if (!Number.isSafeInteger(value))
				return {
					error: `${value} is beyond the exact range of a JavaScript number; give it as text and list it with type long`,
				};
			const whole = BigInt(value);
			return { type: whole >= INT32_MIN && whole <= INT32_MAX ? 'integer' : 'long' };
		}
		default:
			return {
				error: `${describeValue(value)} cannot be a metric value; list nested values one by one with their type`,
			};
	}
}
