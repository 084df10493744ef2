/**
 * HTTPS in front of a plain-HTTP simulator: terminates TLS with the test certificate (test/fixtures/tls,
 * CN localhost, IP 127.0.0.1) and pipes each connection to the simulator over a connection of its own, so
 * the same simulator, with the same request log, serves HTTP and HTTPS. It counts TCP connections and
 * completed TLS handshakes (and how many of those resumed a session), which is how the bench checks that a
 * client really spoke HTTPS through it.
 *
 * Clients must trust the certificate: the bench starts n8n and the raw client processes with
 * NODE_EXTRA_CA_CERTS set to TLS_CERT_FILE.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';

import { REPO_ROOT } from '../test/e2e/lib/cache.cjs';

export const TLS_CERT_FILE = path.join(REPO_ROOT, 'test', 'fixtures', 'tls', 'cert.pem');
const TLS_KEY_FILE = path.join(REPO_ROOT, 'test', 'fixtures', 'tls', 'key.pem');

export interface TlsFront {
	/** `https://127.0.0.1:<port>`: the certificate names that IP. */
	url: string;
	host: string;
	port: number;
	/** TCP connections accepted. */
	readonly connections: number;
	/** TLS handshakes completed (a connection that failed its handshake is not counted). */
	readonly handshakes: number;
	/** Of those, handshakes that resumed an earlier session. */
	readonly resumed: number;
	/** The TLS versions negotiated, e.g. { 'TLSv1.3': 12 }. */
	readonly versions: Record<string, number>;
	/** Socket errors seen on either side, by side and message ("upstream: connect ECONNREFUSED …": count), for diagnosis. */
	readonly errors: Record<string, number>;
	close(): Promise<void>;
}

export async function startTlsFront(target: { host: string; port: number }): Promise<TlsFront> {
	const sockets = new Set<net.Socket>();
	let connections = 0;
	let handshakes = 0;
	let resumed = 0;
	const versions: Record<string, number> = {};
	const errors: Record<string, number> = {};
	const noteError = (side: string) => (error: Error) => {
		const key = `${side}: ${error.message}`;
		errors[key] = (errors[key] ?? 0) + 1;
	};
	const track = (socket: net.Socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	};

	const server = tls.createServer(
		{ cert: fs.readFileSync(TLS_CERT_FILE), key: fs.readFileSync(TLS_KEY_FILE) },
		(secure) => {
			handshakes++;
			if (secure.isSessionReused()) resumed++;
			const version = secure.getProtocol() ?? 'unknown';
			versions[version] = (versions[version] ?? 0) + 1;
			secure.setNoDelay(true);
			const upstream = net.connect({ host: target.host, port: target.port });
			upstream.setNoDelay(true);
			track(secure);
			track(upstream);
			secure.pipe(upstream).pipe(secure);
			const teardown = () => {
				secure.destroy();
				upstream.destroy();
			};
			secure.on('error', noteError('client'));
			upstream.on('error', noteError('upstream'));
			secure.on('error', teardown);
			upstream.on('error', teardown);
			secure.on('close', teardown);
			upstream.on('close', teardown);
		},
	);
	server.on('connection', (socket: net.Socket) => {
		connections++;
		track(socket);
	});
	// A client that gives up mid-handshake is not the bench's concern; it must not crash the process.
	server.on('tlsClientError', noteError('handshake'));
	// n8n's HTTP Request node opens a connection per item, all 2,000 at once: with Node's default backlog (511)
	// the kernel drops some while the handshakes queue up, and that node's run fails ("connection closed").
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve);
	});
	const { port } = server.address() as net.AddressInfo;
	return {
		url: `https://127.0.0.1:${port}`,
		host: '127.0.0.1',
		port,
		get connections() {
			return connections;
		},
		get handshakes() {
			return handshakes;
		},
		get resumed() {
			return resumed;
		},
		get versions() {
			return { ...versions };
		},
		get errors() {
			return { ...errors };
		},
		async close() {
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}
