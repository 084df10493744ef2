import { randomUUID } from 'node:crypto';

import {
	NodeApiError,
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type ILoadOptionsFunctions,
	type INodeExecutionData,
	type INodePropertyOptions,
	type INodeType,
	type INodeTypeDescription,
	type JsonObject,
} from 'n8n-workflow';

import { chatAuthHeaders, chatBaseUrl } from '../../credentials/ChatApi.credentials';
import { asNodeError } from '../common/errors';
import { prepareEveryItem } from '../common/prepareItems';
import { expectSuccess, sendForItem } from '../common/sendForItem';
import { openClient, type HttpClient } from '../common/transport/httpClient';
import { openSession, type Session, type SessionSpec } from '../common/transport/session';
import { DEFAULT_RETRY } from '../common/transport/types';
import { chatErrorItemJson, explainChatStatus } from './errors';
import { exchange, type ExchangeResult, type ExchangeSettings } from './exchange';
import { modelOptions } from './models';
import { validateChatMessage, type ChatMessageRequest } from './validation';

const CREDENTIAL = 'chatApi';
const DEFAULT_IDLE_TIMEOUT_S = 60;

const CHAT_SESSION: SessionSpec = {
	credentialType: CREDENTIAL,
	// /api/models answers 401 without a valid session (get-session answers 200 null), so this probe is
	// what makes n8n sign in again when the stored session has expired.
	probe: (credentials) => ({ method: 'GET', url: `${chatBaseUrl(credentials)}/api/models`, json: true }),
	authHeaders: chatAuthHeaders,
};

/** A pasted token: nothing to sign in with, nothing to renew. */
function tokenSession(credentials: IDataObject): Session {
	return { credentials: credentials as Session['credentials'], renew: async () => false, renewals: () => 0 };
}

interface Prepared {
	request: ChatMessageRequest;
	newChat: boolean;
}

