import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { kapuaAuthentication, kapuaAuthHeaders, kapuaBaseUrl } from '../../credentials/KapuaApi.credentials';
import { itemParameterReader, type ItemParameterReader } from '../common/itemParameters';
import { readSendingOptions, sendingOptionProperties } from '../common/options';
import { publishItems, type PreparedItem } from '../common/publishItems';
import { openClient } from '../common/transport/httpClient';
import { openSession, type Session } from '../common/transport/session';
import { explainKapuaStatus } from './errors';
import { METRIC_TYPES } from './metrics';
import { kapuaSessionError } from './session';
import { DEFAULT_MAX_BODY_BYTES, publishPath, validateKapuaMessage, type ListedMetric, type PositionInput } from './validation';

const CREDENTIAL = 'kapuaApi';
const DEFAULT_TIMEOUT_MS = 10_000;
/** Kapua's own default for the `timeout` query parameter (openapi/device/device.yaml). */
const DEFAULT_KAPUA_TIMEOUT_MS = 30_000;

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

/** Every field of the item becomes a metric; read from the item itself (see itemParameters.ts). */
const METRICS_JSON_DEFAULT = '={{ $json }}';

const KAPUA_PROPERTIES: INodeProperties[] = [
	{
		displayName: 'Scope ID',
		name: 'scopeId',
		type: 'string',
		default: '_',
		required: true,
		description: 'The Kapua ID of the account to publish in, e.g. "AQ". "_" is the account of the logged-in user.',
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
		description: "Optional Kapua ID of a registered device; Kapua then checks that the Client ID is the device's",
	},
	{
		displayName: 'Channel',
		name: 'channel',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'heater/data',
		description: 'The channel levels after the client ID in the topic, separated by "/" (no wildcards, no empty levels)',
	},
	{
		displayName: 'Metrics',
		name: 'metricsSource',
		type: 'options',
		options: [
			{ name: 'Listed Below', value: 'list', description: 'Each metric with a name, a type and a value' },
			{ name: 'From a JSON Object', value: 'json', description: 'Each field of an object becomes a metric; its type is inferred' },
			{ name: 'Both', value: 'both', description: 'The listed metrics, then the fields of the object; names must be unique' },
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
					{ displayName: 'Name', name: 'name', type: 'string', default: '', placeholder: 'temperature' },
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
						description: 'Checked for the type before sending: whole numbers within 32 or 64 bits, true/false, standard base64, ISO-8601 dates',
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
			{ name: 'Binary Property', value: 'binary', description: 'The bytes of a binary property of the item' },
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
		options: [
			{ displayName: 'Altitude', name: 'altitude', type: 'number', typeOptions: { numberPrecision: 3 }, default: 0, description: 'Metres' },
			{ displayName: 'Heading', name: 'heading', type: 'number', typeOptions: { numberPrecision: 3 }, default: 0, description: 'Degrees' },
			{ displayName: 'Latitude', name: 'latitude', type: 'number', typeOptions: { numberPrecision: 7 }, default: 0, description: 'Degrees, -90 to 90' },
			{ displayName: 'Longitude', name: 'longitude', type: 'number', typeOptions: { numberPrecision: 7 }, default: 0, description: 'Degrees, -180 to 180' },
			{ displayName: 'Precision', name: 'precision', type: 'number', typeOptions: { numberPrecision: 3 }, default: 0, description: 'Dilution of precision' },
			{ displayName: 'Satellites', name: 'satellites', type: 'number', default: 0, description: 'Number of satellites in view' },
			{ displayName: 'Speed', name: 'speed', type: 'number', typeOptions: { numberPrecision: 3 }, default: 0, description: 'Metres per second' },
			{ displayName: 'Status', name: 'status', type: 'number', default: 0, description: 'The GPS status code' },
			{ displayName: 'Timestamp', name: 'timestamp', type: 'dateTime', default: '', description: 'When the position was fixed' },
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
			...sendingOptionProperties({ timeoutMs: DEFAULT_TIMEOUT_MS, ordering: 'scope, client ID and channel' }),
			{
				displayName: 'Account Name',
				name: 'accountName',
				type: 'string',
				default: '',
				description:
					'The name of the account the scope belongs to, to show the full MQTT topic in the output. Empty: the topic starts with "+", the level Kapua fills with the account name.',
			},
			{
				displayName: 'Kapua Timeout (Ms)',
				name: 'kapuaTimeout',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: DEFAULT_KAPUA_TIMEOUT_MS,
				description: "The timeout query parameter of Kapua's publish request",
			},
			{
				displayName: 'Maximum Body Size (Bytes)',
				name: 'maxBodyBytes',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: DEFAULT_MAX_BODY_BYTES,
				description: 'Larger bodies are rejected before sending',
			},
		],
	},
];

export class KapuaPublish implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Kapua Publish',
		name: 'kapuaPublish',
		icon: { light: 'file:kapua.svg', dark: 'file:kapua.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{"to " + $parameter["clientId"] + " / " + $parameter["channel"]}}',
		description: "Publish data messages to devices through Eclipse Kapua's REST API (forwarded over MQTT)",
		defaults: { name: 'Kapua Publish' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: CREDENTIAL, required: true }],
		properties: KAPUA_PROPERTIES,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const credentials = await this.getCredentials(CREDENTIAL);
		const authentication = kapuaAuthentication(credentials);
		const options = this.getNodeParameter('options', 0, {}) as IDataObject;
		const sending = readSendingOptions(options, { timeoutMs: DEFAULT_TIMEOUT_MS });
		const maxBodyBytes = typeof options.maxBodyBytes === 'number' ? options.maxBodyBytes : DEFAULT_MAX_BODY_BYTES;
		const kapuaTimeout = typeof options.kapuaTimeout === 'number' ? Math.max(0, Math.floor(options.kapuaTimeout)) : DEFAULT_KAPUA_TIMEOUT_MS;
		const accountName = typeof options.accountName === 'string' && options.accountName.trim() !== '' ? options.accountName.trim() : '+';
		const node = this.getNode();
		const now = new Date();

		const readParameter = itemParameterReader(this, this.getInputData());
		const prepare = async (itemIndex: number): Promise<PreparedItem> => {
			const parameter = (name: string, fallback?: unknown) => readParameter(name, itemIndex, fallback);
			const source = parameter('metricsSource', 'list') as string;
			const checked = validateKapuaMessage(
				{
					scopeId: parameter('scopeId'),
					clientId: parameter('clientId'),
					deviceId: parameter('deviceId', ''),
					channel: parameter('channel'),
					listedMetrics: source === 'json' ? [] : (parameter('metrics.metric', []) as ListedMetric[]),
					jsonMetrics: source === 'list' ? undefined : parseJsonParameter(this, readParameter, itemIndex, 'metricsJson', 'Metrics JSON', METRICS_JSON_DEFAULT),
					body: await readBody(this, readParameter, itemIndex),
					position: parameter('position', {}) as PositionInput,
					sentOn: parameter('additionalFields.sentOn', ''),
					capturedOn: parameter('additionalFields.capturedOn', ''),
				},
				{ maxBodyBytes },
				now,
			);
			if (!checked.ok) {
				const { field, message } = checked.problem;
				throw new NodeOperationError(node, `Invalid ${field} [item ${itemIndex}]: ${message}`, {
					itemIndex,
					description: `Nothing was sent for this item. Field: ${field}.`,
				});
			}
			const { scopeId, clientId, channel, message } = checked.value;
			return {
				orderingKey: `${scopeId}\u0000${clientId}\u0000${channel}`,
				request: { method: 'POST', path: publishPath(scopeId), query: { timeout: kapuaTimeout }, body: JSON.stringify(message) },
				summary: {
					topic: `${accountName}/${clientId}/${channel}`,
					scopeId,
					clientId,
					...(message.deviceId ? { deviceId: message.deviceId } : {}),
					channel,
					metricCount: message.payload.metrics.length,
					sentOn: message.sentOn,
				},
			};
		};

		const client = openClient(this, {
			credentialType: CREDENTIAL,
			baseUrl: kapuaBaseUrl(credentials),
			// Set once the session is open (after every item was checked).
			authHeaders: {},
			transport: sending.transport,
			timeoutMs: sending.timeoutMs,
			maxSockets: sending.concurrency,
			allowUnauthorizedCerts: credentials.allowUnauthorizedCerts === true,
		});
		let session: Session | undefined;
		try {
			const output = await publishItems(this, {
				prepare,
				client,
				retry: sending.retry,
				concurrency: sending.concurrency,
				explain: explainKapuaStatus(authentication),
				beforeSend: async () => {
					try {
						session = await openSession(
							this,
							{
								credentialType: CREDENTIAL,
								probe: (current) => ({
									method: 'GET',
									url: `${kapuaBaseUrl(current)}/authentication/info`,
									json: true,
									skipSslCertificateValidation: current.allowUnauthorizedCerts === true,
								}),
								authHeaders: kapuaAuthHeaders,
							},
							() => client,
						);
					} catch (error) {
						throw kapuaSessionError(node, error, authentication);
					}
					client.setAuthHeaders(kapuaAuthHeaders(session.credentials));
				},
				reauthenticate: async () => (session ? await session.renew() : false),
				toOutput: (_item, { response, attempts }) => ({ published: true, status: response.status, attempts }),
			});
			return [output];
		} finally {
			client.close();
		}
	}
}

