/**
 * The Kapua Trigger in a real n8n (`n8n start`, the package installed from its own npm pack tarball as
 * the Community Nodes installer does), in an n8n of its own that this suite stops and starts again with
 * the same user folder (`npm run test:trigger`; the shared end-to-end suite keeps one n8n per run).
 *
 * An active workflow Kapua Trigger → Record (an HTTP Request node posting each execution's items to a
 * loopback recorder) watches the Kapua simulator while 10 devices store 1,000 messages over about a
 * minute: most on time, 5 % stamped seconds before they arrive (inside the Late Arrival Window), about 1 %
 * stamped long before (beyond it), some sharing a millisecond; the datastore refreshes its index every
 * second and returns equal timestamps in no particular order. n8n is stopped (SIGTERM) and started again
 * in the middle. Every message must reach the recorder exactly once, the late ones flagged.
 *
 * Measured and printed (and written to $TRIGGER_REPORT when set): emitted, duplicates, missed, late; the
 * time from stored (receivedOn) and from searchable to recorded, p50/p95, away from the restart and in all;
 * n8n's CPU per query while there is nothing new (a poll that finds nothing is one query), its idle CPU
 * over as long taken off. No assertion is made on any time.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import { threadCpuMs } from '../../bench/processMemory.cjs';
import { seededRandom } from '../simulators/faults.cjs';
import { kapuaCredentialData } from '../simulators/credentials.cjs';
import {
	isDatastoreQuery,
	startKapuaSimulator,
	type KapuaSimulator,
	type PublishedMessage,
} from '../simulators/kapua.cjs';
import { assertNode24, say } from './lib/cache.cjs';
import { Cleanup } from './lib/cleanup.cjs';
import { installCommunityPackage } from './lib/communityInstall.cjs';
import { ensureN8n, type N8nInstall } from './lib/n8nInstall.cjs';
import { startN8n, type N8nServer } from './lib/n8nServer.cjs';
import { packPackage } from './lib/pack.cjs';
import { N8nApi, type WorkflowJson } from './lib/restApi.cjs';

const DEVICES = 10;
const MESSAGES = 1_000;
/** One message every 60 ms: about a minute of traffic. */
const SPACING_MS = 60;
const RESTART_AFTER = 450;
const WINDOW_S = 10;
const REFRESH_MS = 1_000;

interface Recorded {
	datastoreId: string;
	late: boolean;
	clientId: string;
	arrivedAt: number;
	batch: number;
}

