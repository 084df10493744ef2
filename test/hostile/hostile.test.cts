/**
 * `npm run test:hostile`: the package's HTTP client against hostile and broken servers.
 *
 * What it proves. Each case of cases.ts (one entry per thing a server can do wrong: smuggling framings,
 * malformed heads, endless or huge answers, not-HTTP/1.1 bytes, interim-answer floods, answers nobody
 * asked for, connections cut mid-answer) is answered by a raw TCP server on loopback (lib/rawServer.ts)
 * to the first request under test, and every other request gets a well-behaved answer that echoes the
 * request's sequence number. The client is driven only through the nodes, in n8n-core's engine (the
 * workflow harness), so the suite holds for whatever client the nodes use:
 *
 * - JSON path: Quiva Stream Publish (and Kapua Publish for the cases marked so), items {seq: 1}, {seq: 2},
 *   one request at a time, no retries, Request Timeout 1.5 s;
 * - stream path: Chat Message (POST /api/chats/:chatId/messages/stream, Server-Sent Events), a pasted
 *   session token and the User ID option (no sign-in, no session lookup), Idle Timeout 1.5 s, Overall 3 s.
 *
 * For every case it checks:
 * (a) item 1 ends as the case allows: an error whose message and description name the cause in words
 *     (parse error / timed out / too large / connection closed; socket codes like HPE_... do not count),
 *     never a success unless the answer to it was valid, and never carrying the forged answer;
 * (b) no item gets another request's answer: item 2 (same execution, same Base URL) and item 3 (a second
 *     execution) each carry their own sequence number; by the server's records, neither went over the
 *     connection the hostile answer came on (unless that answer ended cleanly), and the client closed
 *     that connection;
 * (c) memory is bounded: the memory the process held (heap and Buffers) during the hostile execution
 *     grew by less than 100 MiB at its peak;
 * (d) CPU is bounded: the bytes the server managed to send on that connection before the client closed
 *     it are bounded (a client that keeps reading an endless answer lets the server push hundreds of MB:
 *     that is the CPU it spends), and the CPU the execution cost is within what the same execution costs
 *     against a well-behaved server plus a factor of what plain reading of the bytes received costs, both
 *     measured in beforeAll of the same run — so a client that copies its buffer on every read is caught
 *     even when its timeout stops it.
 * Some cases also run without Continue On Fail: the node stops with the same kind of error.
 *
 * Every case ends by the server's script or the client's own timers (1.5 to 3 s); nothing here waits on
 * the wall clock except bounded waits for an event (the client closing a connection), and no assertion is
 * about time. A summary table (outcome, bytes, CPU, memory per case) is printed at the end.
 */
import * as net from 'node:net';

import type { INodeExecutionData } from 'n8n-workflow';

import { CredentialStore, runNode, type NodeRunResult } from '../harness/n8n.cjs';
import { HOSTILE_CASES, type Category, type HostileCase, type Outcome } from './cases.cjs';
import {
	chatKit,
	FORGED_MARKER,
	kapuaKit,
	quivaKit,
	response,
	type AnswerKit,
} from './lib/answers.cjs';
import { measure, type Cost } from './lib/measure.cjs';
import {
	startRawServer,
	type ConnectionRecord,
	type RawRequest,
	type RawServer,
} from './lib/rawServer.cjs';

const MIB = 1024 * 1024;
const REQUEST_TIMEOUT_MS = 1500;
const CHAT_IDLE_TIMEOUT_S = 1.5;
const CHAT_OVERALL_TIMEOUT_S = 3;
/** (c): the peak growth of held memory (heap + Buffers) allowed during a hostile execution. */
const MEMORY_BOUND_MIB = 100;
/**
 * (d): bytes the server may send on the hostile connection before the client closes it. A JSON answer is
 * a few dozen bytes, so 64 MiB is far above any answer limit a client should have; a streamed reply may
 * be larger (a whole reply can come in one event), hence more room there.
 */
const BYTES_BOUND_MIB = { json: 64, stream: 96 };
/**
 * (d): the CPU budget of a hostile execution: CPU_RUN_FACTOR times what the same execution costs against
 * a well-behaved server, plus CPU_PER_MIB_FACTOR times what plain socket reading of the bytes sent costs
 * (both calibrated in beforeAll). A client reading through a parser is expected to cost a few times plain
 * reading; one that copies or rescans everything buffered on every read costs far more.
 */
