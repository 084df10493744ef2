/**
 * A loopback HardWire chat API, faithful to docs/api-contracts.md ("Chat API") and test/fixtures/chat:
 *
 * - Better Auth: POST /api/auth/sign-in/email sets the session cookie (`better-auth.session_token` by
 *   default, `<token>.<signature>`); GET /api/auth/get-session answers the user, or 200 `null` without a
 *   valid session (as Better Auth does — it never answers 401).
 * - GET /api/models → `{models:[{id,name,provider}]}`; 401 without a session.
 * - POST /api/chats/:chatId/messages/stream → Server-Sent Events in the implemented vocabulary
 *   (user_message, token, complete, error) or the documented one (start, content, tool_call,
 *   tool_result, end, error); errors before the stream are ResourceError JSON
 *   `{message, clientMessage, code, statusCode}` (400, 401, 403 CHAT_ACCESS_DENIED); 429s and the
 *   documented `{error, message}` shape come from the FaultInjector (see `chatErrorBody`).
 * - Ownership: an unknown chat ID is created by its first message if body.userId is the session's user;
 *   another user's chat answers 403.
 *
 * The reply is scripted per test (`setReply`): token count and text, pacing, re-chunking of the byte
 * stream at arbitrary boundaries, heartbeats, CRLF, BOM, extra raw frames; stream faults (drop, hang,
 * error event, malformed frames) come from the FaultInjector like every other fault.
 *
 * For the secret tests, `sessionCanary` puts a marker into every session cookie the sign-in issues (and
 * the token its body echoes), and `createSession` can adopt a given value as a pasted token.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { StreamFault } from './faults.cjs';
import { extendServer, requestRecord, sendJson, startServer, type RequestRecord, type SimulatorServer } from './http.cjs';

export interface ChatUser {
	id: string;
	email: string;
	password: string;
	name: string;
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
}

export interface ChatSimulatorOptions {
	users?: ChatUser[];
	cookieName?: string;
	models?: Array<{ id: string; name: string; provider: string }>;
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
	user: { id: 'user-1111', email: 'ada@example.com', password: 'correct horse battery staple', name: 'Ada' },
	otherUser: { id: 'user-2222', email: 'bob@example.com', password: 'hunter2hunter2', name: 'Bob' },
	models: [
		{ id: 'gpt-4o', name: 'GPT-4o', provider: 'openai' },
		{ id: 'claude-sonnet', name: 'Claude Sonnet', provider: 'anthropic' },
	],
	cookieName: 'better-auth.session_token',
};

/** The server's real error body (ResourceError), or the documented `{error, message}` shape. */
export function chatErrorBody(status: number, code: string, message: string, shape: 'real' | 'documented' = 'real', extra: Record<string, unknown> = {}) {
	return shape === 'real' ? { message, clientMessage: message, code, statusCode: status, ...extra } : { error: code, message, ...extra };
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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

/** The reply's events as the server would send them, in order (one JSON object each). */
function* replyEvents(script: ReplyScript, chatId: string, content: string, text: () => string): Generator<unknown> {
	const tokens = scriptTokens(script);
	const assistantId = randomUUID();
	if (script.vocabulary === 'documented') {
		yield { type: 'start', messageId: assistantId };
		for (const [index, token] of tokens.entries()) {
			yield { type: 'content', delta: token };
			if (index === 0 && script.withTool) {
				yield { type: 'tool_call', toolName: 'webSearch', toolArgs: { query: content } };
				yield { type: 'tool_result', toolName: 'webSearch', result: { hits: 1 } };
			}
		}
		yield { type: 'end', messageId: assistantId };
		return;
	}
	const now = new Date().toISOString();
	yield { type: 'user_message', message: { id: randomUUID(), role: 'user', content, createdAt: now } };
	for (const token of tokens) yield { type: 'token', token };
	const message: Record<string, unknown> = { id: assistantId, role: 'assistant', createdAt: now, sources: script.sources ?? [] };
	if (!script.omitFinalContent) message.content = text();
	yield { type: 'complete', message, chatId };
}

export async function startChatSimulator(options: ChatSimulatorOptions = {}): Promise<ChatSimulator> {
	const users = options.users ?? [CHAT_DEFAULTS.user, CHAT_DEFAULTS.otherUser];
	const cookieName = options.cookieName ?? CHAT_DEFAULTS.cookieName;
	const models = options.models ?? CHAT_DEFAULTS.models;
	const sessions = new Map<string, string>();
	const chats = new Map<string, string>();
	const streams: StreamRecord[] = [];
	let script: ReplyScript = options.reply ?? {};
	let expireAtStream = 0;
	let signIns = 0;

	const createSession = (userId: string, adopted?: string) => {
		const token = `${options.sessionCanary ? `${options.sessionCanary}-` : ''}${randomUUID().replace(/-/g, '')}`;
		const value = adopted ?? `${token}.${randomUUID().replace(/-/g, '').slice(0, 16)}`;
		sessions.set(value, userId);
		return value;
	};
	const sessionUser = (request: IncomingMessage) => {
		const value = cookies(request).get(cookieName);
		const userId = value === undefined ? undefined : sessions.get(value);
		return users.find((user) => user.id === userId);
	};
	const unauthorized = (response: ServerResponse) => sendJson(response, 401, chatErrorBody(401, 'UNAUTHORIZED', 'Unauthorized'));
	const replyText = (s: ReplyScript = script) => scriptTokens(s).join('');

	async function stream(response: ServerResponse, record: StreamRecord, streamFault: StreamFault | undefined, wait: (ms: number) => Promise<void>) {
		let fault = streamFault;
		const s = script;
		const eol = s.lineEnding ?? '\n';
		response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
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
		const content = String(record.body.content);
		for (const event of replyEvents(s, record.chatId, content, () => replyText(s))) {
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
				const errorEvent = fault.event ?? { type: 'error', error: { message: 'Streaming failed', code: 'STREAMING_ERROR' }, chatId: record.chatId };
				await emit(frame(errorEvent));
				record.eventsWritten++;
				break;
			}
			await emit(frame(event));
			record.eventsWritten++;
			if (record.eventsWritten === 1 && s.extraFrames) await emit(s.extraFrames);
			if (s.heartbeatEvery && record.eventsWritten % s.heartbeatEvery === 0) await emit(`: ping${eol}${eol}`);
		}
		await flush();
		record.ended = true;
		if (!closed) response.end();
	}

	const server = await startServer(async (request, response, raw, streamFault, wait) => {
		const url = new URL(request.url ?? '/', 'http://localhost');
		const json = () => {
			try {
				return JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
			} catch {
				return undefined;
			}
		};

		if (request.method === 'POST' && url.pathname === '/api/auth/sign-in/email') {
			const body = json();
			const user = users.find((candidate) => candidate.email === body?.email && candidate.password === body?.password);
			if (!user) return sendJson(response, 401, { code: 'INVALID_EMAIL_OR_PASSWORD', message: 'Invalid email or password' });
			signIns++;
			const value = createSession(user.id);
			return sendJson(
				response,
				200,
				{ redirect: false, token: value.split('.')[0], user: { id: user.id, email: user.email, name: user.name } },
				{ 'Set-Cookie': `${cookieName}=${value}; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax` },
			);
		}

		if (request.method === 'GET' && url.pathname === '/api/auth/get-session') {
			const user = sessionUser(request);
			if (!user) return sendJson(response, 200, null);
			return sendJson(response, 200, { session: { userId: user.id, expiresAt: new Date(Date.now() + 7 * 86400_000).toISOString() }, user: { id: user.id, email: user.email, name: user.name } });
		}

		if (request.method === 'GET' && url.pathname === '/api/models') {
			if (!sessionUser(request)) return unauthorized(response);
			return sendJson(response, 200, { models });
		}

		const match = /^\/api\/chats\/([^/]+)\/messages\/stream$/.exec(url.pathname);
		if (request.method === 'POST' && match) {
			if (expireAtStream > 0 && --expireAtStream === 0) sessions.clear();
			const user = sessionUser(request);
			if (!user) return unauthorized(response);
			const chatId = decodeURIComponent(match[1]);
			const body = json();
			const invalid = (what: string) => sendJson(response, 400, chatErrorBody(400, 'REQUEST_VALIDATION', `Invalid request: ${what}`));
			if (!UUID.test(chatId)) return invalid('"chatId" must be a valid GUID');
			if (!body) return invalid('body must be JSON');
			for (const field of ['content', 'modelId', 'userId']) {
				if (typeof body[field] !== 'string' || body[field] === '') return invalid(`"${field}" is not allowed to be empty`);
			}
			if (body.workflowId !== undefined && body.workflowId !== null && !UUID.test(String(body.workflowId))) return invalid('"workflowId" must be a valid GUID');
			const owner = chats.get(chatId);
			if (owner !== undefined ? owner !== user.id : body.userId !== user.id) {
				return sendJson(response, 403, chatErrorBody(403, 'CHAT_ACCESS_DENIED', 'You do not have access to this chat'));
			}
			if (owner === undefined) chats.set(chatId, user.id);
			const record: StreamRecord = { chatId, body, eventsWritten: 0, closedByClient: false, ended: false };
			streams.push(record);
			return stream(response, record, streamFault, wait);
		}

		return sendJson(response, 404, chatErrorBody(404, 'NOT_FOUND', 'Not found'));
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
