/**
 * Bad inputs for Chat Message, shared by the workflow tests and the fault suite. Each case is run with
 * CHAT_BASE_PARAMETERS overridden by `parameters`, on `items`; the node must stop before sending anything
 * (not even a sign-in) with an error naming the item and the field.
 *
 * Path tricks matter where user input reaches the URL: only the Chat ID does
 * (`/api/chats/:chatId/messages/stream`). Message, model, user and workflow IDs travel in the JSON body.
 */
import type { IDataObject } from 'n8n-workflow';

import {
	baseUrlCases,
	lineBreakCase,
	secretCases,
	type BadCredentialCase,
} from './credential.badInputs.cjs';

/** The Model as version 2 has it: a resource locator, here chosen from the list. */
export const CHAT_BASE_PARAMETERS: IDataObject = {
	chatMode: 'new',
	message: 'Explain quantum computing',
	model: { __rl: true, mode: 'list', value: 'gpt-5.2', cachedResultName: 'GPT-5.2 (OpenAI)' },
	options: {},
};

/** The Model by ID, from an expression. */
const modelById = (expression: string): IDataObject => ({
	model: { __rl: true, mode: 'id', value: expression },
});

const GOOD_CHAT_ID = '3f2b8c1e-9d4a-4c6b-8e2f-1a2b3c4d5e6f';

export interface ChatBadInput {
	name: string;
	parameters: IDataObject;
	items: IDataObject[];
	message: RegExp;
}

const existing = (chatId: string): IDataObject => ({ chatMode: 'existing', chatId });

