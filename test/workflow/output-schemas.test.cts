/**
 * The output schemas the package ships (nodes/<Node>/__schema__, n8n's convention) against what each node
 * really outputs in n8n-core's engine, talking to the loopback simulators. The editor shows these schemas
 * before a node has run, so a user can map its fields: a field the node stops giving, or starts giving
 * undocumented, fails here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { IDataObject } from 'n8n-workflow';

import { CredentialStore, packageNodes, runNode, startTrigger } from '../harness/n8n.cjs';
import { CHAT_DEFAULTS, startChatSimulator, type ChatSimulator } from '../simulators/chat.cjs';
import {
	chatCredentialData,
	kapuaCredentialData,
	quivaCredentialData,
} from '../simulators/credentials.cjs';
import { KAPUA_DEFAULTS, startKapuaSimulator, type KapuaSimulator } from '../simulators/kapua.cjs';
import { startQuivaSimulator, type QuivaSimulator } from '../simulators/quiva.cjs';
import { BASE_PARAMETERS, kapuaCredentials } from './kapuaFixtures.cjs';

const NODES_DIR = path.join(__dirname, '..', '..', 'nodes');

/** n8n pads a node version to three parts for the schema's file name: 1 -> v1.0.0 (n8n-core's output-schema-resolver). */
function schemaVersion(version: number): string {
	return `v${String(version).split('.').concat(['0', '0']).slice(0, 3).join('.')}`;
}

/** Where n8n 2.41 looks for a node without resource/operation: <node folder>/__schema__/v<version>.json. */
function schemaFile(folder: string, version: number): string {
	return path.join(NODES_DIR, folder, '__schema__', `${schemaVersion(version)}.json`);
}

const FOLDERS: Record<string, string> = {
	quivaStreamPublish: 'QuivaStreamPublish',
	kapuaPublish: 'KapuaPublish',
	chatMessage: 'ChatMessage',
	kapuaTrigger: 'KapuaTrigger',
};

// Strict, but a `required` may name properties declared beside it (the Chat schema's modes list the top
// level's properties as required without repeating them).
const ajv = new Ajv({
	allErrors: true,
	strict: true,
	strictRequired: false,
	allowUnionTypes: true,
});
addFormats(ajv);

function validatorFor(type: string, version?: number): ValidateFunction {
	const versions = packageNodes[type].description.version;
	const latest = Array.isArray(versions) ? Math.max(...versions) : versions;
	return ajv.compile(
		JSON.parse(fs.readFileSync(schemaFile(FOLDERS[type], version ?? latest), 'utf8')) as object,
	);
}

/** Every output item against the node's schema (of its latest version, or of `version`); the items that fail, with ajv's words. */
function invalidItems(
	type: string,
	items: IDataObject[],
	version?: number,
): Array<{ item: IDataObject; errors: string[] }> {
	const validate = validatorFor(type, version);
	return items.flatMap((item) =>
		validate(item)
			? []
			: [
					{
						item,
						errors: (validate.errors ?? []).map(
							(error) => `${error.instancePath} ${error.message}`,
						),
					},
				],
	);
}

describe('every node ships an output schema where n8n looks for it', () => {
	test.each(Object.keys(packageNodes))('%s', (type) => {
		const { version } = packageNodes[type].description;
		for (const each of Array.isArray(version) ? version : [version]) {
			const file = schemaFile(FOLDERS[type], each);
			expect(fs.existsSync(file)).toBe(true);
			// The editor's schema preview takes a schema only with a top-level type and properties.
			const schema = JSON.parse(fs.readFileSync(file, 'utf8')) as {
				type?: unknown;
				properties?: Record<string, unknown>;
			};
			expect(schema.type).toBe('object');
			expect(Object.keys(schema.properties ?? {}).length).toBeGreaterThan(0);
		}
	});
});

