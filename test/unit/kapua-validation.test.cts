import {
	checkMetricValue,
	inferMetricType,
	isBase64,
	isIsoDate,
	type MetricType,
} from '../../nodes/KapuaPublish/metrics';
import {
	buildMetrics,
	buildPosition,
	checkClientId,
	checkDeviceId,
	checkScopeId,
	parseChannel,
	publishPath,
	toIsoInstant,
	validateKapuaMessage,
} from '../../nodes/KapuaPublish/validation';

describe('metric values, per type', () => {
	const ok: Array<[MetricType, unknown, string]> = [
		['string', '  spaced  ', '  spaced  '],
		['string', 42, '42'],
		['string', '', ''],
		['integer', '2147483647', '2147483647'],
		['integer', '-2147483648', '-2147483648'],
		['integer', ' +007 ', '7'],
		['integer', 12, '12'],
		['long', '9223372036854775807', '9223372036854775807'],
		['long', '-9223372036854775808', '-9223372036854775808'],
		['long', 9007199254740991, '9007199254740991'],
		['float', '3.4028234e38', '3.4028234e38'],
		['float', '-.5', '-.5'],
		['float', 1.25, '1.25'],
		['double', '1.7976931348623157e308', '1.7976931348623157e308'],
		['double', '1E-300', '1E-300'],
		['double', 0.1, '0.1'],
		['boolean', 'true', 'true'],
		['boolean', 'FALSE', 'false'],
		['boolean', false, 'false'],
		['binary', 'AQID', 'AQID'],
		['binary', 'aGVsbG8=', 'aGVsbG8='],
		['binary', 'aGk=', 'aGk='],
		['binary', '', ''],
		['date', '2024-10-17T09:25:05.096Z', '2024-10-17T09:25:05.096Z'],
		['date', '2024-02-29', '2024-02-29'],
		['date', '2024-10-17T09:25+02:00', '2024-10-17T09:25+02:00'],
		['date', new Date('2024-10-17T09:25:05.096Z'), '2024-10-17T09:25:05.096Z'],
	];
	test.each(ok)('%s accepts %p as %p', (type, value, expected) => {
		expect(checkMetricValue(type, value)).toEqual({ ok: true, value: expected });
	});

	const bad: Array<[MetricType, unknown, RegExp]> = [
		['string', { a: 1 }, /needs text/],
		['integer', '2147483648', /32-bit/],
		['integer', '-2147483649', /32-bit/],
		['integer', '1.0', /whole number/],
		['integer', '1e3', /whole number/],
		['integer', '', /whole number/],
		['integer', true, /whole number/],
		['long', '9223372036854775808', /64-bit/],
		['long', '-9223372036854775809', /64-bit/],
		['long', 2 ** 60, /as text/],
		['float', '3.5e38', /range of a float/],
		['float', 'NaN', /decimal number/],
		['float', 'Infinity', /decimal number/],
		['float', '0x1p3', /decimal number/],
		['double', '1e309', /range of a double/],
		['double', Number.POSITIVE_INFINITY, /decimal number/],
		['double', '1,5', /decimal number/],
		['boolean', 'yes', /true or false/],
		['boolean', 1, /true or false/],
		['binary', 'AQI', /base64/],
		['binary', 'aGVsbG8', /base64/],
		['binary', 'a-_b', /base64/],
		['binary', 'aGVs bG8=', /base64/],
		['binary', 5, /base64 text/],
		['date', '2024-13-01', /ISO-8601/],
		['date', '2023-02-29', /ISO-8601/],
		['date', '2024-10-17T24:00:00Z', /ISO-8601/],
		['date', '17/10/2024', /ISO-8601/],
		['date', 1729157105000, /ISO-8601/],
	];
	test.each(bad)('%s refuses %p', (type, value, message) => {
		const result = checkMetricValue(type, value);
		expect(result.ok).toBe(false);
		expect(!result.ok && result.message).toMatch(message);
	});
});

