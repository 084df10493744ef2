/** credentialState.ts: what identifies a credential's state, when it is dropped, and the strictest rate in force. */
import type { INode } from 'n8n-workflow';

import {
	acquireCredentialState,
	clearCredentialStates,
	credentialStateCount,
	credentialStateKey,
	IDLE_MS,
	registerRate,
	releaseCredentialState,
} from '../../nodes/common/credentialState';

const node = (id: string) =>
	({ credentials: { kapuaApi: { id, name: 'Kapua' } } }) as unknown as INode;
const data = {
	baseUrl: 'https://kapua.example/v1',
	authentication: 'userPassword',
	username: 'kapua-user',
	password: 'correct-horse-battery',
	sessionToken: 'token-1',
};

beforeEach(() => clearCredentialStates());

test('the key: the credential ID and every field but the token n8n writes; never a secret in clear', () => {
	const key = credentialStateKey(node('c1'), 'kapuaApi', data, ['sessionToken']);
	expect(
		credentialStateKey(node('c1'), 'kapuaApi', { ...data, sessionToken: 'token-2' }, [
			'sessionToken',
		]),
	).toBe(key);
	expect(credentialStateKey(node('c2'), 'kapuaApi', data, ['sessionToken'])).not.toBe(key);
	for (const edit of [{ password: 'q' }, { username: 'v' }, { baseUrl: 'https://other/v1' }]) {
		expect(
			credentialStateKey(node('c1'), 'kapuaApi', { ...data, ...edit }, ['sessionToken']),
		).not.toBe(key);
	}
	expect(key).not.toContain(data.password);
});

test('an entry nobody used for the idle time is dropped at the next look-up; one in use never is', () => {
	const t0 = 1_000_000;
	const idle = acquireCredentialState('idle', t0);
	releaseCredentialState(idle, undefined, t0);
	const busy = acquireCredentialState('busy', t0);
	expect(credentialStateCount()).toBe(2);
	acquireCredentialState('other', t0 + IDLE_MS - 1);
	expect(credentialStateCount()).toBe(3);
	acquireCredentialState('other', t0 + IDLE_MS + 1);
	expect(credentialStateCount()).toBe(2);
	expect(acquireCredentialState('busy', t0 + IDLE_MS + 2)).toBe(busy);
});

test('the limiter runs at the strictest rate of the executions holding it, and follows them as they end', () => {
	const state = acquireCredentialState('rates');
	const fast = registerRate(state, 50);
	const slow = registerRate(state, 5);
	expect(fast.limiter).toBe(slow.limiter);
	expect(fast.limiter.perSecond).toBe(5);
	releaseCredentialState(state, slow.registration);
	expect(fast.limiter.perSecond).toBe(50);
});
