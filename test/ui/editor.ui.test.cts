/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The functions given to page.evaluate and waitForFunction run in the browser, on its DOM.
/**
 * The package as a new user meets it: a real n8n 2.41 installed from our own `npm pack` tarball, its
 * editor in the system's Chromium. The user finds each node in the node panel, opens it, creates its
 * credential and presses Test with a wrong and then a right secret (against the loopback simulators),
 * opens Chat Message's Model list in a node just added, runs one example workflow per node from the editor
 * and reads the output.
 * Any uncaught error of the page fails the test it happened in.
 *
 * The screenshots docs/editor.md shows are saved here, into docs/images/, so they show what a user will see.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { REOPEN_ADVICE } from '../../nodes/ChatMessage/methods/loadOptions';
import { REPO_ROOT } from '../e2e/lib/cache.cjs';
import { OWNER, type WorkflowJson } from '../e2e/lib/restApi.cjs';
import { openSession, type E2ESession } from '../e2e/lib/session.cjs';
import { stickyNotes } from '../e2e/lib/stickyNotes.cjs';
import { exampleFiles, findNode, loadExample } from '../e2e/lib/workflows.cjs';
import { nodeSubtitle } from '../harness/n8n.cjs';
import { CHAT_DEFAULTS, startChatSimulator, type ChatSimulator } from '../simulators/chat.cjs';
import {
	chatCredentialData,
	kapuaCredentialData,
	quivaCredentialData,
} from '../simulators/credentials.cjs';
import { KAPUA_DEFAULTS, startKapuaSimulator, type KapuaSimulator } from '../simulators/kapua.cjs';
import { QUIVA_DEFAULTS, startQuivaSimulator, type QuivaSimulator } from '../simulators/quiva.cjs';
import { animatedGif } from './lib/animation.cjs';
import { launchBrowser, type EditorBrowser } from './lib/browser.cjs';
import { Editor } from './lib/editor.cjs';

const IMAGES = path.join(REPO_ROOT, 'docs', 'images');

interface Simulators {
	quiva: QuivaSimulator;
	kapua: KapuaSimulator;
	chat: ChatSimulator;
}

/** One node as the user meets it: its names, its credential's form, its example workflow. */
interface NodeSpec {
	displayName: string;
	/** The node's type name without the package's prefix, e.g. quivaStreamPublish. */
	type: string;
	/** The folder under nodes/, whose codex lists the aliases the panel's search must find. */
	folder: string;
	/** Short file-name stem for the screenshots. */
	slug: string;
	credential: {
		/** Form fields a user types, with the right secret. */
		right(sims: Simulators): Record<string, string>;
		/** The one field that holds the secret, and a wrong value for it. */
		secretField: string;
		wrongSecret: string;
		/** The API data of the same credential, for the example workflow's run. */
		apiData(sims: Simulators): Record<string, unknown>;
		type: string;
		name: string;
	};
	example: string;
	/** A field of the example's node that holds an expression and shows in the node's canvas subtitle. */
	expressionField?: string;
	/** The node of the example whose output the test reads, and what it must show. */
	check(output: { headers: string[]; rows: string[][]; itemCount: string }, sims: Simulators): void;
}

