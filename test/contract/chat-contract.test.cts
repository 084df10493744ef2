/**
 * The chat simulator against the real chat backend's captured answers (test/contract/chat-captured, see its
 * SOURCE.md): every captured case is sent to the simulator as it was sent to the backend, and the status,
 * the stream's headers and the body must be the captured ones, byte for byte once IDs, request IDs and
 * times are replaced by their kind (`<uuid>`, `<postgres-time>`…). A simulator that drifts from the real
 * server fails here, and a captured case the test does not send fails it too.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import {
	LLM_CUT_MID_STREAM,
	LLM_FAILS_BEFORE_TOKENS,
	startChatSimulator,
	type ChatModel,
	type ChatSimulator,
	type ChatUser,
} from '../simulators/chat.cjs';

const CAPTURED = path.join(__dirname, 'chat-captured');
const read = (file: string) => fs.readFileSync(path.join(CAPTURED, file), 'utf8');

/** `== <case> -> <status> …` lines of all-cases.log: each captured error case and its status. */
function loggedCases(): Map<string, number> {
	const cases = new Map<string, number>();
	for (const line of read('all-cases.log').split('\n')) {
		const match = /^== ([\w-]+) -> (\d{3})/.exec(line);
		if (match) cases.set(match[1], Number(match[2]));
	}
	return cases;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** Postgres's JSON text of a timestamptz: microseconds without trailing zeros, `+00:00`. */
const POSTGRES_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{0,5}[1-9])?\+00:00$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const BETTER_AUTH_ID = /^[A-Za-z0-9]{32}$/;

/** Each ID and time replaced by its kind; the session token (redacted in the capture) by `<redacted>`. */
function normalize(value: unknown, key = ''): unknown {
	if (Array.isArray(value)) return value.map((entry) => normalize(entry));
	if (value !== null && typeof value === 'object') {
		return Object.fromEntries(
			Object.entries(value).map(([name, entry]) => [name, normalize(entry, name)]),
		);
	}
	if (typeof value !== 'string') return value;
	if (key === 'token') return '<redacted>';
	if (UUID.test(value)) return '<uuid>';
	if (POSTGRES_TIME.test(value)) return '<postgres-time>';
	if (ISO_TIME.test(value)) return '<iso-time>';
	if (BETTER_AUTH_ID.test(value)) return '<better-auth-id>';
	return value;
}

/** A JSON body, normalized and written back as JSON (key order kept: Express writes keys in order). */
const normalJson = (text: string) => JSON.stringify(normalize(JSON.parse(text)));

/** An event stream: each `data:` line's JSON normalized, the framing kept as it was. */
const normalSse = (text: string) =>
	text.replace(/^data: (.*)$/gm, (_line, json: string) => `data: ${normalJson(json)}`);

/** The captured session's user (the one verified user), and another to own a chat and be named wrongly. */
const capturedSession = JSON.parse(read('get-session.body')) as {
	user: { id: string; name: string; email: string };
};
const ALICE: ChatUser = { ...capturedSession.user, password: 'alice-password-1' };
const BOB: ChatUser = {
	id: 'Qm4kYp0ZsT7wX2cV9bN1aD3fG5hJ8lR6',
	name: 'Bob',
	email: 'bob@example.test',
	password: 'bob-password-1',
};
const MODELS = (JSON.parse(read('models.body')) as { models: ChatModel[] }).models;
/** The stand-in LLM's reply, as the captured stream has it. */
const TOKENS = [...read('stream.sse').matchAll(/"type":"token","token":"([^"]*)"/g)].map(
	(match) => match[1],
);

let sim: ChatSimulator;
const cookies = { alice: '', bob: '' };
let aliceChat: string;
let bobChat: string;
/** Case → the simulator's answer, filled by the requests below in the captured order. */
const answers = new Map<string, { status: number; headers: Headers; text: string }>();

async function send(
	name: string,
	method: string,
	urlPath: string,
	options: { cookie?: string; body?: unknown; raw?: string } = {},
): Promise<void> {
	const headers: Record<string, string> = { 'User-Agent': 'curl/7.88.1', Accept: '*/*' };
	if (options.cookie !== undefined) headers.Cookie = options.cookie;
	let body: string | undefined;
	if (options.raw !== undefined || options.body !== undefined) {
		headers['Content-Type'] = 'application/json';
		body = options.raw ?? JSON.stringify(options.body);
	}
	const response = await fetch(`${sim.url}${urlPath}`, { method, headers, body });
	answers.set(name, {
		status: response.status,
		headers: response.headers,
		text: await response.text(),
	});
}

