/**
 * What a webhook pipeline needs (many executions at once, one item each): per credential, one rate limit, one
 * login and one session look-up across the executions of a process, in n8n-core's engine against the
 * simulators. Executions of one credential share one CredentialStore, as they share n8n's database.
 *
 * Like test/workflow/rate-limit.test.cts, the rate tests assert lower bounds only (how long N requests must
 * take at the limit across executions): the simulator shares this process's event loop, so load can bunch
 * arrivals. The busiest second at the gateway is measured in a real n8n (test/e2e).
 */
import type { IDataObject } from 'n8n-workflow';

import { clearCredentialStates, credentialStateCount } from '../../nodes/common/credentialState';
import { CredentialStore, runNode, type NodeRunResult } from '../harness/n8n.cjs';
import { CHAT_DEFAULTS, startChatSimulator, type ChatSimulator } from '../simulators/chat.cjs';
import { chatCredentialData, quivaCredentialData } from '../simulators/credentials.cjs';
import type { RequestRecord } from '../simulators/http.cjs';
import { startKapuaSimulator, type KapuaSimulator } from '../simulators/kapua.cjs';
import { startQuivaSimulator, type QuivaSimulator } from '../simulators/quiva.cjs';
import { kapuaCredentials, runKapua } from './kapuaFixtures.cjs';

const isPublish = (request: RequestRecord) =>
	request.method === 'POST' && /\/messages$/.test(request.path);

/** Milliseconds from the first to the last of these requests' arrivals. */
function span(requests: RequestRecord[]): number {
	const times = requests.map((request) => request.at!);
	return Math.max(...times) - Math.min(...times);
}

beforeEach(() => clearCredentialStates());

