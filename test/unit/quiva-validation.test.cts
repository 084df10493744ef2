import {
	DEFAULT_MAX_PAYLOAD_BYTES,
	publishPath,
	validatePublishMessage,
	type FieldProblem,
} from '../../nodes/QuivaStreamPublish/validation';

const ok = { stream: 'orders', subject: 'orders.created', body: { id: 1 } };

describe('validatePublishMessage accepts', () => {
	test.each([
		['a plain message', ok],
		['a 255-character stream name', { ...ok, stream: 'a'.repeat(255) }],
		['dashes and underscores in the stream', { ...ok, stream: 'my-stream_2' }],
		['a single-token subject', { ...ok, subject: 'audit' }],
		['a subject token that merely contains * or >', { ...ok, subject: 'a.b*c.d>e' }],
		['unicode in the body', { ...ok, body: { name: 'Zoë 🚀' } }],
		['an empty body object', { ...ok, body: {} }],
	])('%s', (_name, input) => {
		const result = validatePublishMessage(input, DEFAULT_MAX_PAYLOAD_BYTES);
		expect(result.ok).toBe(true);
		if (result.ok)
			expect(JSON.parse(result.value.payload)).toEqual({
				stream: input.stream,
				subject: input.subject,
				body: input.body,
			});
	});
});

describe('validatePublishMessage rejects', () => {
	const cases: Array<[string, Record<string, unknown>, FieldProblem['field'], RegExp]> = [
		['an empty stream', { ...ok, stream: '' }, 'Stream', /empty/],
		['a 256-character stream name', { ...ok, stream: 'a'.repeat(256) }, 'Stream', /at most 255/],
		['a dot in the stream', { ...ok, stream: 'a.b' }, 'Stream', /letters, digits/],
		[
			'a slash in the stream (path trick)',
			{ ...ok, stream: '../admin' },
			'Stream',
			/letters, digits/,
		],
		['an encoded slash in the stream', { ...ok, stream: 'a%2Fb' }, 'Stream', /letters, digits/],
		['? in the stream', { ...ok, stream: 'a?b=1' }, 'Stream', /letters, digits/],
		['# in the stream', { ...ok, stream: 'a#b' }, 'Stream', /letters, digits/],
		['whitespace in the stream', { ...ok, stream: 'a b' }, 'Stream', /letters, digits/],
		['a number as stream', { ...ok, stream: 42 }, 'Stream', /must be text, got a number/],
		['an empty subject', { ...ok, subject: '' }, 'Subject', /empty/],
		['whitespace in the subject', { ...ok, subject: 'orders created' }, 'Subject', /whitespace/],
		['a tab in the subject', { ...ok, subject: 'orders\tcreated' }, 'Subject', /whitespace/],
		['a leading dot', { ...ok, subject: '.orders' }, 'Subject', /empty token/],
		['a trailing dot', { ...ok, subject: 'orders.' }, 'Subject', /empty token/],
		['a double dot', { ...ok, subject: 'orders..created' }, 'Subject', /empty token/],
		['a * token', { ...ok, subject: 'orders.*' }, 'Subject', /wildcard/],
		['a > token', { ...ok, subject: 'orders.>' }, 'Subject', /wildcard/],
		['a $ prefix', { ...ok, subject: '$JS.API.INFO' }, 'Subject', /reserves/],
		[
			'an object as subject',
			{ ...ok, subject: { a: 1 } },
			'Subject',
			/must be text, got an object/,
		],
		['an array body', { ...ok, body: [1, 2] }, 'Body', /JSON object, got an array/],
		['a string body', { ...ok, body: '{"a":1}' }, 'Body', /JSON object, got a string/],
		['a null body', { ...ok, body: null }, 'Body', /JSON object, got null/],
		[
			'a payload over the limit',
			{ ...ok, body: { big: 'x'.repeat(200) } },
			'Body',
			/bytes; the limit is 100 bytes/,
		],
	];
	test.each(cases)('%s', (_name, input, field, message) => {
		const limit = _name === 'a payload over the limit' ? 100 : DEFAULT_MAX_PAYLOAD_BYTES;
		const result = validatePublishMessage(input as never, limit);
		expect(result.ok).toBe(false);
		if (!result.ok) {
			expect(result.problem.field).toBe(field);
			expect(result.problem.message).toMatch(message);
		}
	});

	test('a body that cannot be serialized (BigInt) is a body problem, not a crash', () => {
		const result = validatePublishMessage(
			{ ...ok, body: { n: BigInt(1) } },
			DEFAULT_MAX_PAYLOAD_BYTES,
		);
		expect(result.ok).toBe(false);
		if (!result.ok)
			expect(result.problem).toMatchObject({
				field: 'Body',
				message: expect.stringMatching(/serialized/),
			});
	});

	test('the payload limit counts UTF-8 bytes, not characters', () => {
		const body = { s: 'é'.repeat(40) }; // 80 bytes of text, 40 characters
		const payloadChars = JSON.stringify({ ...ok, body }).length;
		const result = validatePublishMessage({ ...ok, body }, payloadChars + 10);
		expect(result.ok).toBe(false);
	});
});

test('publishPath keeps every stream name inside one path segment', () => {
	expect(publishPath('orders')).toBe('/storage/streams/orders/messages');
	expect(publishPath('../x?y#z')).toBe('/storage/streams/..%2Fx%3Fy%23z/messages');
});
