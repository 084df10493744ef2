/**
 * `npm run bench:n8n`: our Quiva node against n8n's own HTTP Request node, side by side in ONE run of a
 * real n8n 2.41 (the package installed from its tarball), on the same loopback simulator and the same
 * 2000 items, each node timed by n8n itself (runData[node].executionTime). The HTTP Request node is set up
 * as a user would: POST per item, URL and JSON body as expressions, the API key as a header.
 * Raw keep-alive clients, posting the same bodies in the same rounds, give the loopback limit to compare with.
 *
 * The Kapua Publish node is set against the HTTP Request node the same way, in the same n8n and on the loopback
 * Kapua simulator: 2000 items over 20 clientId+channel keys; the HTTP Request node POSTs a Kapua data message
 * per item with a bearer token got from the login endpoint beforehand (our node logs in itself, timed).
 *
 * The Chat Message node's overhead is measured in the same n8n: a 100,000-token reply, the node's
 * executionTime beside a plain keep-alive client reading the same stream to its end, alternating rounds,
 * and the fixed cost of a message apart (a one-token reply).
 *
 * The network sections (bench/network.ts) put the gateway behind HTTPS (a TLS front with the test certificate,
 * which n8n and the raw clients trust through NODE_EXTRA_CA_CERTS) and a 20 ms round trip (a delay proxy):
 * https (the node against a raw fetch client, a raw Node https client and the HTTP Request node), rtt (400
 * items against the bound of 16 requests in flight) and webhook (one item per execution, the cost in round
 * trips and the connections the gateway saw).
 *
 * Correctness is checked too, and fails the bench: every item reached the gateway exactly once, and (for
 * our nodes) in order per subject or per clientId+channel. Missing the speed goal is reported, not failed: figures on shared machines are noisy.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';

import { CHAT_DEFAULTS, startChatSimulator } from '../test/simulators/chat.cjs';
import {
	chatCredentialData,
	kapuaCredentialData,
	quivaCredentialData,
} from '../test/simulators/credentials.cjs';
import {
	KAPUA_DEFAULTS,
	startKapuaSimulator,
	type KapuaSimulator,
	type PublishedMessage,
} from '../test/simulators/kapua.cjs';
import {
	QUIVA_DEFAULTS,
	startQuivaSimulator,
	type QuivaSimulator,
} from '../test/simulators/quiva.cjs';
import { openSession, type E2ESession } from '../test/e2e/lib/session.cjs';
import type { WorkflowJson } from '../test/e2e/lib/restApi.cjs';
import { executionTimeOf, outputOf } from '../test/e2e/lib/workflows.cjs';
import { checkDelivery } from './delivery.cjs';
import { benchHttps, benchRtt, benchWebhook, NETWORK_STREAMS } from './network.cjs';
import { postAllRaw, readChatStreamRaw } from './rawClient.cjs';
import { formatNodeCpu, nodeCpuPerItem } from './nodeCpu.cjs';
import {
	lastRawCpuMs,
	lastRawWindow,
	postAllRawInOwnProcess,
	readChatStreamRawInOwnProcess,
	setRawClientEnv,
	setRawClientNodeFlags,
} from './rawClientProcess.cjs';
import { interleavedMedians, median } from './rounds.cjs';
import { formatLatency, streamingLatency } from './latency.cjs';
import {
	formatSummary,
	monotonicMinusEpochUs,
	profileSpan,
	readProfile,
	summariseProfile,
	type Window,
} from './profile.cjs';
import {
	formatScaling,
	formatScalingRow,
	runQuivaOnly,
	scalingStream,
	scalingTable,
	SCALING_SIZES,
} from './scaling.cjs';
import { TLS_CERT_FILE } from './tlsFront.cjs';
import { itemsPerSecond, timeRatio, verdict, type BenchResult } from './types.cjs';
import {
	benchWorkflow,
	httpRequestNode,
	itemsNode,
	quivaBenchItem,
	quivaNode,
	type WorkflowNode,
} from './workflows.cjs';

const ITEMS = 2000;
// As in the in-process bench (bench/quiva.ts): quivaBenchItem spreads the items over 20 subjects, so up to
// 16 requests are in flight.
const RAW_CONCURRENCY = 16;

const STREAMS = { node: 'bench-node', fixed: 'bench-fixed', http: 'bench-http', raw: 'bench-raw' };
const FIXED_NODE = 'Quiva Stream Publish (fixed subject)';

/** The three paths the Quiva section compares, each a node of its own after the same Items. */
type QuivaPath = 'node' | 'fixed' | 'http';
const PATH_NODE: Record<QuivaPath, string> = {
	node: 'Quiva Stream Publish',
	fixed: FIXED_NODE,
	http: 'HTTP Request',
};

