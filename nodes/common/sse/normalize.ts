/**
 * Maps one SSE message from either vocabulary of the chat API (what the server implements and what its
 * documentation describes) onto ChatEvent:
 *
 * | server sends                                   | normalized            |
 * |------------------------------------------------|-----------------------|
 * | user_message {message:{id,role,content,...}}   | user_message          |
 * | start {messageId}                              | start                 |
 * | token {token} / content {delta}                | delta (text)          |
 * | tool_call {toolName,toolArgs}                  | tool_call             |
 * | tool_result {toolName,result}                  | tool_result           |
 * | complete {message:{id,content,sources},chatId} | end (text = content)  |
 * | end {messageId}                                | end                   |
 * | error {error:{message,code}} / {error,message} | error                 |
 *
 * The type comes from the JSON's `type`, or from the SSE `event:` field when the JSON has none.
 * Unknown types and data that is not JSON are reported, never thrown: the stream goes on.
 */
import type { ChatEvent, ChatSource, NormalizeResult, SseMessage } from './types';

type Json = Record<string, unknown>;

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const obj = (value: unknown): Json | undefined =>
	value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;

function sources(value: unknown): ChatSource[] | undefined {
	return Array.isArray(value) ? value.filter((entry): entry is ChatSource => obj(entry) !== undefined) : undefined;
}

/** Both error shapes: `{error:{message,code}}` (implemented) and `{error:"...", message:"..."}` (documented). */
function errorOf(json: Json): { message: string; code?: string } {
	const nested = obj(json.error);
	const message =
		str(nested?.message) ?? str(nested?.clientMessage) ?? str(json.message) ?? str(json.error) ?? 'The server reported an error';
	const code = str(nested?.code) ?? str(json.code) ?? (str(json.error) !== message ? str(json.error) : undefined);
	return code !== undefined ? { message, code } : { message };
}

/** Every type but the deltas, which deltaText maps first. */
function toEvent(type: string, json: Json): Omit<ChatEvent, 'serverType'> | undefined {
	switch (type) {
		case 'user_message': {
			const message = obj(json.message);
			return { type: 'user_message', messageId: str(message?.id), role: str(message?.role), createdAt: str(message?.createdAt), chatId: str(json.chatId) };
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
				createdAt: str(message?.createdAt),
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
const PLAIN_DELTAS: ReadonlyArray<{ prefix: string; serverType: 'token' | 'content'; key: 'token' | 'delta' }> = [
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
		return { kind: 'malformed', reason: (error as Error).message, data: message.data.slice(0, 200) };
	}
	const json = obj(raw);
	if (!json) return { kind: 'unknown', type: undefined, raw };
	const eventName = message.event !== undefined && message.event !== 'message' ? message.event : undefined;
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