async function signIn(user: ChatUser): Promise<string> {
	const response = await fetch(`${sim.url}/api/auth/sign-in/email`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ email: user.email, password: user.password }),
	});
	expect(response.status).toBe(200);
	const cookie = /^([^;]+)/.exec(response.headers.get('set-cookie') ?? '')?.[1];
	if (!cookie) throw new Error('the sign-in set no cookie');
	return cookie;
}

const stream = (chatId: string) => `/api/chats/${chatId}/messages/stream`;
/** A message body; `userId: null` leaves it out. */
const message = (content: string, modelId = 'gpt-5.2', userId: string | null = ALICE.id) => ({
	content,
	modelId,
	...(userId !== null ? { userId } : {}),
});

beforeAll(async () => {
	sim = await startChatSimulator({
		users: [ALICE, BOB],
		models: MODELS,
		modelsWithoutProvider: ['gemini-2.5-pro'],
		reply: { tokens: TOKENS },
	});
	cookies.alice = await signIn(ALICE);
	cookies.bob = await signIn(BOB);
	aliceChat = crypto.randomUUID();
	bobChat = crypto.randomUUID();
	const alice = cookies.alice;

	// In the capture's order: the session, the models, two replies in one new chat, its messages.
	await send('session', 'GET', '/api/auth/get-session', { cookie: alice });
	await send('models', 'GET', '/api/models', { cookie: alice });
	await send('stream', 'POST', stream(aliceChat), { cookie: alice, body: message('hello there') });
	await send('stream-claude', 'POST', stream(aliceChat), {
		cookie: alice,
		body: message('and again', 'claude-opus-4-5'),
	});
	await send('messages-list', 'GET', `/api/chats/${aliceChat}/messages`, { cookie: alice });
	// Bob starts a chat of his own.
	await send('bob-chat', 'POST', stream(bobChat), {
		cookie: cookies.bob,
		body: message('mine', 'gpt-5.2', BOB.id),
	});

	await send('wrong-cookie', 'POST', stream(aliceChat), {
		cookie: `${sim.cookieName}=not-a-session.signature`,
		body: message('hi'),
	});
	await send('no-cookie', 'POST', stream(aliceChat), { body: message('hi') });
	await send('other-users-chat', 'POST', stream(bobChat), { cookie: alice, body: message('hi') });
	await send('bad-body-missing-content', 'POST', stream(aliceChat), {
		cookie: alice,
		body: { modelId: 'gpt-5.2', userId: ALICE.id },
	});
	await send('bad-body-empty', 'POST', stream(aliceChat), { cookie: alice });
	await send('bad-body-new-chat-no-userId', 'POST', stream(crypto.randomUUID()), {
		cookie: alice,
		body: message('hi', 'gpt-5.2', null),
	});
	await send('new-chat-foreign-userId', 'POST', stream(crypto.randomUUID()), {
		cookie: alice,
		body: message('hi', 'gpt-5.2', BOB.id),
	});
	await send('non-uuid-chat', 'POST', stream('not-a-uuid'), { cookie: alice, body: message('hi') });
	await send('unknown-model', 'POST', stream(crypto.randomUUID()), {
		cookie: alice,
		body: message('hi', 'no-such-model'),
	});
	await send('invalid-json', 'POST', stream(aliceChat), { cookie: alice, raw: '{not json' });
	await send('models-no-cookie', 'GET', '/api/models');
	await send('get-session-wrong-cookie', 'GET', '/api/auth/get-session', {
		cookie: `${sim.cookieName}=not-a-session.signature`,
	});
	await send('llm-fails-before-tokens', 'POST', stream(crypto.randomUUID()), {
		cookie: alice,
		body: message(LLM_FAILS_BEFORE_TOKENS),
	});
	await send('llm-cut-mid-stream', 'POST', stream(crypto.randomUUID()), {
		cookie: alice,
		body: message(LLM_CUT_MID_STREAM),
	});
	await send('gemini-no-provider', 'POST', stream(crypto.randomUUID()), {
		cookie: alice,
		body: message('hi', 'gemini-2.5-pro'),
	});
});

afterAll(async () => sim?.close());