const NODES: NodeSpec[] = [
	{
		displayName: 'Quiva Stream Publish',
		type: 'quivaStreamPublish',
		folder: 'QuivaStreamPublish',
		slug: 'quiva-stream-publish',
		credential: {
			type: 'quivaApi',
			name: 'Quiva account',
			right: (sims) => ({ baseUrl: sims.quiva.url, apiKey: QUIVA_DEFAULTS.apiKey }),
			secretField: 'apiKey',
			wrongSecret: 'wrong-quiva-key-0000',
			apiData: (sims) => quivaCredentialData(sims.quiva),
		},
		example: 'quiva-stream-publish.json',
		expressionField: 'subject',
		check(output, sims) {
			expect(output.itemCount).toBe(`${sims.quiva.received.length} items`);
			expect(output.headers).toEqual(
				expect.arrayContaining(['stream', 'subject', 'published', 'status']),
			);
			const column = (name: string) => output.rows.map((row) => row[output.headers.indexOf(name)]);
			expect(new Set(column('published'))).toEqual(new Set(['true']));
			// Items of different subjects go out in parallel: the same subjects, not the same arrival order.
			expect(column('subject').sort()).toEqual(
				sims.quiva.received.map((message) => message.subject).sort(),
			);
		},
	},
	{
		displayName: 'Kapua Publish',
		type: 'kapuaPublish',
		folder: 'KapuaPublish',
		slug: 'kapua-publish',
		credential: {
			type: 'kapuaApi',
			name: 'Kapua account',
			right: (sims) => ({
				baseUrl: `${sims.kapua.url}/v1`,
				username: KAPUA_DEFAULTS.username,
				password: KAPUA_DEFAULTS.password,
			}),
			secretField: 'password',
			wrongSecret: 'Wrong-Passw0rd!',
			apiData: (sims) => kapuaCredentialData(sims.kapua),
		},
		example: 'kapua-publish.json',
		check(output, sims) {
			expect(output.itemCount).toBe(`${sims.kapua.published.length} items`);
			expect(output.headers).toEqual(
				expect.arrayContaining(['topic', 'clientId', 'channel', 'published', 'status']),
			);
			const column = (name: string) => output.rows.map((row) => row[output.headers.indexOf(name)]);
			expect(new Set(column('published'))).toEqual(new Set(['true']));
			expect(column('clientId').sort()).toEqual(
				sims.kapua.published.map((message) => String(message.clientId)).sort(),
			);
			expect(column('channel').sort()).toEqual(
				sims.kapua.published.map((message) => message.semanticParts.join('/')).sort(),
			);
		},
	},
	{
		displayName: 'Chat Message',
		type: 'chatMessage',
		folder: 'ChatMessage',
		slug: 'chat-message',
		credential: {
			type: 'chatApi',
			name: 'Chat account',
			right: (sims) => ({
				baseUrl: sims.chat.url,
				email: CHAT_DEFAULTS.user.email,
				password: CHAT_DEFAULTS.user.password,
			}),
			secretField: 'password',
			wrongSecret: 'not the password',
			apiData: (sims) => chatCredentialData(sims.chat),
		},
		example: 'chat-message.json',
		check(output, sims) {
			expect(output.itemCount).toBe('1 item');
			expect(output.headers).toEqual(
				expect.arrayContaining(['chatId', 'text', 'complete', 'model']),
			);
			const row = output.rows[0];
			// The table shows the text with its spaces collapsed and trimmed, as HTML does.
			expect(row[output.headers.indexOf('text')]).toBe(
				sims.chat.replyText().replace(/\s+/g, ' ').trim(),
			);
			expect(row[output.headers.indexOf('complete')]).toBe('true');
		},
	},
];

/** The top-level fields of the output schema the package ships for the node. */
function schemaFields(spec: NodeSpec): string[] {
	const schema = JSON.parse(
		fs.readFileSync(
			path.join(REPO_ROOT, 'nodes', spec.folder, '__schema__', 'v1.0.0.json'),
			'utf8',
		),
	) as { properties?: Record<string, unknown> };
	return Object.keys(schema.properties ?? {});
}

/** The codex's aliases: what n8n's search matches besides the name. */
function aliasesOf(spec: NodeSpec): string[] {
	const codex = JSON.parse(
		fs.readFileSync(path.join(REPO_ROOT, 'nodes', spec.folder, `${spec.folder}.node.json`), 'utf8'),
	) as { alias?: string[] };
	return codex.alias ?? [];
}

