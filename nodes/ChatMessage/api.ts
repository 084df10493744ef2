/**
 * The chat API's streamed message (POST /api/chats/:chatId/messages/stream), in one place: an item read
 * and checked before anything is sent (rules in validation.ts) into the request and reply settings it
 * becomes; what the server's error answers mean; and the output items a reply becomes. The streaming
 * send itself is exchange.ts.
 */
import { randomUUID } from 'node:crypto';

import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import {
	genericStatusText,
	invalidFieldError,
	type ExplainStatus,
	type StatusExplanation,
} from '../common/errors';
import type { ItemParameterReader } from '../common/itemParameters';
import { readServerError, serverErrorLine, type ServerError } from '../common/resourceError';
import type { PreparedItem } from '../common/runItems';
import { DEFAULT_RETRY, type RetryOptions } from '../common/transport/types';
import type { ReplyCollector } from './reply';
import { validateChatMessage, type ChatMessageRequest } from './validation';

export const DEFAULT_IDLE_TIMEOUT_S = 60;
/** A reply that streams longer than this fails (or ends partial): heartbeats keep a stream alive only until then. */
export const DEFAULT_OVERALL_TIMEOUT_S = 600;

/**
 * What a message is sent to (its chat: the first field of its output items) and what an error answer is
 * explained with: the model and user it was sent with, and whether the node made the chat ID up.
 */
export type ChatTarget = {
	chatId?: string;
	modelId?: string;
	userId?: string;
	newChat?: boolean;
	/** The User ID is the session's own (the User ID option was empty). */
	userFromSession?: boolean;
};

/** How one item's reply is read and reported (its Options). */
export interface ReplySettings {
	idleMs: number;
	overallMs: number;
	acceptPartial: boolean;
	/** Forward tool calls, tool results and sources to a streaming client as their own chunks. */
	streamToolEvents: boolean;
	includeRaw: boolean;
	/** Each Event mode: one output item per event. */
	keepEvents: boolean;
	retry: RetryOptions;
}

export interface ChatItem {
	message: ChatMessageRequest;
	newChat: boolean;
	settings: ReplySettings;
}

/**
 * The model ID of the Model parameter: version 2's resource locator (`{__rl, mode, value}`, from the list or
 * by ID) or version 1's plain ID (an options list). Anything else is returned as it is, for validation to name.
 */
export function modelIdOf(raw: unknown): unknown {
	if (raw !== null && typeof raw === 'object' && !Array.isArray(raw) && 'value' in raw)
		return (raw as { value: unknown }).value;
	return raw;
}

/** Reads item `itemIndex`, checks it and builds its request; throws the item's error naming the field. */
export function prepareChatItem(
	context: IExecuteFunctions,
	read: ItemParameterReader,
	itemIndex: number,
): PreparedItem<{ chatId: string }, ChatItem> {
	const newChat = read('chatMode', itemIndex, 'new') === 'new';
	const options = read('options', itemIndex, {}) as IDataObject;
	const checked = validateChatMessage({
		chatId: newChat ? randomUUID() : read('chatId', itemIndex, ''),
		content: read('message', itemIndex, ''),
		modelId: modelIdOf(read('model', itemIndex, '')),
		userId: options.userId,
		workflowId: options.workflowId,
	});
	if (!checked.ok) throw invalidFieldError(context.getNode(), checked.problem, itemIndex);
	// An AI agent asking the chat app wants the answer, not the event list.
	const outputMode = context.isToolExecution()
		? 'finalReply'
		: read('outputMode', itemIndex, 'finalReply');
	const seconds = (value: unknown, fallback: number) =>
		typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback;
	return {
		// One message at a time, in input order: a conversation's messages must not overtake each other,
		// and a streaming client hears each reply whole.
		orderingKey: '',
		target: { chatId: checked.value.chatId },
		request: {
			message: checked.value,
			newChat,
			settings: {
				idleMs: seconds(options.idleTimeout, DEFAULT_IDLE_TIMEOUT_S) * 1000,
				overallMs: seconds(options.overallTimeout, DEFAULT_OVERALL_TIMEOUT_S) * 1000,
				acceptPartial: options.acceptPartial === true,
				streamToolEvents: options.streamToolEvents === true,
				includeRaw: options.includeRawEvents === true,
				keepEvents: outputMode === 'eachEvent',
				// A 429 means the message was refused, so waiting and sending again duplicates nothing.
				retry: DEFAULT_RETRY,
			},
		},
	};
}

