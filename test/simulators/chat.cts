/**
 * A loopback chat API that answers as the real backend does: the HardWire app (github branmcf/tenex-take-home,
 * `backend/`: Express 4, Better Auth, Postgres through PostGraphile, the Vercel AI SDK), whose answers were
 * captured on loopback into test/contract/chat-captured/. test/contract/chat-contract.test.ts sends this
 * simulator the captured requests and compares its answers with the captured ones, so a drift fails there.
 *
 * - Better Auth: POST /api/auth/sign-in/email sets the session cookie (`better-auth.session_token` by
 *   default, `<token>.<signature>`), or answers 401 INVALID_EMAIL_OR_PASSWORD, or 403 EMAIL_NOT_VERIFIED for
 *   a user whose email is not verified; GET /api/auth/get-session answers `{session, user}`, or 200 `null`
 *   without a valid session (Better Auth never answers 401 there).
 * - GET /api/models → `{models:[{id,name,provider}]}`; 401 without a session.
 * - POST /api/chats/:chatId/messages/stream, checked in the backend's order: the JSON body (500
 *   SERVER_INTERNAL_ERROR when it does not parse), the session (401 UNAUTHORIZED), the chat's ownership (500
 *   from GraphQL for a chat ID that is no UUID; 403 CHAT_ACCESS_DENIED for another user's chat; 404
 *   CHAT_NOT_FOUND for an unknown chat unless body.userId is the session's user, who then creates it), the
 *   body (400 REQUEST_VALIDATION with Joi's words), the model (500, a foreign-key violation, for a model the
 *   server does not have); then Server-Sent Events: user_message, token…, complete. Errors are the backend's
 *   ResourceError JSON `{message, clientMessage, code, [error], requestId, statusCode}` (`resourceError`).
 * - GET /api/chats/:chatId/messages → `{messages:[{id, role, content, createdAt}]}`.
 * - Times are Postgres text (`2026-12-03T15:11:12.179222+00:00`), message IDs UUIDs, user IDs Better Auth's
 *   32-character IDs.
 *
 * The LLM behind it is a stand-in, as in the capture: the reply is scripted per test (`setReply`): token
 * count and text, pacing, re-chunking of the byte stream at arbitrary boundaries, heartbeats, CRLF, BOM,
 * extra raw frames, the documented vocabulary. As the capture's stand-in did, the message `FAKE_LLM_FAIL`
 * makes it fail before its first token (the backend then cannot store an empty reply and sends its
 * ResourceError as an `error` event, without chatId), `FAKE_LLM_CUT` makes it die after one token (`error`
 * STREAMING_ERROR, with chatId), and so does a model listed in `modelsWithoutProvider` (no provider
 * configured: fails before its first token). Other stream faults (drop, hang, error event, malformed frames)
 * come from the FaultInjector like every other fault.
 *
 * For the secret tests, `sessionCanary` puts a marker into every session cookie the sign-in issues (and
 * the token its bodies echo), and `createSession` can adopt a given value as a pasted token.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { StreamFault } from './faults.cjs';
import {
	extendServer,
	requestRecord,
	sendJson,
	startServer,
	type RequestRecord,
	type SimulatorServer,
} from './http.cjs';

export interface ChatUser {
	/** Better Auth's 32-character ID. */
	id: string;
	email: string;
	password: string;
	name: string;
	/** Sign-in is refused (403 EMAIL_NOT_VERIFIED) until the emailed link is clicked; default true. */
	emailVerified?: boolean;
}