/** Full name, first word, a prefix of two words as one types them ("chat mes"), and every alias. */
function queriesFor(spec: NodeSpec): string[] {
	const words = spec.displayName.split(' ');
	const typed =
		words.length > 1
			? `${words[0].toLowerCase()} ${words[1].slice(0, 3).toLowerCase()}`
			: undefined;
	return [...new Set([spec.displayName, words[0], ...(typed ? [typed] : []), ...aliasesOf(spec)])];
}

let session: E2ESession | undefined;
let sims: Simulators | undefined;
let chromium: EditorBrowser | undefined;
let editor: Editor;

const current = () => {
	if (!session || !sims || !chromium)
		throw new Error('the n8n session, simulators or browser did not start (see beforeAll)');
	return { session, sims, chromium };
};

beforeAll(async () => {
	session = await openSession({ label: 'ui' });
	const [quiva, kapua, chat] = await Promise.all([
		startQuivaSimulator(),
		startKapuaSimulator(),
		startChatSimulator(),
	]);
	sims = { quiva, kapua, chat };
	chromium = await launchBrowser();
	editor = new Editor(chromium.page, session.server.url);
	await editor.signIn(OWNER.email, OWNER.password);
});

afterAll(async () => {
	await chromium?.close();
	await Promise.all(
		Object.values(sims ?? {}).map((sim: { close(): Promise<void> }) => sim.close()),
	);
	await session?.close();
});

afterEach(() => {
	// An uncaught error in the editor fails the test it happened in.
	expect(chromium?.takePageErrors() ?? []).toEqual([]);
});

/** A new workflow holding a Manual Trigger, as a user starts one; the node panel then says "What happens next?". */
async function workflowWithTrigger(): Promise<void> {
	await editor.newWorkflow();
	await editor.openNodePanel();
	await editor.addNodeFromPanel('Manual Trigger');
	await editor.closeNodeDetails();
}

/** Every query that does not list the node, as "query" → what was listed; empty when all found it. */
async function missedQueries(
	spec: NodeSpec,
	listedName = spec.displayName,
): Promise<Record<string, string[]>> {
	const missed: Record<string, string[]> = {};
	for (const query of queriesFor(spec)) {
		const listed = await editor.search(query, listedName);
		if (!listed.includes(listedName)) missed[query] = listed.slice(0, 10);
	}
	return missed;
}

describe('the node panel finds every node by its name, first word and aliases', () => {
	test('in the first-node panel of an empty workflow', async () => {
		await editor.newWorkflow();
		expect(await editor.openNodePanel()).toBe('What triggers this workflow?');
		for (const spec of NODES)
			expect({ node: spec.displayName, missed: await missedQueries(spec) }).toEqual({
				node: spec.displayName,
				missed: {},
			});
		await editor.closeNodePanel();
	});

	test('in "What happens next?" and in its "Action in an app"', async () => {
		await workflowWithTrigger();

		expect(await editor.openNodePanel()).toBe('What happens next?');
		for (const spec of NODES)
			expect({ node: spec.displayName, missed: await missedQueries(spec) }).toEqual({
				node: spec.displayName,
				missed: {},
			});
		await editor.search('publish', 'Kapua Publish');
		await editor.screenshot(path.join(IMAGES, 'node-panel.png'));

		await editor.openPanelEntry('Action in an app');
		for (const spec of NODES)
			expect({ node: spec.displayName, missed: await missedQueries(spec) }).toEqual({
				node: spec.displayName,
				missed: {},
			});
		await editor.closeNodePanel();
	});

	test("as AI Agent tools, in the agent's Tool slot", async () => {
		await workflowWithTrigger();
		await editor.openNodePanel();
		await editor.addNodeFromPanel('AI Agent');
		await editor.closeNodeDetails();
		await editor.openNodePanelFromHandle('AI Agent', 'inputs/ai_tool/0');
		for (const spec of NODES) {
			const tool = `${spec.displayName} Tool`;
			expect({
				query: spec.displayName,
				listed: (await editor.search(spec.displayName, tool)).includes(tool),
			}).toEqual({ query: spec.displayName, listed: true });
		}
		// The tool variant is where the model may fill parameters in.
		await editor.addNodeFromPanel('Chat Message Tool');
		expect(await editor.fromAiButtons()).toBeGreaterThan(0);
		await editor.closeNodeDetails();
	});
});

