import type { INodeProperties } from 'n8n-workflow';

// Literal defaults (n8n's lint wants them); api.ts's DEFAULTS, used when an option is not set, must match (a test checks).

const METRIC_TYPE_NAMES: Array<{ name: string; value: string }> = [
	{ name: 'Any', value: '' },
	{ name: 'Boolean', value: 'boolean' },
	{ name: 'Date', value: 'date' },
	{ name: 'Double', value: 'double' },
	{ name: 'Float', value: 'float' },
	{ name: 'Integer (32-Bit)', value: 'integer' },
	{ name: 'Long (64-Bit)', value: 'long' },
	{ name: 'String', value: 'string' },
];

export const KAPUA_TRIGGER_PROPERTIES: INodeProperties[] = [
	{
		displayName: 'Scope ID',
		name: 'scopeId',
		type: 'string',
		default: '_',
		required: true,
		description:
			'The Kapua ID of the account to watch, e.g. "AQ". "_" is the account of the logged-in user.',
	},
	{
		displayName: 'Client ID',
		name: 'clientId',
		type: 'string',
		default: '',
		placeholder: 'AA:BB:CC:DD:EE:FF',
		description: "Only this device's messages (its client ID). Empty: every device of the account.",
	},
	{
		displayName: 'Channel',
		name: 'channel',
		type: 'string',
		default: '',
		placeholder: 'heater/#',
		description:
			'Only messages on this channel: levels separated by "/", with "#" as the whole last level for the channel and everything below it (e.g. "heater/#"). Empty: every channel.',
	},
	{
		displayName: 'Start From',
		name: 'startFrom',
		type: 'options',
		options: [
			{
				name: 'Now',
				value: 'now',
				description: 'Messages that appear in Kapua after the workflow is activated',
			},
			{
				name: 'A Date',
				value: 'date',
				description: 'Every message stamped at or after a date, older ones first',
			},
		],
		default: 'now',
		description:
			'Where the trigger starts the first time it is activated; afterwards it goes on where it stopped (until a filter or this setting changes)',
	},
	{
		displayName: 'Start Date',
		name: 'startDate',
		type: 'dateTime',
		default: '',
		required: true,
		displayOptions: { show: { startFrom: ['date'] } },
		description:
			"The timestamp of the first messages to emit (Kapua's timestamp: the device's time by default)",
	},
	{
		displayName: 'Poll Interval (Seconds)',
		name: 'pollInterval',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 5,
		description:
			"How often to ask Kapua's datastore for new messages. Kapua makes a message searchable after its index refresh (5 s by default), so shorter intervals mostly ask again.",
	},
	{
		displayName: 'Metric Filter',
		name: 'metricFilter',
		type: 'collection',
		placeholder: 'Add Filter Field',
		default: {},
		description:
			'Only messages with this metric (and its value within the range, if given): a filter Kapua applies itself',
		options: [
			{
				displayName: 'Metric Name',
				name: 'metricName',
				type: 'string',
				default: '',
				placeholder: 'temperature',
			},
			{
				displayName: 'Metric Type',
				name: 'metricType',
				type: 'options',
				options: METRIC_TYPE_NAMES,
				default: '',
				description: 'Needed with a minimum or maximum',
			},
			{
				displayName: 'Minimum',
				name: 'min',
				type: 'string',
				default: '',
				placeholder: '20',
				description: 'The smallest value to accept (inclusive)',
			},
			{
				displayName: 'Maximum',
				name: 'max',
				type: 'string',
				default: '',
				placeholder: '30',
				description: 'The largest value to accept (inclusive)',
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
			{
				displayName: 'Account Name',
				name: 'accountName',
				type: 'string',
				default: '',
				description:
					'The name of the account the scope belongs to, to show the full MQTT topic in the output. Empty: the topic starts with "+".',
			},
			{
				displayName: 'Binary Property',
				name: 'binaryPropertyName',
				type: 'string',
				default: 'data',
				description: 'Where a body that is not text goes, as binary data',
			},
			{
				displayName: 'Body',
				name: 'body',
				type: 'options',
				options: [
					{
						name: 'Auto',
						value: 'auto',
						description:
							'JSON as an object, other UTF-8 text as text, anything else as binary data',
					},
					{ name: 'Text', value: 'text', description: 'UTF-8 text (binary data when it is not)' },
					{ name: 'Binary', value: 'binary', description: 'Always binary data' },
					{ name: 'Base64', value: 'base64', description: 'The base64 text Kapua gives' },
				],
				default: 'auto',
				description: "How to give the message's payload body",
			},
			{
				displayName: 'Datastore Refresh Interval (Seconds)',
				name: 'refreshInterval',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 5,
				description:
					"Kapua's datastore.index.refresh_interval (5 s by default): how long a stored message may take to become searchable. Added to the Late Arrival Window when reading back.",
			},
			{
				displayName: 'Late Arrival Window (Seconds)',
				name: 'lateWindow',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 60,
				description:
					'Messages received up to this long after their timestamp (a device that buffered, a clock behind) are found by every poll. Later ones are still emitted when the late sweep finds them, with late: true.',
			},
			{
				displayName: 'Late Sweep Depth (Hours)',
				name: 'sweepDepth',
				type: 'number',
				typeOptions: { minValue: 0.01 },
				default: 24,
				description:
					'How far back the late sweep looks: a message that arrives later than this after its timestamp is not found',
			},
			{
				displayName: 'Late Sweep Interval (Minutes)',
				name: 'sweepInterval',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 10,
				description:
					'How often to look for messages that arrived later than the Late Arrival Window. A sweep asks Kapua to count the messages of each part of the past and reads only the parts whose count grew. 0 turns it off.',
			},
			{
				displayName: 'Max Messages per Poll',
				name: 'maxPerPoll',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 1000,
				description:
					'At most this many messages per workflow execution; the rest follow at once, in further executions',
			},
			{
				displayName: 'Request Timeout (Seconds)',
				name: 'timeout',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 30,
				description: "How long to wait for each of Kapua's answers",
			},
			{
				displayName: 'Test Event Count',
				name: 'testCount',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 5,
				description: 'How many of the newest messages Fetch Test Event gives',
			},
		],
	},
];