/** How a reply ended, as the exchange reports it. */
export interface ReplyResult {
	reply: ReplyCollector;
	/** True when the reply ended with end/complete; false for an accepted partial reply. */
	complete: boolean;
	/** Why an accepted partial reply stopped. */
	stopReason?: 'ended early' | 'idle timeout' | 'overall timeout';
	totalMs: number;
}

/**
 * The fields of every Each Event item, null where an event has none: events of different types carry
 * different fields, and n8n's table and schema views show one set of columns for all items.
 */
const EVENT_FIELDS = [
	'type',
	'serverType',
	'text',
	'messageId',
	'role',
	'createdAt',
	'toolName',
	'toolArgs',
	'toolResult',
	'sources',
	'error',
	'id',
	'reason',
] as const;

function eventItem(
	chatId: string,
	sequence: number,
	event: IDataObject,
	withRaw: boolean,
): IDataObject {
	const item: IDataObject = { chatId: (event.chatId as string | undefined) ?? chatId, sequence };
	for (const field of EVENT_FIELDS) item[field] = event[field] ?? null;
	if (withRaw) item.raw = event.raw ?? null;
	return item;
}

/** The output items of a reply: the final reply, or (Each Event mode) one per event. */
export function replyOutput(
	item: ChatItem,
	request: ChatMessageRequest,
	result: ReplyResult,
): IDataObject[] {
	const { reply } = result;
	if (item.settings.keepEvents) {
		const withRaw = item.settings.includeRaw;
		const events = reply.events.map((event, sequence) =>
			eventItem(request.chatId, sequence, event, withRaw),
		);
		if (!result.complete)
			events.push(
				eventItem(
					request.chatId,
					reply.events.length,
					{ type: 'incomplete', reason: result.stopReason },
					withRaw,
				),
			);
		return events;
	}
	return [
		{
			chatId: request.chatId,
			newChat: item.newChat,
			text: reply.replyText(),
			complete: result.complete,
			...(result.stopReason ? { stopReason: result.stopReason } : {}),
			userMessageId: reply.userMessageId ?? null,
			userMessageCreatedAt: reply.userMessageCreatedAt ?? null,
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
			...(item.settings.includeRaw ? { rawEvents: reply.rawEvents as IDataObject[] } : {}),
		},
	];
}

/** The node's field for each body field the server's validation (Joi) names. */
const FIELD_OF: Record<string, string> = {
	'body.content': 'the Message field',
	'body.modelId': 'the Model field',
	'body.userId': 'the User ID option',
	'body.workflowId': 'the Workflow ID option',
	'params.chatId': 'the Chat ID field',
	chatId: 'the Chat ID field',
};

/** What to fix for a REQUEST_VALIDATION: the field its words name (`"body.content" is required`). */
function validationHint(said: ServerError): string {
	const named = /"([\w.]+)"/.exec(said.message)?.[1];
	const field = named === undefined ? undefined : FIELD_OF[named];
	if (field) return `Check ${field} (the server's "${named}").`;
	if (named === 'body')
		return 'The server received no message body: a proxy between n8n and the chat server may drop it.';
	return 'Check the Message, Model, User ID and Workflow ID.';
}

/** A 500 that is a foreign-key violation on the messages' model: the server has no such model. */
function isUnknownModel(said: ServerError | undefined): boolean {
	return said !== undefined && /messages_model_id_fkey/.test(said.message);
}

const quoted = (value: string | undefined) => (value ? `"${value}"` : 'the one given');

