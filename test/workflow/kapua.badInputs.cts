/**
 * Bad inputs for Kapua Publish, shared by the workflow tests and the fault suite. Each case is run with
 * BASE_PARAMETERS (kapuaFixtures.ts) overridden by `parameters`, on `items` (default: one empty item);
 * the node must stop before sending anything (not even a login) with an error naming item and field.
 *
 * Path tricks matter where user input reaches the URL: only the Scope ID does (`/{scopeId}/streams/messages`).
 * The client ID and the channel travel in the JSON body and become MQTT topic levels, where "/", "+" and
 * "#" are what would change the topic; a level such as ".." or "a%2Fb" is a literal name in MQTT.
 */
import type { IDataObject } from 'n8n-workflow';

import {
	baseUrlCases,
	lineBreakCase,
	secretCases,
	type BadCredentialCase,
} from './credential.badInputs.cjs';

export interface KapuaBadInput {
	name: string;
	parameters: Record<string, unknown>;
	items: IDataObject[];
	message: RegExp;
}

const metric = (type: string, value: unknown, name = 'm') => ({
	metrics: { metric: [{ name, type, value }] },
});

export const kapuaBadInputs: KapuaBadInput[] = (
	[
		// Names and IDs
		['scope ID pattern', { scopeId: 'A/Q' }, /Invalid Scope ID \[item 0\]/],
		[
			'empty scope ID from an expression',
			{ scopeId: '={{ "" }}' },
			/Invalid Scope ID \[item 0\]: Scope ID is empty/,
		],
		[
			'"../" in the scope ID (a path trick)',
			{ scopeId: '../AQ' },
			/Invalid Scope ID \[item 0\]: .*not a Kapua ID/,
		],
		[
			'"%2F" in the scope ID',
			{ scopeId: 'AQ%2F..%2Fauthentication' },
			/Invalid Scope ID \[item 0\]: .*not a Kapua ID/,
		],
		[
			'"?" in the scope ID',
			{ scopeId: 'AQ?timeout=0' },
			/Invalid Scope ID \[item 0\]: .*not a Kapua ID/,
		],
		['"#" in the scope ID', { scopeId: 'AQ#x' }, /Invalid Scope ID \[item 0\]: .*not a Kapua ID/],
		[
			'empty client ID',
			{ clientId: '={{ $json.nothing }}' },
			/Invalid Client ID \[item 0\]: Client ID (is empty|must be text)/,
		],
		['client ID with "/"', { clientId: 'a/b' }, /Invalid Client ID \[item 0\]/],
		[
			'"../" in the client ID',
			{ clientId: '../dev-1' },
			/Invalid Client ID \[item 0\]: .*would change the MQTT topic/,
		],
		[
			'"+" in the client ID',
			{ clientId: 'dev+1' },
			/Invalid Client ID \[item 0\]: .*would change the MQTT topic/,
		],
		[
			'a 300-character client ID',
			{ clientId: 'x'.repeat(300) },
			/Invalid Client ID \[item 0\]: Client ID is 300 characters long; at most 255/,
		],
		['device ID pattern', { deviceId: 'not an id' }, /Invalid Device ID \[item 0\]/],
		['device ID "_"', { deviceId: '_' }, /Invalid Device ID \[item 0\]/],
		// Channel
		[
			'empty channel level',
			{ channel: 'heater//data' },
			/Invalid Channel \[item 0\]: .*empty level/,
		],
		['"+" in channel', { channel: 'heater/+' }, /Invalid Channel \[item 0\]: .*wildcard/],
		['"#" in channel', { channel: 'heater/#' }, /Invalid Channel \[item 0\]: .*wildcard/],
		[
			'whitespace in channel',
			{ channel: 'heater/da ta' },
			/Invalid Channel \[item 0\]: .*whitespace/,
		],
		[
			'leading "/" in channel',
			{ channel: '/heater/data' },
			/Invalid Channel \[item 0\]: .*empty level/,
		],
		['empty channel', { channel: '  ' }, /Invalid Channel \[item 0\]: Channel is empty/],
		// Metric values per type
		[
			'integer over 32 bits',
			metric('integer', '2147483648'),
			/Invalid Metrics › m \[item 0\]: 2147483648 does not fit in a 32-bit integer \(-2147483648 to 2147483647\)$/,
		],
		[
			'long over 64 bits',
			metric('long', '9223372036854775808'),
			/Invalid Metrics › m \[item 0\]: .*64-bit/,
		],
		[
			'float not a number',
			metric('float', '1,5'),
			/Invalid Metrics › m \[item 0\]: .*decimal number/,
		],
		[
			'double out of range',
			metric('double', '1e309'),
			/Invalid Metrics › m \[item 0\]: .*range of a double/,
		],
		['boolean "yes"', metric('boolean', 'yes'), /Invalid Metrics › m \[item 0\]: .*true or false/],
		['binary not base64', metric('binary', 'AQI'), /Invalid Metrics › m \[item 0\]: .*base64/],
		['date not ISO', metric('date', '17/10/2024'), /Invalid Metrics › m \[item 0\]: .*ISO-8601/],
		[
			'unknown metric type',
			metric('decimal', '1'),
			/Invalid Metrics › m \[item 0\]: Type "decimal" is not one of/,
		],
		[
			'empty metric name',
			metric('string', 'x', ' '),
			/Invalid Metrics › #1 \[item 0\]: Metric name is empty/,
		],
		[
			'duplicate metric name across list and JSON',
			{ metricsSource: 'both', ...metric('string', 'x', 'temp'), metricsJson: '{"temp": 1}' },
			/Invalid Metrics JSON › temp \[item 0\]: .*used twice/,
		],
		[
			'nested object in metrics JSON',
			{ metricsSource: 'json', metricsJson: '{"a": {"b": 1}}' },
			/Invalid Metrics JSON › a \[item 0\]/,
		],
		// Position, dates, body and sizes
		[
			'latitude out of range',
			{ position: { latitude: 90.5 } },
			/Invalid Position › Latitude \[item 0\]: .*-90 to 90/,
		],
		[
			'longitude out of range',
			{ position: { longitude: -180.01 } },
			/Invalid Position › Longitude \[item 0\]: .*-180 to 180/,
		],
		[
			'satellites not a whole number',
			{ position: { satellites: 2.5 } },
			/Invalid Position › Satellites \[item 0\]: .*whole 32-bit number/,
		],
		[
			'sent on not a date',
			{ additionalFields: { sentOn: 'yesterday' } },
			/Invalid Sent On \[item 0\]/,
		],
		[
			'captured on not a date',
			{ additionalFields: { capturedOn: 'soon' } },
			/Invalid Captured On \[item 0\]/,
		],
		[
			'body over the limit',
			{ bodyType: 'text', bodyText: 'hello', options: { maxBodyBytes: 4 } },
			/Invalid Body \[item 0\]: Body is 5 bytes/,
		],
		[
			'a 2 MB body (over the 1 MB default)',
			{ bodyType: 'text', bodyText: 'x'.repeat(2 * 1024 * 1024) },
			/Invalid Body \[item 0\]: Body is 2097152 bytes; the limit is 1048576/,
		],
		[
			'missing binary property',
			{ bodyType: 'binary', binaryPropertyName: 'data' },
			/Invalid Input Binary Field \[item 0\]/,
		],
		['JSON body not JSON', { bodyType: 'json', bodyJson: '{oops' }, /Invalid Body JSON \[item 0\]/],
	] as Array<[string, Record<string, unknown>, RegExp]>
)
	.map(([name, parameters, message]): KapuaBadInput => ({ name, parameters, items: [{}], message }))
	.concat(
		// Wrong types from expressions: item 0 is good, item 1 is not, so the node names item 1 and sends nothing.
		(
			[
				[
					'an object from an expression as client ID',
					{ clientId: '={{ $json.c }}' },
					{ c: 'dev-1' },
					{ c: { a: 1 } },
					/Invalid Client ID \[item 1\]: Client ID must be text, got an object/,
				],
				[
					'a boolean from an expression as client ID',
					{ clientId: '={{ $json.c }}' },
					{ c: 'dev-1' },
					{ c: true },
					/Invalid Client ID \[item 1\]: Client ID must be text, got a boolean/,
				],
				[
					'an array from an expression as channel',
					{ channel: '={{ $json.ch }}' },
					{ ch: 'a/b' },
					{ ch: ['a', 'b'] },
					/Invalid Channel \[item 1\]: Channel must be text .*got an array/,
				],
				[
					'an empty channel from an expression',
					{ channel: '={{ $json.ch }}' },
					{ ch: 'a/b' },
					{ ch: '' },
					/Invalid Channel \[item 1\]: Channel is empty/,
				],
				[
					'an object from an expression as a string metric',
					metric('string', '={{ $json.v }}'),
					{ v: 'ok' },
					{ v: { a: 1 } },
					/Invalid Metrics › m \[item 1\]: String needs text, got an object/,
				],
				[
					'text from an expression as an integer metric',
					metric('integer', '={{ $json.v }}'),
					{ v: 7 },
					{ v: 'seven' },
					/Invalid Metrics › m \[item 1\]/,
				],
				[
					'an array from an expression as metrics JSON',
					{ metricsSource: 'json', metricsJson: '={{ $json.r }}' },
					{ r: { t: 1 } },
					{ r: [1, 2] },
					/Invalid Metrics JSON \[item 1\]: .*got an array/,
				],
				[
					'a scope ID with "/" from an expression',
					{ scopeId: '={{ $json.s }}' },
					{ s: 'AQ' },
					{ s: 'AQ/../Ag' },
					/Invalid Scope ID \[item 1\]/,
				],
			] as Array<[string, Record<string, unknown>, IDataObject, IDataObject, RegExp]>
		).map(
			([name, parameters, good, bad, message]): KapuaBadInput => ({
				name,
				parameters,
				items: [good, bad],
				message,
			}),
		),
	);

/** Eclipse Kapua API credentials that cannot work: nothing may be sent, not even a login. */
export const kapuaBadCredentials: BadCredentialCase[] = [
	...baseUrlCases('Eclipse Kapua API', 'userPassword'),
	...secretCases('Eclipse Kapua API', 'userPassword', 'username', 'User Name'),
	...secretCases('Eclipse Kapua API', 'userPassword', 'password', 'Password'),
	...secretCases('Eclipse Kapua API', 'apiKey', 'apiKey', 'API Key'),
	...secretCases('Eclipse Kapua API', 'accessToken', 'accessToken', 'Access Token'),
	lineBreakCase('Eclipse Kapua API', 'apiKey', 'apiKey', 'API Key'),
];
