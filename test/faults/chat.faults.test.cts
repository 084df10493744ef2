/**
 * Chat Message under faults, in n8n-core's engine against the chat simulator: the fault matrix before
 * and during the stream (behaviour issue 4 asks for, no hang, no leaked socket or timer), the shared bad
 * inputs, and canaries in the password, the pasted session token and the session cookies the sign-in
 * issues, on every error path, with streaming to the n8n client on and off.
 *
 * Faults hit the message request (`POST .../messages/stream`) unless a row says otherwise: the sign-in
 * and the session probes happen once per execution, before the first message.
 */
import type { IncomingMessage } from 'node:http';

import type { IDataObject, StructuredChunk } from 'n8n-workflow';

import { CredentialStore, runNode, type NodeRunResult, type NodeRunSpec } from '../harness/n8n.cjs';
import { waitFor } from '../harness/waitFor.cjs';
import type { Fault } from '../simulators/faults.cjs';
import {
	CHAT_DEFAULTS,
	documentedErrorBody,
	isSignInRequest,
	isStreamRequest,
	LLM_FAILS_BEFORE_TOKENS,
	resourceError,
	startChatSimulator,
	type ChatSimulator,
} from '../simulators/chat.cjs';
import {
	CHAT_BASE_PARAMETERS,
	chatBadCredentials,
	chatBadInputs,
} from '../workflow/chat.badInputs.cjs';
import { record } from './report.cjs';
import { collectSecretSurface } from './secrets.cjs';
import { runBadCredentials, runBadInputs, runMatrixCase, STREAM_FAULT_NAMES } from './suite.cjs';

const NODE = 'Chat Message';
const CANARY_PASSWORD = 'CANARY-chat-password-3c9d1';
/** The pasted session token (Session Token authentication). */
const CANARY_TOKEN = 'CANARY-chat-pasted-token-8f2e6';
/** In every session cookie the simulator's sign-in issues (and the token its body echoes). */
const CANARY_COOKIE = 'CANARY-chat-issued-cookie-a71b4';
const CANARIES = [CANARY_PASSWORD, CANARY_TOKEN, CANARY_COOKIE];

const USER = { ...CHAT_DEFAULTS.user, password: CANARY_PASSWORD };
const OTHER_USERS_CHAT = '3f2b8c1e-9d4a-4c6b-8e2f-1a2b3c4d5e6f';

const onStream = { match: isStreamRequest };

type Way = 'emailPassword' | 'sessionToken';

let sim: ChatSimulator;
afterEach(async () => sim?.close());

async function startSimulator(): Promise<ChatSimulator> {
	const started = await startChatSimulator({
		users: [USER, CHAT_DEFAULTS.otherUser],
		sessionCanary: CANARY_COOKIE,
	});
	started.chats.set(OTHER_USERS_CHAT, CHAT_DEFAULTS.otherUser.id);
	return started;
}

async function start() {
	sim = await startSimulator();
}

let pasted = 0;
/** A valid pasted token holding the canary (the simulator adopts it as a session of USER). */
function pastedToken(): string {
	return sim.createSession(USER.id, `${CANARY_TOKEN}-${++pasted}.sig${pasted}`);
}

/** Every secret field holds a canary, whichever way in is chosen. */
function credentials(
	way: Way = 'emailPassword',
	overrides: IDataObject = {},
	baseUrl = sim.url,
): CredentialStore {
	return new CredentialStore().set('chatApi', {
		baseUrl,
		authentication: way,
		email: USER.email,
		password: CANARY_PASSWORD,
		sessionToken: pastedToken(),
		cookieName: CHAT_DEFAULTS.cookieName,
		signInToken: '',
		...overrides,
	});
}

function run(
	items: IDataObject[],
	parameters: IDataObject = {},
	extra: Partial<NodeRunSpec> = {},
): Promise<NodeRunResult> {
	return runNode({
		type: 'chatMessage',
		parameters: { ...CHAT_BASE_PARAMETERS, ...parameters },
		credentials: credentials(),
		items,
		...extra,
	});
}