/** The captured body of each case: its file, and its status (from all-cases.log where the file has none). */
const CASES: Array<{ name: string; file: string; status: number; kind: 'json' | 'sse' }> = [
	{ name: 'session', file: 'get-session.body', status: 200, kind: 'json' },
	{ name: 'models', file: 'models.body', status: 200, kind: 'json' },
	{ name: 'stream', file: 'stream.sse', status: 200, kind: 'sse' },
	{ name: 'stream-claude', file: 'stream-claude.sse', status: 200, kind: 'sse' },
	...[...loggedCases()].map(([name, status]) => ({
		name,
		file: `${name}.body`,
		status,
		kind: (status === 200 && name !== 'messages-list' && !name.startsWith('get-session')
			? 'sse'
			: 'json') as 'json' | 'sse',
	})),
];

describe('every captured case is sent', () => {
	test('each answer file of the capture is a case of this test, and each case has its file', () => {
		const files = fs.readdirSync(CAPTURED).filter((file) => /\.(body|sse)$/.test(file));
		expect(CASES.map((entry) => entry.file).sort()).toEqual(files.sort());
		for (const { name } of CASES)
			expect({ name, sent: answers.has(name) }).toEqual({ name, sent: true });
	});

	test('the normalization keeps what tells cases apart (the comparison can fail)', () => {
		expect(normalJson(read('unknown-model.body'))).not.toBe(normalJson(read('non-uuid-chat.body')));
		expect(normalJson(read('wrong-cookie.body'))).toBe(normalJson(read('no-cookie.body')));
		expect(normalSse(read('stream.sse'))).not.toBe(normalSse(read('stream-claude.sse')));
		// A simulator answering ISO times where the server writes Postgres text would differ.
		expect(normalize('2026-12-03T15:11:12.179Z')).not.toBe(
			normalize('2026-12-03T15:11:12.179222+00:00'),
		);
	});
});

describe('the simulator answers as the real backend did', () => {
	test.each(CASES.map((entry) => [entry.name, entry] as const))(
		'%s',
		(name, { file, status, kind }) => {
			const answer = answers.get(name)!;
			const captured = read(file);
			expect(answer.status).toBe(status);
			if (kind === 'sse') {
				expect(answer.headers.get('content-type')).toBe('text/event-stream');
				expect(normalSse(answer.text)).toBe(normalSse(captured));
			} else {
				expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
				expect(normalJson(answer.text)).toBe(normalJson(captured.trim()));
			}
		},
	);

	test("a stream's headers are the captured ones (Date aside)", () => {
		const lines = read('stream.headers').trim().split(/\r?\n/);
		expect(lines[0]).toBe('HTTP/1.1 200 OK');
		const captured = Object.fromEntries(
			lines
				.slice(1)
				.map((line) => [
					line.slice(0, line.indexOf(':')).toLowerCase(),
					line.slice(line.indexOf(':') + 1).trim(),
				])
				.filter(([name]) => name !== 'date'),
		);
		const answer = answers.get('stream')!;
		const sent = Object.fromEntries([...answer.headers].filter(([name]) => name in captured));
		expect(sent).toEqual(captured);
		expect(answer.headers.get('content-length')).toBeNull();
	});

	test('the IDs and times the server makes have its forms', () => {
		const events = answers
			.get('stream')!
			.text.split('\n')
			.filter((line) => line.startsWith('data: '))
			.map(
				(line) =>
					JSON.parse(line.slice(6)) as {
						type: string;
						message?: { id: string; createdAt: string };
						chatId?: string;
					},
			);
		const complete = events.find((event) => event.type === 'complete')!;
		expect(complete.chatId).toBe(aliceChat);
		for (const event of events.filter((entry) => entry.message)) {
			expect(event.message!.id).toMatch(UUID);
			expect(event.message!.createdAt).toMatch(POSTGRES_TIME);
		}
		const session = JSON.parse(answers.get('session')!.text) as {
			user: { id: string };
			session: { userId: string };
		};
		expect(session.user.id).toMatch(BETTER_AUTH_ID);
		expect(session.session.userId).toBe(session.user.id);
		const requestIds = ['wrong-cookie', 'no-cookie', 'unknown-model'].map(
			(name) => (JSON.parse(answers.get(name)!.text) as { requestId: string }).requestId,
		);
		for (const requestId of requestIds) expect(requestId).toMatch(UUID);
		expect(new Set(requestIds).size).toBe(requestIds.length);
	});
});
