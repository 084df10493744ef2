/**
 * The hostile-server cases, as data: one entry per thing a broken or hostile server can send, with what
 * the item that gets it may end as. Adding a case is adding an entry; hostile.test.ts runs every entry
 * for each node it applies to (Quiva Stream Publish and, where marked, Kapua Publish for the JSON path;
 * Chat Message for the streamed path) and checks the same four things for all (see its header).
 *
 * A script builds its bytes from the node's kit (answers.ts), so one case serves a JSON answer and an
 * event stream alike: `kit.genuine(request)` is the well-behaved answer to the request, carrying its
 * sequence number; `kit.forged(seq)` a complete answer that carries FORGED_MARKER.
 */
import { chunk, chunked, head, response, type AnswerKit, type PathKind } from './lib/answers.cjs';
import type { RawRequest, Step } from './lib/rawServer.cjs';

/** What the first item's error must name, in words (codes such as HPE_... or ECONNRESET do not count). */
export type Category = 'parse' | 'timeout' | 'tooLarge' | 'closed';

/**
 * How item 1 may end: an error naming one of the categories, its own well-formed answer (`ownAnswer`,
 * for cases where the server's answer to it was valid), or the forged answer a server sent before the
 * request arrived (`earlyAnswer`: HTTP lets a server answer before reading the request, so no client can
 * tell that answer from a real one).
 */
export type Outcome = Category | 'ownAnswer' | 'earlyAnswer';

export interface HostileCase {
	name: string;
	/** The paths it applies to (default: both). */
	paths?: PathKind[];
	/** Also run for Kapua Publish (the JSON path through a second node). */
	kapua?: boolean;
	/** The answer to the first request under test. */
	answer: (kit: AnswerKit, request: RawRequest) => Step[];
	/** The answer to the next request under test if it comes over the same connection (default: a genuine one). */
	nextOnSameConnection?: (kit: AnswerKit, request: RawRequest) => Step[];
	/** Written on each connection accepted before the first request under test arrived. */
	onConnect?: (kit: AnswerKit) => Step[];
	/** How item 1 may end. */
	expect: Outcome[];
	/** For the streamed path, when it differs. */
	expectStream?: Outcome[];
	/** The answer ended cleanly, so the connection may carry the next request. Otherwise it must not. */
	reuseAllowed?: boolean;
	/**
	 * The bytes-sent bound does not apply: a well-formed endless stream of interim answers can only be
	 * ended by the client's timeout, so what the server pushes until then depends on the machine's speed.
	 * Memory is still checked, and the case ends by the timeout or not at all.
	 */
	endsByTimeoutOnly?: boolean;
	/** Run once more without Continue On Fail (the node must stop with the same error). */
	alsoWithoutContinueOnFail?: boolean;
	/**
	 * The JSON path's request timeout for this case, when the default 1.5 s could end it first: the size cases
	 * get one long enough that only the 16 MiB answer limit can end them, so a timeout on a loaded machine is
	 * never taken for the limit (and a client without one reads all 200 MB and fails the memory check).
	 */
	requestTimeoutMs?: number;
}

/** See `requestTimeoutMs`: reading 16 MiB on loopback takes well under a second on an idle machine. */
const SIZE_CASE_TIMEOUT_MS = 30_000;

const FILLER = 'x';
/** A 64 KiB chunk of filler, as a chunked body carries a large JSON answer. */
const FILLER_CHUNK = chunk(FILLER.repeat(64 * 1024));
const MIB = 1024 * 1024;
/** "Far larger than any API answer": the publish answers are ~30 bytes, a whole chat reply a few MB. */
const HUGE_JSON_BYTES = 200 * MIB;

const seq = (kit: AnswerKit, request: RawRequest) => kit.seqOf(request);
const genuineBody = (kit: AnswerKit, request: RawRequest) => kit.genuine(request).body;
/** The genuine answer's status line and Content-Type, then `headers`, each line ended by `eol`. */
const top = (
	kit: AnswerKit,
	request: RawRequest,
	headers: Array<[string, string | number]>,
	eol = '\r\n',
) => {
	const { status, reason, contentType } = kit.genuine(request);
	return head(status, reason, [['Content-Type', contentType], ...headers], eol);
};
/** The well-behaved answer, as bytes. */
const genuine = (kit: AnswerKit, request: RawRequest) => response(kit.genuine(request), kit.path);
/** A forged answer, as bytes, claiming to answer the request with sequence number `n`. */
const forged = (kit: AnswerKit, n: number, request?: RawRequest) =>
	response(kit.forged(n, request), kit.path);