/** What happened, in words built from the observation (not from the expectation). */
function outcome(result: NodeRunResult): string {
	const counts = `${sim.streamRequests} message request(s), ${sim.signIns} sign-in(s); ${sim.streams.length} accepted`;
	if (result.error) {
		const arrived = /(\d+) characters of the reply had arrived/.exec(
			String(result.error.description ?? ''),
		);
		const partial =
			arrived && arrived[1] !== '0' ? `, partial text (${arrived[1]} chars) in the error` : '';
		return `${result.run.status === 'canceled' ? 'canceled' : 'error'}: "${result.error.message}"${partial}; ${counts}`;
	}
	const failed = result.output.find((item) => item.json.error !== undefined);
	if (failed) return `error item "${failed.json.error}"; ${counts}`;
	const replies = result.output.map((item) => item.json);
	const complete = replies.every((reply) => reply.complete === true);
	const ignored = replies.reduce((n, reply) => n + Number(reply.ignoredEvents ?? 0), 0);
	const chars = replies.reduce((n, reply) => n + String(reply.text ?? '').length, 0);
	return `${replies.length > 1 ? `${replies.length} ` : ''}${complete ? 'complete' : 'partial'} repl${replies.length > 1 ? 'ies' : 'y'} (${chars} chars${ignored ? `, ${ignored} malformed event(s) skipped` : ''}); ${counts}`;
}

/** The server saw the client close the stream (not a reply that ended). */
async function closedByClient(index: number): Promise<void> {
	await waitFor(
		() => sim.streams[index]?.closedByClient === true,
		1000,
		`the client to close stream ${index}`,
	);
	expect(sim.streams[index]).toMatchObject({ closedByClient: true, ended: false });
}

const inject = (
	fault: Fault,
	options: { times?: number; match?: (request: IncomingMessage) => boolean } = onStream,
) => void sim.faults.inject(fault, options);

