/**
 * The Chat Message node in n8n-core's engine against the loopback chat simulator: both vocabularies,
 * both output modes, sign-in and re-login, every failure before and during the stream, streaming to
 * the n8n client, cancellation, and a 10 MB reply.
 */
import type { IDataObject, StructuredChunk } from 'n8n-workflow';

import {
	CredentialStore,
	runListSearch,
	runLoadOptions,
	runNode,
	type NodeRunSpec,
} from '../harness/n8n.cjs';
import { waitFor } from '../harness/waitFor.cjs';
import {
	CHAT_DEFAULTS,
	documentedErrorBody,
	isStreamRequest,
	LLM_CUT_MID_STREAM,
	LLM_FAILS_BEFORE_TOKENS,
	resourceError,
	startChatSimulator,
	type ChatSimulator,
	type ReplyScript,
} from '../simulators/chat.cjs';
import { chatBadInputs } from './chat.badInputs.cjs';

let sim: ChatSimulator;
beforeAll(async () => (sim = await startChatSimulator()));
afterAll(async () => sim.close());
beforeEach(() => {
	sim.faults.clear();
	sim.setReply({});
});

const USER = CHAT_DEFAULTS.user;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** Version 2's Model, chosen from the list. */
const listModel = (id: string) => ({ __rl: true, mode: 'list', value: id, cachedResultName: id });

function emailCredentials(overrides: IDataObject = {}): CredentialStore {
	return new CredentialStore().set('chatApi', {
		baseUrl: sim.url,
		authentication: 'emailPassword',
		email: USER.email,
		password: USER.password,
		cookieName: CHAT_DEFAULTS.cookieName,
		signInToken: '',
		...overrides,
	});
}

async function chat(
	parameters: IDataObject,
	extra: Partial<NodeRunSpec> & { reply?: ReplyScript } = {},
): Promise<Awaited<ReturnType<typeof runNode>> & { credentials: CredentialStore }> {
	if (extra.reply) sim.setReply(extra.reply);
	const credentials = extra.credentials ?? emailCredentials();
	const result = await runNode({
		type: 'chatMessage',
		parameters: {
			chatMode: 'new',
			message: 'Explain quantum computing',
			model: listModel('gpt-5.2'),
			options: {},
			...parameters,
		},
		credentials,
		items: [{ n: 1 }],
		...extra,
	});
	return { ...result, credentials };
}

/** No secret of the credential anywhere in what n8n keeps of the run. */
function expectNoSecrets(result: { run: unknown }, secrets: string[]) {
	const text = JSON.stringify(result.run);
	for (const secret of secrets) expect(text).not.toContain(secret);
}

const streamsSince = (before: number) => sim.streams.slice(before);
/** Faults for the stream request only (the session probe and get-session go first). */
const onStream = { match: isStreamRequest };

describe('final reply', () => {
	test('implemented vocabulary: the full text, IDs, counts and timings; one sign-in for all items', async () => {
		const before = sim.streams.length;
		const signIns = sim.signIns;
		const result = await chat(
			{},
			{
				items: [{ n: 1 }, { n: 2 }],
				reply: {
					tokenCount: 5,
					sources: [{ url: 'https://a.example', title: 'A', description: 'a' }],
				},
			},
		);
		expect(result.error).toBeUndefined();
		expect(result.output).toHaveLength(2);
		const [first, second] = result.output;
		expect(first.pairedItem).toEqual({ item: 0 });
		expect(second.pairedItem).toEqual({ item: 1 });
		expect(first.json).toMatchObject({
			text: 'tok0 tok1 tok2 tok3 tok4 ',
			complete: true,
			newChat: true,
			model: 'gpt-5.2',
			userId: USER.id,
			eventCount: 7,
			ignoredEvents: 0,
			sources: [{ url: 'https://a.example', title: 'A', description: 'a' }],
			toolCalls: [],
		});
		expect(first.json.chatId).toMatch(UUID);
		expect(second.json.chatId).toMatch(UUID);
		expect(second.json.chatId).not.toBe(first.json.chatId);
		expect(first.json.userMessageId).toMatch(UUID);
		expect(first.json.assistantMessageId).toMatch(UUID);
		// The server's Postgres times (`2026-12-03T15:11:12.179222+00:00`) as ISO 8601 UTC, for the messages it stored.
		const stored = sim.messages.get(first.json.chatId as string)!;
		expect(stored.map((message) => message.id)).toEqual([
			first.json.userMessageId,
			first.json.assistantMessageId,
		]);
		expect(stored[0].createdAt).toMatch(/\+00:00$/);
		expect(first.json.userMessageCreatedAt).toMatch(ISO_UTC);
		expect(first.json.createdAt).toMatch(ISO_UTC);
		expect([first.json.userMessageCreatedAt, first.json.createdAt]).toEqual(
			stored.map((message) => new Date(message.createdAt).toISOString()),
		);
		const timings = first.json.timings as IDataObject;
		expect(timings.timeToFirstTokenMs).toEqual(expect.any(Number));
		expect(timings.totalMs as number).toBeGreaterThanOrEqual(timings.timeToFirstTokenMs as number);

		const sent = streamsSince(before);
		expect(sent.map((stream) => stream.chatId)).toEqual([first.json.chatId, second.json.chatId]);
		expect(sent[0].body).toEqual({
			content: 'Explain quantum computing',
			modelId: 'gpt-5.2',
			userId: USER.id,
		});
		expect(sim.signIns - signIns).toBe(1);
		expect(result.credentials.preAuthenticationRuns.get('chatApi')).toBe(1);
		expect(sim.chats.get(first.json.chatId as string)).toBe(USER.id);
		expectNoSecrets(result, [
			USER.password,
			String(result.credentials.data.get('chatApi')?.signInToken),
		]);
	});

	test('documented vocabulary: tool calls and results, the same text', async () => {
		const result = await chat(
			{},
			{
				reply: {
					vocabulary: 'documented',
					tokens: ['Quantum', ' computing', ' is'],
					withTool: true,
				},
			},
		);
		expect(result.error).toBeUndefined();
		expect(result.output[0].json).toMatchObject({
			text: 'Quantum computing is',
			complete: true,
			toolCalls: [{ toolName: 'webSearch', toolArgs: { query: 'Explain quantum computing' } }],
			toolResults: [{ toolName: 'webSearch', result: { hits: 1 } }],
			userMessageId: null,
			userMessageCreatedAt: null,
			createdAt: null,
			sources: [],
			eventCount: 7,
		});
		expect(result.output[0].json.assistantMessageId).toMatch(UUID);
	});

	test('an existing chat continues with its ID; the user ID and workflow ID options are sent', async () => {
		const first = await chat({});
		const chatId = first.output[0].json.chatId as string;
		const before = sim.streams.length;
		const workflowId = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
		const result = await chat(
			{
				chatMode: 'existing',
				chatId: '={{ $json.chatId }}',
				options: { userId: USER.id, workflowId },
			},
			{ items: [{ chatId }] },
		);
		expect(result.error).toBeUndefined();
		expect(result.output[0].json).toMatchObject({ chatId, newChat: false, complete: true });
		expect(streamsSince(before)[0]).toMatchObject({
			chatId,
			body: { userId: USER.id, workflowId },
		});
	});

	test('the final content of complete is used when no token carried text', async () => {
		const result = await chat({}, { reply: { tokens: [] } });
		// No tokens: the complete event's content (empty here) is the text, and the reply is complete.
		expect(result.output[0].json).toMatchObject({ text: '', complete: true, eventCount: 2 });
	});

	test('include raw events adds the server JSON of every event', async () => {
		const result = await chat(
			{ options: { includeRawEvents: true } },
			{ reply: { tokenCount: 2 } },
		);
		const raw = result.output[0].json.rawEvents as IDataObject[];
		expect(raw.map((event) => event.type)).toEqual(['user_message', 'token', 'token', 'complete']);
	});
});

