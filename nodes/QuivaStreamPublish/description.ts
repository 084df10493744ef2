import type { INodeProperties } from 'n8n-workflow';

import { sendingOptionProperties } from '../common/options';
import { DEFAULT_TIMEOUT_MS } from './api';
import { DEFAULT_MAX_PAYLOAD_BYTES } from './validation';

export const QUIVA_PROPERTIES: INodeProperties[] = [
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
		description:
			"Subject to publish to; it must match one of the stream's subject filters. Wildcards are not allowed.",
	},
	{
		displayName: 'Body',
		name: 'bodySource',
		type: 'options',
		options: [
			{
				name: 'Whole Input Item',
				value: 'item',
				description: "The item's JSON is the message body",
			},
			{
				name: 'JSON',
				value: 'json',
				description: 'A JSON object written here (expressions allowed)',
			},
			{
				name: 'Field of the Item',
				value: 'field',
				description: 'One field of the item, which must hold an object',
			},
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
				description:
					"Larger messages are rejected before sending. JetStream's default limit is 1 MB.",
			},
		],
	},
];
