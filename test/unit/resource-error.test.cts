/**
 * The chat backend's error bodies, as captured from the real server (test/contract/chat-captured), read into
 * the server's specific words, its code and its request ID: whichever of message, clientMessage and
 * error[].message holds the specific words, never the fallback sentence, never the echoed request body.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
	FALLBACK_SENTENCE,
	readServerError,
	serverErrorLine,
} from '../../nodes/common/resourceError';

const captured = (file: string): unknown =>
	JSON.parse(readFileSync(join(__dirname, '..', 'contract', 'chat-captured', file), 'utf8'));

describe('every captured error body', () => {
	test.each<[string, { message: string; summary?: string; code: string }]>([
		[
			'wrong-cookie.body',
			{
				message: 'Authentication is required and has failed or has not yet been provided.',
				code: 'UNAUTHORIZED',
			},
		],
		[
			'no-cookie.body',
			{
				message: 'Authentication is required and has failed or has not yet been provided.',
				code: 'UNAUTHORIZED',
			},
		],
		[
			'models-no-cookie.body',
			{
				message: 'Authentication is required and has failed or has not yet been provided.',
				code: 'UNAUTHORIZED',
			},
		],
		[
			'other-users-chat.body',
			{ message: 'Access denied to the specified chat.', code: 'CHAT_ACCESS_DENIED' },
		],
		[
			'new-chat-foreign-userId.body',
			{ message: 'Chat with the given id not found.', code: 'CHAT_NOT_FOUND' },
		],
		[
			'bad-body-new-chat-no-userId.body',
			{ message: 'Chat with the given id not found.', code: 'CHAT_NOT_FOUND' },
		],
		[
			'bad-body-missing-content.body',
			{
				message: '"body.content" is required',
				summary: 'Error Validating the CREATE_MESSAGE Request.',
				code: 'REQUEST_VALIDATION',
			},
		],
		[
			'bad-body-empty.body',
			{
				message: '"body" is required',
				summary: 'Error Validating the CREATE_MESSAGE Request.',
				code: 'REQUEST_VALIDATION',
			},
		],
		[
			'unknown-model.body',
			{
				message:
					'insert or update on table "messages" violates foreign key constraint "messages_model_id_fkey"',
				summary: 'GraphQL execution failed',
				code: 'INTERNAL_SERVER_ERROR',
			},
		],
		[
			'non-uuid-chat.body',
			{
				message:
					'Variable "$chatId" got invalid value "not-a-uuid"; Expected type "UUID". Invalid UUID, expected 32 hexadecimal characters, optionally with hyphens',
				summary: 'GraphQL execution failed',
				code: 'INTERNAL_SERVER_ERROR',
			},
		],
		[
			'invalid-json.body',
			{
				message: 'entity.parse.failed',
				summary: 'The server encountered an unspecified internal error.',
				code: 'SERVER_INTERNAL_ERROR',
			},
		],
	])('%s', (file, expected) => {
		const body = captured(file) as { requestId: string };
		const said = readServerError(body);
		expect(said).toEqual({ ...expected, requestId: body.requestId });
		expect(body.requestId).toMatch(/^[0-9a-f-]{36}$/);
		expect(serverErrorLine(said!)).toContain(`code ${expected.code}, request ID ${body.requestId}`);
		expect(JSON.stringify(said)).not.toContain(FALLBACK_SENTENCE);
	});

	test('the request body a parse error echoes is left out', () => {
		expect(JSON.stringify(readServerError(captured('invalid-json.body')))).not.toContain(
			'{not json',
		);
	});

	test('the error event of a model that failed before its first token carries the same body', () => {
		const event = readFileSync(
			join(__dirname, '..', 'contract', 'chat-captured', 'llm-fails-before-tokens.body'),
			'utf8',
		)
			.split('\n')
			.filter((line) => line.includes('"type":"error"'))
			.map((line) => JSON.parse(line.slice('data: '.length)) as { error: unknown })[0];
		expect(readServerError(event.error)).toMatchObject({
			message: expect.stringContaining('messages_content_check'),
			code: 'INTERNAL_SERVER_ERROR',
			requestId: 'c16b48d2-24ce-43a1-9334-f08106624457',
		});
	});
});

describe('other shapes', () => {
	test.each<[string, unknown, ReturnType<typeof readServerError>]>([
		[
			'the documented {error, message}',
			{ error: 'CHAT_NOT_FOUND', message: 'Chat does not exist' },
			{ message: 'Chat does not exist', code: 'CHAT_NOT_FOUND' },
		],
		[
			'Better Auth sign-in',
			{ code: 'EMAIL_NOT_VERIFIED', message: 'Email not verified' },
			{ message: 'Email not verified', code: 'EMAIL_NOT_VERIFIED' },
		],
		[
			'only the fallback sentence',
			{ message: FALLBACK_SENTENCE, clientMessage: FALLBACK_SENTENCE, code: 'X' },
			{ message: FALLBACK_SENTENCE, code: 'X' },
		],
		[
			'a code and nothing else',
			{ code: 'X', requestId: 'r1' },
			{ message: 'The server gave no reason', code: 'X', requestId: 'r1' },
		],
		[
			'several GraphQL errors',
			{ code: 'E', error: [{ message: 'one' }, 'two', { nope: 1 }] },
			{ message: 'one; two', code: 'E' },
		],
		['a plain text error', { error: 'Something broke' }, { message: 'Something broke' }],
		['no words at all', {}, undefined],
		['an HTML page', '<html>502</html>', undefined],
		['null', null, undefined],
	])('%s', (_name, body, expected) => expect(readServerError(body)).toEqual(expected));

	test('long words are cut', () => {
		const said = readServerError({ message: 'x'.repeat(1000) });
		expect(said!.message).toHaveLength(301);
	});
});