/** Manual Trigger → Items (Code, 2000 items over 20 subjects) → the path's node, one workflow per path. */
function quivaPathWorkflow(
	session: E2ESession,
	sim: QuivaSimulator,
	path: QuivaPath,
): WorkflowJson {
	const nodes: Record<QuivaPath, WorkflowNode> = {
		node: quivaNode(session, { id: 'b3', name: PATH_NODE.node, stream: STREAMS.node }),
		// The same node with one fixed subject: no per-item expression, but also one ordering lane, so its
		// requests go one after another (strict order), where the first node has 16 in flight.
		fixed: quivaNode(session, {
			id: 'b5',
			name: PATH_NODE.fixed,
			stream: STREAMS.fixed,
			subject: 'bench.fixed',
		}),
		http: httpRequestNode('b4', PATH_NODE.http, [440, 0], {
			url: `={{ '${sim.url}/storage/streams/' + '${STREAMS.http}' + '/messages' }}`,
			header: { name: 'X-Api-Key', value: QUIVA_DEFAULTS.apiKey },
			jsonBody: `={{ JSON.stringify({ stream: '${STREAMS.http}', subject: $json.subject, body: $json }) }}`,
		}),
	};
	return benchWorkflow(
		`Benchmark: ${PATH_NODE[path]}`,
		itemsNode('b2', 'Items', ITEMS, quivaBenchItem),
		[nodes[path]],
	);
}

/** Each seq exactly once, and per subject (the one its item was made with) in ascending seq order. */
function checkQuivaDelivery(
	sim: QuivaSimulator,
	stream: string,
): { exactlyOnce: boolean; orderKept: boolean } {
	const seqOf = (message: { body: Record<string, unknown> }) => Number(message.body.seq);
	const delivery = checkDelivery(
		sim.messages(stream),
		(message) => quivaBenchItem(seqOf(message)).subject,
		seqOf,
		ITEMS,
	);
	return { exactlyOnce: delivery.exactlyOnce, orderKept: delivery.orderBreaks === 0 };
}

// Kapua: 20 keys = 10 client IDs × 2 channels (the client from key % 10, the channel from key / 10).
const KAPUA_KEYS = 20;
const KAPUA_NODE = 'Kapua Publish';
const KAPUA_HTTP = 'HTTP Request (Kapua)';
// The same metrics from the item on both paths; the HTTP Request node sends them as Kapua's REST docs show
// (the value as a string, its valueType beside it).
const KAPUA_METRICS = [
	{ name: 'seq', type: 'integer' },
	{ name: 'temperature', type: 'double' },
	{ name: 'humidity', type: 'integer' },
];

/** Logs in as a user would before configuring the HTTP Request node (Kapua's POST /authentication/user). */
async function kapuaLogin(sim: KapuaSimulator): Promise<string> {
	const response = await fetch(`${sim.url}/v1/authentication/user`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ username: KAPUA_DEFAULTS.username, password: KAPUA_DEFAULTS.password }),
	});
	if (!response.ok) throw new Error(`Kapua simulator login failed: HTTP ${response.status}`);
	return ((await response.json()) as { tokenId: string }).tokenId;
}

function kapuaWorkflow(session: E2ESession, sim: KapuaSimulator, token: string): WorkflowJson {
	const httpMetrics = KAPUA_METRICS.map(
		({ name, type }) => `{ name: '${name}', valueType: '${type}', value: String($json.${name}) }`,
	).join(', ');
	// Each reading's key spreads the items over 20 clientId+channel pairs (the literal inside: the function's
	// source is copied into the Code node).
	const reading = (seq: number) => {
		const key = seq % 20;
		return {
			seq,
			client: 'gw-' + (key % 10),
			channel: 'sensors/line' + Math.floor(key / 10),
			temperature: 20 + (seq % 50) / 10,
			humidity: 40 + (seq % 30),
		};
	};
	return benchWorkflow(
		'Benchmark: Kapua node vs HTTP Request node',
		itemsNode('k2', 'Readings', ITEMS, reading),
		[
			{
				id: 'k3',
				name: KAPUA_NODE,
				type: session.nodeType('kapuaPublish'),
				typeVersion: 1,
				position: [440, -120],
				parameters: {
					scopeId: '_',
					clientId: '={{ $json.client }}',
					channel: '={{ $json.channel }}',
					metricsSource: 'list',
					metrics: {
						metric: KAPUA_METRICS.map(({ name, type }) => ({
							name,
							type,
							value: `={{ $json.${name} }}`,
						})),
					},
					bodyType: 'none',
					options: {},
				},
				credentials: { kapuaApi: { id: 'bound-at-import', name: 'Kapua (simulator)' } },
			},
			httpRequestNode('k4', KAPUA_HTTP, [440, 120], {
				url: `={{ '${sim.url}/v1/' + '_' + '/streams/messages' }}`,
				header: { name: 'Authorization', value: `Bearer ${token}` },
				jsonBody: `={{ JSON.stringify({ clientId: $json.client, channel: { semanticParts: $json.channel.split('/') }, sentOn: $now.toISO(), payload: { metrics: [${httpMetrics}] } }) }}`,
			}),
		],
	);
}

