/**
 * HTTP/1.1 answers as bytes, and one "kit" per node under test that knows its API: which request is the
 * one under test, the request's sequence number, the well-behaved answer to it (carrying that number, so
 * an item that got another request's answer is caught), a forged answer (carrying FORGED_MARKER), and
 * the normal answers to the node's other requests (session lookups, Kapua's token check).
 */
import type { INodeExecutionData } from 'n8n-workflow';

import type { RawRequest, Step } from './rawServer.cjs';

/** In every forged answer: it must never reach an item's output. */
export const FORGED_MARKER = 'FORGED-BY-HOSTILE-SERVER';

export type PathKind = 'json' | 'stream';

/** A status line and header lines, each ended by `eol`, then the empty line. Values are written as given. */
export function head(
	status: number,
	reason: string,
	headers: Array<[string, string | number]>,
	eol = '\r\n',
): string {
	return `HTTP/1.1 ${status} ${reason}${eol}${headers.map(([name, value]) => `${name}: ${value}${eol}`).join('')}${eol}`;
}

/** One chunk of a chunked body. */
export function chunk(data: string): string {
	return `${Buffer.byteLength(data, 'latin1').toString(16)}\r\n${data}\r\n`;
}

/** A whole chunked body: one chunk and the terminator. */
export function chunked(data: string): string {
	return `${chunk(data)}0\r\n\r\n`;
}

export interface Answer {
	status: number;
	reason: string;
	contentType: string;
	/** Latin1-safe text (the kits only use ASCII). */
	body: string;
}

/** An answer as a complete keep-alive HTTP/1.1 response: JSON with Content-Length, a stream chunked (as Node's servers send it). */
export function response(answer: Answer, path: PathKind): string {
	const { status, reason, body } = answer;
	const common: Array<[string, string | number]> = [
		['Content-Type', answer.contentType],
		['Connection', 'keep-alive'],
		['Keep-Alive', 'timeout=5'],
	];
	if (path === 'stream')
		return head(status, reason, [...common, ['Transfer-Encoding', 'chunked']]) + chunked(body);
	return (
		head(status, reason, [...common, ['Content-Length', Buffer.byteLength(body, 'latin1')]]) + body
	);
}

export interface AnswerKit {
	/** The node, as the suite names it. */
	node: 'quiva' | 'kapua' | 'chat';
	path: PathKind;
	/** The request under test (a publish, a chat message). */
	isTarget(request: RawRequest): boolean;
	/** The sequence number the request carries (from its item). */
	seqOf(request: RawRequest): number;
	/** The well-behaved answer to a request under test. */
	genuine(request: RawRequest): Answer;
	/**
	 * The genuine body in two parts whose concatenation is the body: for a stream, the reply's events
	 * before its terminal event, and that event (without it the reply is not complete, so a defect placed
	 * between the two is met before a streaming reader could call the reply done); for JSON, the whole
	 * body and ''.
	 */
	split(request: RawRequest): [string, string];
	/** A forged answer that claims to answer the request with sequence number `seq`. */
	forged(seq: number, request?: RawRequest): Answer;
	/** Normal answers to the node's other requests. */
	other(request: RawRequest): Step[];
	/** What a hostile answer's body starts with when it never ends (the part before the endless filler). */
	endlessBodyPrefix(request: RawRequest): string;
	/** The output item carries the answer to the request with `seq` (and nothing forged). */
	carriesOwnAnswer(item: INodeExecutionData, seq: number): boolean;
	/** The output item carries (part of) a forged answer. */
	carriesForged(item: INodeExecutionData): boolean;
}

const json = (value: unknown) => JSON.stringify(value);

function parseJson(body: Buffer): Record<string, unknown> | undefined {
	try {
		return JSON.parse(body.toString('utf8')) as Record<string, unknown>;
	} catch {
		return undefined;
	}
}

/** A JSON answer with `value` as its body. */
const jsonAnswer = (status: number, reason: string, value: unknown): Answer => {
	return { status, reason, contentType: 'application/json', body: json(value) };
};
const notFound = (): Step[] => [
	{ write: response(jsonAnswer(404, 'Not Found', { error: 'not_found' }), 'json') },
];

/** Quiva Stream Publish: the publish answer echoes the item's `seq` (the gateway's own answer is `{"message":"success"}`). */
export const quivaKit: AnswerKit = {
	node: 'quiva',
	path: 'json',
	isTarget: (request) =>
		request.method === 'POST' && /^\/storage\/streams\/[^/]+\/messages$/.test(request.path),
	seqOf: (request) => Number((parseJson(request.body)?.body as { seq?: unknown } | undefined)?.seq),
	genuine: (request) => jsonAnswer(200, 'OK', { message: 'success', seq: quivaKit.seqOf(request) }),
	split: (request) => [quivaKit.genuine(request).body, ''],
	forged: (seq) => jsonAnswer(200, 'OK', { message: 'success', seq, forged: FORGED_MARKER }),
	other: notFound,
	endlessBodyPrefix: (request) => `{"message":"success","seq":${quivaKit.seqOf(request)},"pad":"`,
	carriesOwnAnswer: (item, seq) => {
		const answer = item.json.response as { seq?: unknown } | undefined;
		return item.json.published === true && answer?.seq === seq && !quivaKit.carriesForged(item);
	},
	carriesForged: (item) => JSON.stringify(item.json).includes(FORGED_MARKER),
};