describe('type inference', () => {
	test.each<[unknown, string]>([
		[0, 'integer'],
		[2147483647, 'integer'],
		[-2147483648, 'integer'],
		[2147483648, 'long'],
		[-2147483649, 'long'],
		[Number.MAX_SAFE_INTEGER, 'long'],
		[1.5, 'double'],
		[-0.000001, 'double'],
		[true, 'boolean'],
		['12', 'string'],
		['2024-10-17T09:25:05Z', 'string'],
	])('%p → %s', (value, type) => {
		expect(inferMetricType(value)).toEqual({ type });
	});
	test.each([null, undefined])('%p is skipped', (value) =>
		expect(inferMetricType(value)).toEqual({ skip: true }),
	);
	test.each([2 ** 53, Number.NaN, Number.POSITIVE_INFINITY, { a: 1 }, [1]])(
		'%p is refused',
		(value) => {
			expect(inferMetricType(value)).toHaveProperty('error');
		},
	);
});

test('base64 and ISO dates', () => {
	expect([isBase64('AA=='), isBase64('AA='), isBase64('+/+/'), isBase64('-_-_')]).toEqual([
		true,
		false,
		true,
		false,
	]);
	expect([
		isIsoDate('2024-02-29T23:59:59.123456789Z'),
		isIsoDate('2024-2-1'),
		isIsoDate('2024-04-31'),
	]).toEqual([true, false, false]);
});

describe('identifiers and channel', () => {
	test.each<[unknown, unknown]>([
		['_', '_'],
		['AQ', 'AQ'],
		[' Zm9v= ', 'Zm9v='],
		['', { field: 'Scope ID' }],
		['A/Q', { field: 'Scope ID' }],
		['A Q', { field: 'Scope ID' }],
		['A.Q', { field: 'Scope ID' }],
	])('scope ID %p', (value, expected) => {
		const result = checkScopeId(value);
		if (typeof expected === 'string') expect(result).toEqual({ ok: true, value: expected });
		else expect(result).toMatchObject({ ok: false, problem: expected as object });
	});
	test.each<[unknown, boolean]>([
		['AA:BB:CC:DD:EE:FF', true],
		['dev_1-x.y', true],
		['', false],
		['a/b', false],
		['a+b', false],
		['a#', false],
		['a b', false],
		['x'.repeat(256), false],
		[undefined, false],
	])('client ID %p ok=%p', (value, ok) => expect(checkClientId(value).ok).toBe(ok));
	test('device ID is optional but a Kapua ID when given', () => {
		expect(checkDeviceId('')).toEqual({ ok: true, value: undefined });
		expect(checkDeviceId(undefined)).toEqual({ ok: true, value: undefined });
		expect(checkDeviceId('WyczTs_GuDM')).toEqual({ ok: true, value: 'WyczTs_GuDM' });
		expect(checkDeviceId('_')).toMatchObject({ ok: false, problem: { field: 'Device ID' } });
		expect(checkDeviceId('a b')).toMatchObject({ ok: false, problem: { field: 'Device ID' } });
	});
	test.each<[unknown, string[] | RegExp]>([
		['heater/data', ['heater', 'data']],
		['single', ['single']],
		['a/b/c/d', ['a', 'b', 'c', 'd']],
		['', /empty/],
		['/a', /empty level/],
		['a/', /empty level/],
		['a//b', /empty level/],
		['a/+/b', /wildcard/],
		['a/b#', /wildcard/],
		['a/ b', /whitespace/],
		[{ a: 1 }, /must be text/],
	])('channel %p', (value, expected) => {
		const result = parseChannel(value);
		if (Array.isArray(expected)) expect(result).toEqual({ ok: true, value: expected });
		else expect(!result.ok && result.problem.message).toMatch(expected);
	});
	test('the publish path keeps the scope in one segment', () =>
		expect(publishPath('AQ')).toBe('/AQ/streams/messages'));
});