export interface ReplyScript {
	vocabulary?: 'implemented' | 'documented';
	/** The tokens of the reply; default: `tokenCount` generated tokens. */
	tokens?: string[];
	tokenCount?: number;
	/** Wait between writes, in ms (0: as fast as the socket takes them). */
	pacingMs?: number;
	/** Cut the byte stream into pieces of this many bytes, each its own write (splits lines, CRLF, UTF-8). */
	chunkBytes?: number;
	/** A `: ping` comment after every N events. */
	heartbeatEvery?: number;
	lineEnding?: '\n' | '\r\n';
	bom?: boolean;
	/** Documented vocabulary: a tool_call and tool_result after the first token. */
	withTool?: boolean;
	sources?: Array<{ url: string; title: string; description: string }>;
	/** Raw SSE text written after the first event (unknown types, malformed JSON, comments, ids...). */
	extraFrames?: string;
	/** Implemented vocabulary: leave `content` out of the complete event. */
	omitFinalContent?: boolean;
	/** Told of each write as it is handed to the socket (the bench stamps each token's send time). */
	onWrite?: (data: Buffer) => void;
}

export interface StreamRecord {
	chatId: string;
	body: Record<string, unknown>;
	/** Events written (heartbeats not counted). */
	eventsWritten: number;
	/** The client closed the connection before the reply ended. */
	closedByClient: boolean;
	ended: boolean;
	/** The `error` event the reply ended with, if it did. */
	errorEvent?: Record<string, unknown>;
}

/** An error the server answered (ResourceError JSON), as sent. */
export interface SentError {
	path: string;
	status: number;
	body: Record<string, unknown>;
}

export interface ChatModel {
	id: string;
	name: string;
	provider: string;
}

/** A message as the backend stores it and lists it (GET /api/chats/:chatId/messages). */
export interface StoredMessage {
	id: string;
	role: 'user' | 'assistant';
	content: string;
	createdAt: string;
}

export interface ChatSimulatorOptions {
	users?: ChatUser[];
	cookieName?: string;
	models?: ChatModel[];
	/** Models the server lists but has no provider for (no API key): the LLM fails before its first token. */
	modelsWithoutProvider?: string[];
	reply?: ReplyScript;
	/** Put into every session value the simulator issues (`<canary>-<random>.<signature>`). */
	sessionCanary?: string;
}

export interface ChatSimulator extends SimulatorServer {
	users: ChatUser[];
	cookieName: string;
	signIns: number;
	streams: StreamRecord[];
	/** Chat ID → owner's user ID. */
	chats: Map<string, string>;
	/** Chat ID → its stored messages, in order. */
	messages: Map<string, StoredMessage[]>;
	/** The error answers the server itself sent (not those of injected faults), in order. */
	errorsSent: SentError[];
	setReply(script: ReplyScript): void;
	/** POST .../messages/stream requests seen, faults included. */
	readonly streamRequests: number;
	/** A valid session cookie value for a user, as a signed-in browser holds it (or `value`, adopted). */
	createSession(userId: string, value?: string): string;
	/** Ends every session server-side (expiry): the next request with an old cookie gets 401. */
	expireSessions(): void;
	/** Ends every session when the next stream request arrives, before it is checked. */
	expireSessionsOnNextStream(): void;
	/** Ends every session when the `n`th stream request from now arrives (1 = the next). */
	expireSessionsOnStream(n: number): void;
	/** The text a script's reply carries, for assertions. */
	replyText(script?: ReplyScript): string;
}

export const CHAT_DEFAULTS = {
	user: {
		id: 'yX711an73tOEc28WqctKBgL2hKRU1mG9',
		email: 'ada@example.com',
		password: 'correct horse battery staple',
		name: 'Ada',
	},
	otherUser: {
		id: 'Y8Nu06lJwGEHg41ORgMLwAwmRkNDeezK',
		email: 'bob@example.com',
		password: 'hunter2hunter2',
		name: 'Bob',
	},
	// The real backend's models (its migrations' list, as captured).
	models: [
		{ id: 'claude-opus-4-5', name: 'Claude Opus 4.5', provider: 'Anthropic' },
		{ id: 'gemini-2.5-pro', name: 'gemini-2.5-pro', provider: 'Google' },
		{ id: 'gpt-5.2', name: 'GPT-5.2', provider: 'OpenAI' },
	],
	cookieName: 'better-auth.session_token',
};

