/**
 * Reads an SSE body to its end (or until the handler says stop), feeding the decoder chunk by chunk.
 *
 * - Backpressure: the next chunk is read only after the handler's work for the previous one (an async
 *   sendChunk to the n8n client) is done, so events are delivered in order and memory stays flat.
 * - Stopping: when `signal` fires (cancel, idle, overall timeout — see watchdog.ts) the body is destroyed
 *   at once and `readSse` rejects with SseStopped; the caller asks the watchdog why.
 * - A body that ends or breaks before the handler said stop resolves with `finished: false`: the caller
 *   decides whether that is an error ("ended early") or an accepted partial reply.
 */
/* eslint-disable @n8n/community-nodes/require-node-api-error --
 * SseStopped and the decoder's overflow are signals to the calling node, which turns them into a
 * NodeApiError naming the item (it alone knows the item, the partial text and why the watchdog fired). */

import { SseBufferExceeded, SseDecoder } from './decoder';
import type { SseMessage } from './types';

/** What the reader needs of a response body (a Node Readable), typed here so no stream module is imported. */
export interface ByteStream {
	iterator(options: { destroyOnReturn: boolean }): AsyncIterable<unknown>;
	/** What arrived but was not read yet; null when nothing is left. */
	read(): unknown;
	destroy(): unknown;
	resume(): unknown;
	on(event: 'error', listener: () => void): unknown;
}

/** Return 'stop' once the terminal event was seen; a promise is awaited before reading on. */
export type SseHandler = (message: SseMessage) => void | 'stop' | Promise<void | 'stop'>;

export interface ReadSseOptions {
	signal?: AbortSignal;
	/** Called for every chunk of bytes (the watchdog's touch). */
	onBytes?: (bytes: number) => void;
	maxEventChars?: number;
}

export interface ReadSseResult {
	/** The handler returned 'stop' (a terminal event arrived). */
	finished: boolean;
	bytes: number;
	/** Heartbeat comments seen. */
	comments: number;
	/** Why the body ended without a terminal event: 'end' (closed cleanly) or the socket error's code. */
	endedBy?: string;
}

export class SseStopped extends Error {
	constructor() {
		super('Reading the event stream was stopped');
		this.name = 'SseStopped';
	}
}

export async function readSse(body: ByteStream, handler: SseHandler, options: ReadSseOptions = {}): Promise<ReadSseResult> {
	const decoder = new SseDecoder({ maxEventChars: options.maxEventChars });
	const { signal } = options;
	let bytes = 0;
	const onAbort = () => body.destroy();
	if (signal?.aborted) {
		body.destroy();
		throw new SseStopped();
	}
	signal?.addEventListener('abort', onAbort, { once: true });

	const deliver = async (messages: SseMessage[]): Promise<boolean> => {
		for (const message of messages) {
			let outcome = handler(message);
			if (outcome !== undefined && typeof outcome !== 'string') outcome = await outcome;
			if (outcome === 'stop') return true;
		}
		return false;
	};

	try {
		try {
			// destroyOnReturn: false keeps the socket usable after an early return (see below).
			for await (const chunk of body.iterator({ destroyOnReturn: false })) {
				const buffer = chunk as Uint8Array;
				bytes += buffer.length;
				options.onBytes?.(buffer.length);
				if (await deliver(decoder.feed(buffer))) {
					// The reply is complete. Whatever follows is drained in the background so the socket can
					// go back to the keep-alive pool; the watchdog no longer applies.
					signal?.removeEventListener('abort', onAbort);
					body.resume();
					body.on('error', () => {});
					return { finished: true, bytes, comments: decoder.comments };
				}
				if (signal?.aborted) throw new SseStopped();
			}
		} catch (error) {
			if (signal?.aborted) throw new SseStopped();
			if (error instanceof SseBufferExceeded) throw error;
			// The connection broke mid-stream. The iterator gives up at the error, but the bytes that had
			// arrived and were not read yet (the handler was still busy with earlier ones) are still in the
			// body's buffer: they are decoded and delivered first, then the early end is reported.
			const code = String((error as { code?: unknown })?.code ?? 'ERR_STREAM');
			for (let rest = body.read(); rest !== null; rest = body.read()) {
				const buffer = rest as Uint8Array;
				bytes += buffer.length;
				if (await deliver(decoder.feed(buffer))) return { finished: true, bytes, comments: decoder.comments };
			}
			if (await deliver(decoder.end())) return { finished: true, bytes, comments: decoder.comments };
			return { finished: false, bytes, comments: decoder.comments, endedBy: code };
		}
		if (signal?.aborted) throw new SseStopped();
		const finished = await deliver(decoder.end());
		return { finished, bytes, comments: decoder.comments, ...(finished ? {} : { endedBy: 'end' }) };
	} finally {
		signal?.removeEventListener('abort', onAbort);
	}
}
/* eslint-enable @n8n/community-nodes/require-node-api-error */