/** The loopback server the workflow's last node posts each execution's items to. */
async function startRecorder() {
	const records: Recorded[] = [];
	let batches = 0;
	const server = http.createServer((request, response) => {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', () => {
			const arrivedAt = Date.now();
			const batch = ++batches;
			const items = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Array<
				Record<string, unknown>
			>;
			for (const item of items) {
				records.push({
					datastoreId: String(item.datastoreId),
					late: item.late === true,
					clientId: String(item.clientId),
					arrivedAt,
					batch,
				});
			}
			response.writeHead(200, { 'Content-Type': 'application/json' });
			response.end('{"ok":true}');
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/record`,
		records,
		get batches() {
			return batches;
		},
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

function workflow(recorderUrl: string, startDate: string): WorkflowJson {
	return {
		name: 'Kapua Trigger → Record',
		nodes: [
			{
				id: 't1',
				name: 'Kapua Trigger',
				type: 'n8n-nodes-stream-messaging.kapuaTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {
					scopeId: '_',
					clientId: '',
					channel: 'heater/#',
					startFrom: 'date',
					startDate,
					pollInterval: 1,
					options: {
						lateWindow: WINDOW_S,
						refreshInterval: REFRESH_MS / 1000,
						sweepInterval: 0.25,
						sweepDepth: 0.1,
					},
				},
				credentials: { kapuaApi: { id: '', name: '' } },
			},
			{
				id: 'r1',
				name: 'Record',
				type: 'n8n-nodes-base.httpRequest',
				typeVersion: 4.2,
				position: [220, 0],
				executeOnce: true,
				parameters: {
					method: 'POST',
					url: recorderUrl,
					sendBody: true,
					specifyBody: 'json',
					jsonBody: '={{ JSON.stringify($input.all().map((item) => item.json)) }}',
					options: {},
				},
			},
		],
		connections: { 'Kapua Trigger': { main: [[{ node: 'Record', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	};
}

function percentile(values: number[], p: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(
	condition: () => boolean | Promise<boolean>,
	timeoutMs: number,
	what: string,
): Promise<void> {
	// A safety net so that a run that never gets there fails with a message; not a speed assertion.
	const deadline = Date.now() + timeoutMs;
	while (!(await condition())) {
		if (Date.now() > deadline)
			throw new Error(`gave up after ${timeoutMs / 1000} s waiting for ${what}`);
		await sleep(250);
	}
}

const cpuMs = (pid: number) => {
	const cpu = threadCpuMs(pid);
	return cpu.main + cpu.v8Helpers + cpu.other;
};

describe('Kapua Trigger in a real n8n, restarted in the middle', () => {
	const cleanup = new Cleanup();
	let install: N8nInstall;
	let userFolder: string;
	let server: N8nServer;
	let api: N8nApi;
	let sim: KapuaSimulator;
	let recorder: Awaited<ReturnType<typeof startRecorder>>;
	let workflowId = '';

	beforeAll(async () => {
		assertNode24();
		install = await ensureN8n();
		const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-e2e-trigger-'));
		cleanup.defer('remove the work folder', () => {
			if (process.env.E2E_KEEP !== '1') fs.rmSync(workDir, { recursive: true, force: true });
			else say(`kept ${workDir}`);
		});
		userFolder = path.join(workDir, 'user');
		const pkg = await installCommunityPackage(
			userFolder,
			await packPackage(path.join(workDir, 'pack')),
		);
		say(`installed ${pkg.name}@${pkg.version}`);
		sim = await startKapuaSimulator({
			refreshIntervalMs: REFRESH_MS,
			tieOrder: 'shuffled',
			seed: 27,
		});
		cleanup.defer('stop the Kapua simulator', () => sim.close());
		recorder = await startRecorder();
		cleanup.defer('stop the recorder', () => recorder.close());
		server = await startN8n(install, userFolder);
		cleanup.defer('stop n8n', () => server.stop());
		api = new N8nApi(server.url, install);
		await api.setupOwner();
	});

	afterAll(async () => {
		await cleanup.runAll();
	});

	test('1,000 messages from 10 devices: each recorded exactly once across the restart, the late ones flagged, none missed', async () => {
		const credentialId = await api.createCredential('Kapua', 'kapuaApi', kapuaCredentialData(sim));
		const flow = workflow(recorder.url, new Date(Date.now() - 5 * 60_000).toISOString());
		flow.nodes[0].credentials = { kapuaApi: { id: credentialId, name: 'Kapua' } };
		workflowId = await api.createWorkflow(flow);

		await api.activateWorkflow(workflowId);
		await until(() => sim.datastoreQueries > 0, 120_000, 'the trigger to poll');
		expect(await api.activationError(workflowId)).toBeUndefined();

		// The devices: seeded, so a run can be replayed.
		const random = seededRandom(2027);
		const stored: PublishedMessage[] = [];
		const delayedIds = new Set<string>();
		let restart: Promise<void> | undefined;
		const restartWindow = { stopping: Infinity, back: Infinity };
		let savedBeforeStop: Record<string, unknown> | undefined;
		for (let n = 0; n < MESSAGES; n++) {
			const draw = random();
			// 5 % stamped 2–8 s before they arrive (inside the 10 s window); ~1 % 20–80 s before (beyond it).
			const age =
				draw < 0.05
					? 2_000 + random() * 6_000
					: draw < 0.06
						? 20_000 + random() * 60_000
						: random() * 300;
			// Every 25th message and the two after it share one millisecond, from three devices.
			const shared = n % 25 < 3 ? stored[n - (n % 25)] : undefined;
			const capturedOn = shared?.capturedOn ?? new Date(Date.now() - age).toISOString();
			const message = sim.storeDeviceMessage({
				clientId: `dev-${n % DEVICES}`,
				channel: n % 2 === 0 ? 'heater/data' : 'heater/zone/2',
				capturedOn,
				metrics: [
					{ name: 'n', valueType: 'integer', value: n },
					{ name: 'temperature', valueType: 'double', value: 18 + random() * 6 },
				],
			});
			stored.push(message);
			if (draw < 0.05 && !shared) delayedIds.add(message.datastoreId!);
			if (n === RESTART_AFTER && !restart) {
				// In the background: the devices go on reporting while n8n stops and starts again.
				restart = (async () => {
					// What n8n saved for the trigger (static data is written when it emits): read before stopping.
					savedBeforeStop = (await api.getWorkflow(workflowId)).staticData ?? undefined;
					say(`restarting n8n after ${recorder.records.length} recorded messages`);
					restartWindow.stopping = Date.now();
					await server.stop();
					server = await startN8n(install, userFolder);
					api = new N8nApi(server.url, install);
					await api.login();
					restartWindow.back = Date.now();
					say('n8n is back');
				})();
			}
			await sleep(SPACING_MS);
		}
		await restart;
		const late = stored.filter(
			(message) => Date.parse(message.receivedOn) - message.time > WINDOW_S * 1000,
		);
		const expected = new Set(stored.map((message) => message.datastoreId!));
		await until(
			() => new Set(recorder.records.map((record) => record.datastoreId)).size >= expected.size,
			300_000,
			'every message to be recorded',
		);

		// Quiet: no new messages; the trigger polls (and sweeps) on. Its CPU per poll, n8n's idle CPU taken off.
		const quietQueriesBefore = sim.datastoreQueryLog.length;
		const quiet = { cpu: cpuMs(server.pid), at: Date.now() };
		await sleep(30_000);
		const quietMs = Date.now() - quiet.at;
		const quietCpu = cpuMs(server.pid) - quiet.cpu;
		const quietQueries = sim.datastoreQueryLog.slice(quietQueriesBefore);
		// A poll starts with one query without endDate (the main scan); counts and sweeps carry an endDate.
		const polls = quietQueries.filter((query) => query.endDate === undefined).length;
		// n8n's own CPU with the trigger stopped, over as long, to take off.
		await api.deactivateWorkflow(workflowId);
		const queriesAfterStop = sim.datastoreQueryLog.length;
		await sleep(2_000);
		const idle = { cpu: cpuMs(server.pid), at: Date.now() };
		await sleep(30_000);
		const idleCpuPerMs = (cpuMs(server.pid) - idle.cpu) / (Date.now() - idle.at);
		const queriesWhileStopped = sim.datastoreQueryLog.length - queriesAfterStop;

		// Activated again after messages arrived while it was off: those, and nothing again.
		const whileOff = Array.from({ length: 20 }, (_, n) =>
			sim.storeDeviceMessage({
				clientId: `dev-${n % DEVICES}`,
				channel: 'heater/data',
				capturedOn: new Date(Date.now() - n * 100).toISOString(),
			}),
		);
		for (const message of whileOff) expected.add(message.datastoreId!);
		await api.activateWorkflow(workflowId);
		await until(
			() => new Set(recorder.records.map((record) => record.datastoreId)).size >= expected.size,
			120_000,
			'the messages stored while deactivated',
		);
		await sleep(5_000);

		const records = recorder.records;
		const ids = records.map((record) => record.datastoreId);
		// Times are measured on the 1,000 of the main run, not on those that waited for the reactivation.
		const mainRun = new Set(stored.map((message) => message.datastoreId!));
		stored.push(...whileOff);
		const duplicates = ids.length - new Set(ids).size;
		const missed = [...expected].filter((id) => !ids.includes(id));
		const flaggedLate = records.filter((record) => record.late).map((record) => record.datastoreId);

		const byId = new Map(stored.map((message) => [message.datastoreId!, message]));
		const onTime = records.filter((record) => !record.late && mainRun.has(record.datastoreId));
		const storedAt = (record: Recorded) => Date.parse(byId.get(record.datastoreId)!.receivedOn);
		const fromStored = onTime.map((record) => record.arrivedAt - storedAt(record));
		const fromSearchable = onTime.map(
			(record) => record.arrivedAt - byId.get(record.datastoreId)!.visibleFrom!,
		);
		// Away from the restart: stored before n8n was stopped, or after it was back (and had caught up 10 s later).
		const steady = onTime.filter(
			(record) =>
				storedAt(record) < restartWindow.stopping - 5_000 ||
				storedAt(record) > restartWindow.back + 10_000,
		);
		const steadyFromStored = steady.map((record) => record.arrivedAt - storedAt(record));
		const lateFromStored = records
			.filter((record) => record.late)
			.map((record) => record.arrivedAt - Date.parse(byId.get(record.datastoreId)!.receivedOn));
		const report = {
			stored: stored.length,
			emitted: ids.length,
			distinct: new Set(ids).size,
			duplicates,
			missed: missed.length,
			late: {
				flagged: flaggedLate.length,
				beyondWindow: late.length,
				delayedInsideWindow: delayedIds.size,
			},
			executions: recorder.batches,
			latencyMs: {
				storedToRecorded: {
					p50: percentile(fromStored, 50),
					p95: percentile(fromStored, 95),
					max: Math.max(...fromStored),
				},
				storedToRecordedAwayFromRestart: {
					messages: steady.length,
					p50: percentile(steadyFromStored, 50),
					p95: percentile(steadyFromStored, 95),
					max: Math.max(...steadyFromStored),
				},
				restartDownMs: restartWindow.back - restartWindow.stopping,
				searchableToRecorded: {
					p50: percentile(fromSearchable, 50),
					p95: percentile(fromSearchable, 95),
				},
				lateStoredToRecorded: lateFromStored.length
					? { p50: percentile(lateFromStored, 50), max: Math.max(...lateFromStored) }
					: null,
			},
			quietPhase: {
				seconds: quietMs / 1000,
				polls,
				queries: quietQueries.length,
				n8nCpuMs: quietCpu,
				n8nIdleCpuMs: Math.round(idleCpuPerMs * quietMs),
				// A poll that finds nothing is one query; the rest are the sweep's counts (every 15 s here, 36 buckets).
				cpuPerQueryMs: quietQueries.length
					? (quietCpu - idleCpuPerMs * quietMs) / quietQueries.length
					: null,
				cpuPerPollWithItsSweepsMs: polls ? (quietCpu - idleCpuPerMs * quietMs) / polls : null,
			},
			datastoreQueries: sim.datastoreQueryLog.length,
			pollIntervalS: 1,
			windowS: WINDOW_S,
			refreshS: REFRESH_MS / 1000,
		};
		say(`trigger report: ${JSON.stringify(report)}`);
		if (process.env.TRIGGER_REPORT)
			fs.writeFileSync(process.env.TRIGGER_REPORT, JSON.stringify(report, null, 2));

		expect(restart).toBeDefined();
		// n8n had saved the trigger's state in the workflow's static data before it was stopped.
		expect(
			(savedBeforeStop?.['node:Kapua Trigger'] as { cursor?: { v?: number } } | undefined)?.cursor
				?.v,
		).toBe(1);
		expect(duplicates).toBe(0);
		expect(missed).toEqual([]);
		expect(flaggedLate.sort()).toEqual(late.map((message) => message.datastoreId!).sort());
		expect(late.length).toBeGreaterThan(0);
		expect(records.some((record) => delayedIds.has(record.datastoreId) && !record.late)).toBe(true);
		expect(await api.activationError(workflowId)).toBeUndefined();
		// Deactivated: the trigger's loop stopped (a query in flight at that moment may still arrive).
		expect(queriesWhileStopped).toBeLessThanOrEqual(1);
		// Only the datastore was asked (no publish), with the filter for the channel's prefix.
		expect(
			sim.requests.filter(
				(request) =>
					!isDatastoreQuery(request) &&
					!request.path.includes('/authentication/') &&
					!request.path.includes('/serviceConfigurations/'),
			),
		).toEqual([]);
	});

	test("failures are loud: the datastore failing is a failed execution and the trigger goes on; a refused permission is n8n's trigger error until it is back", async () => {
		expect(workflowId).not.toBe('');
		const recorded = () => new Set(recorder.records.map((record) => record.datastoreId));
		const store = (count: number) =>
			Array.from(
				{ length: count },
				(_, n) =>
					sim.storeDeviceMessage({
						clientId: `dev-${n}`,
						channel: 'heater/data',
						capturedOn: new Date().toISOString(),
					}).datastoreId!,
			);

		// HTTP 500 twice: recorded once as a failed execution; the messages stored meanwhile still arrive.
		const executionsBefore = new Set(
			(await api.executionsOf(workflowId)).map((execution) => execution.id),
		);
		sim.faults.inject(
			{
				kind: 'status',
				status: 500,
				body: {
					type: 'exceptionInfo',
					httpErrorCode: 500,
					message: 'Elasticsearch unavailable',
					kapuaErrorCode: 'INTERNAL_ERROR',
				},
			},
			{ times: 2, match: isDatastoreQuery },
		);
		const duringOutage = store(5);
		await until(
			() => duringOutage.every((id) => recorded().has(id)),
			120_000,
			'the messages stored during the outage',
		);
		const failed = (await api.executionsOf(workflowId)).filter(
			(execution) => !executionsBefore.has(execution.id) && execution.status === 'error',
		);
		expect(failed).toHaveLength(1);
		const failure = await api.waitForExecution(failed[0].id);
		expect(failure.error?.message).toBe("Kapua's datastore failed to answer (HTTP 500)");
		expect(String(failure.error?.description)).toContain('Elasticsearch unavailable');

		// HTTP 403: n8n stops the trigger and shows why; when Kapua allows it again, n8n activates it and it goes on.
		sim.faults.inject(
			{
				kind: 'status',
				status: 403,
				body: {
					type: 'subjectUnauthorizedExceptionInfo',
					httpErrorCode: 403,
					message: 'User does not have permission',
					kapuaErrorCode: 'SUBJECT_UNAUTHORIZED',
				},
			},
			{ times: 3, match: isDatastoreQuery },
		);
		let shown: string | undefined;
		await until(
			async () => (shown = await api.activationError(workflowId)) !== undefined,
			120_000,
			"n8n to show the trigger's error",
		);
		expect(shown).toContain(
			"The Kapua user needs permission datastore:read on the token's own account",
		);
		const whileStopped = store(5);
		await until(
			() => whileStopped.every((id) => recorded().has(id)),
			180_000,
			'the trigger to be active again and catch up',
		);
		expect(await api.activationError(workflowId)).toBeUndefined();
		const ids = recorder.records.map((record) => record.datastoreId);
		expect(ids.length - new Set(ids).size).toBe(0);
	});
});