const CPU_RUN_FACTOR = 4;
const CPU_PER_MIB_FACTOR = 15;
/** (d): the CPU check applies from this many MiB sent (below it, the CPU is timers and collections). */
const CPU_CHECK_FROM_MIB = 4;
/** How long the client has to close the hostile connection after the execution (a bounded wait for an event). */
const CLOSE_WAIT_MS = 3000;

/** The words each category must use. Socket and parser codes are removed from the text first. */
const CATEGORY_WORDS: Record<Category, RegExp> = {
	parse: new RegExp(
		[
			'\\bpars(e|ing|er)\\b',
			'malformed',
			'invalid',
			'not valid',
			'protocol',
			'unexpected',
			'does not match',
			'not (an? )?HTTP',
			'garbled',
			'could not be read',
			'bad (response|answer)',
		].join('|'),
		'i',
	),
	timeout: /timed? ?out|in time\b|sent nothing for|took longer than/i,
	tooLarge: /too (large|big|long)|exceed|larger than|limit/i,
	closed:
		/closed|\breset\b|ended early|hang up|dropped|terminated|cut off|before the (end|server answered)/i,
};
/** HPE_INVALID_CONSTANT, UND_ERR_SOCKET, ECONNRESET...: a code is not words. */
const CODES = /\b(?:[A-Z][A-Z0-9]*_[A-Z0-9_]+|E[A-Z]{4,})\b/g;

interface NodeUnderTest {
	kit: AnswerKit;
	run(
		server: RawServer,
		seqs: number[],
		continueOnFail: boolean,
		timeoutMs?: number,
	): Promise<NodeRunResult>;
}

const sendingOptions = (timeoutMs = REQUEST_TIMEOUT_MS) => ({
	timeout: timeoutMs,
	maxConcurrency: 1,
	maxAttempts: 1,
});

const NODES: NodeUnderTest[] = [
	{
		kit: quivaKit,
		run: (server, seqs, continueOnFail, timeoutMs) =>
			runNode({
				type: 'quivaStreamPublish',
				parameters: {
					stream: 'orders',
					subject: 'orders.created',
					bodySource: 'item',
					options: sendingOptions(timeoutMs),
				},
				credentials: new CredentialStore().set('quivaApi', {
					baseUrl: server.url,
					authentication: 'apiKey',
					apiKey: 'hostile-test-key',
				}),
				items: seqs.map((seq) => ({ seq })),
				continueOnFail,
			}),
	},
	{
		kit: kapuaKit,
		run: (server, seqs, continueOnFail, timeoutMs) =>
			runNode({
				type: 'kapuaPublish',
				parameters: {
					scopeId: '_',
					clientId: 'dev-1',
					deviceId: '',
					channel: 'heater/data',
					metricsSource: 'list',
					metrics: {
						metric: [{ name: 'seq', type: 'integer', value: '={{ String($json.seq) }}' }],
					},
					bodyType: 'none',
					options: sendingOptions(timeoutMs),
				},
				credentials: new CredentialStore().set('kapuaApi', {
					baseUrl: `${server.url}/v1`,
					authentication: 'accessToken',
					accessToken: 'hostile-test-token',
					ignoreSSLIssues: false,
					sessionToken: '',
				}),
				items: seqs.map((seq) => ({ seq })),
				continueOnFail,
			}),
	},
	{
		kit: chatKit,
		run: (server, seqs, continueOnFail) =>
			runNode({
				type: 'chatMessage',
				parameters: {
					chatMode: 'new',
					message: '={{ "msg-" + $json.seq }}',
					model: 'gpt-5.2',
					options: {
						userId: 'user-1111',
						idleTimeout: CHAT_IDLE_TIMEOUT_S,
						overallTimeout: CHAT_OVERALL_TIMEOUT_S,
					},
				},
				credentials: new CredentialStore().set('chatApi', {
					baseUrl: server.url,
					authentication: 'sessionToken',
					sessionToken: 'hostile-test-session',
					cookieName: 'better-auth.session_token',
					signInToken: '',
				}),
				items: seqs.map((seq) => ({ seq })),
				continueOnFail,
			}),
	},
];