/** Labels that appear more than once in a list (compared as read: case and spacing aside). */
function repeated(labels: string[]): string[] {
	const seen = new Map<string, number>();
	for (const label of labels)
		seen.set(
			label.toLowerCase().replace(/\s+/g, ' '),
			(seen.get(label.toLowerCase().replace(/\s+/g, ' ')) ?? 0) + 1,
		);
	return [...seen].filter(([, count]) => count > 1).map(([label]) => label);
}

describe.each(NODES)('$displayName in the editor', (spec) => {
	test('opens its panel, with no AI-only button on the plain node and no two labels alike, and its credential Test says whether the secret is right', async () => {
		const { sims } = current();
		await workflowWithTrigger();
		await editor.openNodePanel();
		await editor.addNodeFromPanel(spec.displayName);

		expect((await editor.parameterNames()).length).toBeGreaterThan(0);
		// "Let the model define this parameter" does nothing outside an agent's tool slot.
		expect(await editor.fromAiButtons()).toBe(0);
		// Issue 13: Kapua showed "Metrics" above "Metrics" and "Timeout (Ms)" beside "Kapua Timeout (Ms)".
		const labels = await editor.parameterLabels();
		expect(labels.length).toBeGreaterThan(3);
		expect({ labels, repeated: repeated(labels) }).toEqual({ labels, repeated: [] });
		for (const { list, names } of await editor.collectionChoices()) {
			expect({ list, names, repeated: repeated(names) }).toEqual({ list, names, repeated: [] });
		}

		await editor.createCredentialFromNode();
		const right = spec.credential.right(sims);
		for (const [field, value] of Object.entries(right)) {
			await editor.fillCredentialField(
				field,
				field === spec.credential.secretField ? spec.credential.wrongSecret : value,
			);
		}
		const wrong = await editor.saveAndTestCredential('failure');
		expect(wrong).toEqual({
			ok: false,
			text: expect.stringContaining('Couldn’t connect with these settings'),
		});
		expect(wrong.text).not.toContain(spec.credential.wrongSecret);
		if (spec.slug === 'chat-message')
			await editor.screenshot(path.join(IMAGES, 'credential-test.png'));

		// The user fixes the secret and saves: n8n tests it again and closes the dialog when the test passes.
		// Opened again from the node, the credential is tested as it opens, and says so.
		await editor.fillCredentialField(
			spec.credential.secretField,
			right[spec.credential.secretField],
		);
		await editor.saveCredential();
		await editor.openCredentialFromNode();
		const fixed = await editor.credentialTestOutcome('success');
		expect(fixed).toEqual({
			ok: true,
			text: expect.stringContaining('Connection tested successfully'),
		});
		await editor.closeCredentialDialog();
		await editor.screenshot(path.join(IMAGES, `${spec.slug}-node.png`));
		await editor.closeNodeDetails();
	});
});

const MODEL_NAMES = CHAT_DEFAULTS.models.map((model) => `${model.name} (${model.provider})`);
const modelRequests = () =>
	current().sims.chat.requests.filter((request) => request.path === '/api/models').length;

