/**
 * Every workflow of examples/ as a new user meets it, in the real n8n: each file is imported as the editor's
 * "Import from File" does and saved (asEditorImports: the 2.41 editor's steps, then POST /rest/workflows),
 * by a member of its own whose credentials carry the names the example uses, made against the loopback
 * simulators. A member because the other specs save credentials under the same names in the owner's
 * project, and n8n matches a name only when it is the one credential of that type and name in the project.
 *
 * Then each example is started as its sticky notes say (Manual Trigger: run it; Webhook: publish it and
 * call it with the note's curl command and body; Kapua Trigger: publish it and let devices store
 * messages), and every output field a note promises ("What comes out of <Node>") must be on every item of
 * that node, with values checked against what the simulators received. A file without a scenario here
 * fails: a new example is covered or the suite says so.
 */
import type { ChatSimulator } from '../../simulators/chat.cjs';
import { startChatSimulator } from '../../simulators/chat.cjs';
import {
	chatCredentialData,
	kapuaCredentialData,
	quivaCredentialData,
} from '../../simulators/credentials.cjs';
import {
	startKapuaSimulator,
	type KapuaSimulator,
	type PublishedMessage,
} from '../../simulators/kapua.cjs';
import { startQuivaSimulator, type QuivaSimulator } from '../../simulators/quiva.cjs';
import { N8nApi, type ExecutionResult, type Person, type WorkflowJson } from '../lib/restApi.cjs';
import type { E2ESession } from '../lib/session.cjs';
import {
	credentialNames,
	curlCommands,
	explainedNodes,
	gap,
	nodeBox,
	overlap,
	promisedOutputs,
	stickyNotes,
	workingNodes,
	type StickyNote,
} from '../lib/stickyNotes.cjs';
import { postAndStream } from '../lib/streamClient.cjs';
import {
	asEditorImports,
	exampleFiles,
	findNode,
	loadExample,
	outputOf,
} from '../lib/workflows.cjs';

const MEMBER: Person = {
	email: 'examples-user@example.com',
	firstName: 'Example',
	lastName: 'User',
	password: 'Examples-0nly-Passw0rd',
};

/** How far (canvas pixels) a note may sit from a node it explains: beside it, not across the canvas. */
const BESIDE = 160;

interface Simulators {
	quiva: QuivaSimulator;
	kapua: KapuaSimulator;
	chat: ChatSimulator;
}

/** The items each node put out, by node name, from one or more executions. */
type Outputs = Record<string, Array<Record<string, unknown>>>;

interface RunContext {
	session: E2ESession;
	owner: N8nApi;
	member: N8nApi;
	sims: Simulators;
	workflowId: string;
	workflow: WorkflowJson;
	notes: StickyNote[];
}

interface Scenario {
	/** How the example starts, which its first node must match. */
	start: 'manual' | 'webhook' | 'trigger';
	/** Starts the example as its notes say; checks what the simulators received; returns the nodes' outputs. */
	run(context: RunContext): Promise<Outputs>;
}

const TRIGGER_TYPES: Record<Scenario['start'], string> = {
	manual: 'n8n-nodes-base.manualTrigger',
	webhook: 'n8n-nodes-base.webhook',
	trigger: 'n8n-nodes-stream-messaging.kapuaTrigger',
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(
	probe: () => Promise<T | undefined> | T | undefined,
	what: string,
	timeoutMs = 120_000,
): Promise<T> {
	// A safety net so that a run that never gets there fails with a message; not a speed assertion.
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value !== undefined) return value;
		if (Date.now() > deadline)
			throw new Error(`gave up after ${timeoutMs / 1000} s waiting for ${what}`);
		await sleep(250);
	}
}

function outputsOf(run: ExecutionResult): Outputs {
	return Object.fromEntries(Object.keys(run.runData).map((name) => [name, outputOf(run, name)]));
}

/** Manual Trigger examples: the editor's "Execute workflow". */
async function runManually({ member, workflowId, workflow }: RunContext): Promise<Outputs> {
	const trigger = workingNodes(workflow).find((node) => node.type === TRIGGER_TYPES.manual)!;
	const run = await member.runManually(workflowId, trigger.name);
	expect({ status: run.status, error: run.error?.message }).toEqual({
		status: 'success',
		error: undefined,
	});
	return outputsOf(run);
}

