import type { INodeProperties } from 'n8n-workflow';

import { sendingOptionProperties } from '../common/options';
import { DEFAULT_KAPUA_TIMEOUT_MS, DEFAULT_TIMEOUT_MS, METRICS_JSON_DEFAULT } from './api';
import { METRIC_TYPES } from './metrics';
import { DEFAULT_MAX_BODY_BYTES } from './validation';

const TYPE_NAMES: Record<(typeof METRIC_TYPES)[number], string> = {
	string: 'String',
	integer: 'Integer (32-Bit)',
	long: 'Long (64-Bit)',
	float: 'Float',
	double: 'Double',
	boolean: 'Boolean',
	binary: 'Binary (Base64)',
	date: 'Date (ISO-8601)',
};

export const KAPUA_PROPERTIES: INodeProperties[] = [
	{
		displayName: 'Scope ID',
		name: 'scopeId',
		type: 'string',
		default: '_',
		required: true,
		description:
			'The Kapua ID of the account to publish in, e.g. "AQ". "_" is the account of the logged-in user.',
	},
	{
		displayName: 'Client ID',
		name: 'clientId',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'AA:BB:CC:DD:EE:FF',
		description: 'The client ID of the device: the second level of the MQTT topic',
	},
	{
		displayName: 'Device ID',
		name: 'deviceId',
		type: 'string',
		default: '',
		placeholder: 'WyczTs_GuDM',
		description:
			"Optional Kapua ID of a registered device; Kapua then checks that the Client ID is the device's",
	},
	{
		displayName: 'Channel',
		name: 'channel',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'heater/data',
		description:
			'The channel levels after the client ID in the topic, separated by "/" (no wildcards, no empty levels)',
	},
	{
		displayName: 'Specify Metrics',
		name: 'metricsSource',
		type: 'options',
		options: [
			{
				name: 'Listed Below',
				value: 'list',
				description: 'Each metric with a name, a type and a value',
			},
			{
				name: 'Using JSON',
				value: 'json',
				description: 'Each field of an object becomes a metric; its type is inferred',
			},
			{
				name: 'Both',
				value: 'both',
				description: 'The listed metrics, then the fields of the object; names must be unique',
			},
		],
		default: 'list',
	},
	{
		displayName: 'Metrics',
		name: 'metrics',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		placeholder: 'Add Metric',
		default: {},
		displayOptions: { show: { metricsSource: ['list', 'both'] } },
		options: [
			{
				displayName: 'Metric',
				name: 'metric',
				values: [
					{
						displayName: 'Name',
						name: 'name',
						type: 'string',
						default: '',
						placeholder: 'temperature',
					},
					{
						displayName: 'Type',
						name: 'type',
						type: 'options',
						options: METRIC_TYPES.map((type) => ({ name: TYPE_NAMES[type], value: type })),
						default: 'string',
					},
					{
						displayName: 'Value',
						name: 'value',
						type: 'string',
						default: '',
						description:
							'Checked for the type before sending: whole numbers within 32 or 64 bits, true/false, standard base64, ISO-8601 dates',
					},
				],
			},
		],
	},
	{
		displayName: 'Metrics JSON',
		name: 'metricsJson',
		type: 'json',
		default: METRICS_JSON_DEFAULT,
		displayOptions: { show: { metricsSource: ['json', 'both'] } },
		description:
			'An object of metric name → value. Types: true/false → boolean, text → string, whole numbers → integer (long beyond 32 bits), other numbers → double; null fields are skipped.',
	},
	{
		displayName: 'Body',
		name: 'bodyType',
		type: 'options',
		options: [
			{ name: 'None', value: 'none' },
			{ name: 'Text', value: 'text', description: 'UTF-8 text' },
			{ name: 'JSON', value: 'json', description: 'A JSON value, serialized' },
			{
				name: 'Binary Property',
				value: 'binary',
				description: 'The bytes of a binary property of the item',
			},
		],
		default: 'none',
		description: 'The payload body; it is sent as standard base64',
	},
	{
		displayName: 'Body Text',
		name: 'bodyText',
		type: 'string',
		typeOptions: { rows: 3 },
		default: '',
		displayOptions: { show: { bodyType: ['text'] } },
	},
	{
		displayName: 'Body JSON',
		name: 'bodyJson',
		type: 'json',
		default: '{}',
		displayOptions: { show: { bodyType: ['json'] } },
	},
	{
		displayName: 'Input Binary Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		displayOptions: { show: { bodyType: ['binary'] } },
		hint: 'The name of the input binary field containing the body',
	},
	{
		displayName: 'Position',
		name: 'position',
		type: 'collection',
		placeholder: 'Add Position Field',
		default: {},
		// Text fields, so that a field added and left empty is left out, where a number field would send 0.
		description: 'Numbers (or expressions giving numbers); a field left empty is not sent',
		options: [
			{
				displayName: 'Altitude',
				name: 'altitude',
				type: 'string',
				default: '',
				placeholder: '412.5',
				description: 'Metres',
			},
			{
				displayName: 'Heading',
				name: 'heading',
				type: 'string',
				default: '',
				placeholder: '270',
				description: 'Degrees',
			},
			{
				displayName: 'Latitude',
				name: 'latitude',
				type: 'string',
				default: '',
				placeholder: '46.0123456',
				description: 'Degrees, -90 to 90',
			},
			{
				displayName: 'Longitude',
				name: 'longitude',
				type: 'string',
				default: '',
				placeholder: '8.9523456',
				description: 'Degrees, -180 to 180',
			},
			{
				displayName: 'Precision',
				name: 'precision',
				type: 'string',
				default: '',
				placeholder: '1.2',
				description: 'Dilution of precision',
			},
			{
				displayName: 'Satellites',
				name: 'satellites',
				type: 'string',
				default: '',
				placeholder: '9',
				description: 'Number of satellites in view, a whole number',
			},
			{
				displayName: 'Speed',
				name: 'speed',
				type: 'string',
				default: '',
				placeholder: '3.5',
				description: 'Metres per second',
			},
			{
				displayName: 'Status',
				name: 'status',
				type: 'string',
				default: '',
				placeholder: '1',
				description: 'The GPS status code, a whole number',
			},
			{
				displayName: 'Timestamp',
				name: 'timestamp',
				type: 'dateTime',
				default: '',
				description: 'When the position was fixed',
			},
		],
	},
	{
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		options: [
			{
				displayName: 'Captured On',
				name: 'capturedOn',
				type: 'dateTime',
				default: '',
				description: 'When the data was captured (ISO-8601 or epoch milliseconds)',
			},
			{
				displayName: 'Sent On',
				name: 'sentOn',
				type: 'dateTime',
				default: '',
				description: 'The payload timestamp (ISO-8601 or epoch milliseconds); empty means now',
			},
		],
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			...sendingOptionProperties({
				timeoutMs: DEFAULT_TIMEOUT_MS,
				ordering: 'scope, client ID and channel',
			}),
			{
				displayName: 'Account Name',
				name: 'accountName',
				type: 'string',
				default: '',
				description:
					'The name of the account the scope belongs to, to show the full MQTT topic in the output. Empty: the topic starts with "+", the level Kapua fills with the account name.',
			},
			{
				displayName: 'Kapua Server Timeout (Ms)',
				name: 'kapuaTimeout',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: DEFAULT_KAPUA_TIMEOUT_MS,
				description:
					"How long Kapua itself may take to hand the message to its broker: the timeout query parameter of Kapua's publish request. Request Timeout is how long this node waits for Kapua's answer.",
			},
			{
				displayName: 'Maximum Body Size (Bytes)',
				name: 'maxBodyBytes',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: DEFAULT_MAX_BODY_BYTES,
				description: 'Larger bodies are rejected before sending',
			},
			{
				displayName: 'Verify Delivery',
				name: 'verifyDelivery',
				type: 'boolean',
				default: false,
				description:
					"Whether to look each accepted message up in Kapua's datastore until it is found (output stored: true, its datastoreMessageId and storedAfterMs) or the Verify Timeout passes. Kapua's publish is fire-and-forget: without this, a 204 only says Kapua accepted the request.",
			},
			{
				displayName: 'Verify Timeout (Seconds)',
				name: 'verifyTimeout',
				type: 'number',
				typeOptions: { minValue: 0.1 },
				default: 10,
				displayOptions: { show: { verifyDelivery: [true] } },
				description:
					"How long to look for a message in Kapua's datastore before the item fails. Kapua makes a stored message searchable at its next index refresh, every 5 seconds by default, so keep this above that.",
			},
		],
	},
];
