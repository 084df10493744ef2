/**
 * http1Pool.ts against raw TCP servers on loopback that answer byte for byte as a test needs: bodies by
 * Content-Length, chunked or until the close, answers cut into pieces, 1xx answers, connections closed or
 * reset by the server, and heads Node's http would refuse to send.
 */
import * as net from 'node:net';

import { createHttp1Pool, type Http1Pool, type PoolRequest, type PoolResponse } from '../../nodes/common/transport/http1Pool';

interface Received {
	head: string;
	body: string;
	connection: number;
}

/** A server that hands each complete request, with its connection's number, to `answer`. */
async function rawServer(answer: (socket: net.Socket, request: Received) => void) {
	const received: Received[] = [];
	const sockets = new Set<net.Socket>();
	let connections = 0;
	const server = net.createServer((socket) => {
		const connection = ++connections;
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		socket.on('error', () => undefined);
		let buffer = '';
		socket.on('data', (data) => {
			buffer += data.toString('latin1');
			for (;;) {
				const end = buffer.indexOf('\r\n\r\n');
				if (end < 0) return;
				const head = buffer.slice(0, end);
				const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
				if (buffer.length < end + 4 + length) return;
				const request = { head, body: Buffer.from(buffer.slice(end + 4, end + 4 + length), 'latin1').toString('utf8'), connection };
				buffer = buffer.slice(end + 4 + length);
				received.push(request);
				answer(socket, request);
			}
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const url = new URL(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`);
	return {
		url,
		received,
		connections: () => connections,
		close: async () => {
			for (const socket of sockets) socket.destroy();
			await new Promise((resolve) => server.close(resolve));
		},
	};
}

const JSON_BODY = '{"a":"é"}';
const POST: PoolRequest = { method: 'POST', path: '/messages', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(JSON_BODY) }, body: JSON_BODY };

function send(pool: Http1Pool, request: PoolRequest = POST): Promise<PoolResponse> {
	return new Promise((resolve, reject) => pool.send(request, (error, response) => (error ? reject(error) : resolve(response!))));
}

/** Writes the pieces one by one, each in its own turn of the event loop. */
async function writeInPieces(socket: net.Socket, text: string, size: number) {
	for (let at = 0; at < text.length; at += size) {
		socket.write(text.slice(at, at + size), 'latin1');
		await new Promise((resolve) => setImmediate(resolve));
	}
}

const ok = (body: string, headers = '') => `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${headers}\r\n${body}`;

describe('http1Pool', () => {
	let server: Awaited<ReturnType<typeof rawServer>> | undefined;
	let pool: Http1Pool | undefined;
	afterEach(async () => {
		pool?.close();
		await server?.close();
		pool = undefined;
		server = undefined;
	});

	it('sends the head and body as one request and reuses the connection for the next', async () => {
		server = await rawServer((socket, request) => socket.write(ok(`{"seq":${server!.received.length},"echo":${JSON.stringify(request.body)}}`)));
		pool = createHttp1Pool({ url: server.url, maxSockets: 4, rejectUnauthorized: true });
		const first = await send(pool);
		const second = await send(pool);
		expect(first.status).toBe(200);
		expect(JSON.parse(first.body.toString('utf8'))).toEqual({ seq: 1, echo: '{"a":"é"}' });
		expect(JSON.parse(second.body.toString('utf8')).seq).toBe(2);
		expect(first.headers['content-type']).toBe('application/json');
		expect(server.received[0].head.split('\r\n')).toEqual([
			'POST /messages HTTP/1.1',
			`Host: ${server.url.host}`,
			'Connection: keep-alive',
			'Content-Type: application/json',
			'Content-Length: 10',
		]);
		expect(server.connections()).toBe(1);
	});

	it('reads an answer cut into single bytes: its head, a chunked body with extensions and trailers', async () => {
		const answer =
			'HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n' +
			'4;ext=1\r\n{"ok\r\n' +
			'6\r\n":true\r\n' +
			'1\r\n}\r\n' +
			'0\r\nX-Trailer: t\r\n\r\n';
		server = await rawServer((socket) => void writeInPieces(socket, answer, 1));
		pool = createHttp1Pool({ url: server.url, maxSockets: 1, rejectUnauthorized: true });
		const response = await send(pool);
		expect(response.status).toBe(201);
		expect(response.body.toString('utf8')).toBe('{"ok":true}');
		expect(response.headers['set-cookie']).toBe('a=1, b=2');
		// The trailer was read to its end: the connection serves the next request.
		server.received.length = 0;
		await send(pool);
		expect(server.connections()).toBe(1);
	});

	it('skips a 100 Continue before the answer', async () => {
		server = await rawServer((socket) => socket.write(`HTTP/1.1 100 Continue\r\n\r\n${ok('{}')}`));
		pool = createHttp1Pool({ url: server.url, maxSockets: 1, rejectUnauthorized: true });
		const response = await send(pool);
		expect(response.status).toBe(200);
		expect(response.body.toString()).toBe('{}');
	});

	it('reads a body without length until the server closes, and does not reuse that connection', async () => {
		server = await rawServer((socket) => {
			socket.write('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\npart one, ');
			setImmediate(() => socket.end('part two'));
		});
		pool = createHttp1Pool({ url: server.url, maxSockets: 1, rejectUnauthorized: true });
		expect((await send(pool)).body.toString()).toBe('part one, part two');
		expect((await send(pool)).body.toString()).toBe('part one, part two');
		expect(server.connections()).toBe(2);
	});

	it('answers without a body for 204', async () => {
		server = await rawServer((socket) => socket.write('HTTP/1.1 204 No Content\r\n\r\n'));
		pool = createHttp1Pool({ url: server.url, maxSockets: 1, rejectUnauthorized: true });
		const response = await send(pool);
		expect(response.status).toBe(204);
		expect(response.body.length).toBe(0);
		await send(pool);
		expect(server.connections()).toBe(1);
	});

	it('opens a new connection after Connection: close, after a short Keep-Alive timeout, and after the server closed an idle one', async () => {
		let answers = 0;
		server = await rawServer((socket) => {
			answers++;
			if (answers === 1) socket.write(ok('{}', 'Connection: close\r\n'), () => socket.end());
			else if (answers === 2) socket.write(ok('{}', 'Keep-Alive: timeout=1\r\n'));
			else if (answers === 3) socket.write(ok('{}'), () => socket.end());
			else socket.write(ok('{}'));
		});
		pool = createHttp1Pool({ url: server.url, maxSockets: 1, rejectUnauthorized: true });
		await send(pool);
		await send(pool);
		await send(pool);
		// The server's FIN reaches the pool before the next request is sent.
		await new Promise((resolve) => setTimeout(resolve, 20));
		await send(pool);
		expect(server.received.map((request) => request.connection)).toEqual([1, 2, 3, 4]);
	});

	it('holds at most maxSockets connections and queues the rest in order', async () => {
		server = await rawServer((socket, request) => setTimeout(() => socket.write(ok(request.body)), 5));
		pool = createHttp1Pool({ url: server.url, maxSockets: 2, rejectUnauthorized: true });
		const bodies = Array.from({ length: 7 }, (_, index) => `{"i":${index}}`);
		const answers = await Promise.all(bodies.map((body) => send(pool!, { ...POST, headers: { 'Content-Length': body.length }, body })));
		expect(answers.map((answer) => answer.body.toString())).toEqual(bodies);
		expect(server.connections()).toBe(2);
	});

	it('fails with ECONNRESET when the server cuts an answer, and with ECONNREFUSED when nobody listens', async () => {
		server = await rawServer((socket) => {
			socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"partial"');
			setImmediate(() => socket.destroy());
		});
		pool = createHttp1Pool({ url: server.url, maxSockets: 1, rejectUnauthorized: true });
		await expect(send(pool)).rejects.toMatchObject({ code: 'ECONNRESET' });
		const closed = await rawServer(() => undefined);
		const url = closed.url;
		await closed.close();
		const refused = createHttp1Pool({ url, maxSockets: 1, rejectUnauthorized: true });
		await expect(send(refused)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
		refused.close();
	});

	it('fails with a parse error code on an answer that is not HTTP/1.x, or whose head never ends', async () => {
		server = await rawServer((socket, request) => socket.write(request.body === 'big' ? `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(20_000)}` : 'SSH-2.0-OpenSSH\r\n\r\n'));
		pool = createHttp1Pool({ url: server.url, maxSockets: 1, rejectUnauthorized: true });
		await expect(send(pool)).rejects.toMatchObject({ code: 'HPE_INVALID_CONSTANT' });
		await expect(send(pool, { ...POST, headers: { 'Content-Length': 3 }, body: 'big' })).rejects.toMatchObject({ code: 'HPE_HEADER_OVERFLOW' });
	});

	it('refuses, before anything is sent, a header or path that would change the head', async () => {
		server = await rawServer((socket) => socket.write(ok('{}')));
		pool = createHttp1Pool({ url: server.url, maxSockets: 1, rejectUnauthorized: true });
		const refused = (request: PoolRequest) => {
			try {
				pool!.send(request, () => undefined);
			} catch (error) {
				return (error as { code?: string }).code;
			}
			return 'sent';
		};
		expect(refused({ ...POST, headers: { 'X-Api-Key': 'key\r\nX-Injected: 1' } })).toBe('ERR_INVALID_CHAR');
		expect(refused({ ...POST, headers: { 'X Api': 'key' } })).toBe('ERR_INVALID_HTTP_TOKEN');
		expect(refused({ ...POST, path: '/messages HTTP/1.1\r\nX: 1' })).toBe('ERR_UNESCAPED_CHARACTERS');
		await new Promise((resolve) => setTimeout(resolve, 20));
		expect(server.connections()).toBe(0);
	});

	it('destroy() ends a request in flight without an answer to it, and the pool goes on', async () => {
		let answers = 0;
		server = await rawServer((socket) => {
			if (++answers > 1) socket.write(ok('{}'));
		});
		pool = createHttp1Pool({ url: server.url, maxSockets: 1, rejectUnauthorized: true });
		const done = jest.fn();
		const handle = pool.send(POST, done);
		while (server.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
		handle.destroy();
		expect((await send(pool)).status).toBe(200);
		expect(done).not.toHaveBeenCalled();
		expect(server.connections()).toBe(2);
	});
});
