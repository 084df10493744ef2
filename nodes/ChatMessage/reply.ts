/**
 * Folds a reply's normalized events into what the Final reply item reports, and keeps the per-event
 * list for Each event mode. No I/O: the node feeds it, tests can too.
 */
import type { IDataObject } from 'n8n-workflow';

import { TextAccumulator } from '../common/sse/accumulator';
import type { ChatEvent, ChatEventError, ChatSource, NormalizeResult } from '../common/sse/types';

export interface ReplyOptions {
	/** Keep every normalized event (Each event mode). */
	keepEvents: boolean;
	/** Keep the server's JSON of every event (Include Raw Events). */
	includeRaw: boolean;
	/** Milliseconds since the request was started, for the timings. */
	clock: () => number;
}

export class ReplyCollector {
	readonly text = new TextAccumulator();

	readonly events: IDataObject[] = [];

	readonly rawEvents: unknown[] = [];

	readonly toolCalls: IDataObject[] = [];

	readonly toolResults: IDataObject[] = [];

	sources: ChatSource[] = [];

	userMessageId?: string;

	/** When the server stored the user's message (user_message), ISO 8601 UTC. */
	userMessageCreatedAt?: string;

	assistantMessageId?: string;

	/** When the server stored the reply (complete), ISO 8601 UTC. */
	createdAt?: string;

	/** The chat ID the server named in its events (complete, and the mid-reply error). */
	chatId?: string;

	/** Events understood, in either vocabulary. */
	eventCount = 0;

	/** Events with an unknown type or data that is not JSON: skipped, as the contract asks. */
	ignoredEvents = 0;

	timeToFirstTokenMs?: number;

	/** Set by the terminal event: `end`/`complete`, or `error`. */
	terminal?: 'end' | 'error';

	/** The error event's error, in either shape: the server's specific words, code and request ID. */
	error?: ChatEventError;

	/** The end event's full content (implemented `complete`), used when no delta carried text. */
	private finalContent?: string;

	constructor(private readonly options: ReplyOptions) {}

	/** Takes one normalized message; returns the event when it was understood. */
	take(result: NormalizeResult): ChatEvent | undefined {
		if (result.kind !== 'event') {
			this.ignoredEvents++;
			return undefined;
		}
		const { event } = result;
		this.eventCount++;
		if (event.chatId !== undefined) this.chatId = event.chatId;
		if (this.options.includeRaw) this.rawEvents.push(result.raw);
		switch (event.type) {
			case 'delta':
				if (this.timeToFirstTokenMs === undefined) this.timeToFirstTokenMs = this.options.clock();
				this.text.append(event.text ?? '');
				break;
			case 'user_message':
				this.userMessageId = event.messageId ?? this.userMessageId;
				this.userMessageCreatedAt = event.createdAt ?? this.userMessageCreatedAt;
				break;
			case 'start':
				this.assistantMessageId = event.messageId ?? this.assistantMessageId;
				break;
			case 'tool_call':
				this.toolCalls.push({ toolName: event.toolName, toolArgs: event.toolArgs as IDataObject });
				break;
			case 'tool_result':
				this.toolResults.push({
					toolName: event.toolName,
					result: event.toolResult as IDataObject,
				});
				break;
			case 'end':
				this.terminal = 'end';
				this.assistantMessageId = event.messageId ?? this.assistantMessageId;
				this.createdAt = event.createdAt ?? this.createdAt;
				if (event.sources) this.sources = event.sources;
				this.finalContent = event.text;
				break;
			case 'error':
				this.terminal = 'error';
				this.error = event.error;
				break;
		}
		if (this.options.keepEvents) {
			this.events.push({
				...(event as unknown as IDataObject),
				...(this.options.includeRaw ? { raw: result.raw as IDataObject } : {}),
			});
		}
		return event;
	}

	/** The reply text: the deltas joined, or the end event's content when the server sent no deltas. */
	replyText(): string {
		return this.text.length > 0 ? this.text.text() : (this.finalContent ?? '');
	}
}
