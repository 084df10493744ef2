/**
 * The three credentials, in n8n-core's engine against the loopback simulators:
 *
 * - a credential that cannot work (Base URL that is no http(s) URL, an empty secret) fails every node
 *   before anything is sent — no publish, no login, no sign-in: 0 requests of any kind — with and without
 *   Continue On Fail (never a pass-through of the input);
 * - each credential's Test (the node's `methods.credentialTest`, as n8n's CLI calls it) says what is
 *   wrong in words that help fix it, with the HTTP status or socket code, never a secret.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

import type {
	ICredentialDataDecryptedObject,
	ICredentialTestFunctions,
	IDataObject,
	INodeCredentialTestResult,
} from 'n8n-workflow';
import { CredentialTestContext } from 'n8n-core';

import { ChatMessage } from '../../nodes/ChatMessage/ChatMessage.node';
import { KapuaPublish } from '../../nodes/KapuaPublish/KapuaPublish.node';
import { QuivaStreamPublish } from '../../nodes/QuivaStreamPublish/QuivaStreamPublish.node';
import { CredentialStore, runLoadOptions, runNode, type NodeRunResult } from '../harness/n8n.cjs';
import { CHAT_DEFAULTS, startChatSimulator, type ChatSimulator } from '../simulators/chat.cjs';
import {
	chatCredentialData,
	kapuaCredentialData,
	quivaCredentialData,
	type ChatAuthWay,
	type KapuaAuthWay,
	type QuivaAuthWay,
} from '../simulators/credentials.cjs';
import { KAPUA_DEFAULTS, startKapuaSimulator, type KapuaSimulator } from '../simulators/kapua.cjs';
import { QUIVA_DEFAULTS, startQuivaSimulator, type QuivaSimulator } from '../simulators/quiva.cjs';
import { chatBadCredentials } from './chat.badInputs.cjs';
import {
	BASE_URL_PASSWORD_CANARY,
	LINE_BREAK_CANARY,
	type BadCredentialCase,
} from './credential.badInputs.cjs';
import { BASE_PARAMETERS } from './kapuaFixtures.cjs';
import { kapuaBadCredentials } from './kapua.badInputs.cjs';
import { quivaBadCredentials } from './quiva.badInputs.cjs';

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
	await Promise.all([quiva?.close(), kapua?.close(), chat?.close()]);
});

/** One node, its credential and its simulator, as the tables below need them. */
interface Subject {
	node: string;
	credentialType: string;
	data: (way: string, overrides?: IDataObject) => ICredentialDataDecryptedObject;
	goodBaseUrl: () => string;
	run: (data: ICredentialDataDecryptedObject, continueOnFail: boolean) => Promise<NodeRunResult>;
	/** Every request the simulator received, logins and checks included. */
	requests: () => number;
	cases: BadCredentialCase[];
	test: (data: ICredentialDataDecryptedObject) => Promise<INodeCredentialTestResult>;
	targetFields: string[];
}

const ITEMS = [{ id: 1 }, { id: 2 }];

function testWith(
	method: (this: ICredentialTestFunctions, credential: never) => Promise<INodeCredentialTestResult>,
	type: string,
) {
	// As n8n's CLI calls it: with a CredentialTestContext, whose request helper serves Ignore SSL Issues.
	return async (data: ICredentialDataDecryptedObject) =>
		await method.call(
			new CredentialTestContext() as unknown as ICredentialTestFunctions,
			{ id: 'c1', name: 'Test', type, data } as never,
		);
}

