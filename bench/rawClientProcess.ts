/**
 * The raw keep-alive client (rawClient.ts) run in a process of its own, as n8n is: the simulator answers
 * from the bench's process, so the client and the server each have a process, as with the node in n8n.
 * In the bench's own process the raw client shares one event loop (and one core) with the simulator.
 *
 * Run as `node rawClientProcess.js <json>`, where json is {baseUrl, headers, posts, concurrency}; prints
 * the time in ms on its last line.
 */
import { execFile } from 'node:child_process';

import { postAllRaw, type RawPost } from './rawClient';

interface Job {
	baseUrl: string;
	headers: Record<string, string>;
	posts: RawPost[];
	concurrency: number;
}

/** Runs the raw client in a child process and resolves to its time in ms (process start-up not counted). */
export function postAllRawInOwnProcess(baseUrl: string, headers: Record<string, string>, posts: RawPost[], concurrency: number): Promise<number> {
	const job: Job = { baseUrl, headers, posts, concurrency };
	return new Promise((resolve, reject) => {
		const child = execFile(process.execPath, [__filename], { maxBuffer: 1024 * 1024 }, (error, stdout) => {
			if (error) return reject(error);
			const ms = Number(stdout.trim().split('\n').pop());
			if (!Number.isFinite(ms)) return reject(new Error(`raw client process printed ${stdout}`));
			resolve(ms);
		});
		child.stdin?.end(JSON.stringify(job));
	});
}

if (require.main === module) {
	let input = '';
	process.stdin.setEncoding('utf8');
	process.stdin.on('data', (chunk: string) => (input += chunk));
	process.stdin.on('end', () => {
		const job = JSON.parse(input) as Job;
		// A warm-up round (JIT, sockets), as the node's own run comes after n8n has warmed up.
		postAllRaw(job.baseUrl, job.headers, job.posts.slice(0, 200), job.concurrency)
			.then(() => postAllRaw(job.baseUrl, job.headers, job.posts, job.concurrency))
			.then((ms) => console.log(String(ms)))
			.catch((error: unknown) => {
				console.error(error);
				process.exitCode = 1;
			});
	});
}
