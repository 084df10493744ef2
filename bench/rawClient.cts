/**
 * The baseline every publishing benchmark is compared with: Node's own http client with a keep-alive
 * agent, posting prepared bodies with a fixed number in flight. Nothing of the package is used, so
 * it shows what this machine's loopback allows at that concurrency, measured in the same run.
 */
import axios from 'axios';
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';

import { CHAT_DEFAULTS, type ChatSimulator } from '../test/simulators/chat.cjs';

export interface RawPost {
	path: string;
	body: string;
}

/** Node's http client, or its https client for an https:// base URL (the system's CAs and NODE_EXTRA_CA_CERTS). */
export async function postAllRaw(
	baseUrl: string,
	headers: Record<string, string>,
	posts: RawPost[],
	concurrency: number,
): Promise<number> {
	const url = new URL(baseUrl);
	const client = url.protocol === 'https:' ? https : http;
	const agent = new client.Agent({ keepAlive: true, maxSockets: concurrency });
	let next = 0;
	let failures = 0;
	const send = (post: RawPost) =>
		new Promise<void>((resolve, reject) => {
			const request = client.request(
				{
					host: url.hostname,
					port: url.port,
					method: 'POST',
					path: post.path,
					agent,
					headers: {
						'Content-Type': 'application/json',
						'Content-Length': Buffer.byteLength(post.body),
						...headers,
					},
				},
				(response) => {
					if ((response.statusCode ?? 0) >= 300) failures++;
					response.resume();
					response.on('end', resolve);
				},
			);
			request.on('error', reject);
			request.end(post.body);
		});
	const start = performance.now();
	await Promise.all(
		Array.from({ length: concurrency }, async () => {
			while (next < posts.length) await send(posts[next++]);
		}),
	);
	const ms = performance.now() - start;
	agent.destroy();
	if (failures > 0) throw new Error(`raw baseline: ${failures} requests failed`);
	return ms;
}

/**
 * The same posts through Node's global fetch, as a user's code would write them: its process-wide pool
 * (undici's global dispatcher), `concurrency` in flight, each answer read to its end.
 */
export async function postAllFetch(
	baseUrl: string,
	headers: Record<string, string>,
	posts: RawPost[],
	concurrency: number,
): Promise<number> {
	let next = 0;
	let failures = 0;
	const start = performance.now();
	await Promise.all(
		Array.from({ length: concurrency }, async () => {
			while (next < posts.length) {
				const post = posts[next++];
				const response = await fetch(`${baseUrl}${post.path}`, {
					method: 'POST',
					headers: { 'Content-Type': 'application/json', ...headers },
					body: post.body,
				});
				await response.arrayBuffer();
				if (response.status >= 300) failures++;
			}
		}),
	);
	const ms = performance.now() - start;
	if (failures > 0) throw new Error(`raw fetch baseline: ${failures} requests failed`);
	return ms;
}

/** The same posts through axios with a keep-alive agent (its default configuration otherwise). */
export async function postAllAxios(
	baseUrl: string,
	headers: Record<string, string>,
	posts: RawPost[],
	concurrency: number,
): Promise<number> {
	const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
	const client = axios.create({
		baseURL: baseUrl,
		httpAgent: agent,
		headers: { 'Content-Type': 'application/json', ...headers },
	});
	let next = 0;
	const start = performance.now();
	await Promise.all(
		Array.from({ length: concurrency }, async () => {
			while (next < posts.length) {
				const post = posts[next++];
				await client.post(post.path, post.body);
			}
		}),
	);
	const ms = performance.now() - start;
	agent.destroy();
	return ms;
}

/**
 * The chat baseline: POSTs one message and reads the event stream to its end without parsing it, the
 * floor for any consumer. Returns the time from sending to the last byte, and the bytes read.
 */
export function readChatStreamRaw(
	sim: ChatSimulator,
	cookie: string,
	agent: http.Agent,
): Promise<{ ms: number; bytes: number }> {
	const body = JSON.stringify({
		content: 'bench',
		modelId: 'gpt-5.2',
		userId: CHAT_DEFAULTS.user.id,
	});
	const started = performance.now();
	return new Promise((resolve, reject) => {
		const request = http.request(
			`${sim.url}/api/chats/${randomUUID()}/messages/stream`,
			{
				method: 'POST',
				agent,
				headers: {
					'Content-Type': 'application/json',
					Accept: 'text/event-stream',
					Cookie: `${sim.cookieName}=${cookie}`,
					'Content-Length': Buffer.byteLength(body),
				},
			},
			(response) => {
				let bytes = 0;
				response.on('data', (chunk: Buffer) => (bytes += chunk.length));
				response.on('end', () => resolve({ ms: performance.now() - started, bytes }));
				response.on('error', reject);
			},
		);
		request.on('error', reject);
		request.end(body);
	});
}