function appliesTo(hostile: HostileCase, kit: AnswerKit): boolean {
	if (!(hostile.paths ?? ['json', 'stream']).includes(kit.path)) return false;
	return kit.node !== 'kapua' || hostile.kapua === true;
}

function allowedOutcomes(hostile: HostileCase, kit: AnswerKit): Outcome[] {
	return (kit.path === 'stream' ? hostile.expectStream : undefined) ?? hostile.expect;
}

const isCategory = (outcome: Outcome): outcome is Category => outcome in CATEGORY_WORDS;

/** An item, short, for a violation message (an answer can be 200 MB). */
function brief(item: INodeExecutionData | undefined): string {
	if (!item) return 'no item';
	const shorten = (_key: string, value: unknown) =>
		typeof value === 'string' && value.length > 120
			? `${value.slice(0, 120)}…(${value.length} chars)`
			: value;
	const text = JSON.stringify(item.json, shorten);
	return text.length > 400 ? `${text.slice(0, 400)}…` : text;
}

/** The categories whose words the text uses, codes removed. */
function categoriesOf(text: string): Category[] {
	const words = text.replace(CODES, '');
	return (Object.keys(CATEGORY_WORDS) as Category[]).filter((category) =>
		CATEGORY_WORDS[category].test(words),
	);
}

/** The violation when an error's message and description name none of `wanted` in words. */
function unnamedCause(
	who: string,
	message: unknown,
	description: unknown,
	wanted: Category[],
): string | undefined {
	const text = `${String(message ?? '')} ${String(description ?? '')}`;
	if (categoriesOf(text).some((category) => wanted.includes(category))) return undefined;
	return `${who} does not name the cause in words (${wanted.join(' | ')}): "${text.replace(/\s+/g, ' ').trim().slice(0, 300)}"`;
}

/** (a) for item 1: what it ended as, and what is wrong with that. */
function judgeFirstItem(kit: AnswerKit, allowed: Outcome[], item: INodeExecutionData | undefined) {
	const violations: string[] = [];
	if (!item) return { outcome: 'missing', violations: ['item 1 has no output item'] };
	if (item.json.error === undefined) {
		if (kit.carriesOwnAnswer(item, 1)) {
			if (!allowed.includes('ownAnswer')) {
				violations.push(
					`item 1 succeeded with its answer, but the answer was malformed and must be an error (${allowed.join(' | ')})`,
				);
			}
			return { outcome: 'own answer', violations };
		}
		if (kit.carriesForged(item)) {
			if (!allowed.includes('earlyAnswer'))
				violations.push(`item 1 succeeded with the FORGED answer: ${brief(item)}`);
			return { outcome: 'forged answer', violations };
		}
		violations.push(
			`item 1 succeeded with something that is not its answer (must be ${allowed.join(' | ')}): ${brief(item)}`,
		);
		return { outcome: 'success (not its answer)', violations };
	}
	if (kit.carriesForged(item))
		violations.push(`item 1's error carries the forged answer: ${brief(item)}`);
	const unnamed = unnamedCause(
		"item 1's error",
		item.json.error,
		item.json.description,
		allowed.filter(isCategory),
	);
	if (unnamed) violations.push(unnamed);
	const named = categoriesOf(`${String(item.json.error)} ${String(item.json.description)}`);
	return {
		outcome: `error [${named.join(',') || 'no words'}]: ${String(item.json.error).slice(0, 90)}`,
		violations,
	};
}

/** The request under test with `seq`, as the server saw it. */
function targetRequest(server: RawServer, kit: AnswerKit, seq: number): RawRequest | undefined {
	return server.requests.find((request) => kit.isTarget(request) && kit.seqOf(request) === seq);
}

/** Waits (bounded) for `condition`; says whether it came true. */
async function eventually(condition: () => boolean, ms: number): Promise<boolean> {
	for (let waited = 0; !condition() && waited < ms; waited += 10)
		await new Promise((resolve) => setTimeout(resolve, 10));
	return condition();
}

/** The well-behaved answer to every request under test; the kit's answers to the rest. */
const wellBehaved = (kit: AnswerKit) => (request: RawRequest) =>
	kit.isTarget(request)
		? [{ write: response(kit.genuine(request), kit.path) }]
		: kit.other(request);