describe('fault matrix', () => {
	const cases: Array<{
		fault: string;
		setup: () => Promise<Partial<NodeRunSpec> | void>;
		items?: IDataObject[];
		parameters?: IDataObject;
		/** Words before the observed outcome, e.g. which form of the fault the chat API uses. */
		note?: string;
		expect: (result: NodeRunResult) => void | Promise<void>;
	}> = [
		{
			fault: '429 + Retry-After header',
			setup: async () =>
				inject({
					kind: 'status',
					status: 429,
					headers: { 'Retry-After': '0' },
					body: resourceError('RATE_LIMIT_EXCEEDED'),
				}),
			expect: (result) => {
				expect(result.output[0].json).toMatchObject({ complete: true, text: sim.replyText() });
				// Refused, then sent again once: one message on the server.
				expect(sim.streamRequests).toBe(2);
				expect(sim.streams).toHaveLength(1);
			},
		},
		{
			fault: '429 + body retry_after',
			note: 'body form is retryAfter in the chat API: ',
			setup: async () =>
				inject({
					kind: 'status',
					status: 429,
					body: resourceError('RATE_LIMIT_EXCEEDED', {}, { retryAfter: 0 }),
				}),
			expect: (result) => {
				expect(result.output[0].json).toMatchObject({ complete: true, text: sim.replyText() });
				expect(sim.streamRequests).toBe(2);
				expect(sim.streams).toHaveLength(1);
			},
		},
		{
			fault: '503 (no Retry-After)',
			setup: async () =>
				inject({
					kind: 'status',
					status: 503,
					body: resourceError('SERVICE_UNAVAILABLE', { status: 503, message: 'unavailable' }),
				}),
			expect: (result) => {
				// May have been processed: not sent again.
				expect(result.error?.message).toMatch(
					/^The service is unavailable – SERVICE_UNAVAILABLE: unavailable; the server may have received the message \[item 0\]$/,
				);
				expect(result.error?.description).toMatch(
					/HTTP 503: unavailable \(code SERVICE_UNAVAILABLE, request ID [0-9a-f-]{36}\)/,
				);
				expect(sim.streamRequests).toBe(1);
				expect(sim.streams).toHaveLength(0);
			},
		},
		{
			fault: '503 + Retry-After',
			setup: async () =>
				inject({
					kind: 'status',
					status: 503,
					headers: { 'Retry-After': '0' },
					body: resourceError('SERVICE_UNAVAILABLE', { status: 503, message: 'unavailable' }),
				}),
			expect: (result) => {
				expect(result.output[0].json).toMatchObject({ complete: true, text: sim.replyText() });
				expect(sim.streamRequests).toBe(2);
				expect(sim.streams).toHaveLength(1);
			},
		},
		{
			// The chat server is down from the start: the sign-in is the first request, so nothing else is tried.
			fault: 'connection refused',
			setup: async () => {
				const store = credentials('emailPassword', {}, sim.url);
				await sim.close();
				sim = await startSimulator();
				return { credentials: store };
			},
			expect: (result) => {
				expect(result.error?.message).toBe('Sign-in failed: could not reach the chat server');
				expect(result.error?.description).toMatch(
					/Nothing was sent \(POST \/api\/auth\/sign-in\/email: ECONNREFUSED\)/,
				);
				expect(sim.requestCount).toBe(0);
			},
		},
		{
			// A pasted session token needs no sign-in: the session check and the message meet the closed port.
			fault: 'connection refused (session token, no sign-in)',
			setup: async () => {
				const store = credentials('sessionToken', {}, sim.url);
				await sim.close();
				sim = await startSimulator();
				return { credentials: store };
			},
			expect: (result) => {
				expect(result.error?.message).toMatch(/refused the connection \[item 0\]/);
				expect(result.error?.description).toMatch(/after 3 attempts \(ECONNREFUSED\)/);
				expect(sim.requestCount).toBe(0);
			},
		},
		{
			fault: 'reset mid-request (before accept)',
			setup: async () => inject({ kind: 'reset' }),
			expect: (result) => {
				expect(result.error?.message).toMatch(
					/closed before the server answered; the server may have received the message \[item 0\]/,
				);
				expect(sim.streamRequests).toBe(1);
				expect(sim.streams).toHaveLength(0);
			},
		},
		{
			fault: 'reset after accept',
			setup: async () => inject({ kind: 'resetAfterAccept' }),
			expect: (result) => {
				expect(result.error?.message).toMatch(
					/closed before the server answered; the server may have received the message \[item 0\]/,
				);
				expect(result.error?.message).toMatch(/may have received the message/);
				expect(result.error?.description).toMatch(/It was not sent again, so it is not duplicated/);
				// The server took the message; it is reported, never sent again.
				expect(sim.streamRequests).toBe(1);
				expect(sim.streams).toHaveLength(1);
			},
		},
		{
			// No byte within the idle timeout: the node gives up before the server's first byte.
			fault: 'server slower than the timeout',
			parameters: { options: { idleTimeout: 0.15 } },
			setup: async () => inject({ kind: 'delay', ms: 600 }),
			expect: (result) => {
				expect(result.error?.message).toBe(
					'The chat server sent nothing for 0.15 s (Idle Timeout) [item 0]',
				);
				expect(sim.streamRequests).toBe(1);
				// By the time the delayed server would answer, the client had closed the connection.
				expect(sim.streams).toHaveLength(0);
			},
		},
		{
			// The server never answers and no timeout is set: only the cancel can end the run.
			fault: 'cancelled mid-request',
			parameters: { options: { idleTimeout: 0 } },
			setup: async () => {
				inject({ kind: 'hang' });
				return { cancelWhen: () => sim.streamRequests >= 1 };
			},
			expect: (result) => {
				expect(result.run.status).toBe('canceled');
				expect(result.output).toEqual([]);
				expect(sim.streamRequests).toBe(1);
				expect(sim.streams).toHaveLength(0);
			},
		},
		{
			fault: STREAM_FAULT_NAMES.dropped,
			setup: async () => inject({ kind: 'streamDrop', afterEvents: 4 }),
			expect: (result) => {
				expect(result.error?.message).toBe(
					'The reply ended early: the connection closed before the end of the reply [item 0]',
				);
				expect(result.error?.description).toMatch(
					/15 characters of the reply had arrived: "tok0 tok1 tok2 "/,
				);
				expect(sim.streamRequests).toBe(1);
			},
		},
		{
			fault: STREAM_FAULT_NAMES.errorEvent,
			setup: async () => inject({ kind: 'streamError', afterEvents: 3 }),
			expect: (result) => {
				expect(result.error?.message).toBe(
					'The chat server failed while replying: Streaming failed (STREAMING_ERROR) [item 0]',
				);
				expect(result.error?.description).toMatch(
					/10 characters of the reply had arrived: "tok0 tok1 "/,
				);
				expect(sim.streamRequests).toBe(1);
			},
		},
		{
			// Unparseable data is skipped, as the contract asks for anything not understood; the reply goes on.
			fault: STREAM_FAULT_NAMES.malformed,
			setup: async () => inject({ kind: 'streamMalformed', afterEvents: 2 }),
			expect: (result) => {
				expect(result.error).toBeUndefined();
				expect(result.output[0].json).toMatchObject({
					complete: true,
					text: sim.replyText(),
					eventCount: 7,
					ignoredEvents: 2,
				});
				expect(sim.faults.applied.streamMalformed).toBe(1);
			},
		},
		{
			fault: STREAM_FAULT_NAMES.neverEnds,
			parameters: { options: { idleTimeout: 0.2 } },
			setup: async () => inject({ kind: 'streamHang', afterEvents: 3 }),
			expect: async (result) => {
				expect(result.error?.message).toBe(
					'The chat server sent nothing for 0.2 s (Idle Timeout) [item 0]',
				);
				expect(result.error?.description).toMatch(
					/10 characters of the reply had arrived: "tok0 tok1 "/,
				);
				await closedByClient(0);
			},
		},
		{
			// The server stops mid-reply and no timeout is set: only the cancel can end the run.
			fault: STREAM_FAULT_NAMES.cancelled,
			parameters: { options: { idleTimeout: 0 } },
			setup: async () => {
				inject({ kind: 'streamHang', afterEvents: 3 });
				return { cancelWhen: () => (sim.streams[0]?.eventsWritten ?? 0) >= 3 };
			},
			expect: async (result) => {
				expect(result.run.status).toBe('canceled');
				expect(result.output).toEqual([]);
				await closedByClient(0);
				expect(sim.streams[0].eventsWritten).toBe(3);
			},
		},
		{
			// The server ends every session when the second message arrives: one re-login for the execution.
			fault: 'session expired (401 → one re-login)',
			items: [{ n: 0 }, { n: 1 }, { n: 2 }],
			setup: async () => {
				sim.expireSessionsOnStream(2);
				return { credentials: credentials('emailPassword') };
			},
			expect: (result) => {
				expect(result.error).toBeUndefined();
				expect(result.output.map((item) => item.json.complete)).toEqual([true, true, true]);
				expect(sim.signIns).toBe(2);
				// The 401 refused the second message; it went again once after the re-login.
				expect(sim.streamRequests).toBe(4);
				expect(sim.streams).toHaveLength(3);
			},
		},
	];

	test.each(cases)(
		'$fault',
		async ({ fault, setup, items = [{}], parameters = {}, note = '', expect: check }) => {
			await start();
			const extra = (await setup()) ?? {};
			await runMatrixCase({
				node: NODE,
				fault,
				run: () => run(items, parameters, extra),
				check,
				outcome: (result) => `${note}${outcome(result)}`,
			});
		},
	);
});