test("Chat Message's Model list, opened in a node just added, lists the chat server's models; one is chosen", async () => {
	// The credential saved by the tests above, which n8n gives the node as it is added. Version 2's Model
	// is a resource locator: n8n asks for its list when the user opens it, by when the node has its
	// credential (n8n 2.41 asked for version 1's options list as the field appeared, sometimes before).
	await workflowWithTrigger();
	await editor.openNodePanel();
	await editor.addNodeFromPanel('Chat Message');
	const before = modelRequests();
	// Listed as the node words them: "GPT-5.2 (OpenAI)".
	const listed = await editor.resourceList('model', { keepOpen: true });
	expect(listed).toEqual({ names: expect.arrayContaining(MODEL_NAMES) });
	expect(listed.names).toHaveLength(MODEL_NAMES.length);
	expect(modelRequests()).toBeGreaterThan(before);
	await editor.screenshot(path.join(IMAGES, 'chat-message-models.png'));
	await editor.closeResourceList();
	// Typed into the list's search: what the node's searchModels keeps.
	expect(await editor.resourceList('model', { filter: 'anthropic' })).toEqual({
		names: ['Claude Opus 4.5 (Anthropic)'],
	});
	expect(await editor.chooseFromResourceList('model', 'GPT-5.2 (OpenAI)')).toBe('GPT-5.2 (OpenAI)');
	await editor.closeNodeDetails();
});

test('Chat Message: with a wrong password the Model list says why and how to load it again, and opened again once the credential is fixed it lists the models', async () => {
	const { session, sims } = current();
	const wrongPassword = 'an old password';
	// A workflow whose credential's password is out of date (as after a password change on the server).
	await session.addCredential(
		'chatApi',
		'Chat account (old password)',
		chatCredentialData(sims.chat, 'emailPassword', { password: wrongPassword }),
	);
	const id = await session.importWorkflow(loadExample('chat-message.json'));
	await editor.openWorkflow(id);
	await editor.openNodeDetails('Chat Message');

	const failed = await editor.resourceList('model');
	// n8n shows the node's message in the list: ours names the cause and the way out.
	expect(failed).toEqual({
		names: [],
		error: expect.stringContaining('Check the email and password'),
	});
	expect(failed.error).toContain('HTTP 401');
	expect(failed.error).toContain(REOPEN_ADVICE);
	expect(failed.error).not.toContain(wrongPassword);

	// The user fixes the password in place, from the pencil beside the credential: saving tests it.
	await editor.openCredentialFromNode();
	await editor.fillCredentialField('password', CHAT_DEFAULTS.user.password);
	expect(await editor.saveAndTestCredential('success')).toEqual({
		ok: true,
		text: expect.stringContaining('Connection tested successfully'),
	});
	await editor.closeCredentialDialog();

	// As the list said: opened again, it loads again.
	const before = modelRequests();
	expect(await editor.resourceList('model')).toEqual({
		names: expect.arrayContaining(MODEL_NAMES),
	});
	expect(modelRequests()).toBeGreaterThan(before);
	await editor.closeNodeDetails();
});