interface SummaryRow {
	node: string;
	name: string;
	outcome: string;
	/** Over which connection item 2 went. */
	item2: string;
	sentMiB: number;
	cost: Cost;
	violations: number;
}
const summary: SummaryRow[] = [];

function summaryLine(row: SummaryRow): string {
	return [
		row.node.padEnd(6),
		row.violations === 0 ? 'ok  ' : 'FAIL',
		row.name.slice(0, 72).padEnd(72),
		`${row.sentMiB.toFixed(1).padStart(6)} MiB sent`,
		`${row.cost.cpuMs.toFixed(0).padStart(5)} ms CPU`,
		`${row.cost.peakMemoryGrowthMiB.toFixed(0).padStart(4)} MiB held`,
		`${row.cost.peakRssGrowthMiB.toFixed(0).padStart(4)} MiB RSS`,
		`item 2: ${row.item2.padEnd(15)}`,
		row.outcome,
	].join(' ');
}

/** CPU milliseconds per MiB that plain socket reading (server and client in this process) costs in this run. */
let readingCpuPerMiB = 0;
/** CPU milliseconds of one execution (items 1 and 2) against a well-behaved server, per node, in this run. */
const calmRunCpu = new Map<string, number>();

async function plainReadingCpuPerMiB(totalBytes: number): Promise<number> {
	const reader = await startRawServer(() => []);
	try {
		const { cost } = await measure(async () => {
			reader.onConnect = () => [{ repeat: 'x'.repeat(64 * 1024), totalBytes }, { close: true }];
			await new Promise<void>((resolve, reject) => {
				const socket = net.connect(reader.port, '127.0.0.1');
				socket.on('data', () => {});
				socket.on('close', () => resolve());
				socket.on('error', reject);
			});
		});
		return cost.cpuMs / (totalBytes / MIB);
	} finally {
		await reader.close();
	}
}

/** The CPU of an execution of `node` against well-behaved answers (run twice: the first warms up). */
async function calmCpu(node: NodeUnderTest): Promise<number> {
	server.onConnect = undefined;
	server.script = wellBehaved(node.kit);
	let cpu = 0;
	for (let round = 0; round < 2; round++) {
		const { result, cost } = await measure(() => node.run(server, [1, 2], true));
		if (!node.kit.carriesOwnAnswer(result.output[1], 2)) {
			throw new Error(
				`${node.kit.node}: the calm execution did not get its answers: ${brief(result.output[1])}`,
			);
		}
		cpu = cost.cpuMs;
	}
	return cpu;
}

let server: RawServer;
beforeAll(async () => {
	await plainReadingCpuPerMiB(16 * MIB);
	readingCpuPerMiB = await plainReadingCpuPerMiB(64 * MIB);
	server = await startRawServer(() => [{ hold: true }]);
	for (const node of NODES) calmRunCpu.set(node.kit.node, await calmCpu(node));
});
afterAll(async () => {
	await server?.close();
	const calm = [...calmRunCpu].map(([node, cpu]) => `${node} ${cpu.toFixed(0)} ms`).join(', ');
	const reading = `${readingCpuPerMiB.toFixed(2)} ms CPU per MiB`;
	const heading = `Hostile servers (in this run plain reading costs ${reading}; a calm execution ${calm}):`;
	console.log([heading, ...summary.map(summaryLine)].join('\n'));
});