/** The genuine body after a head with `headers`: framed by Content-Length (JSON) or chunked (a stream). */
const withBody = (
	kit: AnswerKit,
	request: RawRequest,
	headers: Array<[string, string | number]>,
	eol = '\r\n',
) => {
	const body = genuineBody(kit, request);
	return kit.path === 'json'
		? top(kit, request, [...headers, ['Content-Length', body.length]], eol) + body
		: top(kit, request, [...headers, ['Transfer-Encoding', 'chunked']], eol) + chunked(body);
};
/** The first `at` bytes of an answer, then (once they surely left) `end`. */
const cutAt = (bytes: string, at: number, end: Step): Step[] => [
	{ write: bytes.slice(0, at) },
	{ delay: 20 },
	end,
];

/** Interim answers, as a server that floods them would send them. */
const EARLY_HINTS = 'HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n';
const INTERIM = `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n${EARLY_HINTS}`;
/** An HTTP/2 server's connection preface: a SETTINGS frame (MAX_CONCURRENT_STREAMS 100). */
const H2_SETTINGS = '\x00\x00\x06\x04\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x64';

/**
 * A head whose transfer coding is not (finally) chunked, so per RFC 9112 the body runs until the server
 * closes; then a chunked body that ends before the reply's terminal event and, if `forgedNow`, a forged
 * answer that completes it. A client that reads the coding as chunked has an answer and a second one
 * waiting; one that reads until the close finds the forged events in its stream; only refusing the head
 * (or waiting for the close until its timeout) is safe.
 */
function smuggledByTransferEncoding(coding: string, forgedNow: boolean) {
	return (kit: AnswerKit, request: RawRequest): Step[] => [
		{
			write:
				top(kit, request, [
					['Connection', 'keep-alive'],
					['Transfer-Encoding', coding],
				]) +
				chunked(kit.split(request)[0]) +
				(forgedNow ? forged(kit, seq(kit, request) + 1, request) : ''),
		},
	];
}