/** The stand-in LLM's triggers, as in the capture (the message's content). */
export const LLM_FAILS_BEFORE_TOKENS = 'FAKE_LLM_FAIL';
export const LLM_CUT_MID_STREAM = 'FAKE_LLM_CUT';

/** The backend's fallback sentence: ResourceError's default clientMessage, and the message of its 403 and 404. */
export const FALLBACK_SENTENCE =
	'We experienced an internal error. Please try again or contact support for assistance.';

/** The words the backend gives each code it answers (captured), status first. */
const RESOURCE_ERRORS: Record<string, { status: number; message: string; clientMessage: string }> =
	{
		UNAUTHORIZED: {
			status: 401,
			message: 'Authentication is required and has failed or has not yet been provided.',
			clientMessage: FALLBACK_SENTENCE,
		},
		CHAT_ACCESS_DENIED: {
			status: 403,
			message: FALLBACK_SENTENCE,
			clientMessage: 'Access denied to the specified chat.',
		},
		CHAT_NOT_FOUND: {
			status: 404,
			message: FALLBACK_SENTENCE,
			clientMessage: 'Chat with the given id not found.',
		},
		REQUEST_VALIDATION: {
			status: 400,
			message: 'Error Validating the CREATE_MESSAGE Request.',
			clientMessage: FALLBACK_SENTENCE,
		},
		INTERNAL_SERVER_ERROR: {
			status: 500,
			message: 'GraphQL execution failed',
			clientMessage: FALLBACK_SENTENCE,
		},
		SERVER_INTERNAL_ERROR: {
			status: 500,
			message: 'The server encountered an unspecified internal error.',
			clientMessage: FALLBACK_SENTENCE,
		},
		// Not captured (the capture ran with SKIP_RATE_LIMIT): the code is the backend's, the words are ours.
		RATE_LIMIT_EXCEEDED: {
			status: 429,
			message: 'Too many requests, please try again later.',
			clientMessage: FALLBACK_SENTENCE,
		},
	};

/**
 * The backend's error body (its ResourceError): `{message, clientMessage, code, [error], requestId, statusCode}`,
 * in its key order, with the words it gives `code` (RESOURCE_ERRORS) unless `override` changes them. `error`
 * is the cause it adds: Joi's words for a 400, GraphQL's errors for a 500. `extra` follows (a 429's retryAfter).
 */
export function resourceError(
	code: string,
	override: {
		status?: number;
		message?: string;
		clientMessage?: string;
		error?: unknown;
		requestId?: string;
	} = {},
	extra: Record<string, unknown> = {},
): Record<string, unknown> {
	const known = RESOURCE_ERRORS[code] ?? {
		status: 500,
		message: FALLBACK_SENTENCE,
		clientMessage: FALLBACK_SENTENCE,
	};
	return {
		message: override.message ?? known.message,
		clientMessage: override.clientMessage ?? known.clientMessage,
		code,
		...(override.error !== undefined ? { error: override.error } : {}),
		requestId: override.requestId ?? randomUUID(),
		statusCode: override.status ?? known.status,
		...extra,
	};
}

/** The error shape the backend's documentation claims (`{error, message}`); no server sends it, a client reads it anyway. */
export function documentedErrorBody(
	code: string,
	message: string,
	extra: Record<string, unknown> = {},
): Record<string, unknown> {
	return { error: code, message, ...extra };
}

/** One GraphQL error as PostGraphile reports it inside a ResourceError's `error` list. */
function graphqlError(message: string, line: number, column: number, path?: string[]) {
	return { message, locations: [{ line, column }], ...(path ? { path } : {}) };
}

/** The 500 of a message whose model the server does not have (a foreign key of the messages table). */
export function unknownModelError(): Record<string, unknown> {
	return resourceError('INTERNAL_SERVER_ERROR', {
		error: [
			graphqlError(
				'insert or update on table "messages" violates foreign key constraint "messages_model_id_fkey"',
				2,
				3,
				['createMessage'],
			),
		],
	});
}