/**
 * Kapua Publish: its output keeps only the status of a publish answer (Kapua answers 204), so the answer
 * to the request with `seq` is told by its status, 200 + seq (201, 202, 203: seq 1 to 3 only), and a
 * forged answer is a 200.
 */
export const kapuaKit: AnswerKit = {
	node: 'kapua',
	path: 'json',
	isTarget: (request) => request.method === 'POST' && /\/streams\/messages$/.test(request.path),
	seqOf: (request) => {
		const payload = parseJson(request.body)?.payload as
			| { metrics?: Array<{ name?: string; value?: unknown }> }
			| undefined;
		const metrics = payload?.metrics ?? [];
		return Number(metrics.find((metric) => metric.name === 'seq')?.value);
	},
	genuine: (request) => {
		const seq = kapuaKit.seqOf(request);
		if (!(seq >= 1 && seq <= 3))
			throw new Error(`Kapua's answers tell seq 1 to 3 apart by status; got ${seq}`);
		return jsonAnswer(200 + seq, 'Accepted', { seq });
	},
	split: (request) => [kapuaKit.genuine(request).body, ''],
	forged: (seq) => jsonAnswer(200, 'OK', { seq, forged: FORGED_MARKER }),
	other: (request) => {
		if (request.method === 'GET' && request.path.endsWith('/authentication/info')) {
			const expiresOn = '2099-01-01T00:00:00.000Z';
			const accessToken = {
				type: 'accessToken',
				tokenId: 'hostile-token',
				expiresOn,
				scopeId: 'AQ',
				userId: 'AQ',
			};
			const info = { type: 'loginInfo', accessToken, accessPermission: [], rolePermissions: [] };
			return [{ write: response(jsonAnswer(200, 'OK', info), 'json') }];
		}
		return notFound();
	},
	endlessBodyPrefix: (request) => `{"seq":${kapuaKit.seqOf(request)},"pad":"`,
	carriesOwnAnswer: (item, seq) => item.json.published === true && item.json.status === 200 + seq,
	carriesForged: (item) =>
		item.json.status === 200 || JSON.stringify(item.json).includes(FORGED_MARKER),
};

const CREATED_AT = '2026-01-01T00:00:00.000Z';
const chatIdOf = (request: RawRequest) =>
	decodeURIComponent(/^\/api\/chats\/([^/]+)\//.exec(request.path)?.[1] ?? '');
const sse = (event: unknown) => `data: ${json(event)}\n\n`;

const USER_MESSAGE_ID = 'a0000000-0000-4000-8000-000000000001';
const ASSISTANT_MESSAGE_ID = 'a0000000-0000-4000-8000-000000000002';
const userMessage = (content: string) => {
	return sse({
		type: 'user_message',
		message: { id: USER_MESSAGE_ID, role: 'user', content, createdAt: CREATED_AT },
	});
};

/**
 * The events of a reply whose only token is `text`, as the chat app sends them (test/simulators/chat.ts):
 * those before the terminal event, and the terminal event.
 */
function replyParts(request: RawRequest, text: string): [string, string] {
	const content = String(parseJson(request.body)?.content ?? '');
	const message = {
		id: ASSISTANT_MESSAGE_ID,
		role: 'assistant',
		createdAt: CREATED_AT,
		sources: [],
		content: text,
	};
	return [
		userMessage(content) + sse({ type: 'token', token: text }),
		sse({ type: 'complete', message, chatId: chatIdOf(request) }),
	];
}
const replyEvents = (request: RawRequest, text: string) => replyParts(request, text).join('');

/**
 * Chat Message: the message's content is `msg-<seq>` (the node's Message parameter), and the reply's one
 * token `reply-<seq>`; a forged reply's token carries FORGED_MARKER.
 */
export const chatKit: AnswerKit = {
	node: 'chat',
	path: 'stream',
	isTarget: (request) =>
		request.method === 'POST' && /^\/api\/chats\/[^/]+\/messages\/stream$/.test(request.path),
	seqOf: (request) =>
		Number(/^msg-(\d+)$/.exec(String(parseJson(request.body)?.content ?? ''))?.[1]),
	genuine: (request) => {
		return {
			status: 200,
			reason: 'OK',
			contentType: 'text/event-stream',
			body: replyEvents(request, `reply-${chatKit.seqOf(request)}`),
		};
	},
	split: (request) => replyParts(request, `reply-${chatKit.seqOf(request)}`),
	forged: (seq, request) => {
		const text = `${FORGED_MARKER}-${seq}`;
		// Without the request (an answer sent before it arrived), a reply of its own.
		const alone =
			sse({ type: 'token', token: text }) + sse({ type: 'complete', message: { content: text } });
		const body = request ? replyEvents(request, text) : alone;
		return { status: 200, reason: 'OK', contentType: 'text/event-stream', body };
	},
	other: (request) => {
		if (request.method === 'GET' && request.path === '/api/auth/get-session') {
			const user = { id: 'user-1111', email: 'ada@example.com', name: 'Ada' };
			return [
				{ write: response(jsonAnswer(200, 'OK', { session: { userId: user.id }, user }), 'json') },
			];
		}
		return notFound();
	},
	// The reply's first event, then a token event whose line never ends.
	endlessBodyPrefix: () => `${userMessage('x')}data: {"type":"token","token":"`,
	carriesOwnAnswer: (item, seq) =>
		item.json.complete === true &&
		item.json.text === `reply-${seq}` &&
		!chatKit.carriesForged(item),
	carriesForged: (item) => JSON.stringify(item.json).includes(FORGED_MARKER),
};