function parseJsonParameter(context: IExecuteFunctions, read: ItemParameterReader, itemIndex: number, name: string, label: string, fallback?: unknown): unknown {
	const raw = read(name, itemIndex, fallback);
	if (typeof raw !== 'string') return raw;
	try {
		return JSON.parse(raw);
	} catch (error) {
		throw new NodeOperationError(context.getNode(), `Invalid ${label} [item ${itemIndex}]: not valid JSON (${(error as Error).message})`, {
			itemIndex,
			description: `Nothing was sent for this item. Field: ${label}.`,
		});
	}
}

/** The body's bytes, or undefined for none. */
async function readBody(context: IExecuteFunctions, read: ItemParameterReader, itemIndex: number): Promise<Uint8Array | undefined> {
	const type = read('bodyType', itemIndex, 'none') as string;
	switch (type) {
		case 'text':
			return Buffer.from(String(read('bodyText', itemIndex, '')), 'utf8');
		case 'json': {
			const value = parseJsonParameter(context, read, itemIndex, 'bodyJson', 'Body JSON');
			return Buffer.from(JSON.stringify(value) ?? 'null', 'utf8');
		}
		case 'binary': {
			const property = String(read('binaryPropertyName', itemIndex, 'data')).trim();
			const binary = context.getInputData()[itemIndex].binary?.[property];
			if (!binary) {
				throw new NodeOperationError(context.getNode(), `Invalid Input Binary Field [item ${itemIndex}]: the item has no binary property "${property}"`, {
					itemIndex,
					description: 'Nothing was sent for this item. Field: Input Binary Field.',
				});
			}
			return await context.helpers.getBinaryDataBuffer(itemIndex, property);
		}
		default:
			return undefined;
	}
}
