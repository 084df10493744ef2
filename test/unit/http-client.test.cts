/**
 * The fetch transport (fetchClient.ts) on loopback: JSON requests reach the server directly over connections
 * that outlive a client (one client per execution), other origins get none of them; with Node's proxy support
 * on (what NODE_USE_ENV_PROXY=1 turns on at start) they go through HTTP_PROXY; a header that would change the
 * request's head fails with nothing sent; redirects come back as answers; an oversized answer and a slow one
 * fail with their own words.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';

import { createFetchClient } from '../../nodes/common/transport/fetchClient';
import { TransportFailure } from '../../nodes/common/transport/types';

async function listen(handler: http.RequestListener) {
	const connections: string[] = [];
	const requests: Array<{
		url: string;
		headers: http.IncomingHttpHeaders;
		body: string;
		connection: string;
	}> = [];
	const server = http.createServer((request, response) => {
		let body = '';
		request.on('data', (chunk) => (body += chunk));
		request.on('end', () => {
			requests.push({
				url: request.url ?? '',
				headers: request.headers,
				body,
				connection: `${request.socket.remotePort}`,
			});
			handler(request, response);
		});
	});
	server.on('connection', (socket) => connections.push(`${socket.remotePort}`));
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		connections,
		requests,
		close: () => {
			server.closeAllConnections();
			return new Promise((resolve) => server.close(resolve));
		},
	};
}

const json =
	(body: unknown): http.RequestListener =>
	(_request, response) => {
		response.writeHead(200, { 'Content-Type': 'application/json' });
		response.end(JSON.stringify(body));
	};

const failureOf = async (promise: Promise<unknown>) =>
	await promise.then(
		() => undefined,
		(error: unknown) => error,
	);

describe('fetch transport', () => {
	it('sends JSON requests straight to the server, and later clients (executions) reuse the connections', async () => {
		const server = await listen(json({ ok: true }));
		try {
			const first = createFetchClient({ baseUrl: `${server.url}/base/`, timeoutMs: 5000 });
			const answer = await first.send({
				method: 'POST',
				path: '/messages',
				body: { a: 'é' },
				headers: { 'X-Api-Key': 'k' },
			});
			first.close();
			const second = createFetchClient({ baseUrl: `${server.url}/base`, timeoutMs: 5000 });
			const probe = await second.send({ method: 'GET', path: '/probe', query: { limit: 1 } });
			second.close();
			for (let execution = 0; execution < 10; execution++) {
				const client = createFetchClient({ baseUrl: server.url, timeoutMs: 5000 });
				await client.send({ method: 'POST', path: '/messages', body: { execution } });
				client.close();
			}
			expect(answer).toEqual({
				status: 200,
				headers: expect.objectContaining({ 'content-type': 'application/json' }),
				body: { ok: true },
			});
			expect(probe.body).toEqual({ ok: true });
			expect(server.requests.slice(0, 2).map((request) => request.url)).toEqual([
				'/base/messages',
				'/base/probe?limit=1',
			]);
			expect(server.requests[0].body).toBe('{"a":"é"}');
			expect(server.requests[0].headers).toMatchObject({
				'content-type': 'application/json',
				'x-api-key': 'k',
				accept: 'application/json',
			});
			// The second client's request did not carry the first one's header.
			expect(server.requests[1].headers['x-api-key']).toBeUndefined();
			// 12 requests, one client each. undici frees a connection a moment after its answer ended, so a request
			// sent at once after another may open a second one; never more.
			expect(server.requests).toHaveLength(12);
			expect(server.connections.length).toBeLessThanOrEqual(2);
		} finally {
			await server.close();
		}
	});

	it("never sends one origin's request over another origin's connection", async () => {
		const [a, b] = await Promise.all([
			listen(json({ server: 'a' })),
			listen(json({ server: 'b' })),
		]);
		try {
			const clientA = createFetchClient({ baseUrl: a.url, timeoutMs: 5000 });
			const clientB = createFetchClient({ baseUrl: b.url, timeoutMs: 5000 });
			const answers = await Promise.all(
				Array.from({ length: 20 }, (_, i) =>
					(i % 2 ? clientB : clientA).send({
						method: 'POST',
						path: '/m',
						body: { i },
						headers: { 'X-Api-Key': i % 2 ? 'key-b' : 'key-a' },
					}),
				),
			);
			expect(answers.map((answer) => (answer.body as { server: string }).server)).toEqual(
				Array.from({ length: 20 }, (_, i) => (i % 2 ? 'b' : 'a')),
			);
			expect(a.requests.every((request) => request.headers['x-api-key'] === 'key-a')).toBe(true);
			expect(b.requests.every((request) => request.headers['x-api-key'] === 'key-b')).toBe(true);
			expect([a.requests.length, b.requests.length]).toEqual([10, 10]);
		} finally {
			await Promise.all([a.close(), b.close()]);
		}
	});

	it('goes through the proxy named by HTTP_PROXY when Node applies the proxy variables', async () => {
		// The proxy: CONNECT opens a tunnel, and the "target" behind it is played by `behind`.
		const behind = await listen(json({ via: 'proxy' }));
		const tunnels: string[] = [];
		const tunnelSockets: net.Socket[] = [];
		const proxy = http.createServer((_request, response) => response.writeHead(405).end());
		proxy.on('connect', (request: http.IncomingMessage, socket: net.Socket) => {
			tunnels.push(request.url ?? '');
			socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
			const target = net.connect(Number(new URL(behind.url).port), '127.0.0.1');
			tunnelSockets.push(socket, target);
			socket.pipe(target).pipe(socket);
			socket.on('error', () => target.destroy());
			target.on('error', () => socket.destroy());
		});
		await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
		const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
		// What NODE_USE_ENV_PROXY=1 does at start, done at run time (Node >= 24.5): fetch then applies HTTP_PROXY.
		const restore = (
			http as unknown as { setGlobalProxyFromEnv(env: Record<string, string>): () => void }
		).setGlobalProxyFromEnv({ HTTP_PROXY: proxyUrl });
		try {
			const client = createFetchClient({ baseUrl: 'http://192.0.2.1:8080', timeoutMs: 5000 });
			const response = await client.send({ method: 'POST', path: '/messages', body: { a: 1 } });
			expect(response.body).toEqual({ via: 'proxy' });
			// fetch tunnels through the proxy to the Base URL's host, http targets included.
			expect(tunnels).toEqual(['192.0.2.1:8080']);
			expect(behind.requests.map((request) => request.url)).toEqual(['/messages']);
		} finally {
			restore();
			for (const socket of tunnelSockets) socket.destroy();
			await new Promise((resolve) => proxy.close(resolve));
			await behind.close();
		}
	});

	it('fails a request whose header would change its head, and sends nothing', async () => {
		const server = await listen(json({ ok: true }));
		try {
			const client = createFetchClient({ baseUrl: server.url, timeoutMs: 5000 });
			const failure = await failureOf(
				client.send({
					method: 'POST',
					path: '/m',
					body: {},
					headers: { Cookie: 'a=1\r\nX-Injected: 1' },
				}),
			);
			expect(failure).toBeInstanceOf(TransportFailure);
			expect(failure).toMatchObject({ kind: 'invalid', code: 'ERR_INVALID_CHAR' });
			expect(String((failure as Error).message)).not.toContain('Injected');
			expect(server.requests).toHaveLength(0);
			expect(server.connections).toHaveLength(0);
		} finally {
			await server.close();
		}
	});

	it('hands a redirect back as an answer instead of following it with the headers', async () => {
		const elsewhere = await listen(json({ followed: true }));
		const server = await listen((_request, response) => {
			response.writeHead(307, { Location: `${elsewhere.url}/steal` });
			response.end();
		});
		try {
			const client = createFetchClient({ baseUrl: server.url, timeoutMs: 5000 });
			const response = await client.send({
				method: 'POST',
				path: '/m',
				body: {},
				headers: { 'X-Api-Key': 'secret' },
			});
			expect(response.status).toBe(307);
			expect(response.headers.location).toBe(`${elsewhere.url}/steal`);
			expect(elsewhere.requests).toHaveLength(0);
		} finally {
			await Promise.all([server.close(), elsewhere.close()]);
		}
	});

	it('refuses an answer past the size limit, declared or streamed, without reading it whole', async () => {
		const chunk = 'x'.repeat(64 * 1024);
		let streamedBytes = 0;
		const server = await listen((request, response) => {
			if (request.url === '/declared') {
				response.writeHead(200, {
					'Content-Type': 'application/json',
					'Content-Length': String(10 * 1024 * 1024),
				});
				response.write(chunk);
				return;
			}
			response.writeHead(200, { 'Content-Type': 'application/json' });
			const pump = () => {
				while (!response.destroyed && response.write(chunk)) streamedBytes += chunk.length;
				if (!response.destroyed) response.once('drain', pump);
			};
			response.on('close', () => response.removeAllListeners('drain'));
			pump();
		});
		try {
			const client = createFetchClient({
				baseUrl: server.url,
				timeoutMs: 10_000,
				maxAnswerBytes: 1024 * 1024,
			});
			expect(await failureOf(client.send({ method: 'GET', path: '/declared' }))).toMatchObject({
				kind: 'tooLarge',
				message: 'The server sent an answer too large to read',
			});
			expect(await failureOf(client.send({ method: 'GET', path: '/endless' }))).toMatchObject({
				kind: 'tooLarge',
			});
			// The client stopped reading at the limit: the server could not push more than the limit and what the
			// socket buffers hold.
			expect(streamedBytes).toBeLessThan(32 * 1024 * 1024);
		} finally {
			await server.close();
		}
	});

	it('ends a request that gets no answer at its timeout, and a cancelled one at once', async () => {
		const server = await listen(() => {});
		try {
			const client = createFetchClient({ baseUrl: server.url, timeoutMs: 200 });
			expect(await failureOf(client.send({ method: 'GET', path: '/slow' }))).toMatchObject({
				kind: 'timeout',
				code: 'ETIMEDOUT',
			});
			const execution = new AbortController();
			const cancellable = createFetchClient({
				baseUrl: server.url,
				timeoutMs: 0,
				signal: execution.signal,
			});
			const sending = failureOf(cancellable.send({ method: 'GET', path: '/slow' }));
			setTimeout(() => execution.abort(), 50);
			expect(await sending).toMatchObject({ kind: 'aborted', message: 'The request was canceled' });
		} finally {
			await server.close();
		}
	});
});