describe('each event', () => {
	test('one item per event in the normalized shape, for both vocabularies', async () => {
		const implemented = await chat({ outputMode: 'eachEvent' }, { reply: { tokens: ['a', 'b'] } });
		expect(implemented.output.map((item) => item.json.type)).toEqual([
			'user_message',
			'delta',
			'delta',
			'end',
		]);
		expect(implemented.output.map((item) => item.json.serverType)).toEqual([
			'user_message',
			'token',
			'token',
			'complete',
		]);
		expect(implemented.output.map((item) => item.json.sequence)).toEqual([0, 1, 2, 3]);
		expect(
			implemented.output.every((item) => (item.pairedItem as { item: number }).item === 0),
		).toBe(true);
		expect(implemented.output[1].json).toMatchObject({ type: 'delta', text: 'a' });
		expect(implemented.output[3].json).toMatchObject({
			type: 'end',
			text: 'ab',
			chatId: implemented.output[0].json.chatId,
		});
		// One set of fields for every event, null where an event has none: n8n's table shows no "undefined" cells.
		expect(new Set(implemented.output.map((item) => Object.keys(item.json).join()))).toEqual(
			new Set([
				'chatId,sequence,type,serverType,text,messageId,role,createdAt,toolName,toolArgs,toolResult,sources,error,id,reason',
			]),
		);
		expect(implemented.output[1].json).toMatchObject({
			messageId: null,
			toolName: null,
			toolArgs: null,
			error: null,
			reason: null,
		});
		// What each event carried: the user's message and its time (ISO 8601 UTC), the reply's ID, time and sources.
		const stored = sim.messages.get(implemented.output[0].json.chatId as string)!;
		expect(implemented.output[0].json).toMatchObject({
			role: 'user',
			text: 'Explain quantum computing',
			messageId: stored[0].id,
			createdAt: new Date(stored[0].createdAt).toISOString(),
		});
		expect(implemented.output[3].json).toMatchObject({
			role: 'assistant',
			messageId: stored[1].id,
			createdAt: new Date(stored[1].createdAt).toISOString(),
			sources: [],
		});
		expect(implemented.output[3].json.createdAt).toMatch(ISO_UTC);

		const documented = await chat(
			{ outputMode: 'eachEvent', options: { includeRawEvents: true } },
			{ reply: { vocabulary: 'documented', tokens: ['a', 'b'] } },
		);
		expect(documented.output.map((item) => item.json.type)).toEqual([
			'start',
			'delta',
			'delta',
			'end',
		]);
		expect(documented.output[1].json).toMatchObject({
			type: 'delta',
			text: 'a',
			serverType: 'content',
			raw: { type: 'content', delta: 'a' },
		});
	});
});