/** The error event of a reply the LLM failed before its first token: the backend cannot store an empty reply. */
export function emptyReplyErrorEvent(): Record<string, unknown> {
	return {
		type: 'error',
		error: resourceError('INTERNAL_SERVER_ERROR', {
			error: [
				graphqlError(
					'new row for relation "messages" violates check constraint "messages_content_check"',
					2,
					3,
					['createMessage'],
				),
			],
		}),
	};
}

/** The error event of a reply the LLM broke off: the only event of the vocabulary that names no cause. */
export function streamingFailedEvent(chatId: string): Record<string, unknown> {
	return { type: 'error', error: { message: 'Streaming failed', code: 'STREAMING_ERROR' }, chatId };
}

/**
 * A time as Postgres writes a timestamptz into JSON: microseconds with trailing zeros dropped, `+00:00`
 * (`2026-12-03T15:11:11.47908+00:00`). The microseconds below the millisecond are made up.
 */
export function postgresTime(date = new Date()): string {
	const iso = date.toISOString();
	const micros =
		`${iso.slice(20, 23)}${String(Math.floor(Math.random() * 1000)).padStart(3, '0')}`.replace(
			/0+$/,
			'',
		);
	return `${iso.slice(0, 19)}${micros ? `.${micros}` : ''}+00:00`;
}

/** The default frames of a `streamMalformed` fault: two events whose data is not JSON, one cut short. */
const MALFORMED_FRAMES = 'data: {"type":"token","token":\n\ndata: {not json at all}\n\n';

/** A message request (`POST /api/chats/:chatId/messages/stream`), live or logged. */
export function isStreamRequest(request: RequestRecord | IncomingMessage): boolean {
	const { method, path } = requestRecord(request);
	return method === 'POST' && /\/messages\/stream$/.test(path);
}

/** An email sign-in (`POST /api/auth/sign-in/email`), live or logged. */
export function isSignInRequest(request: RequestRecord | IncomingMessage): boolean {
	const { method, path } = requestRecord(request);
	return method === 'POST' && path === '/api/auth/sign-in/email';
}

/** Joi's guid, hyphens required (the request validation). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** PostGraphile's UUID: 32 hexadecimal characters, optionally with hyphens (the ownership query). */
const GRAPHQL_UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** Express's own headers and those of the backend's CORS middleware (credentials allowed), on every answer. */
const EXPRESS_HEADERS = {
	'X-Powered-By': 'Express',
	Vary: 'Origin',
	'Access-Control-Allow-Credentials': 'true',
};

function cookies(request: IncomingMessage): Map<string, string> {
	const map = new Map<string, string>();
	for (const part of (request.headers.cookie ?? '').split(';')) {
		const eq = part.indexOf('=');
		if (eq > 0) map.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
	}
	return map;
}

function scriptTokens(script: ReplyScript): string[] {
	if (script.tokens) return script.tokens;
	const count = script.tokenCount ?? 5;
	return Array.from({ length: count }, (_, index) => `tok${index} `);
}

/**
 * The CREATE_MESSAGE validation (Joi, first problem only), in Joi's words; the backend runs it after the
 * ownership check. An empty body is a missing one.
 */
function validationProblem(body: Record<string, unknown> | undefined): string | undefined {
	if (body === undefined || Object.keys(body).length === 0) return '"body" is required';
	for (const field of ['content', 'modelId', 'userId']) {
		const value = body[field];
		if (value === undefined) return `"body.${field}" is required`;
		if (typeof value !== 'string') return `"body.${field}" must be a string`;
		if (value === '') return `"body.${field}" is not allowed to be empty`;
	}
	const { workflowId } = body;
	if (
		workflowId !== undefined &&
		workflowId !== null &&
		!(typeof workflowId === 'string' && UUID.test(workflowId))
	)
		return '"body.workflowId" must be a valid GUID';
	const unknown = Object.keys(body).find(
		(key) => !['content', 'modelId', 'userId', 'workflowId'].includes(key),
	);
	return unknown === undefined ? undefined : `"body.${unknown}" is not allowed`;
}