describe('metrics, position, dates and the whole message', () => {
	test('listed then JSON metrics; names unique across both, case-sensitive', () => {
		expect(
			buildMetrics([{ name: 'a', type: 'integer', value: '1' }], { A: 2, skip: null }),
		).toEqual({
			ok: true,
			value: [
				{ name: 'a', valueType: 'integer', value: '1' },
				{ name: 'A', valueType: 'integer', value: '2' },
			],
		});
		expect(
			buildMetrics([
				{ name: 'a', type: 'string', value: 'x' },
				{ name: 'a', type: 'string', value: 'y' },
			]),
		).toMatchObject({
			ok: false,
			problem: { field: 'Metrics › #2', message: expect.stringMatching(/used twice/) },
		});
		expect(buildMetrics([{ name: 'a', type: 'int', value: '1' }])).toMatchObject({
			ok: false,
			problem: { message: expect.stringMatching(/not one of/) },
		});
		expect(buildMetrics([], [1, 2])).toMatchObject({
			ok: false,
			problem: { field: 'Metrics JSON' },
		});
	});
	test.each<[Record<string, unknown>, RegExp | Record<string, unknown> | undefined]>([
		[
			{ latitude: 90, longitude: -180 },
			{ latitude: 90, longitude: -180 },
		],
		[{ latitude: -90.0001 }, /Latitude .* outside -90 to 90/],
		[{ longitude: 180.5 }, /Longitude .* outside -180 to 180/],
		[{ latitude: 'north' }, /must be a number/],
		[{ satellites: 7.5 }, /whole 32-bit/],
		[{ status: 2 ** 31 }, /whole 32-bit/],
		[{ altitude: '', heading: undefined }, undefined],
		[
			{ timestamp: '2024-10-17T09:25:04Z', speed: '3.5' },
			{ timestamp: '2024-10-17T09:25:04.000Z', speed: 3.5 },
		],
	])('position %p', (input, expected) => {
		const result = buildPosition(input);
		if (expected instanceof RegExp) expect(!result.ok && result.problem.message).toMatch(expected);
		else expect(result).toEqual({ ok: true, value: expected });
	});
	test('instants: ISO strings, epoch milliseconds and Dates become UTC ISO', () => {
		expect(toIsoInstant('2024-10-17T11:25:05+02:00', 'Sent On')).toEqual({
			ok: true,
			value: '2024-10-17T09:25:05.000Z',
		});
		expect(toIsoInstant(0, 'Sent On')).toEqual({ ok: true, value: '1970-01-01T00:00:00.000Z' });
		expect(toIsoInstant('soon', 'Sent On')).toMatchObject({
			ok: false,
			problem: { field: 'Sent On' },
		});
	});
	test('a full message, with Sent On defaulting to now and the body in base64', () => {
		const now = new Date('2025-01-02T03:04:05.006Z');
		const result = validateKapuaMessage(
			{
				scopeId: '_',
				clientId: 'c',
				channel: 'a/b',
				listedMetrics: [],
				body: Buffer.from([0xfb, 0xff]),
			},
			{ maxBodyBytes: 2 },
			now,
		);
		expect(result).toEqual({
			ok: true,
			value: {
				scopeId: '_',
				clientId: 'c',
				channel: 'a/b',
				message: {
					clientId: 'c',
					channel: { semanticParts: ['a', 'b'] },
					sentOn: now.toISOString(),
					payload: { metrics: [], body: '+/8=' },
				},
			},
		});
		const tooBig = validateKapuaMessage(
			{ scopeId: '_', clientId: 'c', channel: 'a', body: Buffer.alloc(3) },
			{ maxBodyBytes: 2 },
			now,
		);
		expect(tooBig).toMatchObject({ ok: false, problem: { field: 'Body' } });
	});
});
