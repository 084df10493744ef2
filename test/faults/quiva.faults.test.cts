/**
 * Quiva Stream Publish under faults, in n8n-core's engine against the gateway simulator:
 * the fault matrix (behaviour, no hang, no leaked socket or timer), a seeded 10,000-item soak
 * (nothing lost, nothing duplicated, order per subject kept), bad inputs and a secret canary.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { CredentialStore, runNode, type NodeRunResult, type NodeRunSpec } from '../harness/n8n.cjs';
import type { Fault } from '../simulators/faults.cjs';
import { startQuivaSimulator, type QuivaSimulator } from '../simulators/quiva.cjs';
import {
	QUIVA_GOOD_ITEM,
	quivaBadCredentials,
	quivaBadInputs,
} from '../workflow/quiva.badInputs.cjs';
import { record } from './report.cjs';
import { collectSecretSurface } from './secrets.cjs';
import { soakStats } from './soak.cjs';
import {
	appliedFaults,
	runBadCredentials,
	runBadInputs,
	runMatrixCase,
	streamFaultsNotApplicable,
} from './suite.cjs';

const NODE = 'Quiva Stream Publish';
const CANARY_KEY = 'CANARY-quiva-key-7f3a9';

let sim: QuivaSimulator;
afterEach(async () => sim?.close());

async function start() {
	sim = await startQuivaSimulator({ apiKey: CANARY_KEY });
}

function credentials(baseUrl = sim.url, apiKey = CANARY_KEY) {
	return new CredentialStore().set('quivaApi', { baseUrl, authentication: 'apiKey', apiKey });
}

function run(
	items: IDataObject[],
	options: IDataObject = {},
	extra: Partial<NodeRunSpec> = {},
	parameters: IDataObject = {},
) {
	return runNode({
		type: 'quivaStreamPublish',
		parameters: {
			stream: 'orders',
			subject: '={{ $json.subject ?? "orders.a" }}',
			bodySource: 'item',
			options,
			...parameters,
		},
		credentials: credentials(),
		items,
		...extra,
	});
}

/** What happened, in words built from the observation (not from the expectation). */
function outcome(result: NodeRunResult, requests: number, logged: number): string {
	const published = result.output.filter((item) => item.json.published === true);
	if (result.error)
		return `${result.run.status === 'canceled' ? 'canceled' : 'error'} after ${requests} request(s): "${result.error.message}"; ${logged} in log`;
	if (published.length > 0)
		return `published after ${published[0].json.attempts} attempt(s); ${logged} in log`;
	return `error item "${result.output[0]?.json.error}"; ${logged} in log`;
}