/** Each seq exactly once, and per MQTT topic (clientId+channel) in ascending seq order. */
function checkKapuaDelivery(messages: PublishedMessage[]): {
	exactlyOnce: boolean;
	orderKept: boolean;
	topics: number;
} {
	const seqOf = (message: PublishedMessage) =>
		Number(message.metrics.find((metric) => metric.name === 'seq')?.value);
	const delivery = checkDelivery(messages, (message) => message.topic, seqOf, ITEMS);
	return {
		exactlyOnce: delivery.exactlyOnce,
		orderKept: delivery.orderBreaks === 0,
		topics: delivery.keys,
	};
}

/** The Kapua node against the HTTP Request node in this n8n, one run of one workflow, told apart by token. */
async function benchKapuaInN8n(session: E2ESession): Promise<BenchResult> {
	const sim = await startKapuaSimulator();
	try {
		await session.addCredential('kapuaApi', 'Kapua (simulator)', kapuaCredentialData(sim));
		const token = await kapuaLogin(sim);
		const run = await session.runWorkflow(kapuaWorkflow(session, sim, token));
		if (run.error) throw new Error(`the Kapua benchmark workflow failed: ${run.error.message}`);
		if (outputOf(run, KAPUA_NODE).length !== ITEMS || outputOf(run, KAPUA_HTTP).length !== ITEMS) {
			throw new Error('a node of the Kapua benchmark workflow did not output one item per input');
		}
		// The HTTP Request node used the token got above; our node logged in itself, so every other token is its.
		const viaHttp = sim.published.filter((message) => message.tokenId === token);
		const viaNode = sim.published.filter((message) => message.tokenId !== token);
		const ours = checkKapuaDelivery(viaNode);
		const theirs = checkKapuaDelivery(viaHttp);
		if (!ours.exactlyOnce || !ours.orderKept || ours.topics !== KAPUA_KEYS) {
			throw new Error(
				`Kapua node delivery broken: exactly once ${ours.exactlyOnce}, order per clientId+channel kept ${ours.orderKept}, ${ours.topics} topics`,
			);
		}
		if (!theirs.exactlyOnce)
			throw new Error('the HTTP Request node did not deliver every Kapua message exactly once');
		const nodeMs = executionTimeOf(run, KAPUA_NODE);
		const httpMs = executionTimeOf(run, KAPUA_HTTP);
		const speedup = httpMs / nodeMs;
		return {
			name: 'Kapua node in real n8n',
			baselineName:
				'HTTP Request node (POST per item, URL + JSON body as expressions, bearer token header)',
			items: ITEMS,
			ms: nodeMs,
			baselineMs: httpMs,
			notes:
				`${speedup.toFixed(1)}× faster; ${KAPUA_KEYS} clientId+channel keys, ${KAPUA_METRICS.length} listed metrics as expressions; node ms includes its own login (logins: ${sim.logins.user} incl. the one for the HTTP Request token); ` +
				`ours: exactly once, order per clientId+channel kept; HTTP Request: exactly once, order per clientId+channel ${theirs.orderKept ? 'kept' : 'NOT kept'}`,
		};
	} finally {
		await sim.close();
	}
}

// Long enough that the fixed cost of a message (session probe, get-session, opening the stream) does not
// dominate; that fixed cost is measured apart, with a one-token reply.
const CHAT_TOKENS = 100_000;
const CHAT_ROUNDS = 7;
const CHAT_FIXED_ROUNDS = 7;

function chatWorkflow(session: E2ESession): WorkflowJson {
	return benchWorkflow('Benchmark: Chat Message node, one reply', undefined, [
		{
			id: 'c2',
			name: 'Chat Message',
			type: session.nodeType('chatMessage'),
			typeVersion: 1,
			position: [220, 0],
			parameters: {
				chatMode: 'new',
				message: 'bench',
				model: 'gpt-5.2',
				options: { userId: CHAT_DEFAULTS.user.id },
			},
			credentials: { chatApi: { id: 'bound-at-import', name: 'Chat (simulator)' } },
		},
	]);
}