describe('Max Requests per Second across executions', () => {
	let sim: QuivaSimulator;
	beforeEach(async () => (sim = await startQuivaSimulator()));
	afterEach(async () => sim.close());

	const publish = (
		credentials: CredentialStore,
		options: IDataObject,
		items: IDataObject[],
		extra: { credentialId?: string; cancelWhen?: () => boolean } = {},
	) =>
		runNode({
			type: 'quivaStreamPublish',
			parameters: {
				stream: 'orders',
				subject: '={{ "orders." + $json.lane }}',
				bodySource: 'item',
				options,
			},
			credentials,
			items,
			...extra,
		});

	test('10 executions at once, 3 items each, at 10 per second: 30 publishes take at least two seconds, each once', async () => {
		const credentials = new CredentialStore().set('quivaApi', quivaCredentialData(sim));
		const runs = await Promise.all(
			Array.from({ length: 10 }, (_, execution) =>
				publish(
					credentials,
					{ maxRequestsPerSecond: 10 },
					Array.from({ length: 3 }, (_, n) => ({ execution, n, lane: n })),
				),
			),
		);
		expect(runs.map((run) => run.error)).toEqual(Array(10).fill(undefined));
		const publishes = sim.requests.filter(isPublish);
		expect(publishes).toHaveLength(30);
		expect(new Set(sim.received.map((message) => JSON.stringify(message.body))).size).toBe(30);
		// Permits 1, 11 and 21 are a second apart each; ten limiters of their own would send all 30 at once.
		expect(span(publishes)).toBeGreaterThanOrEqual(2000);
	});

	test('the strictest setting in force applies to every execution of the credential', async () => {
		const credentials = new CredentialStore().set('quivaApi', quivaCredentialData(sim));
		const items = (execution: number) =>
			Array.from({ length: 4 }, (_, n) => ({ execution, n, lane: n }));
		const [fast, slow] = await Promise.all([
			publish(credentials, { maxRequestsPerSecond: 100 }, items(0)),
			publish(credentials, { maxRequestsPerSecond: 2 }, items(1)),
		]);
		expect([fast.error, slow.error]).toEqual([undefined, undefined]);
		// At 2 per second, 8 permits span at least 3 s (two a second); at 100 per second they would not.
		expect(span(sim.requests.filter(isPublish))).toBeGreaterThanOrEqual(3000 - 50);
	});

	test("two credentials never share state: each execution's requests carry its own credential, one entry each", async () => {
		const byKey = new CredentialStore().set('quivaApi', quivaCredentialData(sim, 'apiKey'));
		const byToken = new CredentialStore().set('quivaApi', quivaCredentialData(sim, 'bearerToken'));
		const items = (execution: number) =>
			Array.from({ length: 10 }, (_, n) => ({ execution, n, lane: n % 4 }));
		const runs = await Promise.all([
			publish(byKey, { maxRequestsPerSecond: 50 }, items(0), { credentialId: 'a' }),
			publish(byToken, { maxRequestsPerSecond: 50 }, items(1), { credentialId: 'b' }),
			publish(byKey, { maxRequestsPerSecond: 50 }, items(2), { credentialId: 'a' }),
		]);
		expect(runs.map((run) => run.output.length)).toEqual([10, 10, 10]);
		expect(credentialStateCount()).toBe(2);
		const ways = sim.authHeadersSeen.map((seen) =>
			seen.apiKey ? 'key' : seen.authorization ? 'token' : 'none',
		);
		expect(ways.filter((way) => way === 'key')).toHaveLength(20);
		expect(ways.filter((way) => way === 'token')).toHaveLength(10);
	});

	test('a cancelled execution leaves the line at once: the other execution goes on, the cancelled one sends nothing more', async () => {
		const credentials = new CredentialStore().set('quivaApi', quivaCredentialData(sim));
		const lanes = (execution: number, count: number) =>
			Array.from({ length: count }, (_, n) => ({ execution, n, lane: `${execution}-${n % 8}` }));
		const cancelled = publish(
			credentials,
			{ maxRequestsPerSecond: 4, maxConcurrency: 16 },
			lanes(0, 40),
			{
				cancelWhen: () => sim.requests.filter(isPublish).length >= 2,
			},
		);
		// The second execution queues behind the first one's sixteen waiters.
		await new Promise((resolve) => setTimeout(resolve, 50));
		const other = publish(credentials, { maxRequestsPerSecond: 4 }, lanes(1, 4));
		const [first, second] = await Promise.all([cancelled, other]);
		expect(first.run.status).toBe('canceled');
		expect(second.error).toBeUndefined();
		expect(second.output).toHaveLength(4);
		const fromFirst = sim.received.filter((message) => message.body.execution === 0).length;
		await new Promise((resolve) => setTimeout(resolve, 600));
		expect(sim.received.filter((message) => message.body.execution === 0)).toHaveLength(fromFirst);
		expect(fromFirst).toBeLessThan(40);
	});
});

