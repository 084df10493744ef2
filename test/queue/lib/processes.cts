/**
 * Long-running processes of the queue-mode suite (Redis, Postgres, n8n main and workers), each in its own
 * process group so that stopping it also stops what it forked (Postgres' backends, n8n's task runner).
 * An exit hook kills every group still running, so an interrupted jest leaves nothing behind; `stop` and
 * `kill` are what the suite's afterAll and the worker-crash test call.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';

export interface Service {
	name: string;
	pid: number;
	logFile: string;
	/** True once the process has exited (by itself or stopped). */
	readonly exited: boolean;
	/** Resolves when the process has exited. */
	whenExited: Promise<void>;
	logTail(lines?: number): string;
	/** SIGTERM (or the given signal), SIGKILL after `graceMs`, then the whole group; idempotent. */
	stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
	/** SIGKILL to the whole group, at once: a crash, not a shutdown. */
	kill(): Promise<void>;
}

const running = new Set<ChildProcess>();

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
	if (child.pid === undefined) return;
	try {
		process.kill(-child.pid, signal);
	} catch {
		// ESRCH: the group is already gone.
	}
}

process.once('exit', () => {
	for (const child of running) signalGroup(child, 'SIGKILL');
});

export interface SpawnOptions {
	env: NodeJS.ProcessEnv;
	cwd: string;
	logFile: string;
	/** Run as this user (Postgres refuses to run as root). */
	uid?: number;
	gid?: number;
}

export function spawnService(
	name: string,
	command: string,
	args: string[],
	options: SpawnOptions,
): Service {
	const log = fs.openSync(options.logFile, 'a');
	const child = spawn(command, args, {
		cwd: options.cwd,
		env: options.env,
		detached: true,
		stdio: ['ignore', log, log],
		...(options.uid !== undefined ? { uid: options.uid, gid: options.gid } : {}),
	});
	fs.closeSync(log);
	if (child.pid === undefined) throw new Error(`${name}: ${command} did not start`);
	running.add(child);
	let exited = false;
	const whenExited = new Promise<void>((resolve) => {
		child.once('exit', () => {
			exited = true;
			resolve();
		});
		child.once('error', () => {
			exited = true;
			resolve();
		});
	});

	const finish = async (signal: NodeJS.Signals, graceMs: number) => {
		if (!running.has(child)) return;
		signalGroup(child, signal);
		const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
		await whenExited;
		clearTimeout(timer);
		// Children of the group (backends, task runners) may outlive the leader by a moment.
		signalGroup(child, 'SIGKILL');
		running.delete(child);
	};

	return {
		name,
		pid: child.pid,
		logFile: options.logFile,
		get exited() {
			return exited;
		},
		whenExited,
		logTail: (lines = 40) => {
			try {
				return fs.readFileSync(options.logFile, 'utf8').trim().split('\n').slice(-lines).join('\n');
			} catch {
				return '';
			}
		},
		stop: (signal = 'SIGTERM', graceMs = 15_000) => finish(signal, graceMs),
		kill: () => finish('SIGKILL', 0),
	};
}

/**
 * Polls `probe` until it answers true; fails with the service's log tail when the process exits first or
 * the safety net runs out (minutes: a slow machine is not a failure, a hung start is).
 */
export async function waitUntil(
	service: Service,
	what: string,
	probe: () => Promise<boolean>,
	safetyNetMs = 300_000,
): Promise<void> {
	const deadline = Date.now() + safetyNetMs;
	while (Date.now() < deadline) {
		if (service.exited)
			throw new Error(
				`${service.name} exited before it was ${what}\n--- ${service.logFile} ---\n${service.logTail()}`,
			);
		try {
			if (await probe()) return;
		} catch {
			// Not there yet.
		}
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
	throw new Error(
		`${service.name} was not ${what} within ${safetyNetMs / 1000} s\n--- ${service.logFile} ---\n${service.logTail()}`,
	);
}