describe('parsing on the wire', () => {
	test('1-byte chunks with CRLF, a BOM, heartbeats, an unknown event type and malformed JSON', async () => {
		const result = await chat(
			{},
			{
				reply: {
					tokens: ['Hello', ', ', 'world'],
					chunkBytes: 1,
					lineEnding: '\r\n',
					bom: true,
					heartbeatEvery: 1,
					extraFrames:
						'data: {"type":"title_updated","title":"x"}\r\n\r\nid: 5\r\ndata: {not json\r\n\r\n: comment\r\n\r\n',
				},
			},
		);
		expect(result.error).toBeUndefined();
		expect(result.output[0].json).toMatchObject({
			text: 'Hello, world',
			complete: true,
			eventCount: 5,
			ignoredEvents: 2,
		});
	});

	test('multi-byte characters split across chunks arrive whole', async () => {
		const tokens = ['é', '€uro', ' 😀', ' 中文', 'ß'];
		// 3-byte writes, 2 ms apart: every character of 2 and 4 bytes is cut across two reads.
		const result = await chat({}, { reply: { tokens, chunkBytes: 3, pacingMs: 2 } });
		expect(result.error).toBeUndefined();
		expect(result.output[0].json.text).toBe(tokens.join(''));
		expect(result.output[0].json.text).not.toContain('\uFFFD');
	});

	test('a 10 MB reply in 10,000 tokens', async () => {
		const tokens = Array.from(
			{ length: 10_000 },
			(_, index) => `${String(index).padStart(5, '0')}${'é'.repeat(497)}|`,
		);
		const expected = tokens.join('');
		expect(Buffer.byteLength(expected)).toBe(10_000_000);
		const result = await chat({}, { reply: { tokens } });
		expect(result.error).toBeUndefined();
		const text = result.output[0].json.text as string;
		expect(text.length).toBe(expected.length);
		expect(text === expected).toBe(true);
		expect(result.output[0].json.eventCount).toBe(10_002);
	});
});