/**
 * The explanation of a known answer: what happened in the user's terms (`message`) and what to fix
 * (`description`). The server's words, code and request ID are added by explainChatStatus.
 */
function explainKnown(
	status: number,
	said: ServerError | undefined,
	target: ChatTarget,
): Omit<StatusExplanation, 'serverText' | 'context'> | undefined {
	const chat = `Chat ${String(target.chatId)}`;
	const code = said?.code;
	if (isUnknownModel(said)) {
		return {
			message: `The chat server has no model ${quoted(target.modelId)}`,
			description:
				'Check the Model: choose one from its list (the models GET /api/models lists for this credential), or give one of their IDs.',
			// The insert of the message failed: nothing was stored.
			notStored: true,
		};
	}
	switch (status) {
		case 400:
			return {
				message: 'The chat server rejected the message as invalid',
				description:
					said && code === 'REQUEST_VALIDATION'
						? validationHint(said)
						: 'Check the Message, Model, User ID and Workflow ID.',
			};
		case 401:
			return {
				message: 'Session expired or sign-in failed: the chat server did not accept the session',
				description:
					'With email and password the node signed in again once and was still refused; a session token cannot be renewed (they expire after 7 days). Check the Chat API credential and its Session Cookie Name.',
			};
		case 403:
			if (code === 'CHAT_ACCESS_DENIED') {
				return {
					message: `${chat} belongs to another user`,
					description:
						'The signed-in user may post only to their own chats. Use a chat of this user, or "New Chat".',
				};
			}
			return {
				message: 'The chat server refused the message',
				description:
					'The signed-in user may not do this. For a new chat, User ID must be the signed-in user.',
			};
		case 404:
			if (code === 'CHAT_NOT_FOUND' && !target.userFromSession) {
				const user = `User ID ${quoted(target.userId)} is not the signed-in user's ID`;
				return target.newChat
					? {
							message: `The chat server would not start the chat: ${user}`,
							description: `${chat} is new, and the server creates a chat only for the signed-in user (it checks who owns a chat before anything else). Leave the User ID option empty to send as the signed-in user, or sign in as that user.`,
						}
					: {
							message: `${chat} was not found`,
							description: `Check the Chat ID. (A chat ID the server does not know would start a new chat, but only for the signed-in user, and ${user}.)`,
						};
			}
			if (target.chatId === undefined)
				return {
					message: 'The chat API was not found',
					description: "Check the credential's Base URL.",
				};
			return {
				message: `${chat} or the chat API was not found`,
				description: "Check the Chat ID and the credential's Base URL.",
			};
		case 429:
			return {
				message: 'Rate limit exceeded: the chat server asks to slow down',
				description:
					'The node waited as the server asked and tried again, and was still refused. The server allows about 100 requests a minute.',
			};
		default:
			if (status >= 500 && said) {
				return {
					message:
						status === 500
							? 'The chat server failed to process the message'
							: (genericStatusText(status) ?? `The chat server answered HTTP ${status}`),
					description: said.requestId
						? "The chat app's operators can find the cause by the request ID."
						: undefined,
				};
			}
			return undefined;
	}
}

/**
 * What the chat API's error answers mean for someone sending a message: the node's words and what to
 * fix, followed by the server's own: its specific words (from message, clientMessage or error, whichever
 * is specific: resourceError.ts), its code and its request ID, in the message and the description alike.
 * The code and request ID are kept on the error's context too (Continue On Fail items show them).
 */
export const explainChatStatus: ExplainStatus<ChatTarget> = (status, _serverText, body, target) => {
	const said = readServerError(body);
	const known = explainKnown(status, said, target);
	if (!said) return known;
	const words = ` – ${said.code ? `${said.code}: ` : ''}${said.message}`;
	return {
		message: `${known?.message ?? `The chat server answered HTTP ${status}`}${words}`,
		...(known?.description ? { description: known.description } : {}),
		...(known?.notStored ? { notStored: true } : {}),
		serverText: serverErrorLine(said),
		context: { errorCode: said.code ?? null, requestId: said.requestId ?? null },
	};
};
