/**
 * Types of the shared Server-Sent-Events layer: what the decoder produces (wire messages) and the one
 * event shape the chat node works with, whatever vocabulary the server speaks.
 */

/** One dispatched SSE block: `data` lines joined with "\n"; `event`/`id` only when the block set them. */
export interface SseMessage {
	data: string;
	event?: string;
	id?: string;
	/** The last `id:` seen on the stream so far (the spec's lastEventId, which persists across blocks). */
	lastEventId?: string;
}

/**
 * The normalized chat event. Both vocabularies map onto it:
 * - implemented: user_message, token, complete, error
 * - documented:  start, content, tool_call, tool_result, end, error
 */
export type ChatEventType =
	| 'user_message'
	| 'start'
	| 'delta'
	| 'tool_call'
	| 'tool_result'
	| 'end'
	| 'error';

export interface ChatSource {
	url?: string;
	title?: string;
	description?: string;
	[key: string]: unknown;
}

/** An `error` event's error, in either shape: the server's specific words, its code and request ID when it gave them. */
export interface ChatEventError {
	message: string;
	code?: string;
	requestId?: string;
}

export interface ChatEvent {
	type: ChatEventType;
	/** The type as the server sent it (`token`, `content`, `complete`, ...). */
	serverType: string;
	/** delta: the text piece; end: the full content, when the server sends it (implemented `complete`); user_message: the user's message. */
	text?: string;
	/** user_message: the user's message id; start/end: the assistant's message id. */
	messageId?: string;
	role?: string;
	/** ISO 8601 UTC, whatever form the server wrote it in. */
	createdAt?: string;
	chatId?: string;
	toolName?: string;
	toolArgs?: unknown;
	toolResult?: unknown;
	sources?: ChatSource[];
	/** error events, in either body shape. */
	error?: ChatEventError;
	/** The SSE `id:` of the block, when it had one. */
	id?: string;
}

/** What the normalizer makes of one SSE message. */
export type NormalizeResult =
	| { kind: 'event'; event: ChatEvent; raw: unknown }
	/** Valid JSON with a type nobody knows (or none): ignored, as the contract asks. */
	| { kind: 'unknown'; type: string | undefined; raw: unknown }
	/** The data was not JSON: ignored too, but counted so a user can see it happened. */
	| { kind: 'malformed'; reason: string; data: string };
