/**
 * The chat node's streaming send, one message and its reply: the request under the shared retry policy
 * (429 waits, one re-login after a 401), then the event stream read into a ReplyCollector, each text delta
 * forwarded as it arrives. Every way of stopping (cancel, idle, overall timeout) goes through one watchdog
 * signal.
 */
import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INode,
} from 'n8n-workflow';

import { asNodeError, itemMessage } from '../common/errors';
import type { PreparedItem } from '../common/runItems';
import { expectSuccess, sendForItem } from '../common/sendForItem';
import { overflowMessage } from '../common/sse/decoder';
import { normalizeChatMessage } from '../common/sse/normalize';
import type { ChatEvent, ChatEventError, ChatSource } from '../common/sse/types';
import { readSse, type ReadSseResult } from '../common/sse/reader';
import { startWatchdog, type StopReason } from '../common/sse/watchdog';
import type { RenewableClient } from '../common/transport/sendWithRetry';
import {
	explainChatStatus,
	replyOutput,
	type ChatItem,
	type ReplyResult,
	type ReplySettings,
} from './api';
import { ChatStreamError } from './errors';
import { ReplyCollector } from './reply';
import { requestBody, streamPath, type ChatMessageRequest } from './validation';
import type { ChatClient } from './transport';

/**
 * The chat node's send for one execution: sends item `itemIndex` and returns its output items. The user
 * is the signed-in one unless the item names another; when the workflow streams, the n8n client hears
 * the item begin, every delta, and end.
 */
export function createChatSender(context: IExecuteFunctions) {
	const node = context.getNode();
	const cancelSignal = context.getExecutionCancelSignal();
	const streaming = context.isStreaming();
	return async (
		client: ChatClient,
		item: PreparedItem<{ chatId: string }, ChatItem>,
		itemIndex: number,
	): Promise<IDataObject[]> => {
		const request = { ...item.request.message };
		if (!request.userId) request.userId = await client.signedInUser(itemIndex);
		if (streaming) await forward(context.sendChunk('begin', itemIndex));
		const result = await exchange(
			{
				node,
				client: client.api,
				cancelSignal,
				onDelta: streaming
					? (text) => forward(context.sendChunk('item', itemIndex, text))
					: undefined,
				onToolEvent:
					streaming && item.request.settings.streamToolEvents
						? (event) => forward(context.sendChunk('item', itemIndex, JSON.stringify(event)))
						: undefined,
				now: () => Date.now(),
			},
			request,
			itemIndex,
			item.request.settings,
			{ newChat: item.request.newChat, userFromSession: !item.request.message.userId },
		);
		if (streaming) await forward(context.sendChunk('end', itemIndex));
		return replyOutput(item.request, request, result);
	};
}

/** n8n types sendChunk as void; it returns a promise, awaited so deltas keep their order under backpressure. */
export async function forward(sent: unknown): Promise<void> {
	if (sent instanceof Promise) await sent;
}

export interface ExchangeDeps {
	node: INode;
	client: RenewableClient;
	/** The execution's cancel signal. */
	cancelSignal?: AbortSignal;
	/** Forwards a text delta to the n8n client (sendChunk), when the workflow streams. */
	onDelta?: (text: string) => void | Promise<void>;
	/** Forwards a tool call, tool result or the reply's sources, when the workflow streams them (Stream Tool Events). */
	onToolEvent?: (event: StreamedToolEvent) => void | Promise<void>;
	now: () => number;
}

const STOP_TEXT: Record<
	Exclude<StopReason, 'cancelled'>,
	{ stop: 'idle timeout' | 'overall timeout'; message: (ms: number) => string }
> = {
	idle: {
		stop: 'idle timeout',
		message: (ms) => `The chat server sent nothing for ${ms / 1000} s (Idle Timeout)`,
	},
	overall: {
		stop: 'overall timeout',
		message: (ms) => `The reply took longer than ${ms / 1000} s (Overall Timeout)`,
	},
};

/**
 * A tool event as a streaming client receives it: the chunk's content is this object as JSON. The
 * `chatMessageEvent` field tells it from text, which is forwarded as it is.
 */
export type StreamedToolEvent =
	| { chatMessageEvent: 'tool_call'; toolName?: string; toolArgs?: unknown }
	| { chatMessageEvent: 'tool_result'; toolName?: string; toolResult?: unknown }
	| { chatMessageEvent: 'sources'; sources: ChatSource[] };

/** The tool event to stream for a chat event, if it is one (the implemented vocabulary's only tool output is the sources of its complete event). */
export function toolEventOf(event: ChatEvent): StreamedToolEvent | undefined {
	switch (event.type) {
		case 'tool_call':
			return { chatMessageEvent: 'tool_call', toolName: event.toolName, toolArgs: event.toolArgs };
		case 'tool_result':
			return {
				chatMessageEvent: 'tool_result',
				toolName: event.toolName,
				toolResult: event.toolResult,
			};
		case 'end':
			return event.sources?.length
				? { chatMessageEvent: 'sources', sources: event.sources }
				: undefined;
		default:
			return undefined;
	}
}

/** What an `error` event's server words mean, when the node knows: the hint its error then gives. */
function streamErrorHint(error: ChatEventError, modelId: string): string | undefined {
	if (/messages_content_check/.test(error.message)) {
		return `The model sent no text, so the server could not store a reply: its LLM provider failed before the first token, or the server has no provider set up for model "${modelId}". Try another Model.`;
	}
	if (error.code === 'STREAMING_ERROR')
		return "The model's reply broke off on the chat server (its LLM provider failed mid-reply).";
	return undefined;
}