// Issue 13: each credential's Test says what is wrong in words that help fix it, the HTTP status or socket
// code in the words, never the secret (the node's credentialTest, nodes/common/auth/credentialTest.ts; the
// same words are checked in-process by test/workflow/credentials.test.ts).
describe('credential Test wording, from a new credential of the node', () => {
	/** Opens a fresh credential dialog from the node's credential slot, fills it and returns what Test said. */
	async function testCredential(spec: NodeSpec, fields: Record<string, string>): Promise<string> {
		await workflowWithTrigger();
		await editor.openNodePanel();
		await editor.addNodeFromPanel(spec.displayName);
		await editor.createCredentialFromNode();
		for (const [field, value] of Object.entries(fields))
			await editor.fillCredentialField(field, value);
		const { ok, text } = await editor.saveAndTestCredential('failure');
		expect({ ok, text }).toEqual({
			ok: false,
			text: expect.stringContaining('Couldn’t connect with these settings'),
		});
		await editor.closeCredentialDialog();
		await editor.closeNodeDetails();
		return text;
	}
	const [quiva, kapua, chat] = NODES;

	test('Quiva: a wrong or expired API key is named as such, with the HTTP code', async () => {
		const text = await testCredential(quiva, {
			...quiva.credential.right(current().sims),
			apiKey: quiva.credential.wrongSecret,
		});
		expect(text).toContain(
			'Authentication failed: the gateway rejected the API key or token (HTTP 401)',
		);
		expect(text).toContain('API keys expire after 3 months');
		expect(text).not.toContain(quiva.credential.wrongSecret);
	});

	test('Kapua: a wrong password says user name, password or API key, with the HTTP code', async () => {
		const text = await testCredential(kapua, {
			...kapua.credential.right(current().sims),
			password: kapua.credential.wrongSecret,
		});
		expect(text).toContain('Kapua rejected the login: wrong user name, password or API key');
		expect(text).toContain('(HTTP 401)');
		expect(text).not.toMatch(/Authorization failed - please check your credentials/);
		expect(text).not.toContain(kapua.credential.wrongSecret);
	});

	test('Kapua: an unreachable Base URL says so, with the socket code', async () => {
		// Port 1 of the loopback: nothing listens there, the connection is refused at once.
		const text = await testCredential(kapua, {
			...kapua.credential.right(current().sims),
			baseUrl: 'http://127.0.0.1:1/v1',
		});
		expect(text).toContain(
			'Could not reach Kapua to log in: the connection was refused (ECONNREFUSED)',
		);
		expect(text).toContain("Check the Base URL's host and port");
		expect(text).not.toContain(KAPUA_DEFAULTS.password);
	});

	test('Chat: a wrong password says email and password, with the HTTP code', async () => {
		const text = await testCredential(chat, {
			...chat.credential.right(current().sims),
			password: chat.credential.wrongSecret,
		});
		expect(text).toContain('Sign-in failed: the server answered HTTP 401');
		expect(text).toContain('Check the email and password');
		expect(text).not.toContain(chat.credential.wrongSecret);
	});

	test('Chat: a server with no sign-in route is a wrong Base URL, not a wrong password', async () => {
		// The chat server under a path it does not serve: a real server answering 404 to the sign-in, the wrong
		// Base URL. (The Quiva simulator would not do: it answers 401 to any request without its API key.)
		const text = await testCredential(chat, {
			...chat.credential.right(current().sims),
			baseUrl: `${current().sims.chat.url}/app`,
		});
		expect(text).toContain(
			'Sign-in failed: this server has no sign-in route here (HTTP 404 on POST /api/auth/sign-in/email). Check the Base URL.',
		);
		expect(text).not.toMatch(/Check the email and password/);
		expect(text).not.toContain(CHAT_DEFAULTS.user.password);
	});
});

describe.each(NODES)('$displayName runs from the editor', (spec) => {
	test(`the example ${spec.example} runs, and the node's output shows what the simulator received`, async () => {
		const { session, sims } = current();
		await session.addCredential(
			spec.credential.type,
			spec.credential.name,
			spec.credential.apiData(sims),
		);
		const example = loadExample(spec.example);
		const id = await session.importWorkflow(example);
		await editor.openWorkflow(id);
		// The canvas line under the node's name, as n8n's expression engine makes it from the node's fields
		// (test/workflow/subtitles.test.ts): a field holding an expression shows the expression's text.
		const parameters = findNode(example, spec.displayName).parameters as Record<string, string>;
		const subtitle = nodeSubtitle(spec.type, parameters);
		expect(typeof subtitle === 'string' && subtitle.length > 0).toBe(true);
		const shown = await editor.canvasSubtitle(spec.displayName);
		expect(shown).toBe(subtitle);
		if (spec.expressionField) {
			const expression = parameters[spec.expressionField];
			expect(expression).toMatch(/^=.*\{\{.*\}\}/);
			expect(shown).toContain(expression.slice(1));
		}
		// Before anything ran, the node after ours shows our node's output fields, from the schema the
		// package ships (nodes/<Node>/__schema__): the user can map them straight away.
		const next = (example.connections[spec.displayName] as { main: Array<Array<{ node: string }>> })
			.main[0][0].node;
		await editor.openNodeDetails(next);
		const input = await editor.inputPanelText('Usually outputs the following fields');
		expect(input).toContain('Usually outputs the following fields');
		expect(input).toContain(spec.displayName);
		for (const field of schemaFields(spec).slice(0, 4)) expect(input).toContain(field);
		await editor.closeNodeDetails();

		const said = await editor.executeWorkflow();
		expect(said).toMatch(/executed successfully/i);
		await editor.openNodeDetails(spec.displayName);
		const output = await editor.outputTable();
		spec.check(output, sims);
		await editor.screenshot(path.join(IMAGES, `${spec.slug}-output.png`));
		await editor.closeNodeDetails();
	});
});