/** How the stand-in LLM answers a message. */
type LlmOutcome = 'reply' | 'failsBeforeTokens' | 'cutAfterFirstToken';

/** The reply's events as the server would send them, in order (one JSON object each). */
function* replyEvents(
	script: ReplyScript,
	chatId: string,
	userMessage: StoredMessage,
	llm: LlmOutcome,
	text: () => string,
): Generator<unknown> {
	const tokens = scriptTokens(script);
	const assistantId = randomUUID();
	if (script.vocabulary === 'documented') {
		yield { type: 'start', messageId: assistantId };
		for (const [index, token] of tokens.entries()) {
			yield { type: 'content', delta: token };
			if (index === 0 && script.withTool) {
				yield {
					type: 'tool_call',
					toolName: 'webSearch',
					toolArgs: { query: userMessage.content },
				};
				yield { type: 'tool_result', toolName: 'webSearch', result: { hits: 1 } };
			}
		}
		yield { type: 'end', messageId: assistantId };
		return;
	}
	yield { type: 'user_message', message: { ...userMessage } };
	if (llm === 'failsBeforeTokens') {
		yield emptyReplyErrorEvent();
		return;
	}
	for (const [index, token] of tokens.entries()) {
		if (llm === 'cutAfterFirstToken' && index === 1) {
			yield streamingFailedEvent(chatId);
			return;
		}
		yield { type: 'token', token };
	}
	const message: Record<string, unknown> = { id: assistantId, role: 'assistant' };
	if (!script.omitFinalContent) message.content = text();
	message.createdAt = postgresTime();
	message.sources = script.sources ?? [];
	yield { type: 'complete', message, chatId };
}

