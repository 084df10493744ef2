/**
 * The Kapua Trigger's parameters, checked before anything is sent (pure functions). The rules follow
 * Kapua's datastore query (docs/api-contracts.md, "Eclipse Kapua"): a channel filter is a term (exact) or
 * a raw prefix of the channel path, so "#" can only stand for a whole last level; there is no
 * single-level wildcard; a metric range needs the metric's type.
 */
import { invalid, valid, type Checked } from '../common/validation';

const SCOPE_ID = /^[A-Za-z0-9\-_=]+$/;

/** "_" (the token's own account) or a compact Kapua ID such as "AQ". */
export function checkScopeId(value: unknown): Checked<string> {
	const text = String(value ?? '').trim();
	if (text === '')
		return invalid('Scope ID', 'Scope ID is empty (use "_" for the account of the logged-in user)');
	if (!SCOPE_ID.test(text))
		return invalid(
			'Scope ID',
			`Scope ID "${text}" is not a Kapua ID: only letters, digits, "-", "_" and "=" (e.g. "AQ", or "_" for the token's own account)`,
		);
	return valid(text);
}

/** An optional client ID: undefined for "every device". */
export function checkClientIdFilter(value: unknown): Checked<string | undefined> {
	const text = String(value ?? '').trim();
	if (text === '') return valid(undefined);
	if (/[/+#]/.test(text))
		return invalid(
			'Client ID',
			`Client ID "${text}" contains "/", "+" or "#": give one device's client ID, or leave it empty for every device`,
		);
	return valid(text);
}

/** What the Channel field asks for. */
export type ChannelFilter =
	| { kind: 'all' }
	/** Exactly this channel (Kapua: strictChannel=true). */
	| { kind: 'exact'; channel: string }
	/** This channel and every channel below it: "a/b/#". */
	| { kind: 'below'; parent: string };

export function checkChannelFilter(value: unknown): Checked<ChannelFilter> {
	const text = String(value ?? '')
		.trim()
		.replace(/^\/+|\/+$/g, '');
	if (text === '' || text === '#') return valid({ kind: 'all' });
	const levels = text.split('/');
	if (levels.some((level) => level === ''))
		return invalid('Channel', `Channel "${text}" has an empty level ("//")`);
	if (levels.some((level) => level.includes('+'))) {
		return invalid(
			'Channel',
			`Channel "${text}" uses "+", and Kapua's message query has no single-level wildcard: name the channel, or end it with "/#" for it and everything below`,
		);
	}
	const hashes = levels.filter((level) => level.includes('#'));
	if (hashes.length === 0) return valid({ kind: 'exact', channel: text });
	if (hashes.length > 1 || levels[levels.length - 1] !== '#') {
		return invalid(
			'Channel',
			`Channel "${text}" may use "#" only as its whole last level, as in "heater/#"`,
		);
	}
	return valid({ kind: 'below', parent: levels.slice(0, -1).join('/') });
}

/** Whether a stored message's channel path matches the filter (Kapua's prefix match is wider: "heater" also matches "heaters/x"). */
export function channelMatches(filter: ChannelFilter, path: string): boolean {
	switch (filter.kind) {
		case 'all':
			return true;
		case 'exact':
			return path === filter.channel;
		case 'below':
			return path === filter.parent || path.startsWith(`${filter.parent}/`);
	}
}

export const METRIC_FILTER_TYPES = [
	'string',
	'integer',
	'long',
	'float',
	'double',
	'boolean',
	'date',
] as const;
export type MetricFilterType = (typeof METRIC_FILTER_TYPES)[number];

export interface MetricFilter {
	name: string;
	type?: MetricFilterType;
	min?: string;
	max?: string;
}

const NUMERIC = new Set(['integer', 'long', 'float', 'double']);

/** The Metric Filter collection: undefined when no metric name is given. */
export function checkMetricFilter(input: {
	name?: unknown;
	type?: unknown;
	min?: unknown;
	max?: unknown;
}): Checked<MetricFilter | undefined> {
	const name = String(input.name ?? '').trim();
	const type = String(input.type ?? '').trim();
	const min = String(input.min ?? '').trim();
	const max = String(input.max ?? '').trim();
	if (name === '') {
		if (min !== '' || max !== '')
			return invalid('Metric Filter', 'Metric Filter has a minimum or maximum but no Metric Name');
		return valid(undefined);
	}
	if (type !== '' && !(METRIC_FILTER_TYPES as readonly string[]).includes(type))
		return invalid(
			'Metric Type',
			`Metric Type "${type}" is not one of ${METRIC_FILTER_TYPES.join(', ')}`,
		);
	if ((min !== '' || max !== '') && type === '')
		return invalid(
			'Metric Type',
			'Metric Type is needed with a minimum or maximum: Kapua compares values of one type',
		);
	if (NUMERIC.has(type)) {
		for (const [field, text] of [
			['Minimum', min],
			['Maximum', max],
		] as const) {
			if (text !== '' && !Number.isFinite(Number(text)))
				return invalid(field, `${field} "${text}" is not a number`);
		}
	}
	if (
		type === 'boolean' &&
		[min, max].some((text) => text !== '' && text !== 'true' && text !== 'false')
	) {
		return invalid('Metric Filter', 'Metric Filter: a boolean minimum or maximum is true or false');
	}
	return valid({
		name,
		...(type !== '' ? { type: type as MetricFilterType } : {}),
		...(min !== '' ? { min } : {}),
		...(max !== '' ? { max } : {}),
	});
}

const HAS_ZONE = /(?:Z|[+-]\d{2}:?\d{2})$/i;

/** The UTC offset (ms) of `timeZone` at instant `at`, from Intl (whole seconds). */
function zoneOffset(at: number, timeZone: string): number {
	const format = new Intl.DateTimeFormat('en-US', {
		timeZone,
		hourCycle: 'h23',
		year: 'numeric',
		month: 'numeric',
		day: 'numeric',
		hour: 'numeric',
		minute: 'numeric',
		second: 'numeric',
	});
	const parts = Object.fromEntries(
		format.formatToParts(new Date(at)).map((part) => [part.type, part.value]),
	);
	const wall = Date.UTC(
		Number(parts.year),
		Number(parts.month) - 1,
		Number(parts.day),
		Number(parts.hour),
		Number(parts.minute),
		Number(parts.second),
	);
	return wall - Math.floor(at / 1000) * 1000;
}

/**
 * A date the user gave (the Start Date field): epoch milliseconds. The editor's date picker gives a wall
 * time without a zone; it is read in the workflow's time zone, as n8n's own nodes read it.
 */
export function checkStartDate(value: unknown, timeZone = 'UTC'): Checked<number> {
	if (value instanceof Date && !Number.isNaN(value.getTime())) return valid(value.getTime());
	if (typeof value === 'number' && Number.isFinite(value)) return valid(value);
	const text = typeof value === 'string' ? value.trim() : '';
	const problem = invalid<number>(
		'Start Date',
		text === ''
			? 'Start Date is empty: pick the timestamp of the first messages to emit'
			: `Start Date "${text}" is not a date`,
	);
	if (text === '' || !/^\d{4}-\d{2}-\d{2}/.test(text)) return problem;
	if (HAS_ZONE.test(text)) {
		const time = Date.parse(text);
		return Number.isFinite(time) ? valid(time) : problem;
	}
	const asUtc = Date.parse(`${text.length === 10 ? `${text}T00:00:00` : text}Z`);
	if (!Number.isFinite(asUtc)) return problem;
	let zone: number;
	try {
		zone = zoneOffset(asUtc, timeZone);
	} catch {
		return invalid(
			'Start Date',
			`Start Date cannot be read: the workflow's time zone "${timeZone}" is unknown`,
		);
	}
	// Once more at the instant found, for a date next to a change of summer time.
	return valid(asUtc - zoneOffset(asUtc - zone, timeZone));
}

/** A number of seconds (or minutes, hours) at least `min`: milliseconds. */
export function checkDuration(
	value: unknown,
	field: string,
	unitMs: number,
	min: number,
): Checked<number> {
	const number = typeof value === 'number' ? value : Number(value);
	if (!Number.isFinite(number))
		return invalid(field, `${field} "${String(value)}" is not a number`);
	if (number < min) return invalid(field, `${field} must be at least ${min}`);
	return valid(Math.round(number * unitMs));
}

/** A whole number at least `min`. */
export function checkCount(value: unknown, field: string, min: number): Checked<number> {
	const number = typeof value === 'number' ? value : Number(value);
	if (!Number.isInteger(number) || number < min)
		return invalid(field, `${field} must be a whole number, at least ${min}`);
	return valid(number);
}
