/**
 * One `n8n start` on free loopback ports with its own user folder, and a stop that leaves nothing behind.
 *
 * n8n is started in its own process group (detached) because it forks the JavaScript task runner: stopping
 * the group stops both. An exit hook kills the group too, so an interrupted jest or demo leaks no process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { childEnv, say } from './cache.cjs';
import type { N8nInstall } from './n8nInstall.cjs';
import { freePort } from './ports.cjs';

export interface N8nServer {
	url: string;
	userFolder: string;
	logFile: string;
	/** The n8n main process (its task runner is a child): for reading its memory from /proc. */
	pid: number;
	/** The last lines n8n logged, to explain a failure. */
	logTail(lines?: number): string;
	stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
	if (child.pid === undefined) return;
	try {
		process.kill(-child.pid, signal);
	} catch {
		// ESRCH: the group is already gone.
	}
}

process.once('exit', () => {
	for (const child of running) killGroup(child, 'SIGKILL');
});

/** A fixed key keeps imported credentials decryptable across restarts of the same user folder. */
const ENCRYPTION_KEY = 'e2e-only-not-a-secret-0123456789';

/** A temp folder inside the user folder, for n8n's child processes (made when missing). */
function tempFolderOf(userFolder: string): string {
	const dir = path.join(userFolder, 'tmp');
	fs.mkdirSync(dir, { recursive: true });
	return dir;
}

export async function startN8n(
	install: N8nInstall,
	userFolder: string,
	extraEnv: Record<string, string> = {},
): Promise<N8nServer> {
	const port = await freePort();
	const brokerPort = await freePort();
	const logFile = path.join(userFolder, 'n8n.log');
	const log = fs.openSync(logFile, 'a');
	const env = childEnv({
		N8N_USER_FOLDER: userFolder,
		N8N_PORT: String(port),
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_SECURE_COOKIE: 'false',
		N8N_LOG_LEVEL: 'info',
		N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '5',
		EXECUTIONS_DATA_SAVE_MANUAL_EXECUTIONS: 'true',
		// n8n writes into the OS temp folder (n8nDataTableUploads/, and Node's module compile cache): into the
		// user folder's own instead, which goes with it, so a run leaves nothing behind.
		TMPDIR: tempFolderOf(userFolder),
		...extraEnv,
	});
	const child = spawn(process.execPath, [install.bin, 'start'], {
		cwd: userFolder,
		env,
		detached: true,
		stdio: ['ignore', log, log],
	});
	fs.closeSync(log);
	running.add(child);
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

	const url = `http://127.0.0.1:${port}`;
	const logTail = (lines = 40) => {
		try {
			return fs.readFileSync(logFile, 'utf8').trim().split('\n').slice(-lines).join('\n');
		} catch {
			return '';
		}
	};
	const stop = async () => {
		if (!running.has(child)) return;
		killGroup(child, 'SIGTERM');
		const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 15_000);
		await exited;
		clearTimeout(timer);
		// The task runner may outlive n8n's main process by a moment; the group goes with it.
		killGroup(child, 'SIGKILL');
		running.delete(child);
	};

	say(`starting n8n on ${url} (user folder ${userFolder})`);
	try {
		await waitUntilReady(url, exited);
	} catch (error) {
		await stop();
		throw new Error(`${(error as Error).message}\n--- n8n log (last lines) ---\n${logTail()}`);
	}
	return { url, userFolder, logFile, pid: child.pid!, logTail, stop };
}

/** Ready when the REST API answers JSON (the editor's settings endpoint needs no login). Start-up takes 10-30 s. */
async function waitUntilReady(url: string, exited: Promise<void>): Promise<void> {
	let gone = false;
	void exited.then(() => (gone = true));
	// A safety net, not a performance check: a slow machine gets minutes.
	const deadline = Date.now() + 300_000;
	while (Date.now() < deadline) {
		if (gone) throw new Error('n8n exited during start-up');
		try {
			// While starting, n8n answers every route with 200 "n8n is starting up. Please wait".
			const response = await fetch(`${url}/rest/settings`);
			const text = await response.text();
			if (response.ok && text.startsWith('{')) return;
		} catch {
			// Not listening yet.
		}
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
	throw new Error('n8n did not become ready within 5 minutes');
}
