import type { INode } from 'n8n-workflow';

import { httpStatusError, serverErrorText } from '../../nodes/common/errors';

const node: INode = {
	id: '1',
	name: 'Publish',
	type: 'x',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

describe('serverErrorText reads every error shape the three APIs use', () => {
	test.each<[string, unknown, string]>([
		['quiva {"error": code}', { error: 'not_found' }, 'not_found'],
		[
			'quiva rate limit',
			{ error: 'Rate limit exceeded', message: 'Try later', retry_after: 60 },
			'Rate limit exceeded – Try later',
		],
		[
			'chat documented {error, message}',
			{ error: 'Forbidden', message: 'Not your chat' },
			'Forbidden – Not your chat',
		],
		[
			'chat real {message, clientMessage, code}',
			{ message: 'x', clientMessage: 'Chat not found', code: 'CHAT_NOT_FOUND', statusCode: 404 },
			'x – Chat not found – CHAT_NOT_FOUND',
		],
		[
			'chat stream error {error:{message, code}}',
			{ error: { message: 'Streaming failed', code: 'STREAMING_ERROR' } },
			'Streaming failed – STREAMING_ERROR',
		],
		[
			'kapua CALL_ERROR',
			{
				type: 'exceptionInfo',
				httpErrorCode: 500,
				message: 'No endpoint defined!',
				kapuaErrorCode: 'CALL_ERROR',
			},
			'No endpoint defined! – CALL_ERROR',
		],
		[
			'an HTML error page',
			'<html><head><style>p{}</style></head><body><h1>HTTP Status 401</h1><p>Unauthorized</p></body></html>',
			'HTTP Status 401 Unauthorized',
		],
		['an empty body', '', ''],
	])('%s', (_name, body, expected) => {
		expect(serverErrorText(body)).toBe(expected);
	});
});

test('httpStatusError names the item, the code, the attempts and the server text', () => {
	const error = httpStatusError(
		node,
		{ status: 404, headers: {}, body: { error: 'not_found' } },
		{
			itemIndex: 3,
			attempts: 2,
			explain: (status, _text, _body, target) =>
				status === 404 ? { message: `Stream "${target.stream}" was not found` } : undefined,
			target: { stream: 'orders' },
		},
	);
	expect(error.message).toBe('Stream "orders" was not found [item 3]');
	expect(error.httpCode).toBe('404');
	expect(error.description).toContain('HTTP 404 after 2 attempts: not_found');
	expect(error.context.itemIndex).toBe(3);
});

describe('an answer after which the message may be stored says so, and what to do', () => {
	const status = (code: number, headers: Record<string, string> = {}) => ({
		status: code,
		headers,
		body: { error: 'boom' },
	});
	const base = { itemIndex: 0, attempts: 1, target: {} };

	test.each([500, 502, 503, 504])('HTTP %i', (code) => {
		const error = httpStatusError(node, status(code), base);
		expect(error.message).toMatch(/; the server may have received the message \[item 0\]$/);
		expect(error.description).toContain(
			'It was not sent again, so it is not duplicated. Turn on the Retry on Server Errors option',
		);
	});

	test('after retries, the advice counts the attempts', () => {
		const error = httpStatusError(node, status(500), { ...base, attempts: 3 });
		expect(error.description).toContain('It was sent 3 times (Retry on Server Errors is on)');
	});

	test.each<[string, Parameters<typeof httpStatusError>[2], ReturnType<typeof status>]>([
		['a 503 with Retry-After (a refusal)', base, status(503, { 'retry-after': '5' })],
		['a 4xx', base, status(400)],
		['a request that carries no message', { ...base, carriesMessage: false }, status(500)],
		[
			'an answer the API explains as not stored',
			{ ...base, explain: () => ({ message: 'Kapua could not publish', notStored: true }) },
			status(500),
		],
	])('not for %s', (_name, context, response) => {
		const error = httpStatusError(node, response, context);
		expect(error.message).not.toContain('may have received');
		expect(String(error.description)).not.toContain('Retry on Server Errors');
	});
});
