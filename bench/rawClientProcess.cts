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

import type { ChatSimulator } from '../test/simulators/chat.cjs';
import { postAllFetch, postAllRaw, readChatStreamRaw, type RawPost } from './rawClient.cjs';
import { median } from './rounds.cjs';

interface PostJob {
	kind: 'posts';
	/** Node's http/https client with a keep-alive agent (the default), or Node's global fetch. */
	client?: RawClientKind;
	baseUrl: string;
	headers: Record<string, string>;
	posts: RawPost[];
	concurrency: number;
	/** Measured rounds after the warm-up (default 1). */
	rounds?: number;
	/** Unmeasured rounds first (default 1). */
	warmUpRounds?: number;
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

export type RawClientKind = 'node' | 'fetch';

let lastCpuMs = NaN;
let lastWindow = { fromUs: 0, toUs: 0 };

/** When the last raw client process ran its measured rounds, on the monotonic clock (µs), for its profile. */
export function lastRawWindow(): { fromUs: number; toUs: number } {
	return lastWindow;
}

/** The CPU time (user + system, ms) the last raw client process spent on its measured rounds. */
export function lastRawCpuMs(): number {
	return lastCpuMs;
}

/** Node flags for the raw client processes, e.g. --cpu-prof (the bench's --profile). */
let nodeFlags: string[] = [];
export function setRawClientNodeFlags(flags: string[]): void {
	nodeFlags = flags;
}

/** More environment for the raw client processes, e.g. NODE_EXTRA_CA_CERTS to trust the bench's TLS front. */
let extraEnv: Record<string, string> = {};
export function setRawClientEnv(env: Record<string, string>): void {
	extraEnv = env;
}

function runInOwnProcess(job: Job): Promise<number[]> {
	return new Promise((resolve, reject) => {
		const options = { maxBuffer: 1024 * 1024, env: { ...process.env, ...extraEnv } };
		const child = execFile(
			process.execPath,
			[...nodeFlags, __filename],
			options,
			(error, stdout) => {
				if (error) return reject(error);
				// The last lines: the measured window on the monotonic clock ("window <fromUs> <toUs>") and the
				// child's CPU time for the measured rounds ("cpu <ms>").
				const lines = stdout.trim().split('\n');
				lastCpuMs = Number(lines.pop()?.replace(/^cpu /, ''));
				const [fromUs, toUs] = (lines.pop() ?? '').split(' ').slice(1).map(Number);
				lastWindow = { fromUs, toUs };
				const times = lines.map(Number);
				if (times.some((ms) => !Number.isFinite(ms)))
					return reject(new Error(`raw client process printed ${stdout}`));
				resolve(times);
			},
		);
		child.stdin?.end(JSON.stringify(job));
	});
}

/** The posts from a process of its own, after `warmUpRounds` unmeasured rounds; resolves to the median of `rounds` measured rounds (ms). */
export async function postAllRawInOwnProcess(
	baseUrl: string,
	headers: Record<string, string>,
	posts: RawPost[],
	concurrency: number,
	{
		rounds = 1,
		warmUpRounds = 1,
		client = 'node',
	}: { rounds?: number; warmUpRounds?: number; client?: RawClientKind } = {},
): Promise<number> {
	return median(
		await runInOwnProcess({
			kind: 'posts',
			client,
			baseUrl,
			headers,
			posts,
			concurrency,
			rounds,
			warmUpRounds,
		}),
	);
}

/** Raw reads of the chat stream from a process of its own, one after another; resolves to each measured read's ms. */
export async function readChatStreamRawInOwnProcess(
	sim: ChatSimulator,
	cookie: string,
	rounds: number,
): Promise<number[]> {
	return await runInOwnProcess({
		kind: 'chat',
		url: sim.url,
		cookieName: sim.cookieName,
		cookie,
		rounds,
	});
}

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

async function runJob(job: Job): Promise<{ times: number[]; window: number[]; cpuMs: number }> {
	if (job.kind === 'posts') {
		const post = job.client === 'fetch' ? postAllFetch : postAllRaw;
		// Warm-up rounds (JIT, sockets), as the node is timed after warm-up runs; then the measured rounds,
		// timed the way the node is (the median of several), their CPU time per round.
		for (let round = 0; round < (job.warmUpRounds ?? 1); round++)
			await post(job.baseUrl, job.headers, job.posts, job.concurrency);
		const cpu = process.cpuUsage();
		const fromUs = monotonicUs();
		const times: number[] = [];
		for (let round = 0; round < (job.rounds ?? 1); round++)
			times.push(await post(job.baseUrl, job.headers, job.posts, job.concurrency));
		const used = process.cpuUsage(cpu);
		return {
			times,
			window: [fromUs, monotonicUs()],
			cpuMs: (used.user + used.system) / 1000 / times.length,
		};
	}
	const agent = new http.Agent({ keepAlive: true });
	const sim = { url: job.url, cookieName: job.cookieName } as ChatSimulator;
	const times: number[] = [];
	let cpu = process.cpuUsage();
	let fromUs = monotonicUs();
	for (let round = 0; round < job.rounds; round++) {
		if (round === 1) {
			cpu = process.cpuUsage();
			fromUs = monotonicUs();
		}
		times.push((await readChatStreamRaw(sim, job.cookie, agent)).ms);
	}
	const used = process.cpuUsage(cpu);
	agent.destroy();
	return {
		times: times.slice(1),
		window: [fromUs, monotonicUs()],
		cpuMs: (used.user + used.system) / 1000,
	};
}

if (require.main === module) {
	let input = '';
	process.stdin.setEncoding('utf8');
	process.stdin.on('data', (chunk: string) => (input += chunk));
	process.stdin.on('end', () => {
		runJob(JSON.parse(input) as Job)
			.then(({ times, window, cpuMs }) =>
				console.log([...times, `window ${window.join(' ')}`, `cpu ${cpuMs}`].join('\n')),
			)
			.catch((error: unknown) => {
				console.error(error);
				process.exitCode = 1;
			});
	});
}
