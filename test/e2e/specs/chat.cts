/**
 * Chat Message in real n8n: the shipped example against the loopback chat simulator, the credential's
 * Test button, the errors a user sees for bad input and for a refusing or failing server, and the reply
 * streamed token by token to the caller of a webhook in "Streaming" mode (examples/chat-message-streaming.json).
 */
import { randomUUID } from 'node:crypto';

import {
	CHAT_DEFAULTS,
	startChatSimulator,
	type ChatSimulator,
	type StreamRecord,
} from '../../simulators/chat.cjs';
import { chatCredentialData } from '../../simulators/credentials.cjs';
import type { E2ESession } from '../lib/session.cjs';
import { postAndStream, type StreamMessage } from '../lib/streamClient.cjs';
import { errorOf, loadExample, outputOf, withParameters } from '../lib/workflows.cjs';

const EXAMPLE = 'chat-message.json';
const STREAMING_EXAMPLE = 'chat-message-streaming.json';
const NODE = 'Chat Message';

/** What the example's Question node asks; kept here to check the run, not read from the run itself. */
const QUESTION = 'Explain quantum computing in two sentences.';
/** The reply the simulator is scripted to stream (multi-byte characters included). */
const REPLY_TOKENS = [
	'Quantum ',
	'computers ',
	'use ',
	'qubits, ',
	'which ',
	'hold ',
	'0 ',
	'and ',
	'1 ',
	'at ',
	'once. ',
	'Größere ',
	'Probleme → ',
	'schneller.',
];
const REPLY = REPLY_TOKENS.join('');