export const chatBadInputs: ChatBadInput[] = (
	[
		// Chat ID: the one input that reaches the URL.
		[
			'an invalid chat ID',
			existing('not-a-uuid'),
			/Invalid Chat ID \[item 0\]: Chat ID "not-a-uuid" is not a UUID/,
		],
		[
			'"../" in the chat ID (a path trick)',
			existing(`../${GOOD_CHAT_ID}`),
			/Invalid Chat ID \[item 0\]: Chat ID "\.\.\/.*" is not a UUID/,
		],
		[
			'"?" in the chat ID',
			existing(`${GOOD_CHAT_ID}?userId=x`),
			/Invalid Chat ID \[item 0\]: .*is not a UUID/,
		],
		[
			'"#" in the chat ID',
			existing(`${GOOD_CHAT_ID}#x`),
			/Invalid Chat ID \[item 0\]: .*is not a UUID/,
		],
		[
			'"%2F" in the chat ID',
			existing(`..%2F..%2Fapi%2Fmodels%2F${GOOD_CHAT_ID}`),
			/Invalid Chat ID \[item 0\]: .*is not a UUID/,
		],
		[
			'a UUID followed by a path',
			existing(`${GOOD_CHAT_ID}/../../auth/sign-in/email`),
			/Invalid Chat ID \[item 0\]: .*is not a UUID/,
		],
		[
			'a chat ID of only whitespace',
			existing('   '),
			/Invalid Chat ID \[item 0\]: Chat ID must be a chat's UUID, got an empty text/,
		],
		[
			'a 300-character chat ID',
			existing(GOOD_CHAT_ID + '0'.repeat(264)),
			/Invalid Chat ID \[item 0\]: .*is not a UUID/,
		],
		// Message and model
		['an empty message', { message: '  ' }, /Invalid Message \[item 0\]: Message is empty/],
		// An empty fixed value is refused by n8n itself (required parameter); an expression can still be empty.
		['an empty model', modelById('={{ $json.model }}'), /Invalid Model \[item 0\]: Model is empty/],
		[
			'a model of only whitespace',
			modelById('={{ "   " }}'),
			/Invalid Model \[item 0\]: Model is empty/,
		],
		// Optional IDs
		[
			'a workflow ID that is no UUID',
			{ options: { workflowId: 'wf-1' } },
			/Invalid Workflow ID \[item 0\]: Workflow ID "wf-1" is not a UUID/,
		],
		[
			'"../" in the workflow ID',
			{ options: { workflowId: `../${GOOD_CHAT_ID}` } },
			/Invalid Workflow ID \[item 0\]: .*is not a UUID/,
		],
	] as Array<[string, IDataObject, RegExp]>
)
	.map(
		([name, parameters, message]): ChatBadInput => ({
			name,
			parameters,
			items: [{ model: '' }],
			message,
		}),
	)
	.concat(
		// Wrong types and empty values from expressions: item 0 is good, item 1 is not, so the node names
		// item 1 and sends nothing for either.
		(
			[
				[
					'an empty chat ID from an expression',
					existing('={{ $json.c }}'),
					{ c: GOOD_CHAT_ID },
					{ c: '' },
					/Invalid Chat ID \[item 1\]: Chat ID must be a chat's UUID, got an empty text/,
				],
				[
					'a number from an expression as chat ID',
					existing('={{ $json.c }}'),
					{ c: GOOD_CHAT_ID },
					{ c: 42 },
					/Invalid Chat ID \[item 1\]: .*got a number/,
				],
				[
					'an object from an expression as chat ID',
					existing('={{ $json.c }}'),
					{ c: GOOD_CHAT_ID },
					{ c: { id: GOOD_CHAT_ID } },
					/Invalid Chat ID \[item 1\]: .*got an object/,
				],
				[
					'an empty message from an expression',
					{ message: '={{ $json.m }}' },
					{ m: 'hi' },
					{ m: '' },
					/Invalid Message \[item 1\]: Message is empty/,
				],
				[
					'a number from an expression as message',
					{ message: '={{ $json.m }}' },
					{ m: 'hi' },
					{ m: 7 },
					/Invalid Message \[item 1\]: Message must be text, got a number/,
				],
				[
					'an object from an expression as message',
					{ message: '={{ $json.m }}' },
					{ m: 'hi' },
					{ m: { text: 'hi' } },
					/Invalid Message \[item 1\]: Message must be text, got an object/,
				],
				[
					'an array from an expression as model',
					modelById('={{ $json.x }}'),
					{ x: 'gpt-5.2' },
					{ x: ['gpt-5.2'] },
					/Invalid Model \[item 1\]: Model must be a model ID, got an array/,
				],
				[
					'an object from an expression as user ID',
					{ options: { userId: '={{ $json.u }}' } },
					{ u: 'user-1111' },
					{ u: { id: 'user-1111' } },
					/Invalid User ID \[item 1\]: User ID must be text, got an object/,
				],
				[
					'a number from an expression as workflow ID',
					{ options: { workflowId: '={{ $json.w }}' } },
					{ w: GOOD_CHAT_ID },
					{ w: 12 },
					/Invalid Workflow ID \[item 1\]: .*is not a UUID/,
				],
			] as Array<[string, IDataObject, IDataObject, IDataObject, RegExp]>
		).map(
			([name, parameters, good, bad, message]): ChatBadInput => ({
				name,
				parameters,
				items: [good, bad],
				message,
			}),
		),
	);

/** Chat API credentials that cannot work: nothing may be sent, not even a sign-in. */
export const chatBadCredentials: BadCredentialCase[] = [
	...baseUrlCases('Chat API', 'emailPassword'),
	...secretCases('Chat API', 'emailPassword', 'email', 'Email'),
	...secretCases('Chat API', 'emailPassword', 'password', 'Password'),
	...secretCases('Chat API', 'sessionToken', 'sessionToken', 'Session Token'),
	lineBreakCase('Chat API', 'sessionToken', 'sessionToken', 'Session Token'),
	{
		name: 'session cookie name with a space',
		way: 'sessionToken',
		overrides: () => ({ cookieName: 'session token' }),
		message:
			"Chat API credential: Session Cookie Name may hold only letters, digits and !#$%&'*+-.^_`|~",
	},
];