describe('what each node really outputs matches its schema', () => {
	let quiva: QuivaSimulator;
	let kapua: KapuaSimulator;
	let chat: ChatSimulator;
	beforeAll(async () => {
		[quiva, kapua, chat] = await Promise.all([
			startQuivaSimulator(),
			startKapuaSimulator(),
			startChatSimulator(),
		]);
	});
	afterAll(async () => {
		await Promise.all([quiva.close(), kapua.close(), chat.close()]);
	});

	test('Quiva Stream Publish', async () => {
		const { output, error } = await runNode({
			type: 'quivaStreamPublish',
			parameters: { stream: 'orders', subject: 'orders.created', bodySource: 'item', options: {} },
			credentials: new CredentialStore().set('quivaApi', quivaCredentialData(quiva)),
			items: [{ id: 1 }, { id: 2 }],
		});
		expect(error).toBeUndefined();
		expect(output).toHaveLength(2);
		expect(
			invalidItems(
				'quivaStreamPublish',
				output.map((item) => item.json),
			),
		).toEqual([]);
	});

	test('Kapua Publish, with and without a device ID', async () => {
		const { output, error } = await runNode({
			type: 'kapuaPublish',
			parameters: {
				...BASE_PARAMETERS,
				clientId: '={{ $json.clientId }}',
				deviceId: '={{ $json.deviceId }}',
				metrics: { metric: [{ name: 'temperature', type: 'double', value: '21.5' }] },
			},
			credentials: kapuaCredentials(kapua),
			items: [
				{ clientId: 'dev-1', deviceId: '' },
				{ clientId: KAPUA_DEFAULTS.device.clientId, deviceId: KAPUA_DEFAULTS.device.id },
			],
		});
		expect(error).toBeUndefined();
		expect(output.map((item) => 'deviceId' in item.json)).toEqual([false, true]);
		expect(
			invalidItems(
				'kapuaPublish',
				output.map((item) => item.json),
			),
		).toEqual([]);
	});

	test('Kapua Publish with Verify Delivery', async () => {
		const { output, error } = await runNode({
			type: 'kapuaPublish',
			parameters: {
				...BASE_PARAMETERS,
				metrics: { metric: [{ name: 'n', type: 'integer', value: '={{ $json.n }}' }] },
				options: { verifyDelivery: true },
			},
			credentials: kapuaCredentials(kapua),
			items: [{ n: 1 }, { n: 2 }],
		});
		expect(error).toBeUndefined();
		expect(output.map((item) => item.json.stored)).toEqual([true, true]);
		expect(
			invalidItems(
				'kapuaPublish',
				output.map((item) => item.json),
			),
		).toEqual([]);
	});

	const chatRun = (parameters: IDataObject, typeVersion?: number) =>
		runNode({
			type: 'chatMessage',
			typeVersion,
			parameters: {
				chatMode: 'new',
				message: 'Explain quantum computing',
				// Version 1's Model is the plain ID; version 2's a resource locator.
				model:
					typeVersion === 1
						? CHAT_DEFAULTS.models[0].id
						: { __rl: true, mode: 'list', value: CHAT_DEFAULTS.models[0].id },
				options: {},
				...parameters,
			},
			credentials: new CredentialStore().set('chatApi', chatCredentialData(chat)),
			items: [{ n: 1 }],
		});

	test('Chat Message, final reply (with sources, and with raw events)', async () => {
		chat.setReply({
			tokenCount: 4,
			sources: [{ url: 'https://a.example', title: 'A', description: 'a' }],
		});
		const plain = await chatRun({});
		const raw = await chatRun({ options: { includeRawEvents: true } });
		for (const { error } of [plain, raw]) expect(error).toBeUndefined();
		expect(plain.output[0].json.text).toBe(chat.replyText());
		const items = [...plain.output, ...raw.output].map((item) => item.json);
		expect(invalidItems('chatMessage', items)).toEqual([]);
	});

	test('Chat Message, each event', async () => {
		chat.setReply({ tokenCount: 3 });
		const { output, error } = await chatRun({ outputMode: 'eachEvent' });
		expect(error).toBeUndefined();
		expect(output.length).toBeGreaterThan(3);
		expect(
			invalidItems(
				'chatMessage',
				output.map((item) => item.json),
			),
		).toEqual([]);
	});

	test('Kapua Trigger, Fetch Test Event: JSON, text and binary bodies, every metric type, a position', async () => {
		const now = Date.now();
		const metrics = [
			{ name: 'temperature', valueType: 'double', value: 21.5 },
			{ name: 'count', valueType: 'integer', value: 3 },
			{ name: 'total', valueType: 'long', value: 9223372036854775807n },
			{ name: 'on', valueType: 'boolean', value: true },
			{ name: 'label', valueType: 'string', value: 'Küche' },
			{ name: 'seen', valueType: 'date', value: '2024-10-17T09:25:05.096Z' },
			{ name: 'raw', valueType: 'binary', value: Buffer.from([1, 2, 3]) },
		];
		const bodies = [
			Buffer.from('{"a":1}'),
			Buffer.from('plain text'),
			Buffer.from([0xff, 0x00, 0xfe]),
			undefined,
		];
		bodies.forEach((body, n) =>
			kapua.storeDeviceMessage({
				clientId: 'schema-dev',
				channel: 'heater/data',
				capturedOn: new Date(now - 1000 + n).toISOString(),
				metrics,
				...(body ? { body } : {}),
				...(n === 0
					? {
							position: {
								latitude: 46.01,
								longitude: 8.95,
								timestamp: new Date(now).toISOString(),
								satellites: 9,
							},
						}
					: {}),
			}),
		);
		const run = await startTrigger({
			type: 'kapuaTrigger',
			mode: 'manual',
			parameters: {
				scopeId: '_',
				clientId: 'schema-dev',
				channel: 'heater/data',
				startFrom: 'now',
				pollInterval: 5,
				options: {},
			},
			credentials: new CredentialStore().set('kapuaApi', kapuaCredentialData(kapua)),
		});
		const items = run.items();
		expect(items.map((item) => item.json.bodyType)).toEqual(['none', 'binary', 'text', 'json']);
		expect(
			invalidItems(
				'kapuaTrigger',
				items.map((item) => item.json),
			),
		).toEqual([]);
	});

	test('Chat Message version 1, both outputs, against its own schema', async () => {
		chat.setReply({
			tokenCount: 2,
			sources: [{ url: 'https://a.example', title: 'A', description: 'a' }],
		});
		const runs = await Promise.all([chatRun({}, 1), chatRun({ outputMode: 'eachEvent' }, 1)]);
		for (const { error } of runs) expect(error).toBeUndefined();
		expect(
			invalidItems(
				'chatMessage',
				runs.flatMap((run) => run.output.map((item) => item.json)),
				1,
			),
		).toEqual([]);
	});

	test('a time as the server writes it (Postgres text) fails the Chat Message check: the node must convert it', async () => {
		chat.setReply({ tokenCount: 2 });
		const { output } = await chatRun({});
		const item = { ...output[0].json, createdAt: '2026-12-03T15:11:12.179222+00:00' };
		expect(invalidItems('chatMessage', [output[0].json])).toEqual([]);
		expect(JSON.stringify(invalidItems('chatMessage', [item]))).toContain(
			'/createdAt must match pattern',
		);
	});

	test('a field the schema does not know fails the check (the check can fail)', () => {
		const [item] = [
			{
				stream: 'orders',
				subject: 'orders.created',
				published: true,
				status: 200,
				response: { message: 'success' },
				attempts: 1,
				surprise: 1,
			},
		];
		expect(invalidItems('quivaStreamPublish', [item])).toEqual([
			{ item, errors: [' must NOT have additional properties'] },
		]);
	});
});
