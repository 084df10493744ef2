import type { INode } from 'n8n-workflow';

import { httpStatusError, serverErrorText } from '../../nodes/common/errors';

const node: INode = { id: '1', name: 'Publish', type: 'x', typeVersion: 1, position: [0, 0], parameters: {} };

describe('serverErrorText reads every error shape the three APIs use', () => {
	test.each<[string, unknown, string]>([
		['quiva {"error": code}', { error: 'not_found' }, 'not_found'],
		['quiva rate limit', { error: 'Rate limit exceeded', message: 'Try later', retry_after: 60 }, 'Rate limit exceeded – Try later'],
		['chat documented {error, message}', { error: 'Forbidden', message: 'Not your chat' }, 'Forbidden – Not your chat'],
		['chat real {message, clientMessage, code}', { message: 'x', clientMessage: 'Chat not found', code: 'CHAT_NOT_FOUND', statusCode: 404 }, 'x – Chat not found – CHAT_NOT_FOUND'],
		['chat stream error {error:{message, code}}', { error: { message: 'Streaming failed', code: 'STREAMING_ERROR' } }, 'Streaming failed – STREAMING_ERROR'],
		['kapua CALL_ERROR', { type: 'exceptionInfo', httpErrorCode: 500, message: 'No endpoint defined!', kapuaErrorCode: 'CALL_ERROR' }, 'No endpoint defined! – CALL_ERROR'],
		['an HTML error page', '<html><head><style>p{}</style></head><body><h1>HTTP Status 401</h1><p>Unauthorized</p></body></html>', 'HTTP Status 401 Unauthorized'],
		['an empty body', '', ''],
	])('%s', (_name, body, expected) => {
		expect(serverErrorText(body)).toBe(expected);
	});
});

test('httpStatusError names the item, the code, the attempts and the server text', () => {
	const error = httpStatusError(node, { status: 404, headers: {}, body: { error: 'not_found' } }, {
		itemIndex: 3,
		attempts: 2,
		explain: (status, _text, _body, target) => (status === 404 ? { message: `Stream "${target.stream}" was not found` } : undefined),
		target: { stream: 'orders' },
	});
	expect(error.message).toBe('Stream "orders" was not found [item 3]');
	expect(error.httpCode).toBe('404');
	expect(error.description).toContain('HTTP 404 after 2 attempts: not_found');
	expect(error.context.itemIndex).toBe(3);
});
