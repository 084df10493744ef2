/**
 * httpClient.ts's keep-alive transport (as the credential Test opens it) on loopback: JSON requests reach the
 * server directly over kept-alive connections; with HTTP_PROXY set they go through the proxy (Node's agent
 * applies it), and a header that would change the request's head fails it with nothing sent.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

import { openTestTransport } from '../../nodes/common/transport/httpClient';
import { TransportFailure } from '../../nodes/common/transport/types';

async function listen(handler: http.RequestListener) {
	const connections: string[] = [];
	const requests: Array<{ url: string; headers: http.IncomingHttpHeaders; body: string }> = [];
	const server = http.createServer((request, response) => {
		let body = '';
		request.on('data', (chunk) => (body += chunk));
		request.on('end', () => {
			requests.push({ url: request.url ?? '', headers: request.headers, body });
			handler(request, response);
		});
	});
	server.on('connection', (socket) => connections.push(`${socket.remotePort}`));
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		connections,
		requests,
		close: () => new Promise((resolve) => server.close(resolve)),
	};
}

const json = (body: unknown): http.RequestListener => (_request, response) => {
	response.writeHead(200, { 'Content-Type': 'application/json' });
	response.end(JSON.stringify(body));
};

describe('keep-alive transport', () => {
	const saved = { HTTP_PROXY: process.env.HTTP_PROXY, http_proxy: process.env.http_proxy };
	afterEach(() => {
		for (const [name, value] of Object.entries(saved)) {
			if (value === undefined) delete process.env[name];
			else process.env[name] = value;
		}
	});

	it('sends JSON requests straight to the server over one kept-alive connection', async () => {
		delete process.env.HTTP_PROXY;
		delete process.env.http_proxy;
		const server = await listen(json({ ok: true }));
		const client = openTestTransport({ baseUrl: `${server.url}/base/`, timeoutMs: 5000 });
		try {
			const first = await client.send({ method: 'POST', path: '/messages', body: { a: 'é' }, headers: { 'X-Api-Key': 'k' } });
			const second = await client.send({ method: 'GET', path: '/probe', query: { limit: 1 } });
			expect(first).toEqual({ status: 200, headers: expect.objectContaining({ 'content-type': 'application/json' }), body: { ok: true } });
			expect(second.body).toEqual({ ok: true });
			expect(server.requests.map((request) => request.url)).toEqual(['/base/messages', '/base/probe?limit=1']);
			expect(server.requests[0].body).toBe('{"a":"é"}');
			expect(server.requests[0].headers).toMatchObject({ 'content-type': 'application/json', 'x-api-key': 'k', accept: 'application/json' });
			expect(server.connections).toHaveLength(1);
		} finally {
			client.close();
			await server.close();
		}
	});

	it('goes through the proxy named by HTTP_PROXY', async () => {
		const proxy = await listen(json({ via: 'proxy' }));
		process.env.HTTP_PROXY = proxy.url;
		const client = openTestTransport({ baseUrl: 'http://127.0.0.1:9', timeoutMs: 5000 });
		try {
			const response = await client.send({ method: 'POST', path: '/messages', body: { a: 1 } });
			expect(response.body).toEqual({ via: 'proxy' });
			// A forward proxy is asked for the absolute URL.
			expect(proxy.requests.map((request) => request.url)).toEqual(['http://127.0.0.1:9/messages']);
		} finally {
			client.close();
			await proxy.close();
		}
	});

	it('fails a request whose header would change its head, and sends nothing', async () => {
		delete process.env.HTTP_PROXY;
		delete process.env.http_proxy;
		const server = await listen(json({ ok: true }));
		const client = openTestTransport({ baseUrl: server.url, timeoutMs: 5000 });
		try {
			const failure = await client.send({ method: 'POST', path: '/m', body: {}, headers: { Cookie: 'a=1\r\nX-Injected: 1' } }).catch((error: unknown) => error);
			expect(failure).toBeInstanceOf(TransportFailure);
			expect(failure).toMatchObject({ kind: 'network', code: 'ERR_INVALID_CHAR' });
			expect(server.requests).toHaveLength(0);
			expect(server.connections).toHaveLength(0);
		} finally {
			client.close();
			await server.close();
		}
	});
});
