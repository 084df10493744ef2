/**
 * Both vocabularies of the chat API onto one event shape; the contract's own fixtures
 * (test/fixtures/chat/*.sse) are decoded and normalized end to end.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { SseDecoder } from '../../nodes/common/sse/decoder';
import { isoUtc, normalizeChatMessage } from '../../nodes/common/sse/normalize';
import type { ChatEvent } from '../../nodes/common/sse/types';

const event = (data: unknown, extra: { event?: string; id?: string } = {}) =>
	normalizeChatMessage({ data: typeof data === 'string' ? data : JSON.stringify(data), ...extra });

const cases: Array<[string, unknown, Partial<ChatEvent>]> = [
	[
		'implemented token',
		{ type: 'token', token: 'Hi' },
		{ type: 'delta', serverType: 'token', text: 'Hi' },
	],
	[
		'documented content',
		{ type: 'content', delta: ' there' },
		{ type: 'delta', serverType: 'content', text: ' there' },
	],
	[
		'implemented user_message',
		{ type: 'user_message', message: { id: 'u1', role: 'user', content: 'hi', createdAt: 't0' } },
		{
			type: 'user_message',
			serverType: 'user_message',
			messageId: 'u1',
			role: 'user',
			text: 'hi',
			createdAt: 't0',
		},
	],
	[
		'documented start',
		{ type: 'start', messageId: 'm1' },
		{ type: 'start', serverType: 'start', messageId: 'm1' },
	],
	[
		'documented tool_call',
		{ type: 'tool_call', toolName: 'webSearch', toolArgs: { query: 'q' } },
		{ type: 'tool_call', serverType: 'tool_call', toolName: 'webSearch', toolArgs: { query: 'q' } },
	],
	[
		'documented tool_result',
		{ type: 'tool_result', toolName: 'webSearch', result: { hits: 1 } },
		{
			type: 'tool_result',
			serverType: 'tool_result',
			toolName: 'webSearch',
			toolResult: { hits: 1 },
		},
	],
	[
		'implemented complete',
		{
			type: 'complete',
			message: {
				id: 'a1',
				role: 'assistant',
				content: 'Hi there',
				createdAt: 't1',
				sources: [{ url: 'u', title: 't', description: 'd' }],
			},
			chatId: 'c1',
		},
		{
			type: 'end',
			serverType: 'complete',
			messageId: 'a1',
			role: 'assistant',
			text: 'Hi there',
			createdAt: 't1',
			chatId: 'c1',
			sources: [{ url: 'u', title: 't', description: 'd' }],
		},
	],
	[
		'documented end',
		{ type: 'end', messageId: 'm1' },
		{ type: 'end', serverType: 'end', messageId: 'm1' },
	],
	[
		'implemented error',
		{
			type: 'error',
			error: { message: 'Streaming failed', code: 'STREAMING_ERROR' },
			chatId: 'c1',
		},
		{
			type: 'error',
			serverType: 'error',
			error: { message: 'Streaming failed', code: 'STREAMING_ERROR' },
			chatId: 'c1',
		},
	],
	[
		'implemented error carrying a ResourceError',
		{
			type: 'error',
			error: {
				message: 'Model overloaded',
				clientMessage: 'Try later',
				code: 'LLM_ERROR',
				statusCode: 503,
			},
		},
		{ type: 'error', error: { message: 'Model overloaded', code: 'LLM_ERROR' } },
	],
	[
		'documented error',
		{ type: 'error', error: 'STREAM_FAILED', message: 'The model failed' },
		{ type: 'error', error: { message: 'The model failed', code: 'STREAM_FAILED' } },
	],
];

test.each(cases)('%s', (_name, data, expected) => {
	const result = event(data);
	expect(result.kind).toBe('event');
	if (result.kind === 'event') {
		expect(result.event).toEqual(
			expected.serverType ? expected : expect.objectContaining(expected),
		);
		expect(result.raw).toEqual(data);
	}
});

test('unknown types and JSON without a type are ignored, not thrown', () => {
	expect(event({ type: 'title_updated', title: 'x' })).toEqual({
		kind: 'unknown',
		type: 'title_updated',
		raw: { type: 'title_updated', title: 'x' },
	});
	expect(event({ hello: 1 })).toMatchObject({ kind: 'unknown', type: undefined });
	expect(event([1, 2])).toMatchObject({ kind: 'unknown' });
	expect(event('42')).toMatchObject({ kind: 'unknown' });
});

test('malformed JSON is reported as malformed', () => {
	for (const data of ['{"type":"token","token":"a"', 'not json', '']) {
		expect(event(data)).toMatchObject({ kind: 'malformed', data });
	}
});

test('the SSE event: field names the type when the JSON has none; the id is kept', () => {
	expect(event({ delta: 'x' }, { event: 'content', id: '9' })).toEqual({
		kind: 'event',
		event: { type: 'delta', serverType: 'content', text: 'x', id: '9' },
		raw: { delta: 'x' },
	});
	// "message" is the SSE default event name, not a type.
	expect(event({ delta: 'x' }, { event: 'message' })).toMatchObject({ kind: 'unknown' });
	// The JSON's own type wins.
	expect(event({ type: 'token', token: 'y' }, { event: 'content' })).toMatchObject({
		kind: 'event',
		event: { serverType: 'token', text: 'y' },
	});
});

const fixtures = join(__dirname, '..', 'fixtures', 'chat');
const decodeFixture = (name: string) => {
	const decoder = new SseDecoder();
	return [...decoder.feed(readFileSync(join(fixtures, name))), ...decoder.end()].map(
		normalizeChatMessage,
	);
};

test('fixture: implemented-stream.sse', () => {
	const events = decodeFixture('implemented-stream.sse').map((result) =>
		result.kind === 'event' ? result.event.type : result.kind,
	);
	expect(events).toEqual(['user_message', 'delta', 'delta', 'end']);
});

test('fixture: documented-stream.sse', () => {
	const events = decodeFixture('documented-stream.sse').map((result) =>
		result.kind === 'event' ? result.event.type : result.kind,
	);
	expect(events).toEqual(['start', 'delta', 'delta', 'tool_call', 'tool_result', 'delta', 'end']);
});

test('fixture: implemented-stream-error.sse', () => {
	const last = decodeFixture('implemented-stream-error.sse').at(-1);
	expect(last).toMatchObject({
		kind: 'event',
		event: { type: 'error', error: { message: 'Streaming failed', code: 'STREAMING_ERROR' } },
	});
});

describe("the real server's streams (test/contract/chat-captured)", () => {
	const captured = join(__dirname, '..', 'contract', 'chat-captured');
	const decode = (name: string) => {
		const decoder = new SseDecoder();
		return [...decoder.feed(readFileSync(join(captured, name))), ...decoder.end()].map((result) => {
			const normalized = normalizeChatMessage(result);
			if (normalized.kind !== 'event')
				throw new Error(`${name}: an event the node did not understand (${normalized.kind})`);
			return normalized.event;
		});
	};

	test("a reply: Postgres times as ISO 8601 UTC, the IDs, the user's text, the chat ID", () => {
		const events = decode('stream.sse');
		expect(events.map((entry) => entry.type)).toEqual([
			'user_message',
			...Array(8).fill('delta'),
			'end',
		]);
		expect(events[0]).toEqual({
			type: 'user_message',
			serverType: 'user_message',
			messageId: '95f7d3de-8b35-4a27-bc8e-f3fc360cad59',
			role: 'user',
			text: 'hello there',
			createdAt: '2026-12-03T15:11:11.479Z',
		});
		expect(events.at(-1)).toEqual({
			type: 'end',
			serverType: 'complete',
			messageId: '0ba1dce4-d580-41fc-bc17-a466260aaa5c',
			role: 'assistant',
			text: 'tok0 tok1 tok2 tok3 tok4 tok5 tok6 tok7',
			createdAt: '2026-12-03T15:11:12.179Z',
			sources: [],
			chatId: '9bce2a34-8063-4c32-a2d9-5fa1887cc65f',
		});
	});

	test("the error event of a model that failed before its first token: the server's error body, no chat ID", () => {
		for (const [file, requestId] of [
			['llm-fails-before-tokens.body', 'c16b48d2-24ce-43a1-9334-f08106624457'],
			['gemini-no-provider.body', '16fbdf2f-3681-4768-9183-314ebd9ae2ec'],
		]) {
			expect(decode(file).at(-1)).toEqual({
				type: 'error',
				serverType: 'error',
				error: {
					message:
						'new row for relation "messages" violates check constraint "messages_content_check"',
					code: 'INTERNAL_SERVER_ERROR',
					requestId,
				},
			});
		}
	});

	test('the error event of a model that broke off mid-reply: its code and the chat ID', () => {
		const events = decode('llm-cut-mid-stream.body');
		expect(events.map((entry) => entry.type)).toEqual(['user_message', 'delta', 'error']);
		expect(events[2]).toEqual({
			type: 'error',
			serverType: 'error',
			error: { message: 'Streaming failed', code: 'STREAMING_ERROR' },
			chatId: 'd7661dd0-07ce-4584-a009-7b4d9a278b9d',
		});
	});
});

describe('times as ISO 8601 UTC', () => {
	test.each<[string, string]>([
		['2026-12-03T15:11:12.179222+00:00', '2026-12-03T15:11:12.179Z'],
		['2026-12-03T15:11:11.47908+00:00', '2026-12-03T15:11:11.479Z'],
		['2026-12-03T15:11:11.5+00:00', '2026-12-03T15:11:11.500Z'],
		['2026-12-03T15:11:11+00:00', '2026-12-03T15:11:11.000Z'],
		['2026-12-03 15:11:12.179222+00', '2026-12-03T15:11:12.179Z'],
		['2026-12-03T17:11:12.179222+02:00', '2026-12-03T15:11:12.179Z'],
		['2026-12-03T10:11:12.179-0500', '2026-12-03T15:11:12.179Z'],
		['2026-12-03T15:11:12.179Z', '2026-12-03T15:11:12.179Z'],
		['2026-12-03T15:11:12.179', '2026-12-03T15:11:12.179Z'],
	])('%s', (text, iso) => expect(isoUtc(text)).toBe(iso));

	test('text that is no time is kept as it is', () => {
		for (const text of ['t0', 'yesterday', '2026-13-45T99:99:99Z', ''])
			expect(isoUtc(text)).toBe(text);
		expect(isoUtc(undefined)).toBeUndefined();
	});
});

describe('the plain-token shortcut gives exactly what JSON.parse gives', () => {
	// A leading space keeps the same JSON but bypasses the shortcut, so the general path is the oracle.
	// Malformed data is compared by kind and data: the parser's message names a position, one further on.
	const comparable = (result: ReturnType<typeof normalizeChatMessage>) =>
		result.kind === 'malformed'
			? { kind: result.kind, data: String((result as { data?: string }).data).trim() }
			: result;
	const both = (data: string, id?: string) => [
		comparable(normalizeChatMessage({ data, id })),
		comparable(normalizeChatMessage({ data: ` ${data}`, id })),
	];

	test.each<[string, string]>([
		['plain token', JSON.stringify({ type: 'token', token: 'Hello world' })],
		['plain content delta', JSON.stringify({ type: 'content', delta: ' and more' })],
		['empty token', JSON.stringify({ type: 'token', token: '' })],
		['emoji and accents', JSON.stringify({ type: 'token', token: 'Zoë 🚀 ünïcödé' })],
		['escaped quote', JSON.stringify({ type: 'token', token: 'say "hi"' })],
		['escaped backslash', JSON.stringify({ type: 'token', token: 'C:\\path' })],
		['escaped newline and tab', JSON.stringify({ type: 'token', token: 'a\nb\tc' })],
		['escaped control character', JSON.stringify({ type: 'token', token: '\u0001' })],
		[
			'lone surrogate (escaped by JSON.stringify)',
			JSON.stringify({ type: 'token', token: '\ud800x' }),
		],
		['unicode escape written by hand', '{"type":"token","token":"caf\\u00e9"}'],
		['raw lone surrogate', '{"type":"token","token":"\ud800"}'],
		['a quote that closes early', '{"type":"token","token":"a"}"}'],
		['extra key', '{"type":"token","token":"a","index":3}'],
		['other key order', '{"token":"a","type":"token"}'],
		['spaces', '{"type": "token", "token": "a"}'],
		['truncated', '{"type":"token","token":"ab'],
		['wrong closing', '{"type":"token","token":"ab"]'],
		['raw control character (invalid JSON)', '{"type":"token","token":"a\u0001b"}'],
		['content shape with token key', '{"type":"content","token":"a"}'],
		['token shape with delta key', '{"type":"token","delta":"a"}'],
	])('%s', (_name, data) => {
		const [shortcut, general] = both(data, 'id-7');
		expect(shortcut).toEqual(general);
	});

	test('2,000 seeded random tokens, including quotes, backslashes and control characters', () => {
		let state = 42;
		const random = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
		const alphabet = [
			'a',
			' ',
			'"',
			'\\',
			'\n',
			'\u0000',
			'\u001f',
			'é',
			'🚀',
			'\ud800',
			'}',
			'{',
			':',
			',',
		];
		for (let n = 0; n < 2000; n++) {
			const token = Array.from(
				{ length: Math.floor(random() * 8) },
				() => alphabet[Math.floor(random() * alphabet.length)],
			).join('');
			const type = random() < 0.5 ? 'token' : 'content';
			const data =
				type === 'token' ? JSON.stringify({ type, token }) : JSON.stringify({ type, delta: token });
			const [shortcut, general] = both(data);
			expect(shortcut).toEqual(general);
		}
	});
});
