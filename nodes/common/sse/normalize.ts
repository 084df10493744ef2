/**
 * Maps one SSE message from either vocabulary of the chat API (what the server implements and what its
 * documentation describes) onto ChatEvent:
 *
 * | server sends                                   | normalized                    |
 * |------------------------------------------------|-------------------------------|
 * | user_message {message:{id,role,content,...}}   | user_message (text = content) |
 * | start {messageId}                              | start                         |
 * | token {token} / content {delta}                | delta (text)                  |
 * | tool_call {toolName,toolArgs}                  | tool_call                     |
 * | tool_result {toolName,result}                  | tool_result                   |
 * | complete {message:{id,content,sources},chatId} | end (text = content)          |
 * | end {messageId}                                | end                           |
 * | error {error:{...}} / {error,message}          | error                         |
 *
 * An `error` event comes in two shapes from the real server: the LLM broke off mid-reply,
 * `{error:{message:"Streaming failed",code:"STREAMING_ERROR"},chatId}`; or it failed before its first token
 * and the server sends its whole error body (ResourceError, resourceError.ts), without chatId, the cause in
 * `error.error[].message`. Both become `error: {message, code, requestId}` with the server's specific words.
 * Times (`createdAt`) become ISO 8601 UTC (the server sends Postgres text, `2026-12-03T15:11:12.179222+00:00`).
 *
 * The type comes from the JSON's `type`, or from the SSE `event:` field when the JSON has none.
 * Unknown types and data that is not JSON are reported, never thrown: the stream goes on.
 */
import { readServerError } from '../resourceError';
import type { ChatEvent, ChatEventError, ChatSource, NormalizeResult, SseMessage } from './types';

type Json = Record<string, unknown>;

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const obj = (value: unknown): Json | undefined =>
	value !== null && typeof value === 'object' && !Array.isArray(value)
		? (value as Json)
		: undefined;

function sources(value: unknown): ChatSource[] | undefined {
	return Array.isArray(value)
		? value.filter((entry): entry is ChatSource => obj(entry) !== undefined)
		: undefined;
}

/** Both error shapes: the server's error body under `error` (implemented), or `{error:"CODE", message}` (documented). */
function errorOf(json: Json): ChatEventError {
	const said = readServerError(obj(json.error) ?? json);
	const error: ChatEventError = { message: said?.message ?? 'The server reported an error' };
	if (said?.code !== undefined) error.code = said.code;
	if (said?.requestId !== undefined) error.requestId = said.requestId;
	return error;
}

const POSTGRES_TIME =
	/^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * A time as ISO 8601 UTC with milliseconds (`2026-12-03T15:11:12.179Z`), from Postgres text
 * (`2026-12-03T15:11:12.179222+00:00`, `2026-12-03 15:11:12.179222+00`) or any ISO 8601 time; a time
 * without a zone is taken as UTC. Text that is no such time is kept as it is.
 */
export function isoUtc(value: string | undefined): string | undefined {
	if (value === undefined) return undefined;
	const match = POSTGRES_TIME.exec(value.trim());
	if (!match) return value;
	const [, date, time, fraction = '', zone = 'Z'] = match;
	const millis = `${fraction.slice(1, 4)}000`.slice(0, 3);
	let offset = zone.toUpperCase();
	if (offset !== 'Z')
		offset =
			offset.length === 3
				? `${offset}:00`
				: offset.includes(':')
					? offset
					: `${offset.slice(0, 3)}:${offset.slice(3)}`;
	const parsed = new Date(`${date}T${time}.${millis}${offset}`);
	return Number.isNaN(parsed.getTime()) ? value : parsed.toISOString();
}

/** Every type but the deltas, which deltaText maps first. */
function toEvent(type: string, json: Json): Omit<ChatEvent, 'serverType'> | undefined {
	switch (type) {
		case 'user_message': {
			const message = obj(json.message);
			return {
				type: 'user_message',
				messageId: str(message?.id),
				role: str(message?.role),
				text: str(message?.content),
				createdAt: isoUtc(str(message?.createdAt)),
				chatId: str(json.chatId),
			};
		}
		case 'start':
			return { type: 'start', messageId: str(json.messageId), chatId: str(json.chatId) };
		case 'tool_call':
			return { type: 'tool_call', toolName: str(json.toolName), toolArgs: json.toolArgs };
		case 'tool_result':
			return { type: 'tool_result', toolName: str(json.toolName), toolResult: json.result };
		case 'complete': {
			const message = obj(json.message);
			return {
				type: 'end',
				messageId: str(message?.id),
				role: str(message?.role),
				createdAt: isoUtc(str(message?.createdAt)),
				text: str(message?.content),
				sources: sources(message?.sources),
				chatId: str(json.chatId),
			};
		}
		case 'end':
			return { type: 'end', messageId: str(json.messageId), chatId: str(json.chatId) };
		case 'error':
			return { type: 'error', error: errorOf(json), chatId: str(json.chatId) };
		default:
			return undefined;
	}
}

