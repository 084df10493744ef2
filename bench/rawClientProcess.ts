/**
 * The raw keep-alive clients (rawClient.ts) run in a process of their own, as n8n is: the simulator answers
 * from the bench's process, so client and server each have a process, as with our nodes in n8n. In the
 * bench's own process a raw client shares one event loop (and one core) with the simulator.
 *
 * Run as `node rawClientProcess.js` with a job as JSON on stdin (posts, or reads of the chat stream);
 * prints one time in ms a line.
 */
import { execFile } from 'node:child_process';
import * as http from 'node:http';

import type { ChatSimulator } from '../test/simulators/chat';
import { postAllRaw, readChatStreamRaw, type RawPost } from './rawClient';

interface PostJob {
	kind: 'posts';
	baseUrl: string;
	headers: Record<string, string>;
	posts: RawPost[];
	concurrency: number;
}

/** Reads the chat simulator's reply stream `rounds` times, the first a warm-up. */
interface ChatJob {
	kind: 'chat';
	url: string;
	cookieName: string;
	cookie: string;
	rounds: number;
}

type Job = PostJob | ChatJob;

let lastCpuMs = NaN;

/** The CPU time (user + system, ms) the last raw client process spent on its measured rounds. */
export function lastRawCpuMs(): number {
	return lastCpuMs;
}

function runInOwnProcess(job: Job): Promise<number[]> {
	return new Promise((resolve, reject) => {
		const child = execFile(process.execPath, [__filename], { maxBuffer: 1024 * 1024 }, (error, stdout) => {
			if (error) return reject(error);
			// The last line is the child's CPU time for the measured rounds ("cpu <ms>").
			const lines = stdout.trim().split('\n');
			lastCpuMs = Number(lines.pop()?.replace(/^cpu /, ''));
			const times = lines.map(Number);
			if (times.some((ms) => !Number.isFinite(ms))) return reject(new Error(`raw client process printed ${stdout}`));
			resolve(times);
		});
		child.stdin?.end(JSON.stringify(job));
	});
}

/** The posts from a process of its own, after a warm-up round; resolves to the measured round's ms. */
export async function postAllRawInOwnProcess(baseUrl: string, headers: Record<string, string>, posts: RawPost[], concurrency: number): Promise<number> {
	const times = await runInOwnProcess({ kind: 'posts', baseUrl, headers, posts, concurrency });
	return times[times.length - 1];
}

/** Raw reads of the chat stream from a process of its own, one after another; resolves to each measured read's ms. */
export async function readChatStreamRawInOwnProcess(sim: ChatSimulator, cookie: string, rounds: number): Promise<number[]> {
	return await runInOwnProcess({ kind: 'chat', url: sim.url, cookieName: sim.cookieName, cookie, rounds });
}

async function runJob(job: Job): Promise<{ times: number[]; cpuMs: number }> {
	if (job.kind === 'posts') {
		// A warm-up round (JIT, sockets), as the node's own run comes after n8n has warmed up.
		await postAllRaw(job.baseUrl, job.headers, job.posts.slice(0, 200), job.concurrency);
		const cpu = process.cpuUsage();
		const ms = await postAllRaw(job.baseUrl, job.headers, job.posts, job.concurrency);
		const used = process.cpuUsage(cpu);
		return { times: [ms], cpuMs: (used.user + used.system) / 1000 };
	}
	const agent = new http.Agent({ keepAlive: true });
	const sim = { url: job.url, cookieName: job.cookieName } as ChatSimulator;
	const times: number[] = [];
	let cpu = process.cpuUsage();
	for (let round = 0; round < job.rounds; round++) {
		if (round === 1) cpu = process.cpuUsage();
		times.push((await readChatStreamRaw(sim, job.cookie, agent)).ms);
	}
	const used = process.cpuUsage(cpu);
	agent.destroy();
	return { times: times.slice(1), cpuMs: (used.user + used.system) / 1000 };
}

if (require.main === module) {
	let input = '';
	process.stdin.setEncoding('utf8');
	process.stdin.on('data', (chunk: string) => (input += chunk));
	process.stdin.on('end', () => {
		runJob(JSON.parse(input) as Job)
			.then(({ times, cpuMs }) => console.log([...times, `cpu ${cpuMs}`].join('\n')))
			.catch((error: unknown) => {
				console.error(error);
				process.exitCode = 1;
			});
	});
}