test('every output schema the editor asked for was there (nodes/*/__schema__)', () => {
	const { chromium } = current();
	const ours = chromium.schemaRequests.filter((request) =>
		request.url.includes('/schemas/n8n-nodes-stream-messaging.'),
	);
	// Asked for each node at least once (by the panels opened before the runs above).
	for (const spec of NODES)
		expect(ours.map((request) => request.url)).toContainEqual(
			expect.stringContaining(`.${spec.type}/`),
		);
	expect(ours.filter((request) => request.status !== 200)).toEqual([]);
});

/** What the chat server streams for the pictures: a reply long enough to be seen growing, a word at a time. */
const STREAMED_REPLY =
	'Quantum computers store information in qubits, which can be 0 and 1 at the same time. Working through many possibilities at once, they solve some problems, such as simulating molecules, far faster than ordinary computers.';
const STREAMED_QUESTION = 'Explain quantum computing in two sentences.';

/** Chat Trigger (n8n's chat in the editor, Response Mode Streaming) → Chat Message asking the chat server. */
function chatTriggerWorkflow(session: E2ESession): WorkflowJson {
	return {
		name: 'Chat with the chat server, streamed',
		nodes: [
			{
				id: randomUUID(),
				name: 'When chat message received',
				type: '@n8n/n8n-nodes-langchain.chatTrigger',
				typeVersion: 1.4,
				position: [0, 0],
				webhookId: randomUUID(),
				parameters: { public: false, options: { responseMode: 'streaming' } },
			},
			{
				id: randomUUID(),
				name: 'Chat Message',
				type: session.nodeType('chatMessage'),
				typeVersion: 2,
				position: [260, 0],
				parameters: {
					chatMode: 'new',
					message: '={{ $json.chatInput }}',
					model: {
						__rl: true,
						mode: 'list',
						value: 'gpt-5.2',
						cachedResultName: 'GPT-5.2 (OpenAI)',
					},
					outputMode: 'finalReply',
					options: {},
				},
				credentials: { chatApi: { id: null, name: 'Chat account' } },
			},
		],
		connections: {
			'When chat message received': { main: [[{ node: 'Chat Message', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
}

describe("Chat Message streams its reply into n8n's chat", () => {
	test("asked in the editor's chat panel, the reply grows on screen while the chat server is still sending it, and ends complete (docs/images/chat-streaming-*.png)", async () => {
		const { session, sims } = current();
		const { chat } = sims;
		const tokens = STREAMED_REPLY.split(/(?<= )/);
		chat.setReply({ tokens, pacingMs: 300 });
		try {
			await session.addCredential('chatApi', 'Chat account', chatCredentialData(chat));
			await editor.openWorkflow(await session.importWorkflow(chatTriggerWorkflow(session)));
			await editor.openChatPanel({ top: 380, chatWidth: 760 });
			const streamsBefore = chat.streams.length;
			await editor.sendChatMessage(STREAMED_QUESTION);

			// A frame each time the reply has grown past the next mark: what the chat shows just before and just
			// after the picture is taken, and whether the chat server had finished sending by then.
			const full = chat.replyText().replace(/\s+/g, ' ').trim();
			const frames: Array<{ before: string; after: string; serverDone: boolean; png: Buffer }> = [];
			for (const share of [0.12, 0.35, 0.6, 0.85]) {
				const longerThan = Math.max(
					Math.round(full.length * share),
					frames.at(-1)?.after.length ?? 0,
				);
				const { text: before } = await editor.chatReply({ longerThan });
				const png = await editor.frame();
				const after = await editor.chatReplyNow();
				frames.push({
					before,
					after,
					serverDone: chat.streams[streamsBefore]?.ended === true,
					png,
				});
			}
			const { text: finalText } = await editor.chatReply({ equals: full });
			frames.push({
				before: finalText,
				after: await editor.chatReplyNow(),
				serverDone: true,
				png: await editor.frame({ settle: true }),
			});
			console.log(
				`[ui] chat streaming frames: ${frames.map((frame) => `${frame.before.length}-${frame.after.length}/${full.length}${frame.serverDone ? ' (server done)' : ''}`).join(', ')}`,
			);

			// Each picture shows part of the reply, more than the one before, and the last the whole of it.
			for (const [index, frame] of frames.entries()) {
				expect({
					frame: index,
					before: full.startsWith(frame.before),
					after: full.startsWith(frame.after),
				}).toEqual({ frame: index, before: true, after: true });
				expect(frame.after.length).toBeGreaterThanOrEqual(frame.before.length);
				if (index > 0) expect(frame.before.length).toBeGreaterThan(frames[index - 1].after.length);
				if (index < frames.length - 1) expect(frame.after.length).toBeLessThan(full.length);
			}
			expect(frames.at(-1)!.after).toBe(full);
			// The first picture was taken while the chat server was still writing the reply: shown as it came.
			expect(frames[0].serverDone).toBe(false);
			// One question, sent once, to the model the node names.
			expect(chat.streams.slice(streamsBefore).map((stream) => stream.body.content)).toEqual([
				STREAMED_QUESTION,
			]);

			for (const [index, frame] of frames.entries())
				fs.writeFileSync(path.join(IMAGES, `chat-streaming-${index + 1}.png`), frame.png);
			const gif = animatedGif(
				frames.map((frame, index) => ({
					png: frame.png,
					delayMs: index === frames.length - 1 ? 3000 : 900,
				})),
			);
			fs.writeFileSync(path.join(IMAGES, 'chat-streaming.gif'), gif);
			console.log(
				`[ui] docs/images/chat-streaming.gif: ${frames.length} frames, ${Math.round(gif.length / 1024)} KiB`,
			);
		} finally {
			chat.setReply({});
		}
	});
});

describe('the example workflows on the canvas', () => {
	test.each(exampleFiles())(
		'examples/%s: every sticky note shows, its text fits in it and fills it (docs/images/example-*.png)',
		async (file) => {
			const { session, sims } = current();
			// The credentials the examples use, so that they open bound as after an import.
			await session.addCredential('quivaApi', 'Quiva account', quivaCredentialData(sims.quiva));
			await session.addCredential('kapuaApi', 'Kapua account', kapuaCredentialData(sims.kapua));
			await session.addCredential('chatApi', 'Chat account', chatCredentialData(sims.chat));
			const example = loadExample(file);
			await editor.openWorkflow(await session.importWorkflow(example));
			await editor.zoomToFit();
			const notes = await editor.stickyNotes();
			const expected = stickyNotes(example).map((note) =>
				note.content.split('\n')[0].replace(/^#+\s*/, ''),
			);
			expect(notes.map((note) => note.firstLine).sort()).toEqual(expected.sort());
			console.log(
				`[ui] examples/${file}: share of each note its text takes: ${notes.map((note) => `${note.firstLine} ${note.filled}`).join('; ')}`,
			);
			expect(notes.filter((note) => !note.fits)).toEqual([]);
			// Tidy: a note sized to its text, not a mostly empty box.
			expect(notes.filter((note) => note.filled < 0.6)).toEqual([]);
			await editor.screenshot(path.join(IMAGES, `example-${path.basename(file, '.json')}.png`));
		},
	);
});