export class ChatMessage implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Chat Message',
		name: 'chatMessage',
		icon: { light: 'file:chat.svg', dark: 'file:chat.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["chatMode"] === "new" ? "new chat" : "chat " + $parameter["chatId"]}}',
		description: 'Send a message to an AI chat app and collect its streamed reply',
		defaults: { name: 'Chat Message' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: CREDENTIAL, required: true }],
		properties: [
			{
				displayName: 'Chat',
				name: 'chatMode',
				type: 'options',
				options: [
					{ name: 'New Chat', value: 'new', description: 'Start a conversation: the node makes the chat ID, the first message creates the chat' },
					{ name: 'Existing Chat', value: 'existing', description: 'Continue a conversation by its chat ID' },
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
			{
				displayName: 'Model Name or ID',
				name: 'model',
				type: 'options',
				typeOptions: { loadOptionsMethod: 'getModels' },
				default: '',
				required: true,
				description: 'Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>',
			},
			{
				displayName: 'Output',
				name: 'outputMode',
				type: 'options',
				options: [
					{ name: 'Final Reply', value: 'finalReply', description: 'One item per input: the full text, message IDs, tools, sources and timings' },
					{ name: 'Each Event', value: 'eachEvent', description: 'One item per event of the stream, in one shape whatever vocabulary the server speaks' },
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
						description: "Whether to add the server's own JSON of every event (rawEvents, or raw in Each Event mode)",
					},
					{
						displayName: 'Overall Timeout (Seconds)',
						name: 'overallTimeout',
						type: 'number',
						typeOptions: { minValue: 0 },
						default: 0,
						description: 'Fail when the whole reply takes longer than this. 0 means no limit.',
					},
					{
						displayName: 'User ID',
						name: 'userId',
						type: 'string',
						default: '',
						description: 'The user the message is sent as. Empty: the signed-in user (read once per execution).',
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
		],
	};

	methods = {
		loadOptions: {
			async getModels(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
				const credentials = await this.getCredentials(CREDENTIAL);
				const body: unknown = await this.helpers.httpRequestWithAuthentication.call(this, CREDENTIAL, {
					method: 'GET',
					url: `${chatBaseUrl(credentials)}/api/models`,
					json: true,
				});
				return modelOptions(body);
			},
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const node = this.getNode();
		const continueOnFail = this.continueOnFail();
		const cancelSignal = this.getExecutionCancelSignal();
		// An AI agent asking the chat app wants the answer, not the event list.
		const outputMode = this.isToolExecution() ? 'finalReply' : (this.getNodeParameter('outputMode', 0, 'finalReply') as string);
		const streaming = this.isStreaming();

		// 1. Read and check every item before anything is sent.
		const { prepared, failures } = await prepareEveryItem(this, (itemIndex) => prepareItem(this, itemIndex));

		// 2. One session and one keep-alive client for the whole execution.
		let client: HttpClient | undefined;
		let session: Session | undefined;
		let sessionError: unknown;
		if (prepared.some(Boolean)) {
			try {
				const stored = await this.getCredentials(CREDENTIAL);
				// A pasted session token has nothing to sign in with and nothing to renew: no probe request,
				// a 401 on the message itself says the token expired.
				session = stored.authentication === 'sessionToken' ? tokenSession(stored) : await openSession(this, CHAT_SESSION, () => client!);
				client = openClient(this, {
					credentialType: CREDENTIAL,
					baseUrl: chatBaseUrl(session.credentials),
					authHeaders: chatAuthHeaders(session.credentials),
					transport: 'keepAlive',
					// Streams are bounded by the idle and overall timeouts, not by a request timeout.
					timeoutMs: 0,
					maxSockets: 2,
				});
			} catch (error) {
				sessionError = signInError(this, error);
				if (!continueOnFail) throw sessionError;
			}
		}

		try {
			const settings = readSettings(this, outputMode);
			let sessionUserId: Promise<string> | undefined;
			const output: INodeExecutionData[] = [];
			for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
				const item = prepared[itemIndex];
				const chatId = item?.request.chatId;
				try {
					if (!item) throw failures[itemIndex];
					if (sessionError || !session || !client) throw sessionError;
					if (cancelSignal?.aborted) {
						throw new NodeOperationError(node, `Not sent: the execution was canceled [item ${itemIndex}]`, { itemIndex });
					}
					const request = { ...item.request };
					if (!request.userId) {
						sessionUserId ??= readSessionUser(this, client, session, itemIndex);
						request.userId = await sessionUserId;
					}
					if (streaming) await forward(this.sendChunk('begin', itemIndex));
					const result = await exchange(
						{
							node,
							client,
							cancelSignal,
							renewSession: session.renew,
							onDelta: streaming ? (text) => forward(this.sendChunk('item', itemIndex, text)) : undefined,
							now: () => Date.now(),
						},
						request,
						itemIndex,
						settings,
					);
					if (streaming) await forward(this.sendChunk('end', itemIndex));
					if (outputMode === 'eachEvent') {
						for (const [sequence, event] of result.reply.events.entries()) {
							output.push({ json: { chatId: request.chatId, sequence, ...event }, pairedItem: { item: itemIndex } });
						}
						if (!result.complete) {
							output.push({ json: { chatId: request.chatId, sequence: result.reply.events.length, type: 'incomplete', reason: result.stopReason }, pairedItem: { item: itemIndex } });
						}
					} else {
						output.push({ json: finalReplyJson(request, item.newChat, result, settings.includeRaw), pairedItem: { item: itemIndex } });
					}
				} catch (error) {
					// When the node stops, n8n's engine sends the client an error chunk itself; when it goes on, the
					// client hears it from here.
					if (!continueOnFail || cancelSignal?.aborted) throw asNodeError(node, error, itemIndex);
					if (streaming && item) await forward(this.sendChunk('error', itemIndex, error instanceof Error ? error.message : String(error)));
					output.push({ json: chatErrorItemJson(error, chatId), pairedItem: { item: itemIndex } });
				}
			}
			return [output];
		} finally {
			client?.close();
		}
	}
}

/** n8n types sendChunk as void; it returns a promise, awaited so deltas keep their order under backpressure. */
async function forward(sent: unknown): Promise<void> {
	if (sent instanceof Promise) await sent;
}

function prepareItem(context: IExecuteFunctions, itemIndex: number): Prepared {
	const node = context.getNode();
	const chatMode = context.getNodeParameter('chatMode', itemIndex, 'new') as string;
	const newChat = chatMode === 'new';
	const options = context.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const checked = validateChatMessage({
		chatId: newChat ? randomUUID() : context.getNodeParameter('chatId', itemIndex, ''),
		content: context.getNodeParameter('message', itemIndex, ''),
		modelId: context.getNodeParameter('model', itemIndex, ''),
		userId: options.userId,
		workflowId: options.workflowId,
	});
	if (!checked.ok) {
		const { field, message } = checked.problem;
		throw new NodeOperationError(node, `Invalid ${field} [item ${itemIndex}]: ${message}`, {
			itemIndex,
			description: `Nothing was sent for this item. Field: ${field}.`,
		});
	}
	return { request: checked.request, newChat };
}

function readSettings(context: IExecuteFunctions, outputMode: string): ExchangeSettings {
	const options = context.getNodeParameter('options', 0, {}) as IDataObject;
	const seconds = (value: unknown, fallback: number) => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback);
	return {
		idleMs: seconds(options.idleTimeout, DEFAULT_IDLE_TIMEOUT_S) * 1000,
		overallMs: seconds(options.overallTimeout, 0) * 1000,
		acceptPartial: options.acceptPartial === true,
		includeRaw: options.includeRawEvents === true,
		keepEvents: outputMode === 'eachEvent',
		// A 429 means the message was refused, so waiting and sending again duplicates nothing.
		retry: DEFAULT_RETRY,
	};
}

/**
 * The signed-in user's ID from GET /api/auth/get-session; renews the session once if it has none.
 * Read once per execution, for the first item that needs it (`itemIndex`, named in its errors).
 */
async function readSessionUser(context: IExecuteFunctions, client: HttpClient, session: Session, itemIndex: number): Promise<string> {
	const node = context.getNode();
	for (let round = 0; round < 2; round++) {
		const sent = await sendForItem(
			client,
			{ method: 'GET', path: '/api/auth/get-session' },
			{ retry: DEFAULT_RETRY, signal: context.getExecutionCancelSignal(), reauthenticate: session.renew },
			{ node, itemIndex },
		);
		const { response } = expectSuccess(sent, { node, itemIndex, explain: explainChatStatus, target: {} });
		const user = (response.body as { user?: { id?: unknown } } | null)?.user;
		if (user && typeof user.id === 'string' && user.id !== '') return user.id;
		if (round === 0 && !(await session.renew())) break;
	}
	throw new NodeApiError(node, { message: 'The session has no user' } as JsonObject, {
		message: 'Session expired or sign-in failed: the chat server knows no signed-in user for this session',
		description: 'GET /api/auth/get-session returned no user. Check the Chat API credential, or set the User ID option.',
	});
}

/** The error for a failed sign-in or session check, without anything of the request (cookies, password). */
function signInError(context: IExecuteFunctions, error: unknown): NodeApiError {
	const node = context.getNode();
	const original = error as { message?: unknown; httpCode?: unknown; description?: unknown; cause?: { message?: unknown } };
	// n8n wraps what preAuthentication threw in a NodeApiError; when that names a socket code
	// (ECONNREFUSED, ECONNRESET) n8n swaps the message for a generic one and keeps ours as the cause.
	const signInMessage = [original?.message, original?.cause?.message].find(
		(text): text is string => typeof text === 'string' && text.startsWith('Sign-in failed'),
	);
	const signInFailed = signInMessage !== undefined;
	// The socket code goes to the description: NodeApiError replaces a message naming one.
	const unreachable = /^(Sign-in failed: could not reach the chat server) \(([^)]+)\)$/.exec(signInMessage ?? '');
	const message = unreachable?.[1] ?? signInMessage ?? 'Session expired or sign-in failed: the chat server did not accept the credential';
	return new NodeApiError(node, { message } as JsonObject, {
		message,
		description: signInFailed
			? unreachable
				? `n8n could not connect to the chat server to sign in (POST /api/auth/sign-in/email); nothing was sent (${unreachable[2]}). Check the credential's Base URL and that the server is running.`
				: 'n8n signs in with the credential\'s email and password (POST /api/auth/sign-in/email). The account must exist and its email be verified.'
			: `The server refused the session${typeof original?.httpCode === 'string' ? ` (HTTP ${original.httpCode})` : ''}. Check the Chat API credential: a session token expires after 7 days.`,
		...(typeof original?.httpCode === 'string' ? { httpCode: original.httpCode } : {}),
	});
}

function finalReplyJson(request: ChatMessageRequest, newChat: boolean, result: ExchangeResult, includeRaw: boolean): IDataObject {
	const { reply } = result;
	return {
		chatId: request.chatId,
		newChat,
		text: reply.replyText(),
		complete: result.complete,
		...(result.stopReason ? { stopReason: result.stopReason } : {}),
		userMessageId: reply.userMessageId ?? null,
		assistantMessageId: reply.assistantMessageId ?? null,
		createdAt: reply.createdAt ?? null,
		model: request.modelId,
		userId: request.userId,
		toolCalls: reply.toolCalls,
		toolResults: reply.toolResults,
		sources: reply.sources as IDataObject[],
		eventCount: reply.eventCount,
		ignoredEvents: reply.ignoredEvents,
		timings: { timeToFirstTokenMs: reply.timeToFirstTokenMs ?? null, totalMs: result.totalMs },
		...(includeRaw ? { rawEvents: reply.rawEvents as IDataObject[] } : {}),
	};
}
