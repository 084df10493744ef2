/**
 * Reads an SSE body (a web ReadableStream, as `fetch` gives it) to its end, or until the handler says stop.
 *
 * - Two loops. The pump reads bytes as soon as they arrive and decodes them into messages; the handler gets
 *   them one at a time, in order, the next only after its work for the previous one (an async sendChunk to
 *   the n8n client) is done. The pump runs ahead because a stream that fails drops whatever it had queued
 *   and not yet read: bytes that arrived before a connection broke are read, not lost. It pauses while
 *   more than READ_AHEAD_CHARS of messages wait, so memory stays flat.
 * - Stopping: when `signal` fires (cancel, idle, overall timeout — see watchdog.ts) the body is cancelled at
 *   once and `readSse` reports `stopped`; the caller asks the watchdog why.
 * - A body that ends or breaks before the handler said stop reports `finished: false`: the caller decides
 *   whether that is an error ("ended early") or an accepted partial reply.
 *
 * Nothing here throws: every outcome is a value, so the node alone turns it into its error (it alone knows
 * the item, the partial text and why the watchdog fired).
 */
import { abortableSleep } from '../abortableSleep';
import { toTransportFailure } from '../transport/failure';
import type { TransportFailure } from '../transport/types';
import { SseDecoder } from './decoder';
import type { SseMessage } from './types';

/** Return 'stop' once the terminal event was seen; a promise is awaited before the next message. */
export type SseHandler = (message: SseMessage) => void | 'stop' | Promise<void | 'stop'>;

export interface ReadSseOptions {
	signal?: AbortSignal;
	/** Called for every chunk of bytes (the watchdog's touch). */
	onBytes?: (bytes: number) => void;
	maxEventChars?: number;
}

export type ReadSseResult = {
	bytes: number;
	/** Heartbeat comments seen. */
	comments: number;
} & (
	| { outcome: 'finished' }
	/**
	 * The body ended or broke first: 'end' (closed cleanly) or the error's code; `failure` says how it broke
	 * (a connection closed early, or an answer that broke HTTP's rules).
	 */
	| { outcome: 'ended'; endedBy: string; failure?: TransportFailure }
	/** The signal fired. */
	| { outcome: 'stopped' }
	/** An event grew past `maxEventChars` without ending. */
	| { outcome: 'overflow'; limit: number }
);

/** Decoded messages the pump may hold before it waits for the handler. */
const READ_AHEAD_CHARS = 1024 * 1024;
/**
 * After the terminal event the rest of the body is read, so the connection can return to the pool: at most
 * this many bytes, for at most this long; then the body is cancelled (its connection closed).
 */
const DRAIN_BYTES = 64 * 1024;
const DRAIN_MS = 1000;

export async function readSse(
	body: ReadableStream<Uint8Array>,
	handler: SseHandler,
	options: ReadSseOptions = {},
): Promise<ReadSseResult> {
	const reader = body.getReader();
	const decoder = new SseDecoder({ maxEventChars: options.maxEventChars });
	const { signal } = options;

	// Messages decoded and not yet handled: `queue` from index `head` on (compacted as it is consumed).
	let queue: SseMessage[] = [];
	let head = 0;
	let queuedChars = 0;
	let bytes = 0;
	/** How the pump ended: 'end', an error, or the decoder's overflow. */
	let ended: { endedBy: string; failure?: TransportFailure } | { limit: number } | undefined;
	let finished = false;
	let drainUntil = Infinity;
	let wakeHandler: (() => void) | undefined;
	let wakePump: (() => void) | undefined;
	const wake = () => {
		const handlerWaiting = wakeHandler;
		wakeHandler = undefined;
		handlerWaiting?.();
	};
	const resumePump = () => {
		const pumpWaiting = wakePump;
		wakePump = undefined;
		pumpWaiting?.();
	};

	const enqueue = (messages: SseMessage[]) => {
		for (const message of messages) {
			queue.push(message);
			queuedChars += message.data.length;
		}
		if (messages.length) wake();
	};

	const pump = async () => {
		try {
			for (;;) {
				while (!finished && queuedChars > READ_AHEAD_CHARS)
					await new Promise<void>((resolve) => (wakePump = resolve));
				const { done, value } = await reader.read();
				if (done) {
					if (!finished) enqueue(decoder.end());
					ended = { endedBy: 'end' };
					return;
				}
				bytes += value.byteLength;
				if (finished) {
					// Read on past the reply so the connection can be reused, but not forever.
					if (bytes > drainUntil) {
						await reader.cancel().catch(() => {});
						return;
					}
					continue;
				}
				options.onBytes?.(value.byteLength);
				enqueue(decoder.feed(value));
				if (decoder.overflow) {
					ended = { limit: decoder.overflow.limit };
					await reader.cancel().catch(() => {});
					return;
				}
			}
		} catch (error) {
			// The stream broke: what the decoder holds of a complete block is delivered, then the early end.
			if (!finished) enqueue(decoder.end());
			const failure = toTransportFailure(error);
			ended = { endedBy: failure.code, failure };
		} finally {
			pumpDone.abort();
			wake();
		}
	};
	/** Aborted when the pump has stopped: ends the drain's wait. */
	const pumpDone = new AbortController();
	const onAbort = () => {
		void reader.cancel().catch(() => {});
		wake();
	};
	if (signal?.aborted) {
		await reader.cancel().catch(() => {});
		return { outcome: 'stopped', bytes, comments: decoder.comments };
	}
	signal?.addEventListener('abort', onAbort, { once: true });
	void pump();

	const result = (): ReadSseResult => {
		const counts = { bytes, comments: decoder.comments };
		if (signal?.aborted) return { outcome: 'stopped', ...counts };
		if (ended && 'limit' in ended) return { outcome: 'overflow', limit: ended.limit, ...counts };
		if (ended && 'failure' in ended && ended.failure)
			return { outcome: 'ended', endedBy: ended.endedBy, failure: ended.failure, ...counts };
		return { outcome: 'ended', endedBy: ended?.endedBy ?? 'end', ...counts };
	};

	try {
		for (;;) {
			if (signal?.aborted) return result();
			if (head < queue.length) {
				const message = queue[head++];
				queuedChars -= message.data.length;
				if (head === queue.length) {
					queue = [];
					head = 0;
				} else if (head >= 1024) {
					queue = queue.slice(head);
					head = 0;
				}
				resumePump();
				let outcome = handler(message);
				if (outcome !== undefined && typeof outcome !== 'string') outcome = await outcome;
				if (outcome === 'stop') {
					finished = true;
					drainUntil = bytes + DRAIN_BYTES;
					signal?.removeEventListener('abort', onAbort);
					// The pump drains the rest in the background, for a bounded time.
					resumePump();
					void abortableSleep(DRAIN_MS, pumpDone.signal).then(() => {
						if (!pumpDone.signal.aborted) void reader.cancel().catch(() => {});
					});
					return { outcome: 'finished', bytes, comments: decoder.comments };
				}
				continue;
			}
			if (ended) return result();
			await new Promise<void>((resolve) => (wakeHandler = resolve));
		}
	} finally {
		if (!finished) {
			signal?.removeEventListener('abort', onAbort);
			await reader.cancel().catch(() => {});
		}
	}
}