describe('Kapua: one login at a time per credential', () => {
	let sim: KapuaSimulator;
	beforeEach(async () => (sim = await startKapuaSimulator()));
	afterEach(async () => sim.close());

	const run = (credentials: CredentialStore, n: number): Promise<NodeRunResult> =>
		runKapua(credentials, { clientId: `dev-${n}` }, [{ n }]);

	test('20 executions at once with no stored token log in once, and later executions none', async () => {
		const credentials = kapuaCredentials(sim);
		const logins = sim.logins.user;
		const runs = await Promise.all(Array.from({ length: 20 }, (_, n) => run(credentials, n)));
		expect(runs.map((result) => result.error)).toEqual(Array(20).fill(undefined));
		expect(sim.logins.user - logins).toBe(1);
		await Promise.all(Array.from({ length: 5 }, (_, n) => run(credentials, n)));
		expect(sim.logins.user - logins).toBe(1);
	});

	test('a token that expires under 10 running executions is renewed once for all of them', async () => {
		const credentials = kapuaCredentials(sim);
		await run(credentials, 0);
		const logins = sim.logins.user;
		sim.expireTokens();
		const runs = await Promise.all(
			Array.from({ length: 10 }, (_, n) =>
				runKapua(credentials, { clientId: `dev-${n}` }, [{ n }, { n: n + 100 }]),
			),
		);
		expect(runs.map((result) => result.output.length)).toEqual(Array(10).fill(2));
		expect(sim.logins.user - logins).toBe(1);
	});

	test('two credentials never share a session', async () => {
		const before = { ...sim.logins };
		const byUser = kapuaCredentials(sim);
		await run(byUser, 0);
		await run(kapuaCredentials(sim, 'apiKey'), 1);
		await run(byUser, 2);
		expect([sim.logins.user - before.user, sim.logins.apikey - before.apikey]).toEqual([1, 1]);
	});

	test('a known session is not checked again; an edited credential is, on its next execution', async () => {
		const checks = () =>
			sim.requests.filter((request) => request.path.endsWith('/authentication/info')).length;
		const credentials = kapuaCredentials(sim);
		await run(credentials, 0);
		const afterFirst = checks();
		await run(credentials, 1);
		expect(checks()).toBe(afterFirst);
		// Edited: the Base URL without its trailing slash. Same stored token, but another credential now.
		credentials.data.get('kapuaApi')!.baseUrl = `${sim.url}/v1`;
		expect((await run(credentials, 2)).error).toBeUndefined();
		expect(checks()).toBe(afterFirst + 1);
	});
});

describe('Chat Message: the session user is asked once per session', () => {
	let sim: ChatSimulator;
	beforeEach(async () => (sim = await startChatSimulator()));
	afterEach(async () => sim.close());

	const lookups = () =>
		sim.requests.filter((request) => request.path === '/api/auth/get-session').length;
	const send = (credentials: CredentialStore, n: number) =>
		runNode({
			type: 'chatMessage',
			parameters: { chatMode: 'new', message: `Question ${n}`, model: 'gpt-5.2', options: {} },
			credentials,
			items: [{ n }],
		});

	test('five executions one after another: one sign-in, one session look-up; after the session expires, one of each again', async () => {
		const credentials = new CredentialStore().set(
			'chatApi',
			chatCredentialData(sim, 'emailPassword'),
		);
		for (let n = 0; n < 5; n++) expect((await send(credentials, n)).error).toBeUndefined();
		expect([sim.signIns, lookups()]).toEqual([1, 1]);
		sim.expireSessions();
		for (let n = 5; n < 8; n++) expect((await send(credentials, n)).error).toBeUndefined();
		expect([sim.signIns, lookups()]).toEqual([2, 2]);
		expect(sim.streams.every((stream) => stream.body.userId === CHAT_DEFAULTS.user.id)).toBe(true);
	});

	test("two credentials' users are never mixed up", async () => {
		const ada = new CredentialStore().set('chatApi', chatCredentialData(sim, 'emailPassword'));
		const bob = new CredentialStore().set(
			'chatApi',
			chatCredentialData(sim, 'emailPassword', {
				email: CHAT_DEFAULTS.otherUser.email,
				password: CHAT_DEFAULTS.otherUser.password,
			}),
		);
		const runs = await Promise.all([send(ada, 1), send(bob, 2), send(ada, 3), send(bob, 4)]);
		expect(runs.map((run) => run.error)).toEqual(Array(4).fill(undefined));
		const userOf = (question: string) =>
			sim.streams.find((stream) => JSON.stringify(stream.body).includes(question))?.body.userId;
		expect([
			userOf('Question 1'),
			userOf('Question 2'),
			userOf('Question 3'),
			userOf('Question 4'),
		]).toEqual([
			CHAT_DEFAULTS.user.id,
			CHAT_DEFAULTS.otherUser.id,
			CHAT_DEFAULTS.user.id,
			CHAT_DEFAULTS.otherUser.id,
		]);
	});
});
