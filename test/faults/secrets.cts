/**
 * Everything of one execution where a secret could leak: output items, the error n8n records (message,
 * description, context, cause, stack) and whatever the process printed meanwhile (stdout, stderr, the
 * console and n8n's logger), as one string to search for a canary. `alsoSent` adds what went elsewhere during the
 * run, e.g. the chunks a streaming node sent to the n8n client; it is read after the run.
 */
import { transports } from 'winston';

import type { NodeRunResult } from '../harness/n8n.cjs';

/**
 * n8n's logger (winston, through @n8n/backend-common) prints with console methods it bound when its
 * Console transport was created, so replacing `console.log` later does not see its lines: they are
 * taken where every instance of that transport logs.
 */
const consoleTransport = transports.Console.prototype as unknown as {
	log: (info: unknown, callback?: () => void) => void;
};

function logLine(info: unknown): string {
	const formatted = (info as Record<symbol, unknown> | undefined)?.[Symbol.for('message')];
	try {
		return `${String(formatted ?? '')} ${JSON.stringify(info, (_key, value: unknown) => (value instanceof Error ? { ...value, message: value.message, stack: value.stack } : value))}`;
	} catch {
		return String(formatted ?? info);
	}
}

export async function collectSecretSurface(
	work: () => Promise<NodeRunResult>,
	alsoSent: () => unknown = () => undefined,
): Promise<string> {
	const printed: string[] = [];
	const stdoutWrite = process.stdout.write.bind(process.stdout);
	const stderrWrite = process.stderr.write.bind(process.stderr);
	const capture = (chunk: unknown) => {
		printed.push(String(chunk));
		return true;
	};
	process.stdout.write = capture as typeof process.stdout.write;
	process.stderr.write = capture as typeof process.stderr.write;
	const consoleMethods = ['log', 'info', 'warn', 'error', 'debug'] as const;
	const originals = consoleMethods.map((name) => console[name]);
	for (const name of consoleMethods)
		console[name] = (...args: unknown[]) => void printed.push(args.map(String).join(' '));
	const transportLog = consoleTransport.log;
	consoleTransport.log = function (this: unknown, info: unknown, callback?: () => void) {
		printed.push(logLine(info));
		return transportLog.call(this, info, callback);
	};
	let result: NodeRunResult;
	try {
		result = await work();
		// n8n's logger (winston) writes through streams and may print a tick or two after the run
		// settled: keep capturing until those writes are done.
		for (let turn = 0; turn < 10; turn++) await new Promise((resolve) => setImmediate(resolve));
	} finally {
		process.stdout.write = stdoutWrite;
		process.stderr.write = stderrWrite;
		consoleMethods.forEach((name, i) => (console[name] = originals[i]));
		consoleTransport.log = transportLog;
	}
	const error = result.error as unknown as Record<string, unknown> | undefined;
	return [
		JSON.stringify(result.output),
		error ? JSON.stringify(error, Object.getOwnPropertyNames(error)) : '',
		error ? JSON.stringify(error.context ?? {}) : '',
		error?.cause ? JSON.stringify(error.cause, Object.getOwnPropertyNames(error.cause)) : '',
		String(error?.stack ?? ''),
		JSON.stringify(result.run.data.resultData),
		JSON.stringify(alsoSent() ?? null),
		...printed,
	].join('\n');
}