describe('bad input', () => {
	test(`${chatBadInputs.length} bad inputs: each a clear error naming item and field, nothing sent, not even a sign-in`, async () => {
		await start();
		await runBadInputs({
			node: NODE,
			badInputs: chatBadInputs,
			run: (badInput) => run(badInput.items, badInput.parameters),
			descriptionNamesField: true,
			sent: () => sim.requestCount,
			after: () => expect(sim.signIns).toBe(0),
		});
	});
});

describe('bad credentials', () => {
	test(`${chatBadCredentials.length} credentials that cannot work: the credential named, nothing sent (not even a sign-in), no canary, either Continue On Fail`, async () => {
		await start();
		await runBadCredentials({
			node: NODE,
			cases: chatBadCredentials,
			goodBaseUrl: sim.url,
			items: 2,
			run: (badCase, continueOnFail) =>
				run(
					[{ n: 1 }, { n: 2 }],
					{},
					{
						credentials: credentials(badCase.way as Way, badCase.overrides(sim.url)),
						continueOnFail,
					},
				),
			sent: () => sim.requestCount,
			canaries: CANARIES,
		});
		expect(sim.signIns).toBe(0);
	});
});

describe('secrets', () => {
	type Path = {
		name: string;
		/** The ways in this path applies to (default: both). */
		ways?: Way[];
		spec: (way: Way) => { credentials?: CredentialStore; parameters?: IDataObject };
	};
	const paths: Path[] = [
		{
			name: '401 wrong password / unknown pasted token',
			spec: (way) => ({
				credentials: credentials(
					way,
					way === 'emailPassword'
						? { password: `${CANARY_PASSWORD}-wrong` }
						: { sessionToken: `${CANARY_TOKEN}-unknown.sig` },
				),
			}),
		},
		{
			name: '401 expired session',
			spec: (way) => {
				if (way === 'sessionToken') {
					const store = credentials(way);
					sim.expireSessions();
					return { credentials: store };
				}
				// Refused again after the re-login.
				inject(
					{ kind: 'status', status: 401, body: resourceError('UNAUTHORIZED') },
					{ times: 2, match: isStreamRequest },
				);
				return {};
			},
		},
		{
			name: "403 another user's chat",
			spec: () => ({ parameters: { chatMode: 'existing', chatId: OTHER_USERS_CHAT } }),
		},
		{
			name: '404',
			spec: () => (
				inject({
					kind: 'status',
					status: 404,
					body: documentedErrorBody('CHAT_NOT_FOUND', 'Chat does not exist'),
				}),
				{}
			),
		},
		{
			name: '429 exhausted',
			spec: () => (
				inject(
					{
						kind: 'status',
						status: 429,
						body: resourceError('RATE_LIMIT_EXCEEDED', {}, { retryAfter: 0 }),
					},
					{ times: 3, match: isStreamRequest },
				),
				{}
			),
		},
		// The server's own answers, with its words, code and request ID in the error (the session token echoes in get-session).
		{
			name: '500 unknown model',
			spec: () => ({ parameters: { model: { __rl: true, mode: 'id', value: 'no-such-model' } } }),
		},
		{
			name: "404 CHAT_NOT_FOUND (another user's ID)",
			spec: () => ({ parameters: { options: { userId: CHAT_DEFAULTS.otherUser.id } } }),
		},
		{
			name: 'error event without chatId (model failed before its first token)',
			spec: () => ({ parameters: { message: LLM_FAILS_BEFORE_TOKENS } }),
		},
		{
			name: 'sign-in 403 EMAIL_NOT_VERIFIED',
			ways: ['emailPassword'],
			spec: () => (
				inject(
					{
						kind: 'status',
						status: 403,
						body: { code: 'EMAIL_NOT_VERIFIED', message: 'Email not verified' },
					},
					{ match: isSignInRequest },
				),
				{}
			),
		},
		{ name: 'reset', spec: () => (inject({ kind: 'reset' }), {}) },
		{ name: 'error event', spec: () => (inject({ kind: 'streamError', afterEvents: 3 }), {}) },
		{ name: 'stream dropped', spec: () => (inject({ kind: 'streamDrop', afterEvents: 3 }), {}) },
		{
			name: 'idle timeout',
			spec: () => (
				inject({ kind: 'streamHang', afterEvents: 2 }),
				{ parameters: { options: { idleTimeout: 0.1 } } }
			),
		},
		{
			name: 'bad input',
			spec: () => ({ parameters: { chatMode: 'existing', chatId: 'not-a-uuid' } }),
		},
		{
			name: 'sign-in answered 500',
			ways: ['emailPassword'],
			spec: () => (
				inject(
					{ kind: 'status', status: 500, body: { message: 'boom' } },
					{ match: isSignInRequest },
				),
				{}
			),
		},
		{
			name: 'sign-in connection reset',
			ways: ['emailPassword'],
			spec: () => (inject({ kind: 'reset' }, { match: isSignInRequest }), {}),
		},
		// A wrong path: no sign-in route (404), or for a pasted token a 404 to the message.
		{
			name: 'no sign-in route at the Base URL (404)',
			spec: (way) => ({ credentials: credentials(way, {}, `${sim.url}/app`) }),
		},
		{
			name: 'Base URL refused before sending',
			spec: (way) => ({
				credentials: credentials(way, { baseUrl: sim.url.replace('http://', 'ftp://') }),
			}),
		},
	];

	test('no canary (password, pasted token, issued session cookie) in outputs, errors, logs or streamed chunks on any error path', async () => {
		await start();
		let leaks = 0;
		let runs = 0;
		for (const path of paths) {
			for (const way of path.ways ?? (['emailPassword', 'sessionToken'] as Way[])) {
				for (const continueOnFail of [false, true]) {
					for (const streaming of [false, true]) {
						sim.faults.clear();
						const { credentials: store = credentials(way), parameters = {} } = path.spec(way);
						const chunks: StructuredChunk[] = [];
						let result: NodeRunResult | undefined;
						const surface = await collectSecretSurface(
							async () =>
								(result = await run([{}], parameters, {
									credentials: store,
									continueOnFail,
									...(streaming
										? { onChunk: (chunk: StructuredChunk) => void chunks.push(chunk) }
										: {}),
								})),
							() => chunks,
						);
						runs++;
						const failed =
							result!.error !== undefined ||
							result!.output.some((item) => item.json.error !== undefined);
						expect({ path: path.name, way, failed }).toEqual({
							path: path.name,
							way,
							failed: true,
						});
						const found = CANARIES.filter((canary) => surface.includes(canary));
						if (found.length > 0) leaks++;
						expect({ path: path.name, way, continueOnFail, streaming, found }).toEqual({
							path: path.name,
							way,
							continueOnFail,
							streaming,
							found: [],
						});
					}
				}
			}
		}
		sim.faults.clear();

		// The canaries were in play: the canary password signed in, the session it got holds the cookie
		// canary, and the pasted token (a canary) was accepted for a message.
		const store = credentials('emailPassword');
		const signedIn = await run([{}], {}, { credentials: store });
		expect(signedIn.error).toBeUndefined();
		expect(String(store.data.get('chatApi')?.signInToken)).toContain(CANARY_COOKIE);
		const pastedRun = await run([{}], {}, { credentials: credentials('sessionToken') });
		expect(pastedRun.output[0].json.complete).toBe(true);
		// And the search finds a canary that does reach the client: the item's data quoted back in an
		// error, and a reply streamed as chunks.
		const quoted = await collectSecretSurface(() =>
			run([{ c: CANARY_TOKEN }], { chatMode: 'existing', chatId: '={{ $json.c }}' }),
		);
		expect(quoted).toContain(CANARY_TOKEN);
		// ... also in what n8n's logger printed (its error reporter logs the message).
		expect(quoted).toMatch(new RegExp(`error-reporter\\.js[^\\n]*${CANARY_TOKEN}`));
		const chunks: StructuredChunk[] = [];
		sim.setReply({ tokens: ['a ', CANARY_COOKIE] });
		const streamed = await collectSecretSurface(
			() => run([{}], {}, { onChunk: (chunk) => void chunks.push(chunk) }),
			() => chunks,
		);
		sim.setReply({});
		expect(chunks.map((chunk) => chunk.content)).toContain(CANARY_COOKIE);
		expect(streamed).toContain(CANARY_COOKIE);

		record({ section: 'secrets', node: NODE, paths: runs, leaks });
	});
});
