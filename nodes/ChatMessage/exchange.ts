/**
 * One message, one streamed reply: send the request under the shared retry policy (429 waits, one
 * re-login after a 401), then read the event stream into a ReplyCollector, forwarding each text delta
 * as it arrives. Every way of stopping (cancel, idle, overall timeout) goes through one watchdog signal.
 */
import { NodeOperationError, type INode } from 'n8n-workflow';

import { asNodeError } from '../common/errors';
import { expectSuccess, sendForItem } from '../common/sendForItem';
import { normalizeChatMessage } from '../common/sse/normalize';
import { readSse, SseStopped, type ByteStream } from '../common/sse/reader';
import { startWatchdog, type StopReason } from '../common/sse/watchdog';
import type { HttpClient } from '../common/transport/httpClient';
import type { RetryOptions } from '../common/transport/types';
import { chatStreamError, explainChatStatus } from './errors';
import { ReplyCollector } from './reply';
import { requestBody, streamPath, type ChatMessageRequest } from './validation';

export interface ExchangeSettings {
	idleMs: number;
	overallMs: number;
	acceptPartial: boolean;
	includeRaw: boolean;
	keepEvents: boolean;
	retry: RetryOptions;
}

export interface ExchangeDeps {
	node: INode;
	client: HttpClient;
	/** The execution's cancel signal. */
	cancelSignal?: AbortSignal;
	renewSession: () => Promise<boolean>;
	/** Forwards a text delta to the n8n client (sendChunk), when the workflow streams. */
	onDelta?: (text: string) => void | Promise<void>;
	now: () => number;
}

export interface ExchangeResult {
	reply: ReplyCollector;
	/** True when the reply ended with end/complete; false for an accepted partial reply. */
	complete: boolean;
	/** Why an accepted partial reply stopped. */
	stopReason?: 'ended early' | 'idle timeout' | 'overall timeout';
	totalMs: number;
	attempts: number;
	bytes: number;
}

const STOP_TEXT: Record<Exclude<StopReason, 'cancelled'>, { kind: 'idle' | 'overall'; stop: 'idle timeout' | 'overall timeout'; message: (ms: number) => string }> = {
	idle: { kind: 'idle', stop: 'idle timeout', message: (ms) => `The chat server sent nothing for ${ms / 1000} s (Idle Timeout)` },
	overall: { kind: 'overall', stop: 'overall timeout', message: (ms) => `The reply took longer than ${ms / 1000} s (Overall Timeout)` },
};

export async function exchange(
	deps: ExchangeDeps,
	request: ChatMessageRequest,
	itemIndex: number,
	settings: ExchangeSettings,
): Promise<ExchangeResult> {
	const { node } = deps;
	const started = deps.now();
	const reply = new ReplyCollector({ keepEvents: settings.keepEvents, includeRaw: settings.includeRaw, clock: () => deps.now() - started });
	const watchdog = startWatchdog({ idleMs: settings.idleMs, overallMs: settings.overallMs, parent: deps.cancelSignal });
	const { chatId } = request;
	let attempts = 0;
	let bytes = 0;

	const cancelled = () =>
		new NodeOperationError(node, `The execution was canceled while the reply was streaming [item ${itemIndex}]`, {
			itemIndex,
			description: `Chat ${chatId}: the request was aborted; ${reply.text.length} characters had arrived.`,
		});
	/** Cancel always throws; a timeout yields the partial reply when the user accepts it. */
	const stopped = (reason: StopReason): ExchangeResult => {
		if (reason === 'cancelled') throw cancelled();
		const text = STOP_TEXT[reason];
		if (settings.acceptPartial) {
			return { reply, complete: false, stopReason: text.stop, totalMs: deps.now() - started, attempts, bytes };
		}
		const ms = reason === 'idle' ? settings.idleMs : settings.overallMs;
		throw chatStreamError(node, text.kind, { itemIndex, chatId, message: text.message(ms), partialText: reply.replyText() });
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
					responseType: 'stream',
					signal: watchdog.signal,
				},
				{ retry: settings.retry, signal: watchdog.signal, reauthenticate: deps.renewSession },
				{ node, itemIndex },
			);
		} catch (error) {
			if (watchdog.reason) return stopped(watchdog.reason);
			throw asNodeError(node, error, itemIndex);
		}
		attempts = sent.attempts;
		const { response } = expectSuccess(sent, { node, itemIndex, explain: explainChatStatus, target: { chatId } });
		watchdog.touch();
		const body = response.body as ByteStream;
		const contentType = response.headers['content-type'] ?? '';
		if (!/text\/event-stream/i.test(contentType)) {
			body.destroy();
			throw chatStreamError(node, 'notEventStream', {
				itemIndex,
				chatId,
				message: `The chat server answered HTTP ${response.status} with "${contentType || 'no content type'}" instead of an event stream`,
				partialText: '',
				extra: 'Check the Base URL: a proxy or login page may be answering instead of the chat API.',
			});
		}

		let read;
		try {
			read = await readSse(
				body,
				(message) => {
					const event = reply.take(normalizeChatMessage(message));
					if (event?.type === 'delta' && event.text && deps.onDelta) {
						const forwarded = deps.onDelta(event.text);
						if (forwarded) return forwarded.then(() => (reply.terminal ? 'stop' : undefined));
					}
					return reply.terminal ? 'stop' : undefined;
				},
				{ signal: watchdog.signal, onBytes: watchdog.touch },
			);
		} catch (error) {
			if (error instanceof SseStopped && watchdog.reason) return stopped(watchdog.reason);
			if (error instanceof Error && error.name === 'SseBufferExceeded') {
				throw chatStreamError(node, 'endedEarly', { itemIndex, chatId, message: error.message, partialText: reply.replyText() });
			}
			throw asNodeError(node, error, itemIndex);
		}
		bytes = read.bytes;

		if (reply.terminal === 'error') {
			const serverError = reply.error ?? { message: 'The server reported an error' };
			throw chatStreamError(node, 'errorEvent', {
				itemIndex,
				chatId,
				message: `The chat server failed while replying: ${serverError.message}${serverError.code ? ` (${serverError.code})` : ''}`,
				serverCode: serverError.code,
				partialText: reply.replyText(),
			});
		}
		if (!read.finished) {
			if (settings.acceptPartial) {
				return { reply, complete: false, stopReason: 'ended early', totalMs: deps.now() - started, attempts, bytes };
			}
			throw chatStreamError(node, 'endedEarly', {
				itemIndex,
				chatId,
				message: 'The reply ended early: the connection closed before the end of the reply',
				partialText: reply.replyText(),
				extra: `The stream stopped (${read.endedBy}) without an "end" or "complete" event. Enable Accept Partial Reply to keep what arrived.`,
			});
		}
		return { reply, complete: true, totalMs: deps.now() - started, attempts, bytes };
	} finally {
		watchdog.dispose();
	}
}
