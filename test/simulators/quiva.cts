/**
 * A loopback quiva.ai Gateway, faithful to docs/api-contracts.md ("Quiva"):
 * GET /storage/streams, POST /storage/streams/{name}/messages, `X-Api-Key` or Bearer auth,
 * `{"error": ...}` bodies, 404 for unknown streams, per-stream subject filters with NATS wildcards,
 * the payload limit, and a log of what each stream received, in arrival order.
 *
 * Where the contract is silent, the choice is said here: a subject outside the stream's filters and a
 * body that is not an object answer 400 validation_error (JetStream would find no stream for the
 * subject); a payload over the limit answers 413 with `{"error":"payload_too_large"}`.
 */
import type { IncomingMessage } from 'node:http';

import { sendJson, startServer, type SimulatorServer } from './http.cjs';

export interface QuivaStream {
	name: string;
	subjects: string[];
}

export interface ReceivedMessage {
	stream: string;
	subject: string;
	body: Record<string, unknown>;
	/** Arrival order across the whole simulator, from 1. */
	sequence: number;
}

export interface QuivaSimulatorOptions {
	apiKey?: string;
	bearerToken?: string;
	streams?: QuivaStream[];
	maxPayloadBytes?: number;
}

export interface QuivaSimulator extends SimulatorServer {
	received: ReceivedMessage[];
	/** The messages a stream holds, in arrival order. */
	messages(stream: string): ReceivedMessage[];
	/** Authorization-bearing headers seen, to check which auth way a request used. */
	authHeadersSeen: Array<{ apiKey?: string; authorization?: string }>;
}

export const QUIVA_DEFAULTS = {
	apiKey: 'sim-quiva-key',
	bearerToken: 'sim-quiva-jwt',
	streams: [
		{ name: 'orders', subjects: ['orders.>'] },
		{ name: 'events', subjects: ['events.*', 'audit'] },
	],
};

/** NATS subject matching: `*` matches one token, `>` one or more trailing tokens. */
export function subjectMatches(filter: string, subject: string): boolean {
	const f = filter.split('.');
	const s = subject.split('.');
	for (let i = 0; i < f.length; i++) {
		if (f[i] === '>') return s.length > i;
		if (i >= s.length) return false;
		if (f[i] !== '*' && f[i] !== s[i]) return false;
	}
	return f.length === s.length;
}

export async function startQuivaSimulator(
	options: QuivaSimulatorOptions = {},
): Promise<QuivaSimulator> {
	const apiKey = options.apiKey ?? QUIVA_DEFAULTS.apiKey;
	const bearerToken = options.bearerToken ?? QUIVA_DEFAULTS.bearerToken;
	const streams = new Map(
		(options.streams ?? QUIVA_DEFAULTS.streams).map((stream) => [stream.name, stream]),
	);
	const maxPayloadBytes = options.maxPayloadBytes ?? 1024 * 1024;
	const received: ReceivedMessage[] = [];
	const authHeadersSeen: QuivaSimulator['authHeadersSeen'] = [];

	const authorized = (request: IncomingMessage) => {
		const key = request.headers['x-api-key'];
		const authorization = request.headers.authorization;
		authHeadersSeen.push({ apiKey: key as string | undefined, authorization });
		return key === apiKey || authorization === `Bearer ${bearerToken}`;
	};

	const server = await startServer((request, response, raw) => {
		const url = new URL(request.url ?? '/', 'http://localhost');
		if (!authorized(request)) return sendJson(response, 401, { error: 'unauthorized' });

		if (request.method === 'GET' && url.pathname === '/storage/streams') {
			const results = [...streams.values()].map((stream) => ({
				name: stream.name,
				description: '',
				subjects: stream.subjects,
				metadata: {},
				created: '2026-01-01T00:00:00Z',
				messages_total: received.filter((message) => message.stream === stream.name).length,
			}));
			return sendJson(response, 200, {
				body: { results, results_total: results.length },
				metadata: { duration: '1ms' },
			});
		}

		// The raw path, so an encoded "/" or ".." in a name stays inside one segment, as on a real router.
		const match = /^\/storage\/streams\/([^/]+)\/messages$/.exec(url.pathname);
		if (request.method === 'POST' && match) {
			const name = decodeURIComponent(match[1]);
			const stream = streams.get(name);
			if (!stream) return sendJson(response, 404, { error: 'not_found' });
			if (raw.length > maxPayloadBytes)
				return sendJson(response, 413, { error: 'payload_too_large' });
			let message: { stream?: unknown; subject?: unknown; body?: unknown };
			try {
				message = JSON.parse(raw.toString('utf8'));
			} catch {
				return sendJson(response, 400, { error: 'validation_error', message: 'body is not JSON' });
			}
			const { subject, body } = message;
			if (
				message.stream !== name ||
				typeof subject !== 'string' ||
				body === null ||
				typeof body !== 'object' ||
				Array.isArray(body)
			) {
				return sendJson(response, 400, { error: 'validation_error' });
			}
			if (!stream.subjects.some((filter) => subjectMatches(filter, subject))) {
				return sendJson(response, 400, {
					error: 'validation_error',
					message: `subject ${subject} is not bound to stream ${name}`,
				});
			}
			received.push({
				stream: name,
				subject,
				body: body as Record<string, unknown>,
				sequence: received.length + 1,
			});
			return sendJson(response, 200, { message: 'success' });
		}
		return sendJson(response, 404, { error: 'not_found' });
	});

	return Object.assign(server, {
		received,
		authHeadersSeen,
		messages: (stream: string) => received.filter((message) => message.stream === stream),
	});
}