/**
 * The Chat Message node in this n8n against raw consumption of the same stream, alternating rounds,
 * medians: a 100,000-token reply for the per-token cost, and a one-token reply for the fixed cost of a
 * message (node time − raw time). Then the streaming latency through a Webhook.
 */
async function benchChatInN8n(
	session: E2ESession,
	profileWindows?: Window[],
): Promise<{ result: BenchResult; fixedMs: { node: number; raw: number }; latency: string }> {
	const sim = await startChatSimulator({ reply: { tokenCount: CHAT_TOKENS } });
	const agent = new http.Agent({ keepAlive: true });
	try {
		const cookie = sim.createSession(CHAT_DEFAULTS.user.id);
		await session.addCredential(
			'chatApi',
			'Chat (simulator)',
			chatCredentialData(sim, 'sessionToken', { sessionToken: cookie }),
		);
		const workflowId = await session.importWorkflow(chatWorkflow(session));
		let profiling = false;
		const nodeRun = async () => {
			const run = await session.api.runManually(workflowId, 'Manual Trigger');
			if (run.error) throw new Error(`the chat benchmark workflow failed: ${run.error.message}`);
			if (outputOf(run, 'Chat Message')[0]?.text !== sim.replyText())
				throw new Error('the chat benchmark reply is not the text the simulator sent');
			const ms = executionTimeOf(run, 'Chat Message');
			const startTime = run.runData['Chat Message'][0].startTime;
			if (profiling && startTime !== undefined) {
				const fromUs = startTime * 1000 + monotonicMinusEpochUs();
				profileWindows?.push({ fromUs, toUs: fromUs + ms * 1000 });
			}
			return ms;
		};
		const runners = {
			raw: async () => (await readChatStreamRaw(sim, cookie, agent)).ms,
			node: nodeRun,
		};
		sim.setReply({ tokenCount: 1 });
		// Warmed up by one unmeasured run of each (JIT, sockets, n8n's first-run costs).
		const fixedMs = await interleavedMedians(CHAT_FIXED_ROUNDS, runners);
		sim.setReply({ tokenCount: CHAT_TOKENS });
		// Warmed up on the long reply as the Quiva section is (WARM_UP_RUNS of each): a one-token reply does not
		// run the decoding loop enough for V8 to optimise it.
		const warmUp = async () => {
			for (let run = 0; run < WARM_UP_RUNS; run++)
				for (const runner of Object.values(runners)) await runner();
			profiling = true;
		};
		const { raw: baselineMs, node: ms } = await interleavedMedians(CHAT_ROUNDS, runners, {
			warmUp,
		});
		profiling = false;
		// The same raw reads from a process of its own (reader and simulator in two processes, as n8n and the simulator are).
		const ownProcessMs = median(await readChatStreamRawInOwnProcess(sim, cookie, CHAT_ROUNDS + 1));
		const latency = formatLatency(await streamingLatency(session, sim, cookie));
		return {
			result: {
				name: `Chat Message node in real n8n, ${CHAT_TOKENS.toLocaleString('en')}-token reply`,
				baselineName: 'raw keep-alive read of the same stream (no parsing)',
				items: CHAT_TOKENS,
				unit: 'tokens',
				ms,
				baselineMs,
				goal: { maxTimeRatio: 1.2, words: '≤ 1.2× raw consumption' },
				notes:
					`median of ${CHAT_ROUNDS} alternating rounds after ${WARM_UP_RUNS} warm-up runs of each; node ms = n8n executionTime (session probe, get-session, stream, SSE parsing, collecting); ` +
					`raw read from a process of its own (two processes, as n8n and the simulator): ${Math.round(ownProcessMs)} ms, node ${(ms / ownProcessMs).toFixed(2)}× that; ` +
					`fixed cost per message (one-token reply, median of ${CHAT_FIXED_ROUNDS}): node ${fixedMs.node.toFixed(1)} ms, raw ${fixedMs.raw.toFixed(1)} ms, so ${(fixedMs.node - fixedMs.raw).toFixed(1)} ms of the node's time is per message`,
			},
			fixedMs,
			latency,
		};
	} finally {
		agent.destroy();
		await sim.close();
	}
}

export interface RealN8nOptions {
	/** Profile the n8n process (--cpu-prof) and summarise the Quiva node's runs. */
	profile: boolean;
	/** Sections to run (default all): quiva, kapua, chat, https, rtt, webhook, scaling. */
	only?: Set<string>;
}

export interface RealN8nReport {
	results: BenchResult[];
	tables: Array<{ title: string; text: string }>;
}

const PROFILE_RUNS = 5;

