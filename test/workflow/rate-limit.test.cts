/**
 * Max Requests per Second in n8n-core's engine, against the simulators, which log when each request
 * arrived. In one process the simulator's clock is the same busy event loop as the node's, so a loaded
 * machine can bunch arrivals: these tests only assert lower bounds (how long N requests must take at the
 * limit), which load can never break. That no one-second window ever holds more than the limit is
 * proven on the limiter itself (test/unit/rate-limit.test.ts) and measured at the simulator by the
 * benchmark (npm run bench), with the achieved rate.
 */
import type { IDataObject } from 'n8n-workflow';

import { CredentialStore, runNode } from '../harness/n8n.cjs';
import type { RequestRecord } from '../simulators/http.cjs';
import { chatCredentialData, quivaCredentialData } from '../simulators/credentials.cjs';
import { isStreamRequest, startChatSimulator, type ChatSimulator } from '../simulators/chat.cjs';
import {
	isPublishRequest,
	startKapuaSimulator,
	type KapuaSimulator,
} from '../simulators/kapua.cjs';
import { startQuivaSimulator, type QuivaSimulator } from '../simulators/quiva.cjs';
import { kapuaCredentials, runKapua } from './kapuaFixtures.cjs';

/** Milliseconds from the first to the last of these requests' arrivals. */
function span(requests: RequestRecord[]): number {
	const times = requests.map((request) => request.at!);
	return Math.max(...times) - Math.min(...times);
}

const isQuivaPublish = (request: RequestRecord) =>
	request.method === 'POST' && /\/messages$/.test(request.path);

describe('Quiva Stream Publish', () => {
	let sim: QuivaSimulator;
	beforeEach(async () => (sim = await startQuivaSimulator()));
	afterEach(async () => sim.close());

	const publish = (options: IDataObject, items: IDataObject[]) =>
		runNode({
			type: 'quivaStreamPublish',
			parameters: {
				stream: 'orders',
				subject: '={{ "orders." + $json.lane }}',
				bodySource: 'item',
				options,
			},
			credentials: new CredentialStore().set('quivaApi', quivaCredentialData(sim)),
			items,
		});

	test('60 items over 8 subjects at 20 per second take at least two seconds, every item published once', async () => {
		const items = Array.from({ length: 60 }, (_, n) => ({ n, lane: n % 8 }));
		const { output, error } = await publish(
			{ maxRequestsPerSecond: 20, maxConcurrency: 16 },
			items,
		);
		expect(error).toBeUndefined();
		expect(output).toHaveLength(60);
		const publishes = sim.requests.filter(isQuivaPublish);
		expect(publishes).toHaveLength(60);
		// Permits 1, 21 and 41 are more than a second apart each; without the limit 60 loopback requests take
		// a fraction of a second (see the test of 0 below).
		expect(span(publishes)).toBeGreaterThanOrEqual(2000);
	});

	test('retries take permits too: 20 items and 6 retries at 10 per second take as long as 26 requests', async () => {
		// Fewer faults than items in flight: no item meets three in a row, so every item ends published.
		sim.faults.inject(
			{
				kind: 'status',
				status: 429,
				headers: { 'Retry-After': '0' },
				body: { error: 'Rate limit exceeded' },
			},
			{ times: 6 },
		);
		const items = Array.from({ length: 20 }, (_, n) => ({ n, lane: n % 4 }));
		const { output, error } = await publish({ maxRequestsPerSecond: 10, maxConcurrency: 8 }, items);
		expect(error).toBeUndefined();
		expect(output.filter((item) => item.json.published === true)).toHaveLength(20);
		const attempts = sim.requests.filter(isQuivaPublish);
		expect(attempts).toHaveLength(26);
		// 26 permits at 10 a second span about 2.5 s (permit 21 is two windows after permit 1); 20 would span
		// 1.9 s, and the retries of the first answers would have come early, not last.
		expect(span(attempts)).toBeGreaterThanOrEqual(2100);
	});

	test('a cancelled execution stops waiting for permits at once: what was not sent is reported, nothing more is sent', async () => {
		const items = Array.from({ length: 30 }, (_, n) => ({ n, lane: n % 4 }));
		const result = await runNode({
			type: 'quivaStreamPublish',
			parameters: {
				stream: 'orders',
				subject: '={{ "orders." + $json.lane }}',
				bodySource: 'item',
				options: { maxRequestsPerSecond: 2 },
			},
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

	test('50 messages at 25 per second take at least a second and a half', async () => {
		const items = Array.from({ length: 50 }, (_, n) => ({ n }));
		const { output, error } = await runKapua(
			kapuaCredentials(sim),
			{ clientId: '={{ "dev-" + ($json.n % 5) }}', options: { maxRequestsPerSecond: 25 } },
			items,
		);
		expect(error).toBeUndefined();
		expect(output).toHaveLength(50);
		const publishes = sim.requests.filter(isPublishRequest);
		expect(publishes).toHaveLength(50);
		expect(span(publishes)).toBeGreaterThanOrEqual(1500);
	});
});

describe('Chat Message', () => {
	let sim: ChatSimulator;
	beforeEach(async () => (sim = await startChatSimulator()));
	afterEach(async () => sim.close());

	test('8 messages at 4 per second take at least a second', async () => {
		const { output, error } = await runNode({
			type: 'chatMessage',
			parameters: {
				chatMode: 'new',
				message: '={{ "hello " + $json.n }}',
				model: { __rl: true, mode: 'list', value: 'gpt-5.2' },
				options: { maxRequestsPerSecond: 4 },
			},
			credentials: new CredentialStore().set('chatApi', chatCredentialData(sim)),
			items: Array.from({ length: 8 }, (_, n) => ({ n })),
		});
		expect(error).toBeUndefined();
		expect(output.map((item) => item.json.complete)).toEqual(Array(8).fill(true));
		const streams = sim.requests.filter(isStreamRequest);
		expect(streams).toHaveLength(8);
		expect(span(streams)).toBeGreaterThanOrEqual(1000);
	});
});