const subjects: Subject[] = [
	{
		node: 'Quiva Stream Publish',
		credentialType: 'quivaApi',
		data: (way, overrides = {}) => quivaCredentialData(quiva, way as QuivaAuthWay, overrides),
		goodBaseUrl: () => quiva.url,
		run: async (data, continueOnFail) =>
			await runNode({
				type: 'quivaStreamPublish',
				parameters: {
					stream: 'orders',
					subject: 'orders.created',
					bodySource: 'item',
					options: {},
				},
				credentials: new CredentialStore().set('quivaApi', data),
				items: ITEMS,
				continueOnFail,
			}),
		requests: () => quiva.requestCount,
		cases: quivaBadCredentials,
		test: testWith(new QuivaStreamPublish().methods.credentialTest.quivaApiTest, 'quivaApi'),
		targetFields: ['stream', 'subject'],
	},
	{
		node: 'Kapua Publish',
		credentialType: 'kapuaApi',
		data: (way, overrides = {}) => kapuaCredentialData(kapua, way as KapuaAuthWay, overrides),
		goodBaseUrl: () => `${kapua.url}/v1/`,
		run: async (data, continueOnFail) =>
			await runNode({
				type: 'kapuaPublish',
				parameters: BASE_PARAMETERS,
				credentials: new CredentialStore().set('kapuaApi', data),
				items: ITEMS,
				continueOnFail,
			}),
		requests: () => kapua.requestCount,
		cases: kapuaBadCredentials,
		test: testWith(new KapuaPublish().methods.credentialTest.kapuaApiTest, 'kapuaApi'),
		targetFields: ['topic', 'scopeId', 'clientId', 'deviceId', 'channel', 'metricCount', 'sentOn'],
	},
	{
		node: 'Chat Message',
		credentialType: 'chatApi',
		data: (way, overrides = {}) => chatCredentialData(chat, way as ChatAuthWay, overrides),
		goodBaseUrl: () => chat.url,
		run: async (data, continueOnFail) =>
			await runNode({
				type: 'chatMessage',
				parameters: {
					chatMode: 'new',
					message: 'Hello',
					model: { __rl: true, mode: 'list', value: 'gpt-5.2' },
					options: {},
				},
				credentials: new CredentialStore().set('chatApi', data),
				items: ITEMS,
				continueOnFail,
			}),
		requests: () => chat.requestCount,
		cases: chatBadCredentials,
		test: testWith(new ChatMessage().methods.credentialTest.chatApiTest, 'chatApi'),
		targetFields: ['chatId'],
	},
];

const SECRETS = [
	BASE_URL_PASSWORD_CANARY,
	...LINE_BREAK_CANARY.split('\n'),
	QUIVA_DEFAULTS.apiKey,
	KAPUA_DEFAULTS.password,
	KAPUA_DEFAULTS.apiKey,
	CHAT_DEFAULTS.user.password,
];

describe.each(subjects.map((subject) => [subject.node, subject] as const))(
	'%s: a credential that cannot work sends nothing',
	(_node, subject) => {
		test.each(subject.cases.map((badCase) => [badCase.name, badCase] as const))(
			'%s',
			async (_name, badCase) => {
				const data = subject.data(badCase.way, badCase.overrides(subject.goodBaseUrl()));
				const before = subject.requests();

				// Without Continue On Fail: the node's error, in the credential's words.
				const stopped = await subject.run(data, false);
				expect(stopped.output).toEqual([]);
				expect(stopped.error?.message).toBe(badCase.message);
				expect(stopped.error?.description).toMatch(
					/^Nothing was sent: the credential is checked before the first request\. Open the .+ credential and correct its /,
				);

				// With it: every item an error item with the same words, in the node's one error shape.
				const continued = await subject.run(data, true);
				expect(continued.error).toBeUndefined();
				expect(continued.output).toHaveLength(ITEMS.length);
				for (const [index, item] of continued.output.entries()) {
					expect(item.pairedItem).toEqual({ item: index });
					expect(item.json.error).toBe(badCase.message);
					expect(item.json.httpCode).toBeNull();
					expect(Object.keys(item.json)).toEqual(
						expect.arrayContaining([...subject.targetFields, 'error', 'description', 'httpCode']),
					);
					// Never the input passed through as if it had been sent.
					expect(item.json.id).toBeUndefined();
				}

				// The Test button says the same, and sends nothing either.
				expect(await subject.test(data)).toEqual({ status: 'Error', message: badCase.message });

				expect(subject.requests()).toBe(before);
				const surface = JSON.stringify([stopped.run, continued.run, continued.output]);
				for (const secret of SECRETS) expect(surface).not.toContain(secret);
			},
		);

		test(`${subject.cases.length} cases, every Base URL class and an empty secret of every way in`, () => {
			expect(subject.cases.length).toBeGreaterThanOrEqual(15);
		});
	},
);