export async function exchange(
	deps: ExchangeDeps,
	request: ChatMessageRequest,
	itemIndex: number,
	settings: ReplySettings,
	/** What an error answer is explained with besides the request: is the chat new, is the user the session's. */
	about: { newChat?: boolean; userFromSession?: boolean } = {},
): Promise<ReplyResult> {
	const { node } = deps;
	const started = deps.now();
	const reply = new ReplyCollector({
		keepEvents: settings.keepEvents,
		includeRaw: settings.includeRaw,
		clock: () => deps.now() - started,
	});
	const watchdog = startWatchdog({
		idleMs: settings.idleMs,
		overallMs: settings.overallMs,
		parent: deps.cancelSignal,
	});
	const { chatId } = request;
	const partial = (stopReason: ReplyResult['stopReason']): ReplyResult => ({
		reply,
		complete: false,
		stopReason,
		totalMs: deps.now() - started,
	});

	/** Cancel always throws; a timeout yields the partial reply when the user accepts it. */
	const stopped = (reason: StopReason): ReplyResult => {
		if (reason === 'cancelled') {
			throw new NodeOperationError(
				node,
				itemMessage('The execution was canceled while the reply was streaming', itemIndex),
				{
					itemIndex,
					description: `Chat ${chatId}: the request was aborted; ${reply.text.length} characters had arrived.`,
				},
			);
		}
		const text = STOP_TEXT[reason];
		if (settings.acceptPartial) return partial(text.stop);
		const ms = reason === 'idle' ? settings.idleMs : settings.overallMs;
		throw new ChatStreamError(node, {
			itemIndex,
			chatId,
			message: text.message(ms),
			partialText: reply.replyText(),
		});
	};

	try {
		let sent;
		try {
			sent = await sendForItem(
				deps.client,
				{
					method: 'POST',
					path: streamPath(chatId),
					body: requestBody(request),
					headers: { Accept: 'text/event-stream' },
					stream: true,
					signal: watchdog.signal,
				},
				{ retry: settings.retry, signal: watchdog.signal },
				{ node, itemIndex },
			);
		} catch (error) {
			if (watchdog.reason) return stopped(watchdog.reason);
			throw asNodeError(node, error, itemIndex);
		}
		const target = { chatId, modelId: request.modelId, userId: request.userId, ...about };
		const { response } = expectSuccess(sent, {
			node,
			itemIndex,
			explain: explainChatStatus,
			target,
		});
		watchdog.touch();
		const body = response.body as ReadableStream<Uint8Array>;
		const contentType = response.headers['content-type'] ?? '';
		if (!/text\/event-stream/i.test(contentType)) {
			await body.cancel().catch(() => {});
			throw new ChatStreamError(node, {
				itemIndex,
				chatId,
				message: `The chat server answered HTTP ${response.status} with "${contentType || 'no content type'}" instead of an event stream`,
				partialText: '',
				extra:
					'Check the Base URL: a proxy or login page may be answering instead of the chat API.',
			});
		}

		let read: ReadSseResult;
		try {
			read = await readSse(
				body,
				(message) => {
					const event = reply.take(normalizeChatMessage(message));
					let forwarded: void | Promise<void> = undefined;
					if (event?.type === 'delta' && event.text && deps.onDelta)
						forwarded = deps.onDelta(event.text);
					else if (event && deps.onToolEvent) {
						const toolEvent = toolEventOf(event);
						if (toolEvent) forwarded = deps.onToolEvent(toolEvent);
					}
					if (forwarded) return forwarded.then(() => (reply.terminal ? 'stop' : undefined));
					return reply.terminal ? 'stop' : undefined;
				},
				{ signal: watchdog.signal, onBytes: watchdog.touch },
			);
		} catch (error) {
			// Only the handler throws (forwarding a delta to the n8n client failed).
			throw asNodeError(node, error, itemIndex);
		}
		if (read.outcome === 'stopped') return stopped(watchdog.reason ?? 'cancelled');
		if (read.outcome === 'overflow') {
			throw new ChatStreamError(node, {
				itemIndex,
				chatId,
				message: overflowMessage(read.limit),
				partialText: reply.replyText(),
			});
		}

		if (reply.terminal === 'error') {
			const serverError: ChatEventError = reply.error ?? {
				message: 'The server reported an error',
			};
			throw new ChatStreamError(node, {
				itemIndex,
				chatId,
				message: `The chat server failed while replying: ${serverError.message}${serverError.code ? ` (${serverError.code})` : ''}`,
				serverCode: serverError.code,
				requestId: serverError.requestId,
				partialText: reply.replyText(),
				extra: streamErrorHint(serverError, request.modelId),
			});
		}
		if (read.outcome === 'ended') {
			const broken = read.failure?.kind === 'malformed' || read.failure?.kind === 'tooLarge';
			// An answer that broke HTTP's rules is never taken as a partial reply: its bytes are not the server's reply.
			if (settings.acceptPartial && !broken) return partial('ended early');
			const code = read.failure?.detail ? `${read.endedBy}: ${read.failure.detail}` : read.endedBy;
			throw new ChatStreamError(node, {
				itemIndex,
				chatId,
				message: broken
					? `The reply broke off: ${read.failure?.message.replace(/^The server sent/, 'the server sent')}`
					: 'The reply ended early: the connection closed before the end of the reply',
				partialText: reply.replyText(),
				extra: broken
					? `The stream was not valid HTTP/1.1 (${code}); what arrived before it is kept below.`
					: `The stream stopped (${code}) without an "end" or "complete" event. Enable Accept Partial Reply to keep what arrived.`,
			});
		}
		return { reply, complete: true, totalMs: deps.now() - started };
	} finally {
		watchdog.dispose();
	}
}