/** n8n lets one published workflow listen on a path: the other specs' workflows on the example's path are unpublished. */
async function freeWebhookPath(owner: N8nApi, path: string): Promise<void> {
	for (const listed of await owner.workflows()) {
		if (!listed.active) continue;
		const { nodes } = await owner.getWorkflow(listed.id);
		if (nodes.some((node) => node.type === TRIGGER_TYPES.webhook && node.parameters.path === path))
			await owner.deactivateWorkflow(listed.id);
	}
}

const SCENARIOS: Record<string, Scenario> = {
	'quiva-stream-publish.json': {
		start: 'manual',
		async run(context) {
			const { quiva } = context.sims;
			const before = quiva.received.length;
			const outputs = await runManually(context);
			const received = quiva.received.slice(before);
			expect(received.length).toBeGreaterThan(0);
			// What Confirmation says went out is what the gateway holds, item by item.
			const confirmed = outputs.Confirmation.map(
				(item) => `${String(item.subject)}#${String(item.orderId)}#${String(item.published)}`,
			);
			expect(confirmed.sort()).toEqual(
				received.map((message) => `${message.subject}#${String(message.body.orderId)}#true`).sort(),
			);
			expect(new Set(received.map((message) => message.stream))).toEqual(
				new Set([findNode(context.workflow, 'Quiva Stream Publish').parameters.stream]),
			);
			return outputs;
		},
	},
	'kapua-publish.json': {
		start: 'manual',
		async run(context) {
			const { kapua } = context.sims;
			const before = kapua.published.length;
			const outputs = await runManually(context);
			const published = kapua.published.slice(before);
			expect(published.length).toBeGreaterThan(0);
			const temperature = (message: PublishedMessage) =>
				message.metrics.find((metric) => metric.name === 'temperature')?.value;
			expect(outputs.Confirmation).toEqual(
				published.map((message) => ({
					temperature: temperature(message),
					published: true,
					status: 204,
				})),
			);
			// The topic as the device sees it, the account shown as "+" (the option Account Name is not set).
			expect(outputs['Kapua Publish'].map((item) => item.topic)).toEqual(
				published.map(
					(message) => `+/${String(message.clientId)}/${message.semanticParts.join('/')}`,
				),
			);
			return outputs;
		},
	},
	'chat-message.json': {
		start: 'manual',
		async run(context) {
			const { chat } = context.sims;
			const before = chat.streams.length;
			const outputs = await runManually(context);
			const [stream, ...more] = chat.streams.slice(before);
			expect(more).toHaveLength(0);
			expect(outputs.Answer).toEqual([
				{
					question: stream.body.content,
					answer: chat.replyText(),
					chatId: stream.chatId,
					complete: true,
				},
			]);
			return outputs;
		},
	},
	'chat-message-streaming.json': {
		start: 'webhook',
		async run(context) {
			const { session, owner, member, sims, workflowId, workflow, notes } = context;
			// The call the note gives, on this n8n's address: its path and body as written.
			const calls = notes.flatMap(curlCommands);
			expect(calls.map((call) => call.url.pathname)).toEqual([
				expect.stringMatching(/^\/webhook\//),
			]);
			const [call] = calls;
			const webhook = workingNodes(workflow).find((node) => node.type === TRIGGER_TYPES.webhook)!;
			expect(call.url.pathname).toBe(`/webhook/${String(webhook.parameters.path)}`);
			expect({ method: call.method, contentType: call.headers['content-type'] }).toEqual({
				method: String(webhook.parameters.httpMethod),
				contentType: 'application/json',
			});
			// The test URL the note gives for building is the same path under /webhook-test/.
			expect(notes.map((note) => note.content).join('\n')).toContain(
				`${call.url.origin}/webhook-test/${String(webhook.parameters.path)}`,
			);
			const body = JSON.parse(call.body ?? 'null') as Record<string, unknown>;

			await freeWebhookPath(owner, String(webhook.parameters.path));
			await member.activateWorkflow(workflowId);
			const before = sims.chat.streams.length;
			sims.chat.setReply({
				tokens: ['Qubits ', 'hold ', '0 ', 'and ', '1 ', 'at ', 'once.'],
				pacingMs: 20,
			});
			const response = await postAndStream(`${session.server.url}${call.url.pathname}`, body);
			expect({ status: response.statusCode, stray: response.stray }).toEqual({
				status: 200,
				stray: [],
			});
			const ours = response.messages.filter((line) => line.metadata?.nodeName === 'Chat Message');
			expect(ours.map((line) => line.type)).toEqual([
				'begin',
				...ours.slice(1, -1).map(() => 'item'),
				'end',
			]);
			expect(ours.length).toBeGreaterThan(3);
			expect(ours.map((line) => line.content ?? '').join('')).toBe(sims.chat.replyText());

			const [stream, ...more] = sims.chat.streams.slice(before);
			expect(more).toHaveLength(0);
			expect(stream.body.content).toBe(body.message);
			const [execution] = await member.executionsOf(workflowId);
			const run = await member.waitForExecution(execution.id);
			expect({ mode: execution.mode, status: run.status }).toEqual({
				mode: 'webhook',
				status: 'success',
			});
			expect(outputOf(run, 'Chat Message')).toEqual([
				expect.objectContaining({
					text: sims.chat.replyText(),
					chatId: stream.chatId,
					complete: true,
				}),
			]);
			await member.deactivateWorkflow(workflowId);
			return outputsOf(run);
		},
	},
	'kapua-trigger.json': {
		start: 'trigger',
		async run({ member, sims, workflowId, workflow }) {
			const { kapua } = sims;
			const trigger = findNode(workflow, 'Kapua Trigger');
			const queries = kapua.datastoreQueries;
			await member.activateWorkflow(workflowId);
			await until(
				() => (kapua.datastoreQueries > queries ? true : undefined),
				'the trigger to ask Kapua',
			);
			expect(await member.activationError(workflowId)).toBeUndefined();

			// Devices report: two heaters on channels under heater/, and a fridge the Channel filter leaves out.
			const now = Date.now();
			const stored = [
				{
					clientId: 'heater-1',
					channel: 'heater/data',
					temperature: 20.5,
					humidity: 41,
					heating: true,
				},
				{
					clientId: 'heater-2',
					channel: 'heater/zone/2',
					temperature: 18.25,
					humidity: 52,
					heating: false,
				},
				{
					clientId: 'heater-1',
					channel: 'heater/data',
					temperature: 21,
					humidity: 40,
					heating: true,
				},
			].map((reading, n) =>
				kapua.storeDeviceMessage({
					clientId: reading.clientId,
					channel: reading.channel,
					capturedOn: new Date(now - 1000 + n).toISOString(),
					metrics: [
						{ name: 'temperature', valueType: 'double', value: reading.temperature },
						{ name: 'humidity', valueType: 'integer', value: reading.humidity },
						{ name: 'heating', valueType: 'boolean', value: reading.heating },
					],
				}),
			);
			kapua.storeDeviceMessage({
				clientId: 'fridge-7',
				channel: 'fridge/data',
				capturedOn: new Date(now).toISOString(),
				metrics: [{ name: 'temperature', valueType: 'double', value: 4 }],
			});

			const collect = async (): Promise<Outputs> => {
				const outputs: Outputs = {};
				for (const execution of (await member.executionsOf(workflowId)).reverse()) {
					const run = await member.waitForExecution(execution.id);
					expect({ execution: execution.id, mode: execution.mode, status: run.status }).toEqual({
						execution: execution.id,
						mode: 'trigger',
						status: 'success',
					});
					for (const [name, items] of Object.entries(outputsOf(run)))
						(outputs[name] ??= []).push(...items);
				}
				return outputs;
			};
			await until(
				async () => (((await collect()).Reading?.length ?? 0) >= stored.length ? true : undefined),
				'the stored messages to start executions',
			);
			// Two more polls: the fridge's message, stored with the others, has had every chance to come.
			const seen = kapua.datastoreQueries;
			await until(() => (kapua.datastoreQueries >= seen + 2 ? true : undefined), 'two more polls');
			const outputs = await collect();
			await member.deactivateWorkflow(workflowId);

			const byTime = (a: { measuredAt?: unknown }, b: { measuredAt?: unknown }) =>
				String(a.measuredAt).localeCompare(String(b.measuredAt));
			expect([...outputs.Reading].sort(byTime)).toEqual(
				stored.map((message) => ({
					device: message.clientId,
					channel: message.channelPath,
					temperature: message.metrics[0].value,
					humidity: message.metrics[1].value,
					heating: message.metrics[2].value,
					measuredAt: message.capturedOn,
					late: false,
				})),
			);
			expect(outputs['Kapua Trigger'].map((item) => item.datastoreId).sort()).toEqual(
				stored.map((message) => message.datastoreId).sort(),
			);
			expect(trigger.parameters.channel).toBe('heater/#');
			return outputs;
		},
	},
};

export function exampleSpecs(session: () => E2ESession): void {
	let sims: Simulators;
	let member: N8nApi;
	/** The member's credentials, by type and name, made as each example needs them. */
	const saved = new Map<string, string>();

	beforeAll(async () => {
		const [quiva, kapua, chat] = await Promise.all([
			startQuivaSimulator(),
			startKapuaSimulator(),
			startChatSimulator(),
		]);
		sims = { quiva, kapua, chat };
		const { server, install, api } = session();
		member = new N8nApi(server.url, install);
		await member.acceptInvitation(await api.inviteMember(MEMBER.email), MEMBER);
	});
	afterAll(async () => {
		await Promise.all(
			Object.values(sims ?? {}).map((sim: { close(): Promise<void> }) => sim.close()),
		);
	});

	const credentialData: Record<string, () => Record<string, unknown>> = {
		quivaApi: () => quivaCredentialData(sims.quiva),
		kapuaApi: () => kapuaCredentialData(sims.kapua),
		chatApi: () => chatCredentialData(sims.chat),
	};

	/**
	 * The member's credential of that type and name, made once against the simulator; beside it one of the
	 * same type under another name that reaches nothing, so a run that used it instead would fail.
	 */
	async function credentialFor(type: string, name: string): Promise<string> {
		const key = `${type}/${name}`;
		if (!saved.has(key)) {
			const data = credentialData[type];
			if (!data)
				throw new Error(
					`an example uses a ${type} credential, for which this spec has no simulator`,
				);
			await member.createCredential(`${name} (elsewhere)`, type, {
				...data(),
				baseUrl: 'http://127.0.0.1:1',
			});
			saved.set(key, await member.createCredential(name, type, data()));
		}
		return saved.get(key)!;
	}

	test('every example has sticky notes that name its credentials, sit beside the nodes they explain and cover none', () => {
		const files = exampleFiles();
		expect(files.length).toBeGreaterThanOrEqual(5);
		for (const file of files) {
			const workflow = loadExample(file);
			const notes = stickyNotes(workflow);
			const names = credentialNames(workflow);
			expect({ file, notes: notes.length > 0, credentials: names.length > 0 }).toEqual({
				file,
				notes: true,
				credentials: true,
			});
			// Referenced by name only: an ID would be the exporting n8n's, which the editor drops on import.
			for (const node of workingNodes(workflow)) {
				for (const ref of Object.values(node.credentials ?? {}))
					expect({ file, node: node.name, id: ref.id }).toEqual({
						file,
						node: node.name,
						id: null,
					});
			}
			for (const note of notes) {
				const missing = names.filter((name) => !note.content.includes(name));
				expect({ file, note: note.name, missing }).toEqual({ file, note: note.name, missing: [] });
				const covered = workingNodes(workflow)
					.filter((node) => overlap(note.box, nodeBox(node)))
					.map((node) => node.name);
				expect({ file, note: note.name, covers: covered }).toEqual({
					file,
					note: note.name,
					covers: [],
				});
				const crossing = notes
					.filter((other) => other !== note && overlap(note.box, other.box))
					.map((other) => other.name);
				expect({ file, note: note.name, overlaps: crossing }).toEqual({
					file,
					note: note.name,
					overlaps: [],
				});
				for (const node of explainedNodes(note, workflow)) {
					expect({
						file,
						note: note.name,
						node: node.name,
						beside: gap(note.box, nodeBox(node)) <= BESIDE,
					}).toEqual({ file, note: note.name, node: node.name, beside: true });
				}
				// A promise about a node the workflow does not have is a note gone stale.
				for (const { node } of promisedOutputs(note))
					expect({
						file,
						note: note.name,
						node,
						exists: workflow.nodes.some((entry) => entry.name === node),
					}).toEqual({ file, note: note.name, node, exists: true });
			}
			// Every example says what comes out, and how to start it.
			expect({ file, promises: notes.flatMap(promisedOutputs).length > 0 }).toEqual({
				file,
				promises: true,
			});
		}
	});

	test("n8n's server binds a credential by name when the ID is null or one it does not know (as the examples rely on)", async () => {
		const chatId = await credentialFor('chatApi', 'Chat account');
		const example = loadExample('chat-message.json');
		for (const id of [null, 'exported-elsewhere-42']) {
			const workflow = structuredClone(example);
			findNode(workflow, 'Chat Message').credentials = { chatApi: { id, name: 'Chat account' } };
			const saved = await member.getWorkflow(await member.createWorkflow(workflow));
			expect({ id, bound: findNode(saved, 'Chat Message').credentials }).toEqual({
				id,
				bound: { chatApi: { id: chatId, name: 'Chat account' } },
			});
		}
	});

	test.each(exampleFiles())(
		'examples/%s: imported as a user does, started as its notes say, outputs what they promise',
		async (file) => {
			const scenario = SCENARIOS[file];
			if (!scenario)
				throw new Error(`no scenario for examples/${file}: add one to test/e2e/specs/examples.cts`);
			const example = loadExample(file);
			const notes = stickyNotes(example);
			// Where it starts: the one node nothing connects to.
			const targets = new Set(
				JSON.stringify(example.connections)
					.match(/"node":"[^"]*"/g)
					?.map((entry) => entry.slice(8, -1)),
			);
			const first = workingNodes(example).filter((node) => !targets.has(node.name));
			expect({ file, starts: first.map((node) => node.type) }).toEqual({
				file,
				starts: [TRIGGER_TYPES[scenario.start]],
			});

			// The user's credentials, under the names the example uses; then Import from File and Save.
			const bound: Record<string, string> = {};
			for (const node of workingNodes(example)) {
				for (const [type, ref] of Object.entries(node.credentials ?? {}))
					bound[`${node.name}/${type}`] = await credentialFor(type, ref.name);
			}
			const imported = asEditorImports(example, await member.credentials());
			const workflowId = await member.createWorkflow(imported);
			const saved = await member.getWorkflow(workflowId);
			for (const node of workingNodes(saved)) {
				for (const [type, ref] of Object.entries(node.credentials ?? {}))
					expect({ node: node.name, type, id: ref.id }).toEqual({
						node: node.name,
						type,
						id: bound[`${node.name}/${type}`],
					});
			}
			expect(Object.keys(bound).length).toBeGreaterThan(0);

			const outputs = await scenario.run({
				session: session(),
				owner: session().api,
				member,
				sims,
				workflowId,
				workflow: saved,
				notes,
			});
			const promises = notes.flatMap(promisedOutputs);
			for (const { node, fields } of promises) {
				const items = outputs[node] ?? [];
				expect({ node, items: items.length > 0 }).toEqual({ node, items: true });
				for (const [index, item] of items.entries()) {
					const missing = fields.filter((field) => {
						const path = field.split('.');
						const value = path.reduce<unknown>(
							(at, key) =>
								at && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined,
							item,
						);
						return value === undefined;
					});
					expect({ node, item: index, missing }).toEqual({ node, item: index, missing: [] });
				}
			}
			console.log(
				`[e2e] examples/${file}: ${promises.map(({ node, fields }) => `${node} → ${fields.join(', ')}`).join('; ')}`,
			);
		},
	);
}