describe("each credential's Test names the cause", () => {
	const refused = (server: string) =>
		`Could not reach ${server}: the connection was refused (ECONNREFUSED). Check the Base URL's host and port and that the server is running.`;

	test('Quiva API', async () => {
		const [subject] = subjects;
		const before = quiva.requestCount;
		expect(await subject.test(subject.data('apiKey'))).toEqual({
			status: 'OK',
			message: 'Connected: the quiva.ai Gateway accepted the API key',
		});
		expect(await subject.test(subject.data('bearerToken'))).toEqual({
			status: 'OK',
			message: 'Connected: the quiva.ai Gateway accepted the token',
		});
		expect(await subject.test(subject.data('apiKey', { apiKey: 'wrong-key-canary' }))).toEqual({
			status: 'Error',
			message:
				'Authentication failed: the gateway rejected the API key or token (HTTP 401). Check the Quiva API credential; API keys expire after 3 months.',
		});
		expect(await subject.test(subject.data('apiKey', { baseUrl: 'http://127.0.0.1:1' }))).toEqual({
			status: 'Error',
			message: refused('the quiva.ai Gateway'),
		});
		expect(await subject.test(subject.data('apiKey', { baseUrl: `${quiva.url}/gateway` }))).toEqual(
			{
				status: 'Error',
				message:
					"The server at the Base URL is not the quiva.ai Gateway, or the Base URL's path is wrong: it has no /storage/streams route (HTTP 404 on GET /storage/streams). Check the Base URL.",
			},
		);
		// https to a server that speaks plain http: a TLS problem, said as one.
		expect(
			await subject.test(subject.data('apiKey', { baseUrl: quiva.url.replace('http:', 'https:') })),
		).toEqual({
			status: 'Error',
			message: expect.stringMatching(
				/^Could not reach the quiva\.ai Gateway: the TLS handshake failed \((EPROTO|ERR_SSL_[A-Z_]+)\)\. Check that the Base URL's scheme \(http or https\) and port match the server\.$/,
			),
		});
		// Four probes reached the gateway (OK, OK, 401, 404) and one TLS hello that it could not read; none published.
		expect(quiva.requestCount - before).toBe(4);
		expect(quiva.received).toHaveLength(0);
	});

	test('Eclipse Kapua API', async () => {
		const subject = subjects[1];
		const publishedBefore = kapua.published.length;
		expect(await subject.test(subject.data('userPassword'))).toEqual({
			status: 'OK',
			message: 'Connected: logged in to Kapua',
		});
		expect(await subject.test(subject.data('apiKey'))).toEqual({
			status: 'OK',
			message: 'Connected: logged in to Kapua',
		});
		expect(await subject.test(subject.data('accessToken'))).toEqual({
			status: 'OK',
			message: 'Connected: Kapua accepted the access token',
		});
		// A stale stored token does not matter: the Test logs in afresh.
		expect(
			await subject.test(subject.data('userPassword', { sessionToken: 'stale-token' })),
		).toMatchObject({ status: 'OK' });
		expect(
			await subject.test(subject.data('userPassword', { password: 'Wrong-Passw0rd!' })),
		).toEqual({
			status: 'Error',
			message:
				'Kapua rejected the login: wrong user name, password or API key, or the user is disabled or expired (HTTP 401)',
		});
		expect(
			await subject.test(subject.data('accessToken', { accessToken: 'eyJ.invalid.token' })),
		).toEqual({
			status: 'Error',
			message:
				'Kapua refused the access token: it expired or was invalidated; paste a new one (HTTP 401)',
		});
		expect(
			await subject.test(subject.data('userPassword', { baseUrl: 'http://127.0.0.1:1/v1' })),
		).toEqual({ status: 'Error', message: refused('Kapua to log in') });
		expect(
			await subject.test(subject.data('accessToken', { baseUrl: 'http://127.0.0.1:1/v1' })),
		).toEqual({ status: 'Error', message: refused('Kapua') });
		// A wrong version path: the server has no login route there.
		expect(
			await subject.test(subject.data('userPassword', { baseUrl: `${kapua.url}/v2` })),
		).toEqual({
			status: 'Error',
			message:
				'Kapua login failed: the server has no login route at this Base URL (HTTP 404 on POST /authentication/user). Check the Base URL, including the version path such as /v1',
		});
		expect(await subject.test(subject.data('accessToken', { baseUrl: `${kapua.url}/v2` }))).toEqual(
			{
				status: 'Error',
				message:
					"The server at the Base URL is not Kapua, or the Base URL's path is wrong: it has no /authentication/info route (HTTP 404 on GET /authentication/info). Check the Base URL.",
			},
		);
		expect(kapua.published.length).toBe(publishedBefore);
	});

	test('Chat API', async () => {
		const subject = subjects[2];
		const streamsBefore = chat.streams.length;
		expect(await subject.test(subject.data('emailPassword'))).toEqual({
			status: 'OK',
			message: 'Connected: signed in to the chat server',
		});
		expect(await subject.test(subject.data('sessionToken'))).toEqual({
			status: 'OK',
			message: 'Connected: signed in to the chat server',
		});
		const wrong = await subject.test(
			subject.data('emailPassword', { password: 'Wrong-Passw0rd!' }),
		);
		expect(wrong).toEqual({
			status: 'Error',
			message:
				'Sign-in failed: the server answered HTTP 401 (Invalid email or password – INVALID_EMAIL_OR_PASSWORD). Check the email and password.',
		});
		expect(
			await subject.test(
				subject.data('sessionToken', { sessionToken: 'expired0token0value.signature00' }),
			),
		).toEqual({
			status: 'Error',
			message:
				'The session token is not valid: it expired (after 7 days) or was signed out. Paste a fresh one from a signed-in browser.',
		});
		expect(
			await subject.test(subject.data('emailPassword', { baseUrl: 'http://127.0.0.1:1' })),
		).toEqual({ status: 'Error', message: refused('the chat server to sign in') });
		expect(
			await subject.test(subject.data('emailPassword', { baseUrl: `${chat.url}/app` })),
		).toEqual({
			status: 'Error',
			message:
				'Sign-in failed: this server has no sign-in route here (HTTP 404 on POST /api/auth/sign-in/email). Check the Base URL.',
		});
		expect(
			await subject.test(subject.data('sessionToken', { baseUrl: `${chat.url}/app` })),
		).toEqual({
			status: 'Error',
			message:
				"The server at the Base URL is not the chat server, or the Base URL's path is wrong: it has no /api/auth/get-session route (HTTP 404 on GET /api/auth/get-session). Check the Base URL.",
		});
		expect(chat.streams.length).toBe(streamsBefore);
	});

	test('no secret in any Test message', async () => {
		for (const subject of subjects) {
			for (const badCase of subject.cases) {
				const result = await subject.test(
					subject.data(badCase.way, badCase.overrides(subject.goodBaseUrl())),
				);
				for (const secret of SECRETS) expect(result.message).not.toContain(secret);
			}
		}
	});
});