export async function startChatSimulator(
	options: ChatSimulatorOptions = {},
): Promise<ChatSimulator> {
	const users: ChatUser[] = options.users ?? [CHAT_DEFAULTS.user, CHAT_DEFAULTS.otherUser];
	const cookieName = options.cookieName ?? CHAT_DEFAULTS.cookieName;
	const models = options.models ?? CHAT_DEFAULTS.models;
	const withoutProvider = new Set(options.modelsWithoutProvider ?? []);
	/** Session cookie value → the session. */
	const sessions = new Map<string, { id: string; userId: string; createdAt: string }>();
	const chats = new Map<string, string>();
	const messages = new Map<string, StoredMessage[]>();
	const streams: StreamRecord[] = [];
	const errorsSent: SentError[] = [];
	let script: ReplyScript = options.reply ?? {};
	let expireAtStream = 0;
	let signIns = 0;
	const userCreatedAt = new Date().toISOString();

	const createSession = (userId: string, adopted?: string) => {
		const token = `${options.sessionCanary ? `${options.sessionCanary}-` : ''}${randomUUID().replace(/-/g, '')}`;
		const value = adopted ?? `${token}.${randomUUID().replace(/-/g, '').slice(0, 16)}`;
		sessions.set(value, {
			id: randomUUID().replace(/-/g, ''),
			userId,
			createdAt: new Date().toISOString(),
		});
		return value;
	};
	const sessionOf = (request: IncomingMessage) => {
		const value = cookies(request).get(cookieName);
		const session = value === undefined ? undefined : sessions.get(value);
		const user = users.find((candidate) => candidate.id === session?.userId);
		return session && user && value ? { value, session, user } : undefined;
	};
	const sessionUser = (request: IncomingMessage) => sessionOf(request)?.user;
	/** Express's res.json with the backend's middleware headers. */
	const json = (
		response: ServerResponse,
		status: number,
		body: unknown,
		headers: Record<string, string> = {},
	) =>
		sendJson(response, status, JSON.stringify(body), {
			...EXPRESS_HEADERS,
			'Content-Type': 'application/json; charset=utf-8',
			...headers,
		});
	const fail = (response: ServerResponse, body: Record<string, unknown>, path = '') => {
		errorsSent.push({ path, status: body.statusCode as number, body });
		json(response, body.statusCode as number, body);
	};
	const replyText = (s: ReplyScript = script) => scriptTokens(s).join('');

	async function stream(
		response: ServerResponse,
		record: StreamRecord,
		userMessage: StoredMessage,
		llm: LlmOutcome,
		streamFault: StreamFault | undefined,
		wait: (ms: number) => Promise<void>,
	) {
		let fault = streamFault;
		const s = script;
		const eol = s.lineEnding ?? '\n';
		response.writeHead(200, {
			...EXPRESS_HEADERS,
			'Content-Type': 'text/event-stream',
			'Cache-Control': 'no-cache',
			Connection: 'keep-alive',
		});
		response.flushHeaders();
		let closed = false;
		response.on('close', () => {
			closed = true;
			if (!record.ended) record.closedByClient = true;
		});

		let pending: Buffer[] = [];
		let pendingBytes = 0;
		// Writes not yet handed to the socket, and who waits for them all to be (see streamDrop below).
		let unflushed = 0;
		let onAllFlushed: (() => void) | undefined;
		const flushed = () => {
			if (--unflushed === 0) onAllFlushed?.();
		};
		const allWritesFlushed = () =>
			unflushed === 0 || closed
				? Promise.resolve()
				: new Promise<void>((resolve) => {
						onAllFlushed = resolve;
						response.once('close', () => resolve());
					});
		const write = async (data: Buffer) => {
			if (closed) return;
			unflushed++;
			s.onWrite?.(data);
			if (!response.write(data, flushed)) {
				await new Promise<void>((resolve) => {
					const done = () => {
						response.off('drain', done).off('close', done);
						resolve();
					};
					response.on('drain', done).on('close', done);
				});
			}
			if (s.pacingMs) await wait(s.pacingMs);
		};
		const emit = async (text: string) => {
			const bytes = Buffer.from(text, 'utf8');
			if (!s.chunkBytes) return write(bytes);
			pending.push(bytes);
			pendingBytes += bytes.length;
			while (pendingBytes >= s.chunkBytes && !closed) {
				const all = Buffer.concat(pending);
				await write(all.subarray(0, s.chunkBytes));
				pending = [all.subarray(s.chunkBytes)];
				pendingBytes = pending[0].length;
			}
		};
		const flush = async () => {
			if (pendingBytes > 0) await write(Buffer.concat(pending));
			pending = [];
			pendingBytes = 0;
		};
		const frame = (event: unknown) => `data: ${JSON.stringify(event)}${eol}${eol}`;

		if (s.bom) await emit('\uFEFF');
		for (const event of replyEvents(s, record.chatId, userMessage, llm, () => replyText(s))) {
			if (closed) return;
			if (fault?.kind === 'streamMalformed' && record.eventsWritten === fault.afterEvents) {
				// Garbled frames, then the reply goes on.
				await emit(fault.frames ?? MALFORMED_FRAMES.replace(/\n/g, eol));
				fault = undefined;
			}
			if (fault && fault.kind !== 'streamMalformed' && record.eventsWritten === fault.afterEvents) {
				await flush();
				if (fault.kind === 'streamHang') return;
				if (fault.kind === 'streamDrop') {
					// FIN after the bytes already written, without the chunked body's terminator: the client
					// gets everything sent so far, then a connection that closed mid-reply. Since Node 24.22 a
					// response holds its writes (corked) until the next tick, and ending the socket directly
					// would discard them: the FIN waits until the last write has reached the socket.
					await allWritesFlushed();
					response.socket?.end();
					return;
				}
				const errorEvent = (fault.event ?? streamingFailedEvent(record.chatId)) as Record<
					string,
					unknown
				>;
				record.errorEvent = errorEvent;
				await emit(frame(errorEvent));
				record.eventsWritten++;
				break;
			}
			await emit(frame(event));
			record.eventsWritten++;
			if ((event as { type?: string }).type === 'error')
				record.errorEvent = event as Record<string, unknown>;
			const completed =
				(event as { type?: string; message?: StoredMessage }).type === 'complete'
					? (event as { message: StoredMessage }).message
					: undefined;
			if (completed)
				messages.get(record.chatId)?.push({
					id: completed.id,
					role: 'assistant',
					content: completed.content ?? '',
					createdAt: completed.createdAt,
				});
			if (record.eventsWritten === 1 && s.extraFrames) await emit(s.extraFrames);
			if (s.heartbeatEvery && record.eventsWritten % s.heartbeatEvery === 0)
				await emit(`: ping${eol}${eol}`);
		}
		await flush();
		record.ended = true;
		if (!closed) response.end();
	}

	const server = await startServer(async (request, response, raw, streamFault, wait) => {
		const url = new URL(request.url ?? '/', 'http://localhost');
		const refuse = (body: Record<string, unknown>) => fail(response, body, url.pathname);
		/** express.json(): an empty body is `{}`; one that does not parse is the app's 500 (below). */
		const parsed = ():
			| { ok: true; body: Record<string, unknown> | undefined }
			| { ok: false; text: string } => {
			const text = raw.toString('utf8');
			if (text === '') return { ok: true, body: undefined };
			try {
				return { ok: true, body: JSON.parse(text) as Record<string, unknown> };
			} catch {
				return { ok: false, text };
			}
		};

		if (request.method === 'POST' && url.pathname === '/api/auth/sign-in/email') {
			const read = parsed();
			const body = read.ok ? read.body : undefined;
			const user = users.find(
				(candidate) => candidate.email === body?.email && candidate.password === body?.password,
			);
			if (!user)
				return json(response, 401, {
					code: 'INVALID_EMAIL_OR_PASSWORD',
					message: 'Invalid email or password',
				});
			if (user.emailVerified === false)
				return json(response, 403, { code: 'EMAIL_NOT_VERIFIED', message: 'Email not verified' });
			signIns++;
			const value = createSession(user.id);
			return json(
				response,
				200,
				{
					redirect: false,
					token: value.split('.')[0],
					user: {
						id: user.id,
						email: user.email,
						name: user.name,
						image: null,
						emailVerified: true,
						createdAt: userCreatedAt,
						updatedAt: userCreatedAt,
					},
				},
				{ 'Set-Cookie': `${cookieName}=${value}; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax` },
			);
		}

		if (request.method === 'GET' && url.pathname === '/api/auth/get-session') {
			const found = sessionOf(request);
			if (!found) return json(response, 200, null);
			const { value, session, user } = found;
			const expiresAt = new Date(Date.parse(session.createdAt) + 7 * 86400_000).toISOString();
			return json(response, 200, {
				session: {
					expiresAt,
					token: value.split('.')[0],
					createdAt: session.createdAt,
					updatedAt: session.createdAt,
					ipAddress: request.socket.remoteAddress ?? null,
					userAgent: request.headers['user-agent'] ?? null,
					userId: user.id,
					id: session.id,
				},
				user: {
					name: user.name,
					email: user.email,
					emailVerified: user.emailVerified !== false,
					image: null,
					createdAt: userCreatedAt,
					updatedAt: userCreatedAt,
					id: user.id,
				},
			});
		}

		if (request.method === 'GET' && url.pathname === '/api/models') {
			if (!sessionUser(request)) return refuse(resourceError('UNAUTHORIZED'));
			return json(response, 200, { models });
		}

		const listMatch = /^\/api\/chats\/([^/]+)\/messages$/.exec(url.pathname);
		if (request.method === 'GET' && listMatch) {
			const user = sessionUser(request);
			if (!user) return refuse(resourceError('UNAUTHORIZED'));
			const chatId = decodeURIComponent(listMatch[1]);
			const owner = chats.get(chatId);
			if (owner === undefined) return refuse(resourceError('CHAT_NOT_FOUND'));
			if (owner !== user.id) return refuse(resourceError('CHAT_ACCESS_DENIED'));
			return json(response, 200, { messages: messages.get(chatId) ?? [] });
		}

		const match = /^\/api\/chats\/([^/]+)\/messages\/stream$/.exec(url.pathname);
		if (request.method === 'POST' && match) {
			const read = parsed();
			if (!read.ok) {
				return refuse(
					resourceError('SERVER_INTERNAL_ERROR', {
						error: {
							expose: true,
							statusCode: 400,
							status: 400,
							body: read.text,
							type: 'entity.parse.failed',
						},
					}),
				);
			}
			if (expireAtStream > 0 && --expireAtStream === 0) sessions.clear();
			const user = sessionUser(request);
			if (!user) return refuse(resourceError('UNAUTHORIZED'));
			const chatId = decodeURIComponent(match[1]);
			const { body } = read;
			// The ownership check, a GraphQL query typed UUID, runs before the body is validated.
			if (!GRAPHQL_UUID.test(chatId)) {
				const said = `Variable "$chatId" got invalid value ${JSON.stringify(chatId)}; Expected type "UUID". Invalid UUID, expected 32 hexadecimal characters, optionally with hyphens`;
				return refuse(
					resourceError('INTERNAL_SERVER_ERROR', { error: [graphqlError(said, 1, 24)] }),
				);
			}
			const owner = chats.get(chatId);
			if (owner !== undefined && owner !== user.id)
				return refuse(resourceError('CHAT_ACCESS_DENIED'));
			if (owner === undefined && body?.userId !== user.id)
				return refuse(resourceError('CHAT_NOT_FOUND'));
			const problem = validationProblem(body);
			if (problem) return refuse(resourceError('REQUEST_VALIDATION', { error: problem }));
			const message = body as { content: string; modelId: string };
			if (!models.some((model) => model.id === message.modelId)) return refuse(unknownModelError());
			if (owner === undefined) chats.set(chatId, user.id);
			const userMessage: StoredMessage = {
				id: randomUUID(),
				role: 'user',
				content: message.content,
				createdAt: postgresTime(),
			};
			if (!messages.has(chatId)) messages.set(chatId, []);
			messages.get(chatId)!.push(userMessage);
			const llm: LlmOutcome =
				message.content === LLM_FAILS_BEFORE_TOKENS || withoutProvider.has(message.modelId)
					? 'failsBeforeTokens'
					: message.content === LLM_CUT_MID_STREAM
						? 'cutAfterFirstToken'
						: 'reply';
			const record: StreamRecord = {
				chatId,
				body: message,
				eventsWritten: 0,
				closedByClient: false,
				ended: false,
			};
			streams.push(record);
			return stream(response, record, userMessage, llm, streamFault, wait);
		}

		// Express's own 404 for a route it does not have.
		return sendJson(
			response,
			404,
			`<!DOCTYPE html><html><head><title>Error</title></head><body><pre>Cannot ${request.method} ${url.pathname}</pre></body></html>`,
			{
				...EXPRESS_HEADERS,
			},
		);
	});
	return extendServer(server, {
		get signIns() {
			return signIns;
		},
		// The server's log holds every request, the ones a fault answers (or drops) too.
		get streamRequests() {
			return server.requests.filter(isStreamRequest).length;
		},
		users,
		cookieName,
		streams,
		chats,
		messages,
		errorsSent,
		setReply: (next: ReplyScript) => {
			script = next;
		},
		createSession,
		expireSessions: () => sessions.clear(),
		expireSessionsOnNextStream: () => {
			expireAtStream = 1;
		},
		expireSessionsOnStream: (n: number) => {
			expireAtStream = n;
		},
		replyText,
	});
}