describe('fault matrix', () => {
	const cases: Array<{
		fault: string;
		setup: () => Promise<Partial<NodeRunSpec> | void>;
		options?: IDataObject;
		expect: (result: NodeRunResult) => void;
	}> = [
		{
			fault: '429 + Retry-After header',
			setup: async () =>
				void sim.faults.inject({
					kind: 'status',
					status: 429,
					headers: { 'Retry-After': '0' },
					body: { error: 'Rate limit exceeded' },
				}),
			expect: (result) => {
				expect(result.output[0].json).toMatchObject({ published: true, attempts: 2 });
				expect(sim.received).toHaveLength(1);
			},
		},
		{
			fault: '429 + body retry_after',
			setup: async () =>
				void sim.faults.inject({
					kind: 'status',
					status: 429,
					body: { error: 'Rate limit exceeded', retry_after: 0 },
				}),
			expect: (result) => {
				expect(result.output[0].json).toMatchObject({ published: true, attempts: 2 });
				expect(sim.received).toHaveLength(1);
			},
		},
		{
			fault: '503 (no Retry-After)',
			setup: async () =>
				void sim.faults.inject({ kind: 'status', status: 503, body: { error: 'unavailable' } }),
			expect: (result) => {
				expect(result.error?.message).toMatch(
					/^The service is unavailable; the server may have received the message \[item 0\]$/,
				);
				expect(sim.requestCount).toBe(1);
			},
		},
		{
			fault: '503 + Retry-After',
			setup: async () =>
				void sim.faults.inject({
					kind: 'status',
					status: 503,
					headers: { 'Retry-After': '0' },
					body: { error: 'unavailable' },
				}),
			expect: (result) =>
				expect(result.output[0].json).toMatchObject({ published: true, attempts: 2 }),
		},
		{
			fault: 'connection refused',
			setup: async () => {
				const url = sim.url;
				await sim.close();
				sim = await startQuivaSimulator({ apiKey: CANARY_KEY });
				return { credentials: credentials(url) };
			},
			expect: (result) => {
				expect(result.error?.message).toMatch(/refused the connection \[item 0\]/);
				expect(result.error?.description).toMatch(/after 3 attempts/);
			},
		},
		{
			fault: 'reset mid-request (before accept)',
			setup: async () => void sim.faults.inject({ kind: 'reset' }),
			expect: (result) => {
				expect(result.error?.message).toMatch(/closed before the server answered/);
				expect(sim.received).toHaveLength(0);
			},
		},
		{
			fault: 'reset after accept',
			setup: async () => void sim.faults.inject({ kind: 'resetAfterAccept' }),
			expect: (result) => {
				expect(result.error?.message).toMatch(/may have received the message/);
				expect(result.error?.description).toMatch(/It was not sent again, so it is not duplicated/);
				expect(sim.received).toHaveLength(1);
				expect(sim.requestCount).toBe(1);
			},
		},
		{
			fault: 'server slower than the timeout',
			options: { timeout: 150 },
			setup: async () => void sim.faults.inject({ kind: 'delay', ms: 1000 }),
			expect: (result) => {
				expect(result.error?.message).toMatch(/did not answer in time/);
				expect(sim.requestCount).toBe(1);
			},
		},
		{
			fault: 'cancelled mid-request',
			setup: async () => {
				sim.faults.inject({ kind: 'hang' });
				return { cancelAfterMs: 100 };
			},
			expect: (result) => {
				expect(result.output).toEqual([]);
				// n8n records a run as canceled (not failed) only when the error says "canceled".
				expect(result.run.status).toBe('canceled');
				expect(sim.requestCount).toBe(1);
				expect(sim.received).toHaveLength(0);
			},
		},
	];

	test.each(cases)('$fault', async ({ fault, setup, options, expect: check }) => {
		await start();
		const extra = (await setup()) ?? {};
		await runMatrixCase({
			node: NODE,
			fault,
			run: () => run([{ id: 1 }], options, extra),
			check,
			outcome: (result) => outcome(result, sim.requestCount, sim.received.length),
		});
	});

	streamFaultsNotApplicable(NODE, 'the gateway answers JSON');
});

describe('soak: 10,000 publishes over 50 subjects, 5% of requests failing at random', () => {
	test('every item ends as exactly one output item; the log holds each success once, in order per subject', async () => {
		await start();
		const faults: Fault[] = [
			{
				kind: 'status',
				status: 429,
				headers: { 'Retry-After': '0' },
				body: { error: 'Rate limit exceeded' },
			},
			{ kind: 'status', status: 429, body: { error: 'Rate limit exceeded', retry_after: 0 } },
			{
				kind: 'status',
				status: 503,
				headers: { 'Retry-After': '0' },
				body: { error: 'unavailable' },
			},
			{ kind: 'status', status: 503, body: { error: 'unavailable' } },
			{ kind: 'status', status: 500, body: { error: 'internal_error' } },
			{ kind: 'reset' },
			{ kind: 'resetAfterAccept' },
			{ kind: 'delay', ms: 5 },
		];
		sim.faults.randomly({ rate: 0.05, seed: 20261123, faults });
		const items = Array.from({ length: 10_000 }, (_, seq) => ({
			subject: `orders.s${seq % 50}`,
			seq,
		}));
		const result = await run(items, { maxConcurrency: 16 }, { continueOnFail: true });

		expect(result.error).toBeUndefined();
		expect(result.output).toHaveLength(items.length);
		expect(
			result.output.map((item: INodeExecutionData) => (item.pairedItem as { item: number }).item),
		).toEqual(items.map((_, i) => i));

		const stats = soakStats({
			items,
			output: result.output,
			log: sim.received,
			seqOf: (message) => message.body.seq as number,
			keyOf: (message) => message.subject,
		});
		const { succeeded, failed, duplicates, lost, orderBreaks } = stats;
		const acceptedButReported = stats.acceptedButReported.length;

		expect(succeeded.length + failed.length).toBe(items.length);
		expect(duplicates).toBe(0);
		expect(lost).toBe(0);
		expect(orderBreaks).toBe(0);
		// Only a reset after accept may leave a reported item in the log, and then exactly once.
		expect(acceptedButReported).toBe(sim.faults.applied.resetAfterAccept);
		expect(failed.every((item) => /\[item \d+\]/.test(String(item.json.error)))).toBe(true);

		const injected = appliedFaults(sim.faults.applied);
		record({
			section: 'soak',
			node: NODE,
			sent: items.length,
			succeeded: succeeded.length,
			failed: failed.length,
			retried: sim.requestCount - items.length,
			duplicates,
			lost,
			orderBreaks,
			faults: `${injected}; reported after accept: ${acceptedButReported}`,
		});
	});
});