/** Drops undefined fields so output items carry only what the server said. */
function compact(event: ChatEvent): ChatEvent {
	const out: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(event)) if (value !== undefined) out[key] = value;
	return out as unknown as ChatEvent;
}

/** The hot path (one event per token): a delta built directly, without the generic mapping and compaction. */
function deltaText(type: string | undefined, json: Json): string | undefined {
	if (type === 'token') return str(json.token) ?? '';
	if (type === 'content') return str(json.delta) ?? str(json.content) ?? '';
	return undefined;
}

/**
 * The two delta shapes exactly as JSON.stringify writes them (the real server is a JS app; see the example
 * streams). A token event is ~50 bytes, so JSON.parse (a full object with two keys, per token) is most of
 * what the node spends per event; these prefixes let the plain case skip it.
 */
const PLAIN_DELTAS: ReadonlyArray<{
	prefix: string;
	serverType: 'token' | 'content';
	key: 'token' | 'delta';
}> = [
	{ prefix: '{"type":"token","token":"', serverType: 'token', key: 'token' },
	{ prefix: '{"type":"content","delta":"', serverType: 'content', key: 'delta' },
];

/**
 * Which PLAIN_DELTAS shape the data is, exactly `{"type":"<t>","<key>":"<text>"}` with no escape, quote or
 * control character in the text (then `<text>` is the string JSON.parse would return), or -1. Anything
 * else (escapes, spaces, more keys, another order) goes through JSON.parse, so the result never differs
 * from the general path, only its cost.
 */
function plainDeltaShape(data: string): number {
	const end = data.length - 2;
	// `"}` closes it: checked first, as it rejects most other events without comparing prefixes.
	if (data.charCodeAt(end) !== 34 || data.charCodeAt(end + 1) !== 125) return -1;
	for (let shape = 0; shape < PLAIN_DELTAS.length; shape++) {
		const { prefix } = PLAIN_DELTAS[shape];
		if (end < prefix.length || !data.startsWith(prefix)) continue;
		for (let i = prefix.length; i < end; i++) {
			const code = data.charCodeAt(i);
			// '"' (34) and '\\' (92) need JSON's rules; a raw control character makes JSON.parse throw.
			if (code === 34 || code === 92 || code < 32) return -1;
		}
		return shape;
	}
	return -1;
}

export function normalizeChatMessage(message: SseMessage): NormalizeResult {
	const { data } = message;
	const shape = plainDeltaShape(data);
	if (shape >= 0) {
		const { prefix, serverType, key } = PLAIN_DELTAS[shape];
		const text = data.slice(prefix.length, data.length - 2);
		const delta: ChatEvent = { type: 'delta', serverType, text };
		if (message.id !== undefined) delta.id = message.id;
		// The same object JSON.parse would have made, for Include Raw Events.
		return { kind: 'event', event: delta, raw: { type: serverType, [key]: text } };
	}
	let raw: unknown;
	try {
		raw = JSON.parse(message.data);
	} catch (error) {
		return {
			kind: 'malformed',
			reason: (error as Error).message,
			data: message.data.slice(0, 200),
		};
	}
	const json = obj(raw);
	if (!json) return { kind: 'unknown', type: undefined, raw };
	const eventName =
		message.event !== undefined && message.event !== 'message' ? message.event : undefined;
	const type = str(json.type) ?? eventName;
	const text = deltaText(type, json);
	if (text !== undefined) {
		const delta: ChatEvent = { type: 'delta', serverType: type!, text };
		if (message.id !== undefined) delta.id = message.id;
		return { kind: 'event', event: delta, raw };
	}
	const mapped = type === undefined ? undefined : toEvent(type, json);
	if (!mapped || type === undefined) return { kind: 'unknown', type, raw };
	const event: ChatEvent = { ...mapped, serverType: type };
	if (message.id !== undefined) event.id = message.id;
	return { kind: 'event', event: compact(event), raw };
}
