/**
 * A production-shaped n8n 2.41: queue mode with one main instance, several workers, Redis and Postgres,
 * all on loopback, with this package installed from its own tarball into every instance's user folder
 * (as each container of a real deployment has its own). Executions — webhook and manual alike, through
 * OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS — run on the workers; main only receives and relays.
 *
 * Everything is started under one Cleanup, so `close()` (in afterAll) stops every process and removes the
 * temporary folder even when start-up failed half-way.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { assertNode24, childEnv, say } from '../../e2e/lib/cache.cjs';
import { Cleanup } from '../../e2e/lib/cleanup.cjs';
import { installCommunityPackage, type InstalledPackage } from '../../e2e/lib/communityInstall.cjs';
import { ensureN8n, type N8nInstall } from '../../e2e/lib/n8nInstall.cjs';
import { startN8n, type N8nServer } from '../../e2e/lib/n8nServer.cjs';
import { packPackage } from '../../e2e/lib/pack.cjs';
import { freePort } from '../../e2e/lib/ports.cjs';
import { N8nApi } from '../../e2e/lib/restApi.cjs';
import { spawnService, waitUntil, type Service } from './processes.cjs';
import {
	makeWorkDir,
	startPostgres,
	startRedis,
	type PostgresServer,
	type RedisServer,
} from './services.cjs';

export interface Worker {
	name: string;
	service: Service;
	/** The execution IDs this worker has started so far, from its own log ("Worker started execution N"). */
	startedExecutions(): string[];
	/** SIGKILL to the worker and its task runner: a crashed container, no graceful shutdown. */
	kill(): Promise<void>;
	/** SIGTERM, as a container stop or a redeploy sends, and wait until the worker has exited. */
	stop(): Promise<void>;
}

export interface QueueCluster {
	install: N8nInstall;
	pkg: InstalledPackage;
	redis: RedisServer;
	postgres: PostgresServer;
	main: N8nServer;
	/** The workers started so far, stopped or killed ones included. */
	workers: Worker[];
	api: N8nApi;
	/** Starts one more worker (package installed into its own user folder) and waits until it takes jobs. */
	addWorker(): Promise<Worker>;
	/** The queue-mode environment every instance shares (what a user sets; see README "Running in queue mode"). */
	sharedEnv: Record<string, string>;
	nodeType(name: string): string;
	/** The worker whose log says it started this execution (undefined if none did). */
	workerOf(executionId: string): Worker | undefined;
	close(): Promise<void>;
}

/** Shared by main and workers: each decrypts the credentials the others stored. Test-only value. */
const ENCRYPTION_KEY = 'queue-e2e-only-not-a-secret-0123';
export const WORKER_CONCURRENCY = 10;

function queueEnv(redis: RedisServer, postgres: PostgresServer): Record<string, string> {
	return {
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: redis.host,
		QUEUE_BULL_REDIS_PORT: String(redis.port),
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: postgres.host,
		DB_POSTGRESDB_PORT: String(postgres.port),
		DB_POSTGRESDB_DATABASE: postgres.database,
		DB_POSTGRESDB_USER: postgres.user,
		DB_POSTGRESDB_PASSWORD: postgres.password,
		N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
		// Manual runs (the editor's button, the REST API) go to the workers too, not only production ones.
		OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
		EXECUTIONS_DATA_SAVE_MANUAL_EXECUTIONS: 'true',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_LOG_LEVEL: 'info',
	};
}

const STARTED_MARK = /Worker started execution (\d+)/g;

async function startWorker(
	install: N8nInstall,
	name: string,
	userFolder: string,
	env: Record<string, string>,
	cleanup: Cleanup,
): Promise<Worker> {
	const healthPort = await freePort();
	const brokerPort = await freePort();
	const logFile = path.join(userFolder, 'n8n.log');
	const service = spawnService(
		name,
		process.execPath,
		[install.bin, 'worker', `--concurrency=${WORKER_CONCURRENCY}`],
		{
			cwd: userFolder,
			logFile,
			env: childEnv({
				...env,
				N8N_USER_FOLDER: userFolder,
				N8N_RUNNERS_BROKER_PORT: String(brokerPort),
				// The worker's health server, used here to know when it takes jobs (readiness checks DB and Redis).
				QUEUE_HEALTH_CHECK_ACTIVE: 'true',
				QUEUE_HEALTH_CHECK_PORT: String(healthPort),
				N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
				// N8N_GRACEFUL_SHUTDOWN_TIMEOUT stays n8n's default (30 s): the graceful-stop test measures it.
			}),
		},
	);
	// Registered before waiting, so a worker that never gets ready is stopped with the rest.
	cleanup.defer(`stop ${name}`, () => service.stop());
	await waitUntil(
		service,
		'ready to take jobs',
		async () => (await fetch(`http://127.0.0.1:${healthPort}/healthz/readiness`)).ok,
	);
	say(`${name} ready (pid ${service.pid}, concurrency ${WORKER_CONCURRENCY})`);
	return {
		name,
		service,
		startedExecutions: () => {
			const text = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
			return [...text.matchAll(STARTED_MARK)].map((match) => match[1]);
		},
		kill: () => service.kill(),
		// Longer than n8n's own shutdown window, so n8n decides what happens to the runs, not this SIGKILL.
		stop: () => service.stop('SIGTERM', 120_000),
	};
}

export async function startQueueCluster(options: { workers?: number } = {}): Promise<QueueCluster> {
	assertNode24();
	const cleanup = new Cleanup();
	try {
		const install = await ensureN8n();
		const work = makeWorkDir('cluster');
		cleanup.defer('remove the work folder', () => work.remove());

		const redis = await startRedis(work.dir);
		cleanup.defer('stop Redis', () => redis.stop());
		const postgres = await startPostgres(work.dir, install);
		cleanup.defer('stop Postgres', () => postgres.stop());

		const tarball = await packPackage(path.join(work.dir, 'pack'));
		const names = [
			'main',
			...Array.from({ length: options.workers ?? 2 }, (_, index) => `worker-${index + 1}`),
		];
		const folders = Object.fromEntries(names.map((name) => [name, path.join(work.dir, name)]));
		let pkg: InstalledPackage | undefined;
		for (const name of names) pkg = await installCommunityPackage(folders[name], tarball);
		say(`installed ${pkg!.name}@${pkg!.version} into the user folders of ${names.join(', ')}`);

		const sharedEnv = queueEnv(redis, postgres);
		// Main first: it runs the database migrations the workers expect.
		const main = await startN8n(install, folders.main, sharedEnv);
		cleanup.defer('stop n8n main', () => main.stop());
		const workers = await Promise.all(
			names.slice(1).map((name) => startWorker(install, name, folders[name], sharedEnv, cleanup)),
		);
		const addWorker = async () => {
			const name = `worker-${workers.length + 1}`;
			const folder = path.join(work.dir, name);
			await installCommunityPackage(folder, tarball);
			const worker = await startWorker(install, name, folder, sharedEnv, cleanup);
			workers.push(worker);
			return worker;
		};

		const api = new N8nApi(main.url, install);
		await api.setupOwner();
		return {
			install,
			pkg: pkg!,
			redis,
			postgres,
			main,
			workers,
			api,
			addWorker,
			sharedEnv,
			nodeType: (name) => `${pkg!.name}.${name}`,
			workerOf: (executionId) =>
				workers.find((worker) => worker.startedExecutions().includes(executionId)),
			close: () => cleanup.runAll(),
		};
	} catch (error) {
		await cleanup.runAll().catch(() => undefined);
		throw error;
	}
}