const USER = CHAT_DEFAULTS.user;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function chatSpecs(session: () => E2ESession): void {
	let sim: ChatSimulator;
	let credential: Awaited<ReturnType<E2ESession['addCredential']>>;
	const goodData = () => chatCredentialData(sim);

	beforeAll(async () => {
		sim = await startChatSimulator();
		credential = await session().addCredential('chatApi', 'Chat account', goodData());
	});
	afterAll(async () => sim?.close());
	beforeEach(() => {
		sim.faults.clear();
		sim.setReply({ tokens: REPLY_TOKENS });
	});

	test('the example workflow asks once, outputs the full reply with its IDs, and the next node uses it', async () => {
		const streamsBefore = sim.streams.length;
		const run = await session().runWorkflow(loadExample(EXAMPLE));
		expect(run.error).toBeUndefined();
		expect(run.status).toBe('success');

		const [reply, ...more] = outputOf(run, NODE);
		expect(more).toHaveLength(0);
		expect(reply).toMatchObject({
			text: REPLY,
			complete: true,
			newChat: true,
			model: 'gpt-5.2',
			userId: USER.id,
			// user_message, one token event each, complete.
			eventCount: REPLY_TOKENS.length + 2,
			ignoredEvents: 0,
			toolCalls: [],
		});
		expect(reply.chatId).toMatch(UUID);
		expect(reply.userMessageId).toMatch(UUID);
		expect(reply.assistantMessageId).toMatch(UUID);
		expect(reply.userMessageId).not.toBe(reply.assistantMessageId);

		// The Set node after ours: what a user builds on — the answer and the chat to continue.
		expect(outputOf(run, 'Answer')).toEqual([
			{ question: QUESTION, answer: REPLY, chatId: reply.chatId, complete: true },
		]);

		// Exactly once, with the body the API expects; the chat now exists and belongs to the signed-in user,
		// which the simulator only allows for a request carrying that user's session cookie.
		const streams = sim.streams.slice(streamsBefore);
		expect(streams).toHaveLength(1);
		expect(streams[0]).toMatchObject({ chatId: reply.chatId, ended: true, closedByClient: false });
		expect(streams[0].body).toEqual({ content: QUESTION, modelId: 'gpt-5.2', userId: USER.id });
		expect(sim.chats.get(String(reply.chatId))).toBe(USER.id);
		expect(sim.signIns).toBeGreaterThanOrEqual(1);
		// Nothing of the credential in what n8n stored of the run.
		expect(JSON.stringify(run)).not.toContain(USER.password);
	});

	test("the credential's Test button says what is wrong: wrong password or session, unreachable, no sign-in route, bad scheme, empty secret", async () => {
		const requestsBefore = sim.requestCount;
		const streamsBefore = sim.streams.length;
		expect(await credential.test()).toEqual({
			status: 'OK',
			message: 'Connected: signed in to the chat server',
		});
		const token = sim.createSession(USER.id);
		expect(
			await credential.test({ ...goodData(), authentication: 'sessionToken', sessionToken: token }),
		).toEqual({ status: 'OK', message: 'Connected: signed in to the chat server' });

		expect(await credential.test({ ...goodData(), password: 'Wrong-Passw0rd!' })).toEqual({
			status: 'Error',
			message:
				'Sign-in failed: the server answered HTTP 401 (Invalid email or password – INVALID_EMAIL_OR_PASSWORD). Check the email and password.',
		});
		expect(
			await credential.test({
				...goodData(),
				authentication: 'sessionToken',
				sessionToken: 'expired0token0value.signature00',
			}),
		).toEqual({
			status: 'Error',
			message:
				'The session token is not valid: it expired (after 7 days) or was signed out. Paste a fresh one from a signed-in browser.',
		});
		expect(await credential.test({ ...goodData(), baseUrl: 'http://127.0.0.1:1' })).toEqual({
			status: 'Error',
			message:
				"Could not reach the chat server to sign in: the connection was refused (ECONNREFUSED). Check the Base URL's host and port and that the server is running.",
		});
		// A 404 means the Base URL is wrong, not the password.
		expect(await credential.test({ ...goodData(), baseUrl: `${sim.url}/app` })).toEqual({
			status: 'Error',
			message:
				'Sign-in failed: this server has no sign-in route here (HTTP 404 on POST /api/auth/sign-in/email). Check the Base URL.',
		});
		const requestsBeforeChecks = sim.requestCount;
		expect(await credential.test({ ...goodData(), baseUrl: 'localhost:3026' })).toEqual({
			status: 'Error',
			message: 'Chat API credential: Base URL must start with http:// or https://',
		});
		expect(
			await credential.test({ ...goodData(), authentication: 'sessionToken', sessionToken: '' }),
		).toEqual({
			status: 'Error',
			message: 'Chat API credential: Session Token is empty',
		});
		expect(sim.requestCount).toBe(requestsBeforeChecks);
		// The Test button reached the server, and never sent a message.
		expect(sim.requestCount).toBeGreaterThan(requestsBefore);
		expect(sim.streams.length).toBe(streamsBefore);
	});

	test('bad input: an invalid chat ID or an empty message fails the run with the field named and nothing sent', async () => {
		const requestsBefore = sim.requestCount;
		const badId = await session().runWorkflow(
			withParameters(loadExample(EXAMPLE), NODE, { chatMode: 'existing', chatId: 'chat-42' }),
		);
		expect(badId.status).toBe('error');
		expect(errorOf(badId).node?.name).toBe(NODE);
		expect(errorOf(badId).message).toBe(
			'Invalid Chat ID [item 0]: Chat ID "chat-42" is not a UUID (e.g. 550e8400-e29b-41d4-a716-446655440000)',
		);
		expect(badId.runData.Answer).toBeUndefined();

		const empty = await session().runWorkflow(
			withParameters(loadExample(EXAMPLE), NODE, { message: '={{ "  " }}' }),
		);
		expect(empty.status).toBe('error');
		expect(errorOf(empty).message).toBe('Invalid Message [item 0]: Message is empty');

		// Checked before anything is sent: not even the sign-in.
		expect(sim.requestCount).toBe(requestsBefore);
	});

	test("server errors: another user's chat (403) and an error event mid-reply reach the user in plain words", async () => {
		const bobsChat = randomUUID();
		sim.chats.set(bobsChat, CHAT_DEFAULTS.otherUser.id);
		const streamsBefore = sim.streams.length;
		const denied = await session().runWorkflow(
			withParameters(loadExample(EXAMPLE), NODE, { chatMode: 'existing', chatId: bobsChat }),
		);
		expect(denied.status).toBe('error');
		const deniedError = errorOf(denied);
		expect(deniedError.node?.name).toBe(NODE);
		expect(deniedError.message).toContain(`Chat ${bobsChat} belongs to another user`);
		expect(deniedError.httpCode).toBe('403');
		// What to do, then the server's own words, code and request ID.
		const deniedAnswer = sim.errorsSent.at(-1)!;
		expect(deniedAnswer.body.code).toBe('CHAT_ACCESS_DENIED');
		expect(deniedError.message).toBe(
			`Chat ${bobsChat} belongs to another user – CHAT_ACCESS_DENIED: Access denied to the specified chat. [item 0]`,
		);
		expect(String(deniedError.description)).toContain(
			'The signed-in user may post only to their own chats',
		);
		expect(String(deniedError.description)).toContain(
			`HTTP 403: Access denied to the specified chat. (code CHAT_ACCESS_DENIED, request ID ${String(deniedAnswer.body.requestId)})`,
		);
		expect(sim.streams.length).toBe(streamsBefore);

		// A model the server does not have: a 500 whose cause is a foreign key; the node names the Model.
		const unknown = await session().runWorkflow(
			withParameters(loadExample(EXAMPLE), NODE, {
				model: { __rl: true, mode: 'id', value: 'gpt-9-turbo' },
			}),
		);
		expect(unknown.status).toBe('error');
		const unknownError = errorOf(unknown);
		const unknownAnswer = sim.errorsSent.at(-1)!;
		expect(unknownError.message).toBe(
			'The chat server has no model "gpt-9-turbo" – INTERNAL_SERVER_ERROR: insert or update on table "messages" violates foreign key constraint "messages_model_id_fkey" [item 0]',
		);
		expect(unknownError.httpCode).toBe('500');
		expect(String(unknownError.description)).toMatch(/^Check the Model/);
		expect(String(unknownError.description)).toContain(
			`request ID ${String(unknownAnswer.body.requestId)}`,
		);
		expect(sim.streams.length).toBe(streamsBefore);

		// user_message, two tokens, then the server's error event.
		sim.faults.inject(
			{ kind: 'streamError', afterEvents: 3 },
			{ match: (request) => String(request.url).endsWith('/stream') },
		);
		const failed = await session().runWorkflow(loadExample(EXAMPLE));
		expect(failed.status).toBe('error');
		const failedError = errorOf(failed);
		expect(failedError.node?.name).toBe(NODE);
		expect(failedError.message).toBe(
			'The chat server failed while replying: Streaming failed (STREAMING_ERROR) [item 0]',
		);
		// The part of the reply that had arrived is shown, so the user knows what was lost.
		expect(String(failedError.description)).toContain(`"${REPLY_TOKENS[0]}${REPLY_TOKENS[1]}"`);
		expect(failed.runData.Answer).toBeUndefined();
		expect(sim.streams.slice(streamsBefore)).toHaveLength(1);
		expect(JSON.stringify(failed)).not.toContain(USER.password);
	});

	test('a workflow built with version 1 (the Model a plain ID from its options list) still runs as it did', async () => {
		const streamsBefore = sim.streams.length;
		const example = loadExample(EXAMPLE);
		const node = example.nodes.find((entry) => entry.name === NODE)!;
		node.typeVersion = 1;
		node.parameters = { ...node.parameters, model: 'claude-opus-4-5' };
		const run = await session().runWorkflow(example);
		expect(run.error).toBeUndefined();
		expect(outputOf(run, NODE)).toEqual([
			expect.objectContaining({ text: REPLY, complete: true, model: 'claude-opus-4-5' }),
		]);
		expect(sim.streams.slice(streamsBefore).map((stream) => stream.body.modelId)).toEqual([
			'claude-opus-4-5',
		]);
	});

	test('streaming: a webhook caller receives the reply token by token while the simulator is still sending it, and the full text', async () => {
		// Paced so that the reply takes a while to send; the assertions compare the order of events only.
		sim.setReply({ tokens: REPLY_TOKENS, pacingMs: 40 });
		const workflowId = await session().importWorkflow(loadExample(STREAMING_EXAMPLE));
		await session().api.activateWorkflow(workflowId);

		const streamsBefore = sim.streams.length;
		const simulatorSide = (): StreamRecord | undefined => sim.streams[streamsBefore];
		// For each token line the client reads: how far the simulator was at that moment (same process,
		// same event loop, so the snapshot is exact).
		const seen: Array<{ content: string; simEventsWritten: number; simEnded: boolean }> = [];
		const message = 'Stream me an answer, please.';
		const response = await postAndStream(
			`${session().server.url}/webhook/chat-stream`,
			{ message },
			(line: StreamMessage) => {
				if (line.type !== 'item') return;
				const record = simulatorSide();
				seen.push({
					content: String(line.content),
					simEventsWritten: record?.eventsWritten ?? -1,
					simEnded: record?.ended ?? false,
				});
			},
		);

		expect({ status: response.statusCode, stray: response.stray }).toEqual({
			status: 200,
			stray: [],
		});
		const ours = response.messages.filter((line) => line.metadata?.nodeName === NODE);
		expect(ours.map((line) => line.type)).toEqual([
			'begin',
			...REPLY_TOKENS.map(() => 'item'),
			'end',
		]);
		// The full text by the end, in order.
		expect(seen.map((entry) => entry.content).join('')).toBe(REPLY);

		// The first token reached the client before the simulator wrote the last one. The simulator counts
		// an event once it is written and its pacing pause is over, so with `n` counted at most n + 1 are
		// on the wire; events are user_message (1), the tokens (2 … T+1), complete. n < T therefore means
		// the last token (event T+1) had not been written yet.
		const first = seen[0];
		expect(first.simEnded).toBe(false);
		expect(first.simEventsWritten).toBeGreaterThanOrEqual(0);
		expect(first.simEventsWritten).toBeLessThan(REPLY_TOKENS.length);
		// And the tokens kept arriving as the simulator went on: its progress, seen from the client, grows.
		const progress = seen.map((entry) => entry.simEventsWritten);
		expect(progress).toEqual([...progress].sort((a, b) => a - b));
		expect(progress[progress.length - 1]).toBeGreaterThan(progress[0]);
		expect(response.readsWithLines).toBeGreaterThan(1);

		// The simulator got the message once; the execution's Chat Message output still holds the final item.
		const streams = sim.streams.slice(streamsBefore);
		expect(streams).toHaveLength(1);
		expect(streams[0].body).toEqual({ content: message, modelId: 'gpt-5.2', userId: USER.id });
		const [execution] = await session().api.executionsOf(workflowId);
		expect(execution?.mode).toBe('webhook');
		const run = await session().api.waitForExecution(execution.id);
		expect(run.status).toBe('success');
		expect(outputOf(run, NODE)).toEqual([
			expect.objectContaining({ text: REPLY, complete: true, chatId: streams[0].chatId }),
		]);
	});

	test('streaming with Stream Tool Events: the caller gets tool calls and results as JSON chunks in order with the text; without the option, text only', async () => {
		sim.setReply({ vocabulary: 'documented', withTool: true, tokens: ['Looking', ' it', ' up.'] });
		const toolEvents = [
			{ chatMessageEvent: 'tool_call', toolName: 'webSearch', toolArgs: { query: 'What is new?' } },
			{ chatMessageEvent: 'tool_result', toolName: 'webSearch', toolResult: { hits: 1 } },
		];
		const itemContents = async (path: string, streamToolEvents: boolean) => {
			const workflow = withParameters(loadExample(STREAMING_EXAMPLE), NODE, {
				options: { streamToolEvents },
			});
			const webhook = workflow.nodes.find((node) => node.type === 'n8n-nodes-base.webhook')!;
			webhook.parameters = { ...webhook.parameters, path };
			(webhook as { webhookId?: string }).webhookId = randomUUID();
			await session().api.activateWorkflow(await session().importWorkflow(workflow));
			const response = await postAndStream(
				`${session().server.url}/webhook/${path}`,
				{ message: 'What is new?' },
				() => undefined,
			);
			expect(response.statusCode).toBe(200);
			return response.messages
				.filter((line) => line.metadata?.nodeName === NODE && line.type === 'item')
				.map((line) => String(line.content));
		};
		expect(await itemContents('chat-stream-tools', true)).toEqual([
			'Looking',
			JSON.stringify(toolEvents[0]),
			JSON.stringify(toolEvents[1]),
			' it',
			' up.',
		]);
		expect(await itemContents('chat-stream-text', false)).toEqual(['Looking', ' it', ' up.']);
	});

	test("a wrong password fails the run with the sign-in's own words (found by class across the installed package), nothing sent", async () => {
		const streamsBefore = sim.streams.length;
		await session().addCredential('chatApi', 'Chat account, wrong password', {
			...goodData(),
			password: 'Wrong-Passw0rd!',
		});
		try {
			const run = await session().runWorkflow(loadExample(EXAMPLE));
			expect(run.status).toBe('error');
			const error = errorOf(run);
			expect(error.node?.name).toBe(NODE);
			expect(error.message).toMatch(/^Sign-in failed: the server answered HTTP 401/);
			expect(JSON.stringify(run)).not.toContain('Wrong-Passw0rd!');
			expect(sim.streams.length).toBe(streamsBefore);
		} finally {
			credential = await session().addCredential('chatApi', 'Chat account', goodData());
		}
	});

	test('a credential that cannot work: the run fails naming the credential and field, not even a sign-in', async () => {
		const requestsBefore = sim.requestCount;
		// Runs bind to the credential added last: the broken one here, the good one again afterwards.
		await session().addCredential('chatApi', 'Chat broken', {
			...goodData(),
			baseUrl: sim.url.replace('http:', 'ftp:'),
		});
		try {
			const run = await session().runWorkflow(loadExample(EXAMPLE));
			expect(run.status).toBe('error');
			expect(errorOf(run).message).toBe(
				'Chat API credential: Base URL must start with http:// or https://',
			);
			expect(sim.requestCount).toBe(requestsBefore);
		} finally {
			credential = await session().addCredential('chatApi', 'Chat account', goodData());
		}
	});
}