async function runCase(node: NodeUnderTest, hostile: HostileCase): Promise<void> {
	const { kit } = node;
	const allowed = allowedOutcomes(hostile, kit);
	server.resetRecords();
	let hostileRequest: RawRequest | undefined;
	let hostileConnection: ConnectionRecord | undefined;
	let nextAnswered = false;
	const { onConnect } = hostile;
	server.onConnect = onConnect ? () => (hostileRequest ? [] : onConnect(kit)) : undefined;
	server.script = (request, connection) => {
		if (!kit.isTarget(request)) return kit.other(request);
		if (!hostileRequest) {
			hostileRequest = request;
			hostileConnection = connection;
			return hostile.answer(kit, request);
		}
		if (hostile.nextOnSameConnection && connection === hostileConnection && !nextAnswered) {
			nextAnswered = true;
			return hostile.nextOnSameConnection(kit, request);
		}
		return wellBehaved(kit)(request);
	};

	const violations: string[] = [];
	// Execution 1: the hostile answer to item 1, then item 2.
	const { result: first, cost } = await measure(() =>
		node.run(server, [1, 2], true, hostile.requestTimeoutMs),
	);
	if (first.error)
		violations.push(`the execution failed despite Continue On Fail: ${first.error.message}`);
	const [item1, item2] = first.output;
	const judged = judgeFirstItem(kit, allowed, item1);
	violations.push(...judged.violations);
	if (first.output.length !== 2)
		violations.push(`${first.output.length} output items for 2 input items`);
	if (item1 && JSON.stringify(item1.pairedItem) !== JSON.stringify({ item: 0 }))
		violations.push('item 1 is not paired with input item 0');

	// (b) item 2 got its own answer, not over the hostile connection, which the client closed.
	if (!item2 || !kit.carriesOwnAnswer(item2, 2))
		violations.push(`item 2 did not get its own answer: ${brief(item2)}`);
	if (item2 && kit.carriesForged(item2)) violations.push('item 2 carries the FORGED answer');
	const second = targetRequest(server, kit, 2);
	let item2Connection = 'not sent';
	if (second && hostileConnection)
		item2Connection =
			second.connection === hostileConnection.id ? 'same connection' : 'new connection';
	if (!hostileConnection) violations.push('the request of item 1 never reached the server');
	else if (!hostile.reuseAllowed) {
		const connection = hostileConnection;
		if (item2Connection === 'same connection') {
			violations.push(
				`item 2 was sent over the connection the hostile answer came on (connection ${connection.id})`,
			);
		}
		if (!(await eventually(() => connection.closed, CLOSE_WAIT_MS))) {
			violations.push('the client kept the connection the hostile answer came on open');
		}
	}

	// (c) memory; (d) bytes sent, and CPU for what was received.
	const sentBytes = hostileConnection
		? (hostileConnection.bytesSentWhenClientClosed ?? hostileConnection.bytesSent)
		: 0;
	const sentMiB = sentBytes / MIB;
	if (hostileConnection?.capped)
		violations.push(
			'the client read until the server gave up (safety cap): it never stopped reading',
		);
	if (cost.peakMemoryGrowthMiB > MEMORY_BOUND_MIB) {
		violations.push(
			`memory: the process held ${cost.peakMemoryGrowthMiB.toFixed(0)} MiB more at its peak (bound ${MEMORY_BOUND_MIB} MiB)`,
		);
	}
	if (!hostile.endsByTimeoutOnly && sentMiB > BYTES_BOUND_MIB[kit.path]) {
		violations.push(
			`CPU: the server sent ${sentMiB.toFixed(1)} MiB before the client closed (bound ${BYTES_BOUND_MIB[kit.path]} MiB)`,
		);
	}
	if (!hostile.endsByTimeoutOnly && sentMiB >= CPU_CHECK_FROM_MIB) {
		const calm = calmRunCpu.get(kit.node) ?? 0;
		const budget = CPU_RUN_FACTOR * calm + CPU_PER_MIB_FACTOR * readingCpuPerMiB * sentMiB;
		if (cost.cpuMs > budget) {
			violations.push(
				`CPU: ${cost.cpuMs.toFixed(0)} ms for ${sentMiB.toFixed(1)} MiB received, over the budget of ${budget.toFixed(0)} ms ` +
					`(${CPU_RUN_FACTOR}× a calm execution's ${calm.toFixed(0)} ms + ` +
					`${CPU_PER_MIB_FACTOR}× plain reading's ${readingCpuPerMiB.toFixed(2)} ms per MiB)`,
			);
		}
	}

	// (b) a second execution against the same server gets its own answer.
	const again = await node.run(server, [3], true);
	if (!kit.carriesOwnAnswer(again.output[0], 3)) {
		violations.push(`a second execution did not get its own answer: ${brief(again.output[0])}`);
	}
	const third = targetRequest(server, kit, 3);
	if (
		third &&
		hostileConnection &&
		third.connection === hostileConnection.id &&
		!hostile.reuseAllowed
	) {
		violations.push('a second execution was sent over the connection the hostile answer came on');
	}

	const { outcome } = judged;
	summary.push({
		node: kit.node,
		name: hostile.name,
		outcome,
		item2: item2Connection,
		sentMiB,
		cost,
		violations: violations.length,
	});
	expect(violations).toEqual([]);
}

