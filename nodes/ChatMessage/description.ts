import type { INodeProperties } from 'n8n-workflow';

import { maxRequestsPerSecondProperty } from '../common/options';
import { DEFAULT_IDLE_TIMEOUT_S, DEFAULT_OVERALL_TIMEOUT_S } from './api';

export const CHAT_PROPERTIES: INodeProperties[] = [
	{
		displayName: 'Chat',
		name: 'chatMode',
		type: 'options',
		options: [
			{
				name: 'New Chat',
				value: 'new',
				description:
					'Start a conversation: the node makes the chat ID, the first message creates the chat',
			},
			{
				name: 'Existing Chat',
				value: 'existing',
				description: 'Continue a conversation by its chat ID',
			},
		],
		default: 'new',
	},
	{
		displayName: 'Chat ID',
		name: 'chatId',
		type: 'string',
		default: '',
		required: true,
		placeholder: '550e8400-e29b-41d4-a716-446655440000',
		description: "The chat's UUID, e.g. the chatId output of an earlier Chat Message node",
		displayOptions: { show: { chatMode: ['existing'] } },
	},
	{
		displayName: 'Message',
		name: 'message',
		type: 'string',
		typeOptions: { rows: 4 },
		default: '',
		required: true,
		placeholder: 'Explain quantum computing',
		description: 'The text to send',
	},
	// Version 1: an options list, loaded as the field appears (kept for the workflows built with it).
	{
		displayName: 'Model Name or ID',
		name: 'model',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getModels' },
		default: '',
		required: true,
		description:
			'Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>',
		displayOptions: { show: { '@version': [1] } },
	},
	// Version 2: a resource locator, as n8n's own AI nodes have it: the list is loaded when it is opened.
	{
		displayName: 'Model',
		name: 'model',
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: true,
		description:
			"The model that replies: one of the chat server's models. Choose from the list, or give its ID.",
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				placeholder: 'Select a model...',
				typeOptions: { searchListMethod: 'searchModels', searchable: true },
			},
			{
				displayName: 'ID',
				name: 'id',
				type: 'string',
				placeholder: 'e.g. gpt-5.2',
			},
		],
		displayOptions: { show: { '@version': [{ _cnd: { gte: 2 } }] } },
	},
	{
		displayName: 'Output',
		name: 'outputMode',
		type: 'options',
		options: [
			{
				name: 'Final Reply',
				value: 'finalReply',
				description: 'One item per input: the full text, message IDs, tools, sources and timings',
			},
			{
				name: 'Each Event',
				value: 'eachEvent',
				description:
					'One item per event of the stream, in one shape whatever vocabulary the server speaks',
			},
		],
		default: 'finalReply',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Accept Partial Reply',
				name: 'acceptPartial',
				type: 'boolean',
				default: false,
				description:
					'Whether to output the text received so far (with complete = false) when the stream stops before its end: the connection closed, or a timeout. Off: the item fails.',
			},
			{
				displayName: 'Idle Timeout (Seconds)',
				name: 'idleTimeout',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: DEFAULT_IDLE_TIMEOUT_S,
				description: 'Fail when the server sends nothing for this long. 0 waits forever.',
			},
			{
				displayName: 'Include Raw Events',
				name: 'includeRawEvents',
				type: 'boolean',
				default: false,
				description:
					"Whether to add the server's own JSON of every event (rawEvents, or raw in Each Event mode)",
			},
			maxRequestsPerSecondProperty,
			{
				displayName: 'Overall Timeout (Seconds)',
				name: 'overallTimeout',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: DEFAULT_OVERALL_TIMEOUT_S,
				description:
					'Fail when the whole reply takes longer than this, heartbeats or not. 0 means no limit.',
			},
			{
				displayName: 'Stream Tool Events',
				name: 'streamToolEvents',
				type: 'boolean',
				default: false,
				description:
					'Whether a streaming workflow (a Webhook or Chat Trigger in Streaming mode) also forwards the tool calls, tool results and sources of the reply, in order with the text, each as its own chunk whose content is a JSON object with a "chatMessageEvent" field. Off: text only, which chat widgets show as it is.',
			},
			{
				displayName: 'User ID',
				name: 'userId',
				type: 'string',
				default: '',
				description:
					'The user the message is sent as. Empty: the signed-in user (read once per execution).',
			},
			{
				displayName: 'Workflow ID',
				name: 'workflowId',
				type: 'string',
				default: '',
				placeholder: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
				description: "A chat app workflow's UUID to attach to the message (optional)",
			},
		],
	},
];
