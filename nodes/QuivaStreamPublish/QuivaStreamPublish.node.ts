import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { quivaAuthHeaders } from '../../credentials/QuivaApi.credentials';
import type { ExplainStatus } from '../common/errors';
import { readItemField } from '../common/itemField';
import { itemParameterReader, type ItemParameterReader } from '../common/itemParameters';
import { readSendingOptions, sendingOptionProperties } from '../common/options';
import { publishItems, type PreparedItem } from '../common/publishItems';
import { openClient } from '../common/transport/httpClient';
import { DEFAULT_MAX_PAYLOAD_BYTES, publishPath, validatePublishMessage } from './validation';

const DEFAULT_TIMEOUT_MS = 10_000;

/** What the gateway's error answers mean for someone publishing; see docs/api-contracts.md, "Quiva". */
const explainQuivaStatus: ExplainStatus = (status, _serverText, _body, target) => {
	switch (status) {
		case 400:
			return {
				message: `The gateway rejected the message for stream "${target.stream}"`,
				description: "Check that the subject matches one of the stream's subject filters and that the body is a JSON object.",
			};
		case 401:
			return {
				message: 'Authentication failed: the gateway rejected the API key or token',
				description: 'Check the Quiva API credential; API keys expire after 3 months.',
			};
		case 403:
			return { message: `The credential may not publish to stream "${target.stream}"` };
		case 404:
			return {
				message: `Stream "${target.stream}" was not found`,
				description: 'Create the stream in quiva.ai first, or check the Stream name (names are case-sensitive).',
			};
		case 413:
			return {
				message: `The message is larger than stream "${target.stream}" accepts`,
				description: 'Lower the body size, or the Maximum Payload Size option to catch this before sending.',
			};
		case 429:
			return {
				message: 'Rate limit exceeded: the gateway asks to slow down',
				description: 'Lower Max Concurrent Requests, or spread the items over time; quiva.ai plans allow 10 to 300 requests a minute.',
			};
		default:
			return undefined;
	}
};

export class QuivaStreamPublish implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Quiva Stream Publish',
		name: 'quivaStreamPublish',
		icon: { light: 'file:quiva.svg', dark: 'file:quiva.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{"to " + $parameter["stream"] + " / " + $parameter["subject"]}}',
		description: 'Publish messages to a quiva.ai stream (NATS JetStream)',
		defaults: { name: 'Quiva Stream Publish' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'quivaApi', required: true }],
		properties: [
			{
				displayName: 'Stream',
				name: 'stream',
				type: 'string',
				default: '',
				required: true,
				placeholder: 'orders',
				description: 'Name of the stream (letters, digits, "-" and "_")',
			},
			{
				displayName: 'Subject',
				name: 'subject',
				type: 'string',
				default: '',
				required: true,
				placeholder: 'orders.created',
				description: "Subject to publish to; it must match one of the stream's subject filters. Wildcards are not allowed.",
			},
			{
				displayName: 'Body',
				name: 'bodySource',
				type: 'options',
				options: [
					{ name: 'Whole Input Item', value: 'item', description: "The item's JSON is the message body" },
					{ name: 'JSON', value: 'json', description: 'A JSON object written here (expressions allowed)' },
					{ name: 'Field of the Item', value: 'field', description: 'One field of the item, which must hold an object' },
				],
				default: 'item',
			},
			{
				displayName: 'JSON Body',
				name: 'bodyJson',
				type: 'json',
				default: '{\n  "event": "created"\n}',
				displayOptions: { show: { bodySource: ['json'] } },
			},
			{
				displayName: 'Field',
				name: 'bodyField',
				type: 'string',
				default: '',
				placeholder: 'data.payload',
				description: 'Dotted path of the field holding the body',
				displayOptions: { show: { bodySource: ['field'] } },
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					...sendingOptionProperties({ timeoutMs: DEFAULT_TIMEOUT_MS, ordering: 'stream and subject' }),
					{
						displayName: 'Maximum Payload Size (Bytes)',
						name: 'maxPayloadBytes',
						type: 'number',
						typeOptions: { minValue: 1 },
						default: DEFAULT_MAX_PAYLOAD_BYTES,
						description: "Larger messages are rejected before sending. JetStream's default limit is 1 MB.",
					},
				],
			},
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const credentials = await this.getCredentials('quivaApi');
		const options = this.getNodeParameter('options', 0, {}) as IDataObject;
		const sending = readSendingOptions(options, { timeoutMs: DEFAULT_TIMEOUT_MS });
		const maxPayloadBytes = typeof options.maxPayloadBytes === 'number' ? options.maxPayloadBytes : DEFAULT_MAX_PAYLOAD_BYTES;
		const items = this.getInputData();
		const node = this.getNode();

		const read = itemParameterReader(this, items);

		const prepare = (itemIndex: number): PreparedItem => {
			const stream = read('stream', itemIndex);
			const subject = read('subject', itemIndex);
			const body = readBody(this, read, itemIndex, items[itemIndex].json);
			const checked = validatePublishMessage({ stream, subject, body }, maxPayloadBytes);
			if (!checked.ok) {
				throw new NodeOperationError(node, `Invalid ${checked.problem.field} [item ${itemIndex}]: ${checked.problem.message}`, {
					itemIndex,
					description: `Nothing was sent for this item. Field: ${checked.problem.field}.`,
				});
			}
			const { message, payload } = checked;
			return {
				orderingKey: `${message.stream}\u0000${message.subject}`,
				request: { method: 'POST', path: publishPath(message.stream), body: payload },
				summary: { stream: message.stream, subject: message.subject },
			};
		};

		const client = openClient(this, {
			credentialType: 'quivaApi',
			baseUrl: String(credentials.baseUrl ?? ''),
			authHeaders: quivaAuthHeaders(credentials),
			transport: sending.transport,
			timeoutMs: sending.timeoutMs,
			maxSockets: sending.concurrency,
		});
		try {
			const output = await publishItems(this, {
				prepare,
				client,
				retry: sending.retry,
				concurrency: sending.concurrency,
				explain: explainQuivaStatus,
				toOutput: (_item, { response, attempts }) => ({ published: true, status: response.status, response: response.body as IDataObject, attempts }),
			});
			return [output];
		} finally {
			client.close();
		}
	}
}

function readBody(context: IExecuteFunctions, read: ItemParameterReader, itemIndex: number, json: IDataObject): unknown {
	const source = read('bodySource', itemIndex) as string;
	if (source === 'item') return json;
	if (source === 'field') {
		const path = read('bodyField', itemIndex) as string;
		if (!path) {
			throw new NodeOperationError(context.getNode(), `Invalid body [item ${itemIndex}]: Field is empty`, { itemIndex });
		}
		const value = readItemField(json, path);
		if (value === undefined) {
			throw new NodeOperationError(context.getNode(), `Invalid body [item ${itemIndex}]: the item has no field "${path}"`, { itemIndex });
		}
		return value;
	}
	const raw = read('bodyJson', itemIndex);
	if (typeof raw !== 'string') return raw;
	try {
		return JSON.parse(raw);
	} catch (error) {
		throw new NodeOperationError(context.getNode(), `Invalid body [item ${itemIndex}]: JSON Body is not valid JSON (${(error as Error).message})`, {
			itemIndex,
		});
	}
}
