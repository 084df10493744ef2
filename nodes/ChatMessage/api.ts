/**
 * The chat API's streamed message (POST /api/chats/:chatId/messages/stream), in one place: an item read
 * and checked before anything is sent (rules in validation.ts) into the request and reply settings it
 * becomes; what the server's error answers mean; and the output items a reply becomes. The streaming
 * send itself is exchange.ts.
 */
import { randomUUID } from 'node:crypto';

import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { invalidFieldError, type ExplainStatus } from '../common/errors';
import type { ItemParameterReader } from '../common/itemParameters';
import type { PreparedItem } from '../common/runItems';
import { DEFAULT_RETRY, type RetryOptions } from '../common/transport/types';
import type { ReplyCollector } from './reply';
import { validateChatMessage, type ChatMessageRequest } from './validation';

export const DEFAULT_IDLE_TIMEOUT_S = 60;
/** A reply that streams longer than this fails (or ends partial): heartbeats keep a stream alive only until then. */
export const DEFAULT_OVERALL_TIMEOUT_S = 600;

/** What a message is sent to: the first field of its output items. */
export type ChatTarget = { chatId?: string };

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

/** Reads item `itemIndex`, checks it and builds its request; throws the item's error naming the field. */
export function prepareChatItem(context: IExecuteFunctions, read: ItemParameterReader, itemIndex: number): PreparedItem<{ chatId: string }, ChatItem> {
	const newChat = read('chatMode', itemIndex, 'new') === 'new';
	const options = read('options', itemIndex, {}) as IDataObject;
	const checked = validateChatMessage({
		chatId: newChat ? randomUUID() : read('chatId', itemIndex, ''),
		content: read('message', itemIndex, ''),
		modelId: read('model', itemIndex, ''),
		userId: options.userId,
		workflowId: options.workflowId,
	});
	if (!checked.ok) throw invalidFieldError(context.getNode(), checked.problem, itemIndex);
	// An AI agent asking the chat app wants the answer, not the event list.
	const outputMode = context.isToolExecution() ? 'finalReply' : read('outputMode', itemIndex, 'finalReply');
	const seconds = (value: unknown, fallback: number) => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback);
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
const EVENT_FIELDS = ['type', 'serverType', 'text', 'messageId', 'role', 'createdAt', 'toolName', 'toolArgs', 'toolResult', 'sources', 'error', 'id', 'reason'] as const;

function eventItem(chatId: string, sequence: number, event: IDataObject, withRaw: boolean): IDataObject {
	const item: IDataObject = { chatId: (event.chatId as string | undefined) ?? chatId, sequence };
	for (const field of EVENT_FIELDS) item[field] = event[field] ?? null;
	if (withRaw) item.raw = event.raw ?? null;
	return item;
}

/** The output items of a reply: the final reply, or (Each Event mode) one per event. */
export function replyOutput(item: ChatItem, request: ChatMessageRequest, result: ReplyResult): IDataObject[] {
	const { reply } = result;
	if (item.settings.keepEvents) {
		const withRaw = item.settings.includeRaw;
		const events = reply.events.map((event, sequence) => eventItem(request.chatId, sequence, event, withRaw));
		if (!result.complete) events.push(eventItem(request.chatId, reply.events.length, { type: 'incomplete', reason: result.stopReason }, withRaw));
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

/** What the chat API's error answers mean for someone sending a message. */
export const explainChatStatus: ExplainStatus<ChatTarget> = (status, serverText, _body, target) => {
	switch (status) {
		case 400:
			return { message: 'The chat server rejected the message as invalid', description: 'Check the Model, User ID and Workflow ID.' };
		case 401:
			return {
				message: 'Session expired or sign-in failed: the chat server did not accept the session',
				description:
					'With email and password the node signed in again once and was still refused; a session token cannot be renewed (they expire after 7 days). Check the Chat API credential and its Session Cookie Name.',
			};
		case 403:
			return {
				message: `Chat ${String(target.chatId)} belongs to another user`,
				description: /CHAT_ACCESS_DENIED/.test(serverText)
					? 'The signed-in user may not post to this chat. Use a chat of this user, or "New Chat". For a new chat, User ID must be the signed-in user.'
					: 'The signed-in user may not do this. For a new chat, User ID must be the signed-in user.',
			};
		case 404:
			return { message: `Chat ${String(target.chatId)} or the chat API was not found`, description: "Check the Chat ID and the credential's Base URL." };
		case 429:
			return {
				message: 'Rate limit exceeded: the chat server asks to slow down',
				description: 'The node waited as the server asked and tried again, and was still refused. The server allows about 100 requests a minute.',
			};
		default:
			return undefined;
	}
};
