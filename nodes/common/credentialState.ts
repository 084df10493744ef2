/**
 * What the package keeps per credential across executions in one n8n process (main or worker), so that a
 * webhook workflow, which runs one execution per event and many at once, behaves as one client:
 *
 * - one rate limiter: Max Requests per Second holds across executions (the strictest setting in force);
 * - one session: one login in flight at a time, one renewal after a 401 for all, the token or cookie last
 *   read from n8n's stored credential, and what the server said of the session (the chat user's ID).
 *
 * Keyed by the credential's type, its ID and a fingerprint of everything in it but the token n8n fills in
 * itself (Base URL, way in, user, password, key): two credentials never share state, and an edited credential
 * (new key, password or Base URL) gets fresh state on its next execution. Nothing is held that the credential
 * object does not hold already. An entry nobody used for IDLE_MS is dropped at the next look-up (n8n gives
 * regular nodes no hook when a workflow is deactivated, and no timer may run in a community node), and all of
 * it goes with the process.
 */
import { createHash } from 'node:crypto';

import type { ICredentialDataDecryptedObject, INode } from 'n8n-workflow';

import { RateLimiter } from './rateLimit';

/** How long an unused entry is kept. */
export const IDLE_MS = 15 * 60 * 1000;

/** Per credential: its limiter (with each execution's setting) and its session. */
export interface CredentialState<Session = unknown> {
	readonly key: string;
	limiter?: RateLimiter;
	/** Each open execution's Max Requests per Second; the limiter runs at the lowest. */
	readonly rates: Map<symbol, number>;
	/** The session as last known good (the credential read after its login), with what was learned of it. */
	session?: Session;
	/** The one login or session check in flight. */
	opening?: Promise<Session>;
	/** The one renewal in flight after a 401. */
	renewing?: Promise<boolean>;
	/** Executions holding the entry now (it is never dropped while one does). */
	users: number;
	lastUsed: number;
}

const states = new Map<string, CredentialState>();

/**
 * The key of a credential's state: type, the credential's ID in n8n (node.credentials), and a hash of its
 * fields except `volatile` (the token n8n's pre-authentication writes into it).
 */
export function credentialStateKey(
	node: INode,
	type: string,
	data: ICredentialDataDecryptedObject,
	volatile: readonly string[] = [],
): string {
	const id = node.credentials?.[type]?.id ?? '';
	const fields = Object.keys(data)
		.filter((name) => !volatile.includes(name))
		.sort()
		.map((name) => [name, data[name]]);
	const fingerprint = createHash('sha256')
		.update(JSON.stringify(fields))
		.digest('base64url')
		.slice(0, 22);
	return `${type}|${id}|${fingerprint}`;
}

function sweep(now: number): void {
	for (const [key, state] of states) {
		if (state.users === 0 && now - state.lastUsed > IDLE_MS) states.delete(key);
	}
}

/** The entry for `key`, made on first use; the caller releases it when its execution ends. */
export function acquireCredentialState<Session>(
	key: string,
	now: number = Date.now(),
): CredentialState<Session> {
	sweep(now);
	let state = states.get(key);
	if (!state) {
		state = { key, rates: new Map(), users: 0, lastUsed: now };
		states.set(key, state);
	}
	state.users++;
	state.lastUsed = now;
	return state as CredentialState<Session>;
}

export function releaseCredentialState(
	state: CredentialState,
	registration?: symbol,
	now: number = Date.now(),
): void {
	if (registration) unregisterRate(state, registration);
	state.users = Math.max(0, state.users - 1);
	state.lastUsed = now;
}

/** Adds an execution's Max Requests per Second; the shared limiter then runs at the strictest one in force. */
export function registerRate(
	state: CredentialState,
	perSecond: number,
): { limiter: RateLimiter; registration: symbol } {
	const registration = Symbol('execution');
	state.rates.set(registration, perSecond);
	const strictest = Math.min(...state.rates.values());
	if (state.limiter) state.limiter.setRate(strictest);
	else state.limiter = new RateLimiter(strictest);
	return { limiter: state.limiter, registration };
}

function unregisterRate(state: CredentialState, registration: symbol): void {
	if (!state.rates.delete(registration)) return;
	// The limiter and its history stay (a burst right after must still respect the last second); its rate
	// follows the executions still open.
	if (state.rates.size > 0) state.limiter?.setRate(Math.min(...state.rates.values()));
}

/** For tests: forget everything, as a new process would. */
export function clearCredentialStates(): void {
	states.clear();
}

/** For tests and diagnostics: how many entries the process holds. */
export function credentialStateCount(): number {
	return states.size;
}