export const HOSTILE_CASES: HostileCase[] = [
	{
		name: 'control: a well-behaved answer',
		kapua: true,
		answer: (kit, request) => [{ write: genuine(kit, request) }],
		expect: ['ownAnswer'],
		reuseAllowed: true,
	},

	// Transfer-Encoding the client must not read as chunked, and a forged second answer.
	{
		name: 'Transfer-Encoding: xchunked, a forged answer in the same bytes',
		answer: smuggledByTransferEncoding('xchunked', true),
		expect: ['parse', 'timeout'],
		alsoWithoutContinueOnFail: true,
	},
	{
		name: 'Transfer-Encoding: xchunked, a forged answer to the next request on the connection',
		kapua: true,
		answer: smuggledByTransferEncoding('xchunked', false),
		nextOnSameConnection: (kit, request) => [{ write: forged(kit, seq(kit, request), request) }],
		expect: ['parse', 'timeout'],
	},
	{
		name: 'Transfer-Encoding: chunked, gzip, a forged answer in the same bytes',
		answer: smuggledByTransferEncoding('chunked, gzip', true),
		expect: ['parse', 'timeout'],
	},
	{
		name: 'Transfer-Encoding: chunked, gzip, a forged answer to the next request on the connection',
		answer: smuggledByTransferEncoding('chunked, gzip', false),
		nextOnSameConnection: (kit, request) => [{ write: forged(kit, seq(kit, request), request) }],
		expect: ['parse', 'timeout'],
	},

	// Framing that must be a parse error.
	{
		name: 'Content-Length together with Transfer-Encoding: chunked',
		kapua: true,
		answer: (kit, request) => {
			const body = chunked(genuineBody(kit, request)) + forged(kit, seq(kit, request) + 1, request);
			return [
				{
					write:
						top(kit, request, [
							['Content-Length', body.length],
							['Transfer-Encoding', 'chunked'],
						]) + body,
				},
			];
		},
		expect: ['parse'],
		alsoWithoutContinueOnFail: true,
	},
	{
		name: 'a folded " Transfer-Encoding: chunked" header line',
		answer: (kit, request) => {
			const body = chunked(genuineBody(kit, request)) + forged(kit, seq(kit, request) + 1, request);
			return [
				{
					write:
						top(kit, request, [
							['X-Note', 'folded\r\n Transfer-Encoding: chunked'],
							['Content-Length', body.length],
						]) + body,
				},
			];
		},
		expect: ['parse'],
	},
	{
		name: 'chunk data without its CRLF',
		kapua: true,
		answer: (kit, request) => {
			const [before, end] = kit.split(request);
			const start = top(kit, request, [['Transfer-Encoding', 'chunked']]);
			return [
				{
					write: `${start}${before.length.toString(16)}\r\n${before}XX${end ? chunk(end) : ''}0\r\n\r\n`,
				},
			];
		},
		expect: ['parse'],
	},

	// Sizes that must end in an error at once, with memory and CPU bounded.
	{
		name: 'chunk size ffffffffffffffffff, then endless data',
		answer: (kit, request) => [
			{
				write: `${top(kit, request, [['Transfer-Encoding', 'chunked']])}ffffffffffffffffff\r\n${kit.endlessBodyPrefix(request)}`,
			},
			{ endless: FILLER },
		],
		expect: ['parse', 'tooLarge'],
	},
	{
		name: 'an endless trailer line',
		answer: (kit, request) => [
			{
				write: `${top(kit, request, [['Transfer-Encoding', 'chunked']])}${chunk(kit.split(request)[0])}0\r\nX-Trailer: `,
			},
			{ endless: 'a' },
		],
		expect: ['parse', 'tooLarge'],
	},
	{
		name: 'one 1 GiB chunk, streamed endlessly',
		answer: (kit, request) => [
			{
				write: `${top(kit, request, [['Transfer-Encoding', 'chunked']])}40000000\r\n${kit.endlessBodyPrefix(request)}`,
			},
			{ endless: FILLER },
		],
		expect: ['tooLarge', 'parse'],
		requestTimeoutMs: SIZE_CASE_TIMEOUT_MS,
	},
	{
		name: '200 MB of valid JSON, Content-Length',
		paths: ['json'],
		answer: (kit, request) => {
			const prefix = kit.endlessBodyPrefix(request);
			const suffix = '"}';
			return [
				{ write: top(kit, request, [['Content-Length', HUGE_JSON_BYTES]]) + prefix },
				{ repeat: FILLER, totalBytes: HUGE_JSON_BYTES - prefix.length - suffix.length },
				{ write: suffix },
			];
		},
		expect: ['tooLarge'],
		alsoWithoutContinueOnFail: true,
		requestTimeoutMs: SIZE_CASE_TIMEOUT_MS,
	},
	{
		name: '200 MB of valid JSON, chunked',
		paths: ['json'],
		answer: (kit, request) => [
			{
				write:
					top(kit, request, [['Transfer-Encoding', 'chunked']]) +
					chunk(kit.endlessBodyPrefix(request)),
			},
			{
				repeat: FILLER_CHUNK,
				totalBytes: Math.floor(HUGE_JSON_BYTES / FILLER_CHUNK.length) * FILLER_CHUNK.length,
			},
			{ write: `${chunk('"}')}0\r\n\r\n` },
		],
		expect: ['tooLarge'],
		requestTimeoutMs: SIZE_CASE_TIMEOUT_MS,
	},

	// Not HTTP/1.1 at all: an error at once or by the request timeout, never a hang.
	{
		name: 'LF-only line ends',
		answer: (kit, request) => [{ write: withBody(kit, request, [], '\n') }],
		expect: ['parse', 'timeout'],
	},
	{
		name: 'HTTP/0.9: a body with no status line',
		answer: (kit, request) => [{ write: genuineBody(kit, request) }],
		expect: ['parse', 'timeout'],
	},
	{
		name: "an HTTP/2 server's preface (SETTINGS frame)",
		answer: () => [{ write: H2_SETTINGS }],
		expect: ['parse', 'timeout'],
	},
	{
		name: 'a server that holds the connection open saying nothing',
		kapua: true,
		answer: () => [{ hold: true }],
		expect: ['timeout'],
		alsoWithoutContinueOnFail: true,
	},

	// Header bytes a parser must refuse.
	{
		name: 'NUL in a header value',
		kapua: true,
		answer: (kit, request) => [{ write: withBody(kit, request, [['X-Note', 'a\x00b']]) }],
		expect: ['parse'],
	},
	{
		name: 'a bare CR in a header value',
		answer: (kit, request) => [{ write: withBody(kit, request, [['X-Note', 'a\rb']]) }],
		expect: ['parse'],
	},
	{
		name: '"Content-Length : n" (space before the colon)',
		answer: (kit, request) => {
			const body = genuineBody(kit, request);
			return [{ write: top(kit, request, [['Content-Length ', body.length]]) + body }];
		},
		expect: ['parse'],
	},
	{
		name: 'a control character in a header name',
		answer: (kit, request) => [{ write: withBody(kit, request, [['X-No\x01te', 'a']]) }],
		expect: ['parse'],
	},

	// Interim answers, switching protocols, answers nobody asked for.
	{
		name: '1xx flood: 300 interim answers (100, 102, 103), then the answer',
		answer: (kit, request) => [{ write: INTERIM.repeat(100) + genuine(kit, request) }],
		expect: ['ownAnswer', 'parse'],
		reuseAllowed: true,
	},
	{
		name: '1xx flood, endless (100, 102, 103)',
		answer: () => [{ endless: INTERIM }],
		expect: ['timeout', 'parse', 'tooLarge'],
		endsByTimeoutOnly: true,
	},
	{
		name: '103 Early Hints flood, endless',
		answer: () => [{ endless: EARLY_HINTS }],
		expect: ['timeout', 'parse', 'tooLarge'],
		endsByTimeoutOnly: true,
	},
	{
		name: '101 Switching Protocols, then a forged answer',
		kapua: true,
		answer: (kit, request) => {
			const upgrade = head(101, 'Switching Protocols', [
				['Connection', 'Upgrade'],
				['Upgrade', 'h2c'],
			]);
			return [{ write: upgrade + forged(kit, seq(kit, request), request) }];
		},
		expect: ['parse', 'closed', 'timeout'],
	},
	{
		name: 'an answer sent on connect, before the request arrived',
		kapua: true,
		onConnect: (kit) => [{ write: forged(kit, 1) }],
		// Already "answered": the request itself gets nothing.
		answer: () => [],
		expect: ['earlyAnswer', 'parse', 'closed', 'timeout'],
		reuseAllowed: true,
	},
	{
		name: 'an unsolicited second answer right after a valid one',
		kapua: true,
		answer: (kit, request) => [
			{ write: genuine(kit, request) + forged(kit, seq(kit, request) + 1, request) },
		],
		expect: ['ownAnswer', 'parse', 'closed'],
	},

	// The connection ends in the middle of the answer.
	...(['reset', 'close'] as const).flatMap((end): HostileCase[] => {
		const how = end === 'reset' ? 'reset' : 'clean close';
		const step: Step = end === 'reset' ? { reset: true } : { close: true };
		return [
			{
				name: `${how} mid-head`,
				kapua: end === 'reset',
				answer: (kit, request) => {
					const bytes = genuine(kit, request);
					return cutAt(bytes, Math.floor(bytes.indexOf('\r\n\r\n') / 2), step);
				},
				expect: ['closed'],
			},
			{
				name: `${how} mid-body (Content-Length)`,
				kapua: end === 'reset',
				answer: (kit, request) => {
					const body = genuineBody(kit, request);
					const start = top(kit, request, [['Content-Length', body.length]]);
					return cutAt(start + body, start.length + Math.floor(body.length / 2), step);
				},
				expect: ['closed'],
				alsoWithoutContinueOnFail: end === 'reset',
			},
			{
				name: `${how} mid-chunk`,
				answer: (kit, request) => {
					const body = genuineBody(kit, request);
					const start =
						top(kit, request, [['Transfer-Encoding', 'chunked']]) +
						`${body.length.toString(16)}\r\n`;
					return cutAt(
						`${start}${body}\r\n0\r\n\r\n`,
						start.length + Math.floor(body.length / 2),
						step,
					);
				},
				expect: ['closed'],
			},
		];
	}),
];