test("the Chat node's Model dropdown refuses a credential that cannot work in the same words, without signing in", async () => {
	const before = chat.requestCount;
	const badCase = chatBadCredentials.find(
		(candidate) => candidate.name === 'Base URL with the ftp scheme',
	)!;
	const credentials = new CredentialStore().set(
		'chatApi',
		chatCredentialData(chat, 'emailPassword', badCase.overrides(chat.url)),
	);
	await expect(
		runLoadOptions({ type: 'chatMessage', method: 'getModels', credentials }),
	).rejects.toThrow(badCase.message);
	expect(chat.requestCount).toBe(before);
});

describe('TLS: a self-signed certificate', () => {
	let server: Server;
	let url: string;
	beforeAll(async () => {
		const tls = path.join(__dirname, '..', 'fixtures', 'tls');
		// Answers like a gateway and a Kapua that accept everything: only the certificate is in question.
		server = createServer(
			{
				key: readFileSync(path.join(tls, 'key.pem')),
				cert: readFileSync(path.join(tls, 'cert.pem')),
			},
			(request, response) => {
				response.setHeader('Content-Type', 'application/json');
				response.end(
					request.url?.endsWith('/authentication/user')
						? JSON.stringify({ tokenId: 'tls-token' })
						: '{}',
				);
			},
		);
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
	});
	afterAll(async () => await new Promise((resolve) => server.close(resolve)));

	test("is refused by the Test in words naming TLS, and accepted with Kapua's Ignore SSL Issues", async () => {
		const [quivaSubject, kapuaSubject] = subjects;
		const untrusted = (server: string) => ({
			status: 'Error',
			message: `Could not reach ${server} securely: its TLS certificate could not be verified (DEPTH_ZERO_SELF_SIGNED_CERT). Use a trusted certificate, or check the Base URL's host name.`,
		});
		expect(await quivaSubject.test(quivaSubject.data('apiKey', { baseUrl: url }))).toEqual(
			untrusted('the quiva.ai Gateway'),
		);
		expect(
			await kapuaSubject.test(kapuaSubject.data('userPassword', { baseUrl: `${url}/v1` })),
		).toEqual(untrusted('Kapua to log in'));
		expect(
			await kapuaSubject.test(
				kapuaSubject.data('userPassword', { baseUrl: `${url}/v1`, ignoreSSLIssues: true }),
			),
		).toEqual({
			status: 'OK',
			message: 'Connected: logged in to Kapua',
		});
	});
});

test('a run with a wrong Base URL path says what the Test says: no login or sign-in route, nothing sent', async () => {
	const [, kapuaSubject, chatSubject] = subjects;
	const kapuaRun = await kapuaSubject.run(
		kapuaSubject.data('userPassword', { baseUrl: `${kapua.url}/v2` }),
		false,
	);
	expect(kapuaRun.error?.message).toBe(
		'Kapua login failed: the server has no login route at this Base URL (HTTP 404 on POST /authentication/user). Check the Base URL, including the version path such as /v1',
	);
	const streamsBefore = chat.streams.length;
	const chatRun = await chatSubject.run(
		chatSubject.data('emailPassword', { baseUrl: `${chat.url}/app` }),
		false,
	);
	expect(chatRun.error?.message).toBe(
		'Sign-in failed: this server has no sign-in route here (HTTP 404 on POST /api/auth/sign-in/email). Check the Base URL.',
	);
	expect(chatRun.error?.description).toMatch(
		/it is not the chat app's API, or the Base URL has a wrong path\. Nothing was sent\.$/,
	);
	expect(chat.streams.length).toBe(streamsBefore);
});
