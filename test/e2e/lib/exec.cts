/** Runs a short-lived command to completion, keeping its output for the error message instead of the console. */
import { spawn } from 'node:child_process';

import { childEnv } from './cache.cjs';

export interface ExecResult {
	code: number;
	stdout: string;
	stderr: string;
}

export function exec(
	command: string,
	args: string[],
	options: { cwd: string; env?: Record<string, string> },
): Promise<ExecResult> {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, {
			cwd: options.cwd,
			env: childEnv(options.env),
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		child.on('error', reject);
		child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
	});
}

/** Like exec, but a non-zero exit is an error that carries the command's last output lines. */
export async function execOrThrow(
	command: string,
	args: string[],
	options: { cwd: string; env?: Record<string, string> },
): Promise<ExecResult> {
	const result = await exec(command, args, options);
	if (result.code !== 0) {
		const tail = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-25).join('\n');
		throw new Error(
			`\`${command} ${args.join(' ')}\` failed with exit code ${result.code} in ${options.cwd}:\n${tail}`,
		);
	}
	return result;
}