export async function benchRealN8n(
	options: RealN8nOptions = { profile: false },
): Promise<RealN8nReport> {
	const wanted = (section: string) => !options.only || options.only.has(section);
	const streams = [
		...Object.values(STREAMS),
		...Object.values(NETWORK_STREAMS),
		...SCALING_SIZES.map(scalingStream),
		'bench-profile',
		'bench-cpu',
	];
	const sim = await startQuivaSimulator({
		streams: streams.map((name) => ({ name, subjects: ['bench.>'] })),
	});
	const profileDir = options.profile
		? fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-cpu-prof-'))
		: undefined;
	let session: E2ESession | undefined;
	const results: BenchResult[] = [];
	const tables: RealN8nReport['tables'] = [];
	const profileWindows: Window[] = [];
	const chatWindows: Window[] = [];
	const httpsWindows: Window[] = [];
	let httpsRawFetchWindow: Window | undefined;
	let n8nPid = 0;
	try {
		if (profileDir)
			setRawClientNodeFlags(['--cpu-prof', `--cpu-prof-dir=${path.join(profileDir, 'raw')}`]);
		// The HTTPS sections' TLS front presents the test certificate: n8n and the raw client processes trust it.
		const trustTestCertificate = { NODE_EXTRA_CA_CERTS: TLS_CERT_FILE };
		setRawClientEnv(trustTestCertificate);
		const n8n = await openSession({
			label: 'bench',
			n8nEnv: {
				...trustTestCertificate,
				...(profileDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` } : {}),
			},
		});
		session = n8n;
		n8nPid = n8n.server.pid;
		await n8n.addCredential('quivaApi', 'Quiva (simulator)', quivaCredentialData(sim));
		if (wanted('quiva')) results.push(...(await timed('quiva', () => benchQuivaInN8n(n8n, sim))));
		printResults(results);
		if (profileDir && wanted('quiva')) {
			// Warm (one unmeasured run), then PROFILE_RUNS runs of the Quiva node alone; the profile is cut to the
			// node's own execution in each (n8n's startTime, epoch ms, moved onto the monotonic clock).
			await runQuivaOnly(n8n, sim, ITEMS, 'bench-profile');
			const offsetUs = monotonicMinusEpochUs();
			for (let run = 0; run < PROFILE_RUNS; run++) {
				const { startTime, ms } = await runQuivaOnly(n8n, sim, ITEMS, 'bench-profile');
				const fromUs = startTime * 1000 + offsetUs;
				profileWindows.push({ fromUs, toUs: fromUs + ms * 1000 });
			}
		}
		if (wanted('kapua')) {
			const kapua = await timed('kapua', () => benchKapuaInN8n(n8n));
			results.push(kapua);
			printResults([kapua]);
		}
		if (wanted('chat')) {
			const chat = await timed('chat', () =>
				benchChatInN8n(n8n, profileDir ? chatWindows : undefined),
			);
			results.push(chat.result);
			printResults([chat.result]);
			tables.push({
				title: 'Streaming latency: Chat Message through a Webhook in Streaming mode',
				text: chat.latency,
			});
		}
		// The network sections each save a Quiva credential for their gateway; the plain one is saved again after
		// each, so the workflows saved later (scaling) bind to the plain simulator again.
		const plainQuivaCredential = () =>
			n8n.addCredential('quivaApi', 'Quiva (simulator)', quivaCredentialData(sim));
		if (wanted('https')) {
			const section = await timed('https', () =>
				benchHttps(n8n, sim, profileDir ? httpsWindows : undefined),
			);
			await plainQuivaCredential();
			results.push(...section.results);
			printResults(section.results);
			httpsRawFetchWindow = section.rawFetchWindow;
		}
		if (wanted('rtt')) {
			const section = await timed('rtt', () => benchRtt(n8n, sim));
			await plainQuivaCredential();
			results.push(section.result);
			printResults([section.result]);
		}
		if (wanted('webhook')) {
			const section = await timed('webhook', () => benchWebhook(n8n, sim));
			await plainQuivaCredential();
			tables.push({
				title:
					'Webhook → Quiva Stream Publish, one item per execution, against Webhook → No Operation',
				text: section.text,
			});
		}
		// Last, as its 100,000-item executions are the heaviest thing the bench asks of n8n; printed as it goes.
		if (wanted('scaling')) {
			const title = 'How cost grows: the Quiva node, one execution each';
			console.log(`\n${title} (each row as it is measured)`);
			tables.push({
				title,
				text: formatScaling(
					await scalingTable(n8n, sim, (row) => console.log(`  ${formatScalingRow(row)}`)),
				),
			});
		}
	} finally {
		await session?.close();
		await sim.close();
	}
	if (profileDir && profileWindows.length > 0) {
		// n8n writes its profile when it exits (the session's close); the main process's file carries its pid.
		const file = fs
			.readdirSync(profileDir)
			.find((name) => name.includes(`.${n8nPid}.`) && name.endsWith('.cpuprofile'));
		if (!file)
			throw new Error(
				`no CPU profile of the n8n process (pid ${n8nPid}) in ${profileDir}: ${fs.readdirSync(profileDir).join(', ')}`,
			);
		const profile = readProfile(path.join(profileDir, file));
		const span = profileSpan(profile);
		if (profileWindows.some((window) => window.fromUs < span.fromUs || window.toUs > span.toUs))
			throw new Error('the profiled window is not inside the profile: the clocks differ');
		tables.push({
			title: `CPU profile of the n8n process during the Quiva node's execution (n8n's executionTime): ${PROFILE_RUNS} runs of ${ITEMS} items, 20 subjects; ${path.join(profileDir, file)}`,
			text: formatSummary(summariseProfile(profile, profileWindows), ITEMS * PROFILE_RUNS),
		});
	}
	const rawProfileDir = profileDir ? path.join(profileDir, 'raw') : undefined;
	if (rawProfileDir && rawClientWindow && fs.existsSync(rawProfileDir)) {
		// The posts' process is the one whose window was recorded last; its profile is the newest file there.
		const files = fs.readdirSync(rawProfileDir).filter((name) => name.endsWith('.cpuprofile'));
		const profiles = files.map((name) => readProfile(path.join(rawProfileDir, name)));
		const window = rawClientWindow;
		const profile = profiles.find(
			(candidate) => candidate.startTime <= window.fromUs && candidate.endTime >= window.toUs,
		);
		if (profile) {
			tables.push({
				title: `CPU profile of the raw keep-alive client in its own process, for comparison: its last measured round of ${ITEMS} posts, ${RAW_CONCURRENCY} in flight`,
				text: formatSummary(summariseProfile(profile, [window]), ITEMS),
			});
		}
	}
	if (profileDir && httpsWindows.length > 0) {
		const file = fs
			.readdirSync(profileDir)
			.find((name) => name.includes(`.${n8nPid}.`) && name.endsWith('.cpuprofile'));
		if (file) {
			tables.push({
				title: `CPU profile of the n8n process during the Quiva node's execution over HTTPS (TLS front on loopback): ${httpsWindows.length} runs of ${ITEMS} items, 20 subjects`,
				text: formatSummary(
					summariseProfile(readProfile(path.join(profileDir, file)), httpsWindows),
					ITEMS * httpsWindows.length,
				),
			});
		}
	}
	if (rawProfileDir && httpsRawFetchWindow && fs.existsSync(rawProfileDir)) {
		const window = httpsRawFetchWindow;
		const profile = fs
			.readdirSync(rawProfileDir)
			.filter((name) => name.endsWith('.cpuprofile'))
			.map((name) => readProfile(path.join(rawProfileDir, name)))
			.find(
				(candidate) => candidate.startTime <= window.fromUs && candidate.endTime >= window.toUs,
			);
		if (profile) {
			tables.push({
				title: `CPU profile of the raw fetch client over HTTPS in its own process, for comparison: its last measured round of ${ITEMS} posts, 16 in flight`,
				text: formatSummary(summariseProfile(profile, [window]), ITEMS),
			});
		}
	}
	if (profileDir && chatWindows.length > 0) {
		const file = fs
			.readdirSync(profileDir)
			.find((name) => name.includes(`.${n8nPid}.`) && name.endsWith('.cpuprofile'));
		if (file) {
			tables.push({
				title: `CPU profile of the n8n process during the Chat Message node's execution: ${chatWindows.length} runs of a ${CHAT_TOKENS.toLocaleString('en')}-token reply`,
				text: formatSummary(
					summariseProfile(readProfile(path.join(profileDir, file)), chatWindows),
				),
			});
		}
	}
	return { results, tables };
}

