/** The Kapua Trigger's parameter rules and value typing (pure functions), and its defaults as the editor shows them. */
import { DEFAULTS, typedMetricValue } from '../../nodes/KapuaTrigger/api';
import { KAPUA_TRIGGER_PROPERTIES } from '../../nodes/KapuaTrigger/description';
import {
	channelMatches,
	checkChannelFilter,
	checkClientIdFilter,
	checkMetricFilter,
	checkScopeId,
	checkStartDate,
} from '../../nodes/KapuaTrigger/validation';

const problem = (checked: { ok: boolean; problem?: { message: string } }) =>
	checked.ok ? undefined : checked.problem?.message;

test('channel filters: exact, "#" as the whole last level, everything; "+" and a "#" elsewhere refused', () => {
	expect(checkChannelFilter('heater/data')).toEqual({
		ok: true,
		value: { kind: 'exact', channel: 'heater/data' },
	});
	expect(checkChannelFilter('heater/#')).toEqual({
		ok: true,
		value: { kind: 'below', parent: 'heater' },
	});
	expect(checkChannelFilter('/heater/#/')).toEqual({
		ok: true,
		value: { kind: 'below', parent: 'heater' },
	});
	for (const all of ['', '#', ' '])
		expect(checkChannelFilter(all)).toEqual({ ok: true, value: { kind: 'all' } });
	expect(problem(checkChannelFilter('heater/+/data'))).toMatch(
		/^Channel "heater\/\+\/data" uses "\+"/,
	);
	expect(problem(checkChannelFilter('heater/#/data'))).toBe(
		'Channel "heater/#/data" may use "#" only as its whole last level, as in "heater/#"',
	);
	expect(problem(checkChannelFilter('heater/da#'))).toBe(
		'Channel "heater/da#" may use "#" only as its whole last level, as in "heater/#"',
	);
	expect(problem(checkChannelFilter('heater//data'))).toBe(
		'Channel "heater//data" has an empty level ("//")',
	);
});

test('a "#" channel matches its parent and everything below, not a longer name (which Kapua\'s prefix match would)', () => {
	const below = { kind: 'below', parent: 'heater' } as const;
	expect(
		['heater', 'heater/data', 'heater/a/b'].map((path) => channelMatches(below, path)),
	).toEqual([true, true, true]);
	expect(
		['heaters/data', 'heaterdata', 'cooler'].map((path) => channelMatches(below, path)),
	).toEqual([false, false, false]);
	expect(channelMatches({ kind: 'exact', channel: 'heater/data' }, 'heater/data/x')).toBe(false);
});

test('scope, client ID, start date', () => {
	expect(checkScopeId('_')).toEqual({ ok: true, value: '_' });
	expect(checkScopeId(' AQ ')).toEqual({ ok: true, value: 'AQ' });
	expect(problem(checkScopeId('a b'))).toMatch(/^Scope ID "a b" is not a Kapua ID/);
	expect(checkClientIdFilter('')).toEqual({ ok: true, value: undefined });
	expect(problem(checkClientIdFilter('dev/1'))).toMatch(/^Client ID "dev\/1" contains/);
	expect(checkStartDate('2026-03-01T10:00:00.000Z')).toEqual({
		ok: true,
		value: Date.parse('2026-03-01T10:00:00.000Z'),
	});
	expect(problem(checkStartDate(''))).toBe(
		'Start Date is empty: pick the timestamp of the first messages to emit',
	);
	expect(problem(checkStartDate('yesterday'))).toBe('Start Date "yesterday" is not a date');
});

test("a start date without a zone (the editor's date picker) is read in the workflow's time zone, summer time included", () => {
	expect(checkStartDate('2026-03-01T10:00:00', 'Europe/Berlin')).toEqual({
		ok: true,
		value: Date.parse('2026-03-01T09:00:00Z'),
	});
	expect(checkStartDate('2026-07-01T10:00:00', 'Europe/Berlin')).toEqual({
		ok: true,
		value: Date.parse('2026-07-01T08:00:00Z'),
	});
	expect(checkStartDate('2026-07-01T10:00:00.250', 'America/New_York')).toEqual({
		ok: true,
		value: Date.parse('2026-07-01T14:00:00.250Z'),
	});
	expect(checkStartDate('2026-07-01', 'UTC')).toEqual({
		ok: true,
		value: Date.parse('2026-07-01T00:00:00Z'),
	});
	// A zone given wins.
	expect(checkStartDate('2026-07-01T10:00:00+02:00', 'America/New_York')).toEqual({
		ok: true,
		value: Date.parse('2026-07-01T08:00:00Z'),
	});
	expect(problem(checkStartDate('2026-07-01T10:00:00', 'Mars/Olympus'))).toBe(
		'Start Date cannot be read: the workflow\'s time zone "Mars/Olympus" is unknown',
	);
});

test('metric filter: a range needs a type, numbers for numeric types', () => {
	expect(checkMetricFilter({})).toEqual({ ok: true, value: undefined });
	expect(checkMetricFilter({ name: 'temperature' })).toEqual({
		ok: true,
		value: { name: 'temperature' },
	});
	expect(checkMetricFilter({ name: 'temperature', type: 'double', min: '20', max: '' })).toEqual({
		ok: true,
		value: { name: 'temperature', type: 'double', min: '20' },
	});
	expect(problem(checkMetricFilter({ name: 'temperature', min: '20' }))).toMatch(
		/^Metric Type is needed with a minimum or maximum/,
	);
	expect(problem(checkMetricFilter({ name: 'temperature', type: 'double', max: 'hot' }))).toBe(
		'Maximum "hot" is not a number',
	);
	expect(problem(checkMetricFilter({ min: '1' }))).toBe(
		'Metric Filter has a minimum or maximum but no Metric Name',
	);
});

test("metric values in their type, from Kapua's text", () => {
	expect(typedMetricValue('double', '5.0')).toBe(5);
	expect(typedMetricValue('float', '3.4028235E38')).toBeCloseTo(3.4028235e38);
	expect(typedMetricValue('integer', '-2147483648')).toBe(-2147483648);
	expect(typedMetricValue('long', '9223372036854775807')).toBe('9223372036854775807');
	expect(typedMetricValue('long', '42')).toBe(42);
	expect(typedMetricValue('boolean', 'true')).toBe(true);
	expect(typedMetricValue('boolean', 'FALSE')).toBe(false);
	expect(typedMetricValue('date', '2024-10-17T11:25:05.096+02:00')).toBe(
		'2024-10-17T09:25:05.096Z',
	);
	expect(typedMetricValue('binary', 'AQID')).toBe('AQID');
	expect(typedMetricValue('string', '007')).toBe('007');
	expect(typedMetricValue('double', 'NaN')).toBe('NaN');
});

test("the editor's defaults are the ones the node uses when an option is not set", () => {
	const byName = new Map(
		KAPUA_TRIGGER_PROPERTIES.flatMap((property) => [
			property,
			...((property.options as typeof KAPUA_TRIGGER_PROPERTIES | undefined) ?? []),
		]).map((property) => [property.name, property.default]),
	);
	expect({
		pollSeconds: byName.get('pollInterval'),
		windowSeconds: byName.get('lateWindow'),
		refreshSeconds: byName.get('refreshInterval'),
		sweepMinutes: byName.get('sweepInterval'),
		sweepHours: byName.get('sweepDepth'),
		maxPerPoll: byName.get('maxPerPoll'),
		timeoutSeconds: byName.get('timeout'),
		testCount: byName.get('testCount'),
	}).toEqual({ ...DEFAULTS, pageSize: undefined });
});