describe('authentication', () => {
	test('a session token with a custom cookie name', async () => {
		const secure = await startChatSimulator({ cookieName: '__Secure-better-auth.session_token' });
		try {
			const token = secure.createSession(USER.id);
			const credentials = new CredentialStore().set('chatApi', {
				baseUrl: secure.url,
				authentication: 'sessionToken',
				sessionToken: token,
				cookieName: '__Secure-better-auth.session_token',
				signInToken: '',
			});
			const result = await runNode({
				type: 'chatMessage',
				parameters: { chatMode: 'new', message: 'hi', model: 'gpt-5.2', options: {} },
				credentials,
				items: [{}],
			});
			expect(result.error).toBeUndefined();
			expect(result.output[0].json).toMatchObject({
				text: 'tok0 tok1 tok2 tok3 tok4 ',
				userId: USER.id,
			});
			expect(secure.signIns).toBe(0);
			expectNoSecrets(result, [token]);
		} finally {
			await secure.close();
		}
	});

	test('an expired session token fails with "session expired", nothing sent', async () => {
		const before = sim.streams.length;
		const credentials = new CredentialStore().set('chatApi', {
			baseUrl: sim.url,
			authentication: 'sessionToken',
			sessionToken: 'stale.cookie',
			cookieName: CHAT_DEFAULTS.cookieName,
			session: '',
		});
		const result = await chat({}, { credentials });
		expect(result.error?.message).toMatch(/Session expired or sign-in failed/);
		expect(sim.streams.length).toBe(before);
		expectNoSecrets(result, ['stale.cookie']);
	});

	test('a wrong password fails with "sign-in failed" and never shows the password', async () => {
		const before = sim.streams.length;
		const result = await chat(
			{},
			{ credentials: emailCredentials({ password: 'wrong-password-123' }) },
		);
		expect(result.error?.message).toMatch(
			/Sign-in failed: the server answered HTTP 401 \(Invalid email or password/,
		);
		expect(sim.streams.length).toBe(before);
		expectNoSecrets(result, ['wrong-password-123']);
	});

	test('a 401 on the stream signs in once more and sends the message again', async () => {
		const credentials = emailCredentials();
		const signIns = sim.signIns;
		const before = sim.streams.length;
		sim.expireSessionsOnNextStream();
		const result = await chat({ options: { userId: USER.id } }, { credentials });
		expect(result.error).toBeUndefined();
		expect(result.output[0].json).toMatchObject({
			complete: true,
			text: 'tok0 tok1 tok2 tok3 tok4 ',
		});
		// The first sign-in, then exactly one re-login after the 401.
		expect(sim.signIns - signIns).toBe(2);
		expect(credentials.preAuthenticationRuns.get('chatApi')).toBe(2);
		expect(streamsSince(before)).toHaveLength(1);
	});

	test('a stored session that expired is renewed before the first item', async () => {
		const credentials = emailCredentials({ signInToken: 'expired.session' });
		const signIns = sim.signIns;
		const result = await chat({}, { credentials });
		expect(result.error).toBeUndefined();
		expect(sim.signIns - signIns).toBe(1);
		expect(credentials.data.get('chatApi')?.signInToken).not.toBe('expired.session');
	});

	test('the Model list (version 2, opened by the user) lists GET /api/models, and filters it as the user types', async () => {
		const before = sim.requests.filter((request) => request.path === '/api/models').length;
		const listed = await runListSearch({
			type: 'chatMessage',
			method: 'searchModels',
			credentials: emailCredentials(),
		});
		expect(listed.results).toEqual(
			CHAT_DEFAULTS.models
				.map((model) => ({ name: `${model.name} (${model.provider})`, value: model.id }))
				.sort((a, b) => a.name.localeCompare(b.name)),
		);
		expect(sim.requests.filter((request) => request.path === '/api/models').length).toBe(
			before + 1,
		);
		// By name, provider or ID, case aside.
		for (const filter of ['claude', 'ANTHROPIC', 'opus-4']) {
			expect(
				(
					await runListSearch({
						type: 'chatMessage',
						method: 'searchModels',
						credentials: emailCredentials(),
						filter,
					})
				).results,
			).toEqual([{ name: 'Claude Opus 4.5 (Anthropic)', value: 'claude-opus-4-5' }]);
		}
		expect(
			(
				await runListSearch({
					type: 'chatMessage',
					method: 'searchModels',
					credentials: emailCredentials(),
					filter: 'llama',
				})
			).results,
		).toEqual([]);
	});

	test('a Model list that fails says why and how to load it again once the credential is fixed, without the secret', async () => {
		const credentials = emailCredentials({ password: 'not the password' });
		const failure = runListSearch({ type: 'chatMessage', method: 'searchModels', credentials });
		await expect(failure).rejects.toThrow(
			/^Could not load the models: .*HTTP 401.*open the Model list again/,
		);
		await expect(failure).rejects.not.toThrow(/not the password/);
	});

	test('version 1: the Model dropdown lists GET /api/models, and a failure names Refresh List', async () => {
		const options = await runLoadOptions({
			type: 'chatMessage',
			method: 'getModels',
			credentials: emailCredentials(),
			typeVersion: 1,
		});
		expect(options).toEqual([
			{ name: 'Claude Opus 4.5 (Anthropic)', value: 'claude-opus-4-5' },
			{ name: 'gemini-2.5-pro (Google)', value: 'gemini-2.5-pro' },
			{ name: 'GPT-5.2 (OpenAI)', value: 'gpt-5.2' },
		]);
		// n8n 2.41 may ask for an options list before the node has its credential.
		const failure = runLoadOptions({
			type: 'chatMessage',
			method: 'getModels',
			credentials: new CredentialStore(),
			typeVersion: 1,
		});
		await expect(failure).rejects.toThrow(/^Could not load the models: .*Refresh List/);
	});
});

describe('the Model field', () => {
	test('version 2: chosen from the list, or by ID (an expression too); version 1: the plain ID of its options list', async () => {
		const before = sim.streams.length;
		const fromList = await chat({ model: listModel('claude-opus-4-5') });
		const byId = await chat(
			{ model: { __rl: true, mode: 'id', value: '={{ $json.model }}' } },
			{ items: [{ model: 'gpt-5.2' }] },
		);
		const version1 = await chat({ model: 'claude-opus-4-5' }, { typeVersion: 1 });
		for (const result of [fromList, byId, version1]) expect(result.error).toBeUndefined();
		expect([fromList, byId, version1].map((result) => result.output[0].json.model)).toEqual([
			'claude-opus-4-5',
			'gpt-5.2',
			'claude-opus-4-5',
		]);
		expect(streamsSince(before).map((stream) => stream.body.modelId)).toEqual([
			'claude-opus-4-5',
			'gpt-5.2',
			'claude-opus-4-5',
		]);
	});

	test('an empty Model, either version, is refused before anything is sent', async () => {
		const before = sim.requestCount;
		// A required field left empty: n8n itself refuses to run the node.
		await expect(chat({ model: { __rl: true, mode: 'list', value: '' } })).rejects.toThrow(
			'Parameter "Model" is required.',
		);
		// An expression that gives nothing: the node says so.
		const byId = await chat({ model: { __rl: true, mode: 'id', value: '={{ "" }}' } });
		const version1 = await chat({ model: '={{ "" }}' }, { typeVersion: 1 });
		for (const result of [byId, version1])
			expect(result.error?.message).toBe(
				'Invalid Model [item 0]: Model is empty: choose a model or give its ID',
			);
		expect(sim.requestCount).toBe(before);
	});
});

describe('bad input: a clear error, nothing sent', () => {
	test.each(chatBadInputs.map((badInput) => [badInput.name, badInput] as const))(
		'%s',
		async (_name, { parameters, items, message }) => {
			const before = sim.streams.length;
			const signIns = sim.signIns;
			const result = await chat(parameters, { items });
			expect(result.error?.message).toMatch(message);
			expect(sim.streams.length).toBe(before);
			expect(sim.signIns).toBe(signIns);
		},
	);

	test('with Continue On Fail the bad item becomes an error item and the good one is sent', async () => {
		const before = sim.streams.length;
		const result = await chat(
			{ message: '={{ $json.text }}' },
			{ continueOnFail: true, items: [{ text: '' }, { text: 'hello' }] },
		);
		expect(result.output).toHaveLength(2);
		expect(result.output[0]).toMatchObject({
			json: { error: expect.stringMatching(/Message is empty/) },
			pairedItem: { item: 0 },
		});
		expect(result.output[1]).toMatchObject({ json: { complete: true }, pairedItem: { item: 1 } });
		expect(streamsSince(before).map((stream) => stream.body.content)).toEqual(['hello']);
	});
});

describe("HTTP errors before the stream: the server's words, code and request ID, and what to fix", () => {
	const CHAT_ID = '3f2b8c1e-9d4a-4c6b-8e2f-1a2b3c4d5e6f';
	const UNKNOWN_CHAT = '0b6f3a52-7c1d-4e8a-9f20-5d4c3b2a1908';
	const REQUEST_ID = '7d1e0c4a-9b2f-4e61-8a53-2c9f0e1b6d47';
	const OTHER = CHAT_DEFAULTS.otherUser;

	/** The error body the server sent for the message request (the simulator's own, or the one injected). */
	type Answer = { status: number; body: Record<string, unknown> };
	const lastRefusal = (): Answer => {
		const sent = sim.errorsSent.filter((error) => /\/messages\/stream$/.test(error.path)).at(-1)!;
		return { status: sent.status, body: sent.body };
	};
	const injected = (body: Record<string, unknown>): (() => Answer) => {
		sim.faults.inject(
			{ kind: 'status', status: body.statusCode as number, body },
			{ ...onStream, times: 3 },
		);
		return () => ({ status: body.statusCode as number, body });
	};

	const cases: Array<{
		name: string;
		/** Prepares the server; returns what it will have answered. */
		setup: () => () => Answer;
		parameters?: IDataObject;
		/** A pasted session token (nothing to sign in again with) instead of email and password. */
		sessionToken?: boolean;
		/** The error's message, for the chat the message went to. */
		message: (chatId: string) => string;
		/** What to fix, as the description says it. */
		hint: RegExp;
		/** The words the description quotes from the server (its specific words). */
		words: string;
		mayHaveReceived?: boolean;
	}> = [
		{
			name: 'an unknown model: 500 with a foreign-key violation',
			setup: () => lastRefusal,
			parameters: { model: listModel('gpt-9-turbo') },
			message: () =>
				'The chat server has no model "gpt-9-turbo" – INTERNAL_SERVER_ERROR: insert or update on table "messages" violates foreign key constraint "messages_model_id_fkey"',
			hint: /^Check the Model: choose one from its list/,
			words:
				'insert or update on table "messages" violates foreign key constraint "messages_model_id_fkey" – GraphQL execution failed',
		},
		{
			name: "a new chat whose User ID is not the signed-in user's: 404 CHAT_NOT_FOUND",
			setup: () => lastRefusal,
			parameters: { options: { userId: OTHER.id } },
			message: () =>
				`The chat server would not start the chat: User ID "${OTHER.id}" is not the signed-in user's ID – CHAT_NOT_FOUND: Chat with the given id not found.`,
			hint: /creates a chat only for the signed-in user .*Leave the User ID option empty/,
			words: 'Chat with the given id not found.',
		},
		{
			name: 'an existing chat the server does not know, with a User ID not the signed-in one: 404 CHAT_NOT_FOUND',
			setup: () => lastRefusal,
			parameters: { chatMode: 'existing', chatId: UNKNOWN_CHAT, options: { userId: OTHER.id } },
			message: () =>
				`Chat ${UNKNOWN_CHAT} was not found – CHAT_NOT_FOUND: Chat with the given id not found.`,
			hint: /^Check the Chat ID\. .*User ID "Y8Nu06lJwGEHg41ORgMLwAwmRkNDeezK" is not the signed-in user's ID/,
			words: 'Chat with the given id not found.',
		},
		{
			name: "another user's chat: 403 CHAT_ACCESS_DENIED",
			setup: () => {
				sim.chats.set(CHAT_ID, OTHER.id);
				return lastRefusal;
			},
			parameters: { chatMode: 'existing', chatId: CHAT_ID },
			message: () =>
				`Chat ${CHAT_ID} belongs to another user – CHAT_ACCESS_DENIED: Access denied to the specified chat.`,
			hint: /^The signed-in user may post only to their own chats/,
			words: 'Access denied to the specified chat.',
		},
		{
			name: 'a session the server no longer accepts: 401 UNAUTHORIZED',
			setup: () => {
				sim.expireSessionsOnNextStream();
				return lastRefusal;
			},
			sessionToken: true,
			parameters: { options: { userId: USER.id } },
			message: () =>
				'Session expired or sign-in failed: the chat server did not accept the session – UNAUTHORIZED: Authentication is required and has failed or has not yet been provided.',
			hint: /Check the Chat API credential/,
			words: 'Authentication is required and has failed or has not yet been provided.',
		},
		{
			name: 'a body the server refuses: 400 REQUEST_VALIDATION names the field',
			setup: () =>
				injected(
					resourceError('REQUEST_VALIDATION', {
						error: '"body.modelId" is not allowed to be empty',
						requestId: REQUEST_ID,
					}),
				),
			message: () =>
				'The chat server rejected the message as invalid – REQUEST_VALIDATION: "body.modelId" is not allowed to be empty',
			hint: /^Check the Model field \(the server's "body\.modelId"\)\.$/,
			words:
				'"body.modelId" is not allowed to be empty – Error Validating the CREATE_MESSAGE Request.',
		},
		{
			name: 'another 500: the cause in error[].message; it may have been stored',
			setup: () =>
				injected(
					resourceError('INTERNAL_SERVER_ERROR', {
						error: [
							{
								message: 'connection to the database was lost',
								locations: [{ line: 2, column: 3 }],
							},
						],
						requestId: REQUEST_ID,
					}),
				),
			message: () =>
				'The chat server failed to process the message – INTERNAL_SERVER_ERROR: connection to the database was lost; the server may have received the message',
			hint: /^The chat app's operators can find the cause by the request ID\./,
			words: 'connection to the database was lost – GraphQL execution failed',
			mayHaveReceived: true,
		},
		{
			// The User ID is the signed-in user's (read from the session): the chat ID is what is wrong.
			name: 'the documented {error, message} shape',
			setup: () =>
				injected(documentedErrorBody('CHAT_NOT_FOUND', 'Chat does not exist', { statusCode: 404 })),
			message: (chatId) =>
				`Chat ${chatId} or the chat API was not found – CHAT_NOT_FOUND: Chat does not exist`,
			hint: /^Check the Chat ID and the credential's Base URL\.$/,
			words: 'Chat does not exist',
		},
	];

	describe.each([false, true])('Continue On Fail %s', (continueOnFail) => {
		test.each(cases.map((entry) => [entry.name, entry] as const))('%s', async (_name, entry) => {
			const answered = entry.setup();
			const credentials = entry.sessionToken
				? new CredentialStore().set('chatApi', {
						baseUrl: sim.url,
						authentication: 'sessionToken',
						sessionToken: sim.createSession(USER.id),
						cookieName: CHAT_DEFAULTS.cookieName,
						session: '',
					})
				: emailCredentials();
			const result = await chat(entry.parameters ?? {}, { continueOnFail, credentials });
			const { status, body } = answered();
			const requestId = body.requestId as string | undefined;
			const code = (body.code ?? body.error) as string;
			const chatId = decodeURIComponent(
				/\/api\/chats\/([^/]+)\//.exec(sim.requests.filter(isStreamRequest).at(-1)!.path)![1],
			);
			const expected = `${entry.message(chatId)} [item 0]`;
			let shown: {
				message: string;
				description: string;
				httpCode: unknown;
				errorCode?: unknown;
				requestId?: unknown;
			};
			if (continueOnFail) {
				expect(result.error).toBeUndefined();
				const json = result.output[0].json;
				expect(result.output[0].pairedItem).toEqual({ item: 0 });
				shown = {
					message: json.error as string,
					description: json.description as string,
					httpCode: json.httpCode,
					errorCode: json.errorCode,
					requestId: json.requestId,
				};
				expect(shown.errorCode).toBe(code);
				expect(shown.requestId).toBe(requestId ?? null);
			} else {
				shown = {
					message: result.error!.message,
					description: String(result.error!.description),
					httpCode: (result.error as { httpCode?: unknown }).httpCode,
				};
				expect((result.error as { context?: IDataObject }).context).toMatchObject({
					errorCode: code,
					requestId: requestId ?? null,
				});
			}
			expect(shown.message).toBe(expected);
			expect(shown.httpCode).toBe(String(status));
			const [hint, ...rest] = shown.description.split('\n');
			expect(hint).toMatch(entry.hint);
			// The server's words, code and request ID, as it sent them.
			const tags = [`code ${code}`, ...(requestId ? [`request ID ${requestId}`] : [])].join(', ');
			expect(rest[0]).toBe(`The server answered HTTP ${status}: ${entry.words} (${tags})`);
			expect(
				shown.description.includes('may have stored it') ||
					shown.description.includes('It was not sent again'),
			).toBe(entry.mayHaveReceived === true);
			if (requestId) expect(requestId).toMatch(UUID);
		});
	});

	test('an unknown model was not stored, and the next items go on with Continue On Fail', async () => {
		const before = sim.streams.length;
		const result = await chat(
			{ model: { __rl: true, mode: 'id', value: '={{ $json.model }}' } },
			{ continueOnFail: true, items: [{ model: 'gpt-9-turbo' }, { model: 'gpt-5.2' }] },
		);
		expect(
			result.output.map((item) => [item.json.errorCode ?? null, item.json.complete ?? null]),
		).toEqual([
			['INTERNAL_SERVER_ERROR', null],
			[null, true],
		]);
		expect(streamsSince(before).map((stream) => stream.body.modelId)).toEqual(['gpt-5.2']);
	});

	test('429 with retryAfter is waited out and sent again, once', async () => {
		const before = sim.streams.length;
		const requests = sim.requestCount;
		sim.faults.inject(
			{
				kind: 'status',
				status: 429,
				body: resourceError('RATE_LIMIT_EXCEEDED', {}, { retryAfter: 0.05 }),
			},
			onStream,
		);
		const result = await chat({ options: { userId: USER.id } });
		expect(result.error).toBeUndefined();
		expect(result.output[0].json.complete).toBe(true);
		expect(streamsSince(before)).toHaveLength(1);
		// probe, refused stream, accepted stream
		expect(sim.requestCount - requests).toBe(4);
	});
});

describe('signing in', () => {
	test('an account whose email is not verified: 403 EMAIL_NOT_VERIFIED, and what to do', async () => {
		const unverified = {
			id: 'Hn3qZ8vLk2Wm5Xc7Bp9Rt4Yd6Fg1Js0A',
			email: 'new@example.com',
			password: 'new-user-password',
			name: 'New',
			emailVerified: false,
		};
		const server = await startChatSimulator({ users: [unverified] });
		try {
			const credentials = new CredentialStore().set('chatApi', {
				baseUrl: server.url,
				authentication: 'emailPassword',
				email: unverified.email,
				password: unverified.password,
				cookieName: server.cookieName,
				session: '',
			});
			const result = await runNode({
				type: 'chatMessage',
				parameters: { chatMode: 'new', message: 'hi', model: listModel('gpt-5.2'), options: {} },
				credentials,
				items: [{}],
			});
			expect(result.error?.message).toBe(
				"Sign-in failed: the server answered HTTP 403 (Email not verified – EMAIL_NOT_VERIFIED). Verify the account's email: open the link the chat app sent to it, then try again.",
			);
			expect(server.streams).toHaveLength(0);
			expectNoSecrets(result, [unverified.password]);
		} finally {
			await server.close();
		}
	});
});

describe('failures during the stream', () => {
	test('an error event fails with the server message and the partial text', async () => {
		sim.faults.inject({ kind: 'streamError', afterEvents: 3 }, onStream);
		const result = await chat({});
		expect(result.error?.message).toBe(
			'The chat server failed while replying: Streaming failed (STREAMING_ERROR) [item 0]',
		);
		expect(result.error?.description).toMatch(
			/10 characters of the reply had arrived: "tok0 tok1 "/,
		);

		sim.faults.inject(
			{
				kind: 'streamError',
				afterEvents: 2,
				event: { type: 'error', error: 'STREAM_FAILED', message: 'The model failed' },
			},
			onStream,
		);
		const kept = await chat({}, { continueOnFail: true });
		expect(kept.output[0].json).toMatchObject({
			error: expect.stringMatching(/The model failed \(STREAM_FAILED\)/),
			partialText: 'tok0 ',
		});
		expect(kept.output[0].json.chatId).toMatch(UUID);
	});

	describe.each([false, true])(
		'the two error event shapes, Continue On Fail %s',
		(continueOnFail) => {
			/** The error as n8n shows it: the node's error, or the Continue On Fail item. */
			const shown = (result: Awaited<ReturnType<typeof chat>>) => {
				if (!continueOnFail) {
					const error = result.error as unknown as {
						message: string;
						description: string;
						context: IDataObject;
					};
					return {
						message: error.message,
						description: error.description,
						errorCode: error.context.errorCode,
						requestId: error.context.requestId,
						partialText: undefined,
					};
				}
				const json = result.output[0].json;
				return {
					message: json.error,
					description: json.description,
					errorCode: json.errorCode,
					requestId: json.requestId,
					partialText: json.partialText,
				};
			};

			test("the model failed before its first token: the server's error body, without chatId; its cause, code and request ID", async () => {
				const before = sim.streams.length;
				const result = await chat({ message: LLM_FAILS_BEFORE_TOKENS }, { continueOnFail });
				const event = sim.streams[before].errorEvent as {
					error: { requestId: string };
					chatId?: string;
				};
				expect(event.chatId).toBeUndefined();
				const error = shown(result);
				expect(error.message).toBe(
					'The chat server failed while replying: new row for relation "messages" violates check constraint "messages_content_check" (INTERNAL_SERVER_ERROR) [item 0]',
				);
				expect(error.description).toMatch(
					/^The model sent no text, so the server could not store a reply: .*model "gpt-5.2"\. Try another Model\.\n/,
				);
				expect(error.description).toContain(
					`Request ID ${event.error.requestId}: the chat app's operators can find the cause by it.`,
				);
				expect(event.error.requestId).toMatch(UUID);
				expect([error.errorCode, error.requestId]).toEqual([
					'INTERNAL_SERVER_ERROR',
					event.error.requestId,
				]);
				if (continueOnFail)
					expect(result.output[0].json).toMatchObject({
						partialText: '',
						chatId: expect.stringMatching(UUID),
					});
			});

			test('the model broke off after a token: STREAMING_ERROR with chatId, the partial text kept', async () => {
				const result = await chat({ message: LLM_CUT_MID_STREAM }, { continueOnFail });
				const error = shown(result);
				expect(error.message).toBe(
					'The chat server failed while replying: Streaming failed (STREAMING_ERROR) [item 0]',
				);
				expect(error.description).toMatch(
					/^The model's reply broke off on the chat server .*\n.*5 characters of the reply had arrived: "tok0 "$/,
				);
				expect([error.errorCode, error.requestId]).toEqual(['STREAMING_ERROR', null]);
				if (continueOnFail) expect(error.partialText).toBe('tok0 ');
			});
		},
	);

	test('a connection dropped mid-stream: "reply ended early", or the partial reply when accepted', async () => {
		sim.faults.inject({ kind: 'streamDrop', afterEvents: 4 }, onStream);
		const result = await chat({});
		expect(result.error?.message).toBe(
			'The reply ended early: the connection closed before the end of the reply [item 0]',
		);
		expect(result.error?.description).toMatch(
			/15 characters of the reply had arrived: "tok0 tok1 tok2 "/,
		);

		sim.faults.inject({ kind: 'streamDrop', afterEvents: 4 }, onStream);
		const accepted = await chat({ options: { acceptPartial: true } });
		expect(accepted.error).toBeUndefined();
		expect(accepted.output[0].json).toMatchObject({
			text: 'tok0 tok1 tok2 ',
			complete: false,
			stopReason: 'ended early',
		});
	});

	test('a hanging stream hits the idle timeout', async () => {
		sim.faults.inject({ kind: 'streamHang', afterEvents: 2 }, onStream);
		const result = await chat({ options: { idleTimeout: 0.3 } });
		expect(result.error?.message).toBe(
			'The chat server sent nothing for 0.3 s (Idle Timeout) [item 0]',
		);

		sim.faults.inject({ kind: 'streamHang', afterEvents: 2 }, onStream);
		const accepted = await chat({ options: { idleTimeout: 0.3, acceptPartial: true } });
		expect(accepted.output[0].json).toMatchObject({
			text: 'tok0 ',
			complete: false,
			stopReason: 'idle timeout',
		});
	});

	test('a server that never answers hits the idle timeout too', async () => {
		sim.faults.inject({ kind: 'hang' }, onStream);
		const result = await chat({ options: { idleTimeout: 0.3, userId: USER.id } });
		expect(result.error?.message).toBe(
			'The chat server sent nothing for 0.3 s (Idle Timeout) [item 0]',
		);
	});

	test('a slow stream hits the overall timeout although bytes keep coming', async () => {
		const result = await chat(
			{ options: { overallTimeout: 0.3, idleTimeout: 5 } },
			{ reply: { tokenCount: 200, pacingMs: 10 } },
		);
		expect(result.error?.message).toBe(
			'The reply took longer than 0.3 s (Overall Timeout) [item 0]',
		);
	});

	test('cancelling the execution aborts the streaming request at once', async () => {
		const before = sim.streams.length;
		// The server stops sending and never ends: only the cancel can stop the node (no idle timeout).
		sim.faults.inject({ kind: 'streamHang', afterEvents: 3 }, onStream);
		const result = await chat(
			{ options: { idleTimeout: 0 } },
			{ cancelWhen: () => (sim.streams[before]?.eventsWritten ?? 0) >= 3 },
		);
		expect(result.run.status).toBe('canceled');
		expect(result.output).toEqual([]);
		const record = sim.streams[before];
		await waitFor(() => record.closedByClient, 5000, 'the client to close the stream');
		expect(record).toMatchObject({ closedByClient: true, ended: false, eventsWritten: 3 });
	});

	test('with Continue On Fail the run still ends canceled; the item in flight says so and the next is not sent', async () => {
		const before = sim.streams.length;
		sim.faults.inject({ kind: 'streamHang', afterEvents: 3 }, onStream);
		const result = await chat(
			{ options: { idleTimeout: 0 } },
			{
				items: [{}, {}],
				continueOnFail: true,
				cancelWhen: () => (sim.streams[before]?.eventsWritten ?? 0) >= 3,
			},
		);
		expect(result.run.status).toBe('canceled');
		expect(result.output.map((item) => [item.pairedItem, item.json.error])).toEqual([
			[{ item: 0 }, 'The execution was canceled while the reply was streaming [item 0]'],
			[{ item: 1 }, 'Not sent: the execution was canceled [item 1]'],
		]);
		expect(sim.streams.length).toBe(before + 1);
	});
});

describe('streaming to the n8n client', () => {
	test('sendChunk receives begin, every delta in order, end; the final item is still returned', async () => {
		const chunks: StructuredChunk[] = [];
		const tokens = ['Quantum', ' computing', ' is', ' a', ' type', ' of', ' computation', ' é😀'];
		const result = await chat(
			{},
			{
				items: [{}, {}],
				reply: { tokens, chunkBytes: 7 },
				onChunk: (chunk) => void chunks.push(chunk),
			},
		);
		expect(result.error).toBeUndefined();
		expect(result.output.map((item) => item.json.text)).toEqual([tokens.join(''), tokens.join('')]);
		const seen = chunks.map((chunk) => [
			chunk.type,
			chunk.metadata.itemIndex,
			chunk.content ?? null,
		]);
		const itemChunks = (index: number) => [
			['begin', index, null],
			...tokens.map((token) => ['item', index, token]),
			['end', index, null],
		];
		expect(seen).toEqual([...itemChunks(0), ...itemChunks(1)]);
		expect(chunks[0].metadata.nodeName).toBe('Node Under Test');
	});

	test('an error mid-stream ends the item with one error chunk, whether the workflow stops or goes on', async () => {
		for (const continueOnFail of [false, true]) {
			const chunks: StructuredChunk[] = [];
			sim.faults.inject({ kind: 'streamError', afterEvents: 3 }, onStream);
			await chat({}, { continueOnFail, onChunk: (chunk) => void chunks.push(chunk) });
			expect({ continueOnFail, types: chunks.map((chunk) => chunk.type) }).toEqual({
				continueOnFail,
				types: ['begin', 'item', 'item', 'error'],
			});
		}
	});

	test('Stream Tool Events: tool calls and results go in order with the text, each a JSON chunk a client can tell from text; off: text only', async () => {
		const reply: ReplyScript = {
			vocabulary: 'documented',
			withTool: true,
			tokens: ['Searching', ' done', '.'],
		};
		const toolChunks = [
			{
				chatMessageEvent: 'tool_call',
				toolName: 'webSearch',
				toolArgs: { query: 'Explain quantum computing' },
			},
			{ chatMessageEvent: 'tool_result', toolName: 'webSearch', toolResult: { hits: 1 } },
		];
		const run = async (streamToolEvents: boolean) => {
			const chunks: StructuredChunk[] = [];
			const result = await chat(
				{ options: { streamToolEvents } },
				{ reply, onChunk: (chunk) => void chunks.push(chunk) },
			);
			expect(result.error).toBeUndefined();
			expect(result.output[0].json.text).toBe('Searching done.');
			return chunks.filter((chunk) => chunk.type === 'item').map((chunk) => chunk.content!);
		};
		const on = await run(true);
		expect(on).toEqual([
			'Searching',
			JSON.stringify(toolChunks[0]),
			JSON.stringify(toolChunks[1]),
			' done',
			'.',
		]);
		// What a client does to tell them apart: text never parses to an object with chatMessageEvent.
		const isToolEvent = (content: string) => {
			try {
				return (
					typeof (JSON.parse(content) as { chatMessageEvent?: unknown }).chatMessageEvent ===
					'string'
				);
			} catch {
				return false;
			}
		};
		expect(on.map(isToolEvent)).toEqual([false, true, true, false, false]);
		expect(await run(false)).toEqual(['Searching', ' done', '.']);
	});

	test("Stream Tool Events with the implemented vocabulary: the reply's sources come as one chunk before the end", async () => {
		const sources = [
			{ url: 'https://example.org/q', title: 'Quantum', description: 'An overview' },
		];
		const chunks: StructuredChunk[] = [];
		const result = await chat(
			{ options: { streamToolEvents: true } },
			{ reply: { tokens: ['A', 'B'], sources }, onChunk: (chunk) => void chunks.push(chunk) },
		);
		expect(result.error).toBeUndefined();
		expect(chunks.map((chunk) => [chunk.type, chunk.content ?? null])).toEqual([
			['begin', null],
			['item', 'A'],
			['item', 'B'],
			['item', JSON.stringify({ chatMessageEvent: 'sources', sources })],
			['end', null],
		]);
	});

	test('without a streaming response nothing is sent as chunks (isStreaming() is false)', async () => {
		// No onChunk: the harness registers no sendChunk hook, as `n8n execute` does.
		const result = await chat({});
		expect(result.error).toBeUndefined();
	});
});