/** The raw client process's measured window, for summarising its profile beside n8n's. */
let rawClientWindow: Window | undefined;

/** Measured rounds of the Quiva section; the HTTP Request node's in the first HTTP_ROUNDS only (7 s each). */
const QUIVA_ROUNDS = 7;
const HTTP_ROUNDS = 3;
/**
 * Unmeasured runs first, of our node and of the raw clients alike (the HTTP Request node: one). V8 optimises
 * a function after enough calls, and one execution of 2,000 items is not enough: in n8n the node's time
 * still fell over its first 4 or 5 runs. A production n8n runs a workflow many times.
 */
const WARM_UP_RUNS = 3;

async function benchQuivaInN8n(session: E2ESession, sim: QuivaSimulator): Promise<BenchResult[]> {
	const orderBroken = { http: 0 };
	const firstRunMs: Partial<Record<QuivaPath, number>> = {};
	// One path's run in its own execution, its delivery checked: each seq exactly once (and, for our node, in
	// order per subject). The stream log is emptied first, so each run is checked on its own.
	const runPath = (path: QuivaPath) => async () => {
		sim.received.length = 0;
		const run = await session.runWorkflow(quivaPathWorkflow(session, sim, path));
		if (run.error)
			throw new Error(`the ${PATH_NODE[path]} benchmark workflow failed: ${run.error.message}`);
		if (outputOf(run, PATH_NODE[path]).length !== ITEMS)
			throw new Error(`${PATH_NODE[path]} did not output one item per input`);
		if (path === 'fixed') {
			if (sim.messages(STREAMS.fixed).length !== ITEMS)
				throw new Error(`${FIXED_NODE} did not deliver every item`);
		} else {
			const delivery = checkQuivaDelivery(sim, STREAMS[path]);
			if (!delivery.exactlyOnce)
				throw new Error(`${PATH_NODE[path]} did not deliver every item exactly once`);
			if (!delivery.orderKept) {
				if (path === 'node')
					throw new Error('Quiva node delivery broken: the order per subject was not kept');
				orderBroken.http++;
			}
		}
		const ms = executionTimeOf(run, PATH_NODE[path]);
		firstRunMs[path] ??= ms;
		return ms;
	};
	// The bodies the node publishes (validation.ts: {stream, subject, body}), byte for byte but the stream name.
	const rawPosts = Array.from({ length: ITEMS }, (_, seq) => {
		const item = quivaBenchItem(seq);
		return {
			path: `/storage/streams/${STREAMS.raw}/messages`,
			body: JSON.stringify({ stream: STREAMS.raw, subject: item.subject, body: item }),
		};
	});
	const rawHeaders = { 'X-Api-Key': QUIVA_DEFAULTS.apiKey };
	const raw = () => postAllRaw(sim.url, rawHeaders, rawPosts, RAW_CONCURRENCY);
	// The same client in a process of its own (client and server in two processes, as n8n and the simulator
	// are): a new process each round, warmed up as the node is, then timed once.
	const rawOwnProcess = () =>
		postAllRawInOwnProcess(sim.url, rawHeaders, rawPosts, RAW_CONCURRENCY, {
			rounds: 1,
			warmUpRounds: WARM_UP_RUNS,
		});
	// The raw clients run in the same rounds as the node: this machine's speed drifts by up to 2× over a
	// minute (a shared host), and only figures taken side by side can be compared. The first run of each
	// path is n8n's first run of that node since it started (cold JIT, first sockets): reported apart.
	const {
		node: nodeMs,
		fixed: fixedMs,
		http: httpMs,
		raw: rawMs,
		rawOwnProcess: rawOwnProcessMs,
	} = await interleavedMedians(
		QUIVA_ROUNDS,
		{ node: runPath('node'), raw, rawOwnProcess, fixed: runPath('fixed'), http: runPath('http') },
		{
			roundsOf: { http: HTTP_ROUNDS },
			warmUp: async () => {
				for (let run = 0; run < WARM_UP_RUNS; run++) {
					await runPath('node')();
					await runPath('fixed')();
					await raw();
				}
				await runPath('http')();
			},
		},
	);
	const coldWords =
		`first execution after n8n started (cold, not counted): our node ${Math.round(firstRunMs.node!)} ms, ` +
		`HTTP Request node ${Math.round(firstRunMs.http!)} ms`;

	const rawCpuPerItemUs = (lastRawCpuMs() / ITEMS) * 1000;
	rawClientWindow = lastRawWindow();
	// CPU per item for the node by thread (nodeCpu.ts), over plain HTTP.
	const nodeCpu = await nodeCpuPerItem(session, ITEMS, 'bench-cpu');
	// The fixed-subject node against one request at a time: its bound (one ordering lane).
	const rawSerialMs = await postAllRaw(
		sim.url,
		{ 'X-Api-Key': QUIVA_DEFAULTS.apiKey },
		rawPosts,
		1,
	);

	const speedup = httpMs / nodeMs;
	return [
		{
			name: 'Quiva node in real n8n',
			baselineName: 'HTTP Request node (POST per item, URL + JSON body as expressions)',
			items: ITEMS,
			ms: nodeMs,
			baselineMs: httpMs,
			goal: { maxTimeRatio: 0.1, words: '≥ 10× the HTTP Request node (time ratio ≤ 0.10)' },
			notes:
				`${speedup.toFixed(1)}× faster; medians of ${QUIVA_ROUNDS} runs (HTTP Request: ${HTTP_ROUNDS}) after ${WARM_UP_RUNS} warm-up runs (HTTP Request: 1), the raw clients likewise; ${coldWords}; ` +
				`ours: exactly once, order per subject kept in every run; HTTP Request: exactly once, order per subject broken in ${orderBroken.http} of ${HTTP_ROUNDS + 1} runs`,
		},
		{
			name: 'Quiva node in real n8n',
			baselineName: `raw keep-alive client (Node http, ${RAW_CONCURRENCY} in flight)`,
			items: ITEMS,
			ms: nodeMs,
			baselineMs: rawMs,
			goal: { maxTimeRatio: 1.3, words: "≤ 1.3× the raw client's time" },
			notes: `loopback limit at ${RAW_CONCURRENCY} in flight: ${itemsPerSecond(ITEMS, rawMs)} items/s (client and simulator in the bench's one process)`,
		},
		{
			name: 'Quiva node in real n8n',
			baselineName: `raw keep-alive client in its own process (Node http, ${RAW_CONCURRENCY} in flight)`,
			items: ITEMS,
			ms: nodeMs,
			baselineMs: rawOwnProcessMs,
			goal: { maxTimeRatio: 1.3, words: "≤ 1.3× the raw client's time" },
			notes:
				`client and simulator in two processes, as n8n and the simulator are; CPU per item: ${formatNodeCpu(nodeCpu, "simulator, and reading the run's output")}; ` +
				`raw client process ${rawCpuPerItemUs.toFixed(0)} µs; ${os.cpus().length} CPUs`,
		},
		{
			name: 'Quiva node in real n8n, fixed subject (one ordering lane)',
			baselineName: 'HTTP Request node (POST per item, URL + JSON body as expressions)',
			items: ITEMS,
			ms: fixedMs,
			baselineMs: httpMs,
			notes:
				`${(httpMs / fixedMs).toFixed(1)}× faster with one subject: one ordering lane, so one request in flight at a time; ` +
				`round-trip bound: a raw client with one request in flight takes ${Math.round(rawSerialMs)} ms (${((rawSerialMs / ITEMS) * 1000).toFixed(0)} µs an item), ` +
				`the node ${((fixedMs / ITEMS) * 1000).toFixed(0)} µs an item`,
		},
	];
}

