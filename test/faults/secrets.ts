/**
 * Everything of one execution where a secret could leak: output items, the error n8n records (message,
 * description, context, cause, stack) and whatever the process printed meanwhile (stdout, stderr and
 * the console), as one string to search for a canary.
 */
import type { NodeRunResult } from '../harness/n8n';

export async function collectSecretSurface(work: () => Promise<NodeRunResult>): Promise<string> {
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
	for (const name of consoleMethods) console[name] = (...args: unknown[]) => void printed.push(args.map(String).join(' '));
	let result: NodeRunResult;
	try {
		result = await work();
	} finally {
		process.stdout.write = stdoutWrite;
		process.stderr.write = stderrWrite;
		consoleMethods.forEach((name, i) => (console[name] = originals[i]));
	}
	const error = result.error as unknown as Record<string, unknown> | undefined;
	return [
		JSON.stringify(result.output),
		error ? JSON.stringify(error, Object.getOwnPropertyNames(error)) : '',
		error ? JSON.stringify(error.context ?? {}) : '',
		error?.cause ? JSON.stringify(error.cause, Object.getOwnPropertyNames(error.cause)) : '',
		String(error?.stack ?? ''),
		JSON.stringify(result.run.data.resultData),
		...printed,
	].join('\n');
}
