/**
 * The SSE decoder against the spec's cases, each fed whole, byte by byte, and split at every possible
 * byte offset (inside a line, inside CRLF, inside a multi-byte UTF-8 character).
 */
import { SseDecoder } from '../../nodes/common/sse/decoder';
import type { SseMessage } from '../../nodes/common/sse/types';

interface Case {
	name: string;
	input: string | Buffer;
	expected: SseMessage[];
	comments?: number;
}

const cases: Case[] = [
	{ name: 'one LF event', input: 'data: hello\n\n', expected: [{ data: 'hello' }] },
	{
		name: 'CRLF line endings',
		input: 'data: a\r\n\r\ndata: b\r\n\r\n',
		expected: [{ data: 'a' }, { data: 'b' }],
	},
	{
		name: 'lone CR line endings',
		input: 'data: a\r\rdata: b\r\r',
		expected: [{ data: 'a' }, { data: 'b' }],
	},
	{
		name: 'multi-line data joined with LF',
		input: 'data: line 1\ndata: line 2\ndata:line 3\n\n',
		expected: [{ data: 'line 1\nline 2\nline 3' }],
	},
	{
		name: 'only one space after the colon is removed',
		input: 'data:  two spaces\n\n',
		expected: [{ data: ' two spaces' }],
	},
	{
		name: 'comments and heartbeats are not events',
		input: ': ping\n\ndata: x\n\n:\n\n: keep-alive\n\n',
		expected: [{ data: 'x' }],
		comments: 3,
	},
	{
		name: 'UTF-8 BOM at the start',
		input: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('data: after bom\n\n')]),
		expected: [{ data: 'after bom' }],
	},
	{
		name: 'event: and id:, lastEventId persists',
		input: 'event: content\nid: 7\ndata: {"delta":"a"}\n\ndata: {"delta":"b"}\n\n',
		expected: [
			{ event: 'content', id: '7', lastEventId: '7', data: '{"delta":"a"}' },
			{ lastEventId: '7', data: '{"delta":"b"}' },
		],
	},
	{
		name: 'multi-byte UTF-8 (2, 3, 4 bytes)',
		input: 'data: {"token":"é€😀 中文"}\n\n',
		expected: [{ data: '{"token":"é€😀 中文"}' }],
	},
	{
		name: 'event without data is not dispatched',
		input: 'event: ping\n\ndata: y\n\n',
		expected: [{ data: 'y' }],
	},
	{
		name: 'unknown fields and retry are ignored',
		input: 'foo: bar\nretry: 3000\nretry: soon\ndata: z\n\n',
		expected: [{ data: 'z' }],
	},
	{
		name: 'a bare "data" line is an empty data field',
		input: 'data\n\n',
		expected: [{ data: '' }],
	},
	{
		name: 'trailing block without blank line is dropped at the end',
		input: 'data: done\n\ndata: unfinished',
		expected: [{ data: 'done' }],
	},
];

function run(chunks: Buffer[]): { messages: SseMessage[]; comments: number } {
	const decoder = new SseDecoder();
	const messages: SseMessage[] = [];
	for (const chunk of chunks) messages.push(...decoder.feed(chunk));
	messages.push(...decoder.end());
	return { messages, comments: decoder.comments };
}

describe.each(cases)('SseDecoder: $name', ({ input, expected, comments }) => {
	const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input, 'utf8');

	test('whole', () => {
		const result = run([bytes]);
		expect(result.messages).toEqual(expected);
		if (comments !== undefined) expect(result.comments).toBe(comments);
	});

	test('byte by byte', () => {
		const chunks = Array.from(bytes, (byte) => Buffer.from([byte]));
		expect(run(chunks).messages).toEqual(expected);
	});

	test('split at every offset', () => {
		for (let offset = 1; offset < bytes.length; offset++) {
			const result = run([bytes.subarray(0, offset), bytes.subarray(offset)]);
			expect({ offset, messages: result.messages }).toEqual({ offset, messages: expected });
		}
	});
});

test('a 4-byte character split 1+3, 2+2 and 3+1 across chunks decodes once', () => {
	const emoji = Buffer.from('😀', 'utf8');
	expect(emoji.length).toBe(4);
	for (let cut = 1; cut < 4; cut++) {
		const before = Buffer.from('data: {"token":"a', 'utf8');
		const after = Buffer.from('b"}\n\n', 'utf8');
		const chunks = [
			Buffer.concat([before, emoji.subarray(0, cut)]),
			Buffer.concat([emoji.subarray(cut), after]),
		];
		expect(run(chunks).messages).toEqual([{ data: '{"token":"a😀b"}' }]);
	}
});

test('CRLF split between CR and LF does not produce an extra blank line', () => {
	const result = run([
		Buffer.from('data: a\r'),
		Buffer.from('\ndata: b\r'),
		Buffer.from('\n\r'),
		Buffer.from('\n'),
	]);
	expect(result.messages).toEqual([{ data: 'a\nb' }]);
});

test('a line longer than the buffer limit fails instead of growing memory', () => {
	const decoder = new SseDecoder({ maxEventChars: 1000 });
	expect(decoder.feed(Buffer.from('data: ok\n\n'))).toEqual([{ data: 'ok' }]);
	const after: unknown[] = [];
	for (let i = 0; i < 20; i++) after.push(...decoder.feed(Buffer.from('data: ' + 'x'.repeat(100))));
	expect(decoder.overflow).toEqual({ limit: expect.any(Number) });
	// Nothing is decoded past the limit, not even a complete event that follows.
	expect(decoder.feed(Buffer.from('\n\ndata: later\n\n'))).toEqual([]);
	expect(after).toEqual([]);
});

test('a 10 MB event spanning thousands of chunks is assembled in linear time', () => {
	// Each of 2,560 chunks of 4 KiB: with quadratic re-copying this would move ~13 GB of text.
	const decoder = new SseDecoder();
	const piece = Buffer.from('y'.repeat(4096));
	decoder.feed(Buffer.from('data: '));
	let total = 0;
	for (let i = 0; i < 2560; i++) {
		expect(decoder.feed(piece)).toEqual([]);
		total += piece.length;
	}
	const [message] = decoder.feed(Buffer.from('\n\n'));
	expect(message.data.length).toBe(total);
});