/** Runs a section and says how long it took (the bench's own wall time, set-up and checks included). */
async function timed<T>(section: string, run: () => Promise<T>): Promise<T> {
	const started = performance.now();
	try {
		return await run();
	} finally {
		console.log(
			`\n[the ${section} section took ${((performance.now() - started) / 1000).toFixed(0)} s]`,
		);
	}
}

function printResults(results: BenchResult[]): void {
	for (const result of results) {
		const unit = result.unit ?? 'items';
		console.log(
			`\n${result.name}: ${itemsPerSecond(result.items, result.ms)} ${unit}/s (${Math.round(result.ms)} ms for ${result.items})`,
		);
		console.log(
			`  vs ${result.baselineName}: ${itemsPerSecond(result.items, result.baselineMs)} ${unit}/s (${Math.round(result.baselineMs)} ms)`,
		);
		console.log(
			`  time ratio ${timeRatio(result).toFixed(3)}${result.goal ? ` — goal ${result.goal.words}: ${verdict(result)}` : ''}`,
		);
		if (result.notes) console.log(`  ${result.notes}`);
	}
}

function print({ tables }: RealN8nReport): void {
	for (const table of tables) console.log(`\n${table.title}\n${table.text}`);
}

function parseArgs(argv: string[]): RealN8nOptions {
	const only = argv.find((arg) => arg.startsWith('--only='));
	return {
		profile: argv.includes('--profile'),
		only: only ? new Set(only.slice('--only='.length).split(',')) : undefined,
	};
}

if (require.main === module) {
	console.log(
		`Real n8n benchmark — Node ${process.version}, ${new Date().toISOString()}, load average ${os
			.loadavg()
			.map((load) => load.toFixed(2))
			.join(' ')}, ${os.cpus().length} CPUs`,
	);
	benchRealN8n(parseArgs(process.argv.slice(2)))
		.then((report) => {
			print(report);
			console.log(
				`\nload average at the end: ${os
					.loadavg()
					.map((load) => load.toFixed(2))
					.join(' ')}`,
			);
		})
		.catch((error: unknown) => {
			console.error(error);
			process.exitCode = 1;
		});
}