/** The same hostile answer without Continue On Fail: the node stops with an error naming the cause. */
async function runCaseStopping(node: NodeUnderTest, hostile: HostileCase): Promise<void> {
	const { kit } = node;
	const wanted = allowedOutcomes(hostile, kit).filter(isCategory);
	server.resetRecords();
	let answered = false;
	server.onConnect = undefined;
	server.script = (request) => {
		if (!kit.isTarget(request) || answered) return wellBehaved(kit)(request);
		answered = true;
		return hostile.answer(kit, request);
	};
	const violations: string[] = [];
	const result = await node.run(server, [1, 2], false, hostile.requestTimeoutMs);
	if (!result.error)
		violations.push(`the node did not stop with an error: ${brief(result.output[0])}`);
	else {
		const { message, description } = result.error as { message: string; description?: unknown };
		if (`${message} ${String(description)}`.includes(FORGED_MARKER))
			violations.push('the error carries the forged answer');
		const unnamed = unnamedCause('the error', message, description, wanted);
		if (unnamed) violations.push(unnamed);
		if (targetRequest(server, kit, 2))
			violations.push('item 2 was sent although the node stopped at item 1');
	}
	const again = await node.run(server, [3], false);
	if (!kit.carriesOwnAnswer(again.output[0], 3)) {
		violations.push(`the next execution did not get its own answer: ${brief(again.output[0])}`);
	}
	expect(violations).toEqual([]);
}

describe('the raw server itself', () => {
	test('records connections, requests, bytes sent and who closed', async () => {
		server.resetRecords();
		server.onConnect = undefined;
		server.script = (request) => [
			{ write: `HTTP/1.1 200 OK\r\nContent-Length: ${request.body.length}\r\n\r\n` },
			{ write: request.body },
		];
		const socket = net.connect(server.port, '127.0.0.1');
		const received: Buffer[] = [];
		socket.on('data', (data: Buffer) => received.push(data));
		socket.write('POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc');
		socket.write(
			'POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n',
		);
		await eventually(() => Buffer.concat(received).toString().endsWith('de'), 2000);
		socket.end();
		await eventually(() => server.connections[0]?.closed === true, 2000);
		const id = server.connections[0].id;
		const answers =
			'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nde';
		expect(Buffer.concat(received).toString()).toBe(answers);
		const seen = server.requests.map(({ connection, indexOnConnection, method, path, body }) => {
			return [connection, indexOnConnection, method, path, `${body}`];
		});
		expect(seen).toEqual([
			[id, 0, 'POST', '/a', 'abc'],
			[id, 1, 'POST', '/b', 'de'],
		]);
		expect(server.connections).toHaveLength(1);
		const sent = Buffer.byteLength(answers);
		expect(server.connections[0]).toMatchObject({
			bytesSent: sent,
			bytesSentWhenClientClosed: sent,
			closedByClient: true,
			closed: true,
		});
	});

	test('an endless answer stops when the client closes, and counts what it sent', async () => {
		server.resetRecords();
		server.onConnect = () => [{ endless: 'y' }];
		const socket = net.connect(server.port, '127.0.0.1');
		let got = 0;
		socket.on('data', (data: Buffer) => {
			got += data.length;
			if (got >= 4 * MIB) socket.destroy();
		});
		await eventually(() => server.connections[0]?.closed === true, 5000);
		const [connection] = server.connections;
		expect(connection.closedByClient).toBe(true);
		expect(connection.bytesSentWhenClientClosed).toBeGreaterThanOrEqual(4 * MIB);
		expect(connection.capped).toBe(false);
	});
});

for (const node of NODES) {
	describe(`${node.kit.node} (${node.kit.path} path)`, () => {
		for (const hostile of HOSTILE_CASES.filter((candidate) => appliesTo(candidate, node.kit))) {
			test(hostile.name, async () => runCase(node, hostile));
			if (hostile.alsoWithoutContinueOnFail)
				test(`${hostile.name} (without Continue On Fail)`, async () =>
					runCaseStopping(node, hostile));
		}
	});
}
