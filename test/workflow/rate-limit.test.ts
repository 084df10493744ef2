/**
 * Max Requests per Second in n8n-core's engine: the simulators log when every request arrived, and no
 * one-second window may hold more than the limit (one more at a window's edge is the tolerance),
 * retries included. The achieved rate (within 5 % of the limit) is the benchmark's to measure: a loaded
 * machine can only make it lower, which a test must not fail on.
 */
import type { IDataObject } from 'n8n-workflow';

import { CredentialStore, runNode } from '../harness/n8n';
import type { RequestRecord } from '../simulators/http';
import { chatCredentialData, quivaCredentialData } from '../simulators/credentials';
import { isStreamRequest, startChatSimulator, type ChatSimulator } from '../simulators/chat';
import { isPublishRequest, startKapuaSimulator, type KapuaSimulator } from '../simulators/kapua';
import { startQuivaSimulator, type QuivaSimulator } from '../simulators/quiva';
import { kapuaCredentials, runKapua } from './kapuaFixtures';

/** The most requests that arrived within any one second. */
function busiestSecond(requests: RequestRecord[]): number {
	const times = requests.map((request) => request.at!).sort((a, b) => a - b);
	let most = 0;
	for (let start = 0, end = 0; start < times.length; start++) {
		while (end < times.length && times[end] < times[start] + 1000) end++;
		most = Math.max(most, end - start);
	}
	return most;
}

const isQuivaPublish = (request: RequestRecord) => request.method === 'POST' && /\/messages$/.test(request.path);

describe('Quiva Stream Publish', () => {
	let sim: QuivaSimulator;
	beforeEach(async () => (sim = await startQuivaSimulator()));
	afterEach(async () => sim.close());

	const publish = (options: IDataObject, items: IDataObject[]) =>
		runNode({
			type: 'quivaStreamPublish',
			parameters: { stream: 'orders', subject: '={{ "orders." + $json.lane }}', bodySource: 'item', options },
			credentials: new CredentialStore().set('quivaApi', quivaCredentialData(sim)),
			items,
		});

	test('60 items over 8 subjects at 20 per second: no second holds more than 20 requests, every item published once', async () => {
		const items = Array.from({ length: 60 }, (_, n) => ({ n, lane: n % 8 }));
		const { output, error } = await publish({ maxRequestsPerSecond: 20, maxConcurrency: 16 }, items);
		expect(error).toBeUndefined();
		expect(output).toHaveLength(60);
		const publishes = sim.requests.filter(isQuivaPublish);
		expect(publishes).toHaveLength(60);
		expect(busiestSecond(publishes)).toBeLessThanOrEqual(21);
		// Three seconds of permits at least: the first second's 20, then 20 a second.
		expect(publishes[59].at! - publishes[0].at!).toBeGreaterThanOrEqual(2000);
	});

	test('retries take permits too: 429 answers and their retries stay within the limit', async () => {
		// Fewer faults than items in flight: no item meets three in a row, so every item ends published.
		sim.faults.inject({ kind: 'status', status: 429, headers: { 'Retry-After': '0' }, body: { error: 'Rate limit exceeded' } }, { times: 6 });
		const items = Array.from({ length: 20 }, (_, n) => ({ n, lane: n % 4 }));
		const { output, error } = await publish({ maxRequestsPerSecond: 10, maxConcurrency: 8 }, items);
		expect(error).toBeUndefined();
		expect(output.filter((item) => item.json.published === true)).toHaveLength(20);
		const attempts = sim.requests.filter(isQuivaPublish);
		expect(attempts).toHaveLength(26);
		expect(busiestSecond(attempts)).toBeLessThanOrEqual(11);
	});

	test('0 (the default) means no limit', async () => {
		const items = Array.from({ length: 40 }, (_, n) => ({ n, lane: n % 8 }));
		const { error } = await publish({}, items);
		expect(error).toBeUndefined();
		// Without a limit 40 loopback requests do not take a second; with the limit at 20 they could not.
		expect(busiestSecond(sim.requests.filter(isQuivaPublish))).toBeGreaterThan(21);
	});

	test('a cancelled execution stops waiting for permits at once: what was not sent is reported, nothing more is sent', async () => {
		const items = Array.from({ length: 30 }, (_, n) => ({ n, lane: n % 4 }));
		const result = await runNode({
			type: 'quivaStreamPublish',
			parameters: { stream: 'orders', subject: '={{ "orders." + $json.lane }}', bodySource: 'item', options: { maxRequestsPerSecond: 2 } },
			credentials: new CredentialStore().set('quivaApi', quivaCredentialData(sim)),
			items,
			cancelWhen: () => sim.requests.filter(isQuivaPublish).length >= 3,
		});
		expect(result.run.status).toBe('canceled');
		const sent = sim.requests.filter(isQuivaPublish).length;
		await new Promise((resolve) => setTimeout(resolve, 1200));
		expect(sim.requests.filter(isQuivaPublish).length).toBe(sent);
		expect(sent).toBeLessThan(30);
	});
});

describe('Kapua Publish', () => {
	let sim: KapuaSimulator;
	beforeEach(async () => (sim = await startKapuaSimulator()));
	afterEach(async () => sim.close());

	test('50 messages at 25 per second: no second holds more than 25 publishes', async () => {
		const items = Array.from({ length: 50 }, (_, n) => ({ n }));
		const { output, error } = await runKapua(kapuaCredentials(sim), { clientId: '={{ "dev-" + ($json.n % 5) }}', options: { maxRequestsPerSecond: 25 } }, items);
		expect(error).toBeUndefined();
		expect(output).toHaveLength(50);
		const publishes = sim.requests.filter(isPublishRequest);
		expect(publishes).toHaveLength(50);
		expect(busiestSecond(publishes)).toBeLessThanOrEqual(26);
	});
});

describe('Chat Message', () => {
	let sim: ChatSimulator;
	beforeEach(async () => (sim = await startChatSimulator()));
	afterEach(async () => sim.close());

	test('8 messages at 4 per second: no second holds more than 4 message requests', async () => {
		const { output, error } = await runNode({
			type: 'chatMessage',
			parameters: { chatMode: 'new', message: '={{ "hello " + $json.n }}', model: 'gpt-4o', options: { maxRequestsPerSecond: 4 } },
			credentials: new CredentialStore().set('chatApi', chatCredentialData(sim)),
			items: Array.from({ length: 8 }, (_, n) => ({ n })),
		});
		expect(error).toBeUndefined();
		expect(output.map((item) => item.json.complete)).toEqual(Array(8).fill(true));
		const streams = sim.requests.filter(isStreamRequest);
		expect(streams).toHaveLength(8);
		expect(busiestSecond(streams)).toBeLessThanOrEqual(5);
	});
});