describe('bad input', () => {
	test(`${quivaBadInputs.length} bad inputs: each a clear error naming item and field, nothing sent`, async () => {
		await start();
		await runBadInputs({
			node: NODE,
			badInputs: quivaBadInputs,
			run: (badInput) =>
				run(
					[QUIVA_GOOD_ITEM, { ...QUIVA_GOOD_ITEM, ...badInput.badItem }],
					{},
					{},
					{ subject: 'orders.ok', ...badInput.parameters },
				),
			sent: () => sim.requestCount,
		});
	});
});

describe('bad credentials', () => {
	test(`${quivaBadCredentials.length} credentials that cannot work: the credential named, nothing sent, no canary, either Continue On Fail`, async () => {
		await start();
		await runBadCredentials({
			node: NODE,
			cases: quivaBadCredentials,
			goodBaseUrl: sim.url,
			items: 2,
			run: (badCase, continueOnFail) => {
				const data = {
					baseUrl: sim.url,
					authentication: badCase.way,
					apiKey: CANARY_KEY,
					token: `${CANARY_KEY}-token`,
					...badCase.overrides(sim.url),
				};
				return run(
					[{ subject: 'orders.a' }, { subject: 'orders.b' }],
					{},
					{ credentials: new CredentialStore().set('quivaApi', data), continueOnFail },
				);
			},
			sent: () => sim.requestCount,
			canaries: [CANARY_KEY],
		});
	});
});

describe('secrets', () => {
	test('the credential never appears in outputs, errors or logs on any error path', async () => {
		await start();
		const paths: Array<{
			name: string;
			spec: () => Partial<NodeRunSpec> & {
				items?: IDataObject[];
				options?: IDataObject;
				parameters?: IDataObject;
			};
		}> = [
			{
				name: '401 (wrong key)',
				spec: () => ({ credentials: credentials(sim.url, `${CANARY_KEY}-wrong`) }),
			},
			{ name: '404', spec: () => ({ parameters: { stream: 'missing' } }) },
			{
				name: '429 exhausted',
				spec: () => (
					sim.faults.inject(
						{
							kind: 'status',
							status: 429,
							headers: { 'Retry-After': '0' },
							body: { error: 'Rate limit exceeded' },
						},
						{ times: 3 },
					),
					{}
				),
			},
			{
				name: '500',
				spec: () => (
					sim.faults.inject({ kind: 'status', status: 500, body: { error: 'internal_error' } }),
					{}
				),
			},
			{ name: 'reset', spec: () => (sim.faults.inject({ kind: 'reset' }), {}) },
			{
				name: 'timeout',
				spec: () => (sim.faults.inject({ kind: 'hang' }), { options: { timeout: 100 } }),
			},
			{ name: 'bad input', spec: () => ({ items: [{ subject: 'orders.*' }] }) },
		];
		let leaks = 0;
		let runs = 0;
		for (const path of paths) {
			for (const continueOnFail of [false, true]) {
				const {
					items = [{ subject: 'orders.a' }],
					options = {},
					parameters = {},
					...extra
				} = path.spec();
				const surface = await collectSecretSurface(() =>
					run(items, options, { continueOnFail, ...extra }, parameters),
				);
				runs++;
				if (surface.includes(CANARY_KEY)) leaks++;
				expect(surface).not.toContain(CANARY_KEY);
			}
		}
		record({ section: 'secrets', node: NODE, paths: runs, leaks });
	});
});
