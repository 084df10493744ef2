/**
 * Bytes in, SSE messages out. UTF-8 decoding is streaming (a character split across chunks is held
 * until its last byte arrives; a leading BOM is dropped), and line/field parsing is eventsource-parser's.
 *
 * `feed` returns the messages a chunk completed instead of calling back, so the caller can await work
 * per message (n8n's sendChunk is async) without the parser's synchronous callbacks getting in the way.
 */
// eventsource-parser 3.1.1 is bundled into dist by the build (gulpfile.js), so the package has no runtime
// dependency: the newest version that is real CommonJS, with the O(N²) fixes (3.0.8) and maxBufferSize (3.1.0).
import { createParser, type EventSourceParser } from 'eventsource-parser';

import type { SseMessage } from './types';

/**
 * Characters one SSE block may buffer (an unterminated line plus the data of an unfinished event).
 * A whole 10 MB reply arrives in one `complete` event on the real server, so the limit is above that; it is
 * there so a server that never ends a line cannot grow memory without bound (at 16 Mi characters a hostile
 * endless event holds about 50–100 MB before it is refused: `npm run test:hostile`).
 */
export const DEFAULT_MAX_EVENT_CHARS = 16 * 1024 * 1024;

/** What the node says when an event grows past the limit. */
export function overflowMessage(limit: number): string {
	return `A server-sent event exceeded ${limit} characters without ending`;
}

export class SseDecoder {
	private readonly text = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });

	private readonly parser: EventSourceParser;

	private pending: SseMessage[] = [];

	private lastEventId: string | undefined;

	/** Set once an event grew past the limit; nothing is decoded after it. */
	overflow: { limit: number } | undefined;

	/** Comments (": ping") seen so far: heartbeats, counted, never dispatched. */
	comments = 0;

	constructor(options: { maxEventChars?: number } = {}) {
		const limit = options.maxEventChars ?? DEFAULT_MAX_EVENT_CHARS;
		this.parser = createParser({
			maxBufferSize: limit,
			onEvent: (message) => {
				if (message.id !== undefined) this.lastEventId = message.id;
				const out: SseMessage = { data: message.data };
				if (message.event !== undefined) out.event = message.event;
				if (message.id !== undefined) out.id = message.id;
				if (this.lastEventId !== undefined) out.lastEventId = this.lastEventId;
				this.pending.push(out);
			},
			onComment: () => {
				this.comments++;
			},
			onError: (error) => {
				// invalid-retry and unknown-field are tolerated, as a browser's EventSource does.
				if (error.type === 'max-buffer-size-exceeded') this.overflow = { limit };
			},
		});
	}

	/** Decodes one chunk of bytes; returns the messages it completed, in order (none once `overflow` is set). */
	feed(chunk: Uint8Array): SseMessage[] {
		return this.parse(this.text.decode(chunk, { stream: true }));
	}

	/** Flushes the UTF-8 decoder at the end of the stream. A block without its blank line is dropped, per the spec. */
	end(): SseMessage[] {
		const rest = this.text.decode();
		// The parser holds a CR that ends its input, waiting to see whether LF follows; at the end of the
		// stream nothing follows, so that CR ended the line. An LF after it is read as the same line end.
		return this.parse((rest === '' ? this.endsWithCr : rest.endsWith('\r')) ? `${rest}\n` : rest);
	}

	private endsWithCr = false;

	private parse(text: string): SseMessage[] {
		if (this.overflow) return [];
		if (text !== '') {
			this.endsWithCr = text.charCodeAt(text.length - 1) === 13;
			this.parser.feed(text);
		}
		if (this.overflow) {
			this.pending = [];
			return [];
		}
		const out = this.pending;
		this.pending = [];
		return out;
	}
}
