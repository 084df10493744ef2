/**
 * session.ts: the probe opens the session once; concurrent 401s share one renewal; a failed renewal says
 * so; the client gets the renewed headers. n8n's execution context is stood in for by its two methods the
 * session uses (getCredentials, httpRequestWithAuthentication), with n8n's pre-authentication rule: the
 * login runs when the token is empty or after the probe was refused.
 */
import type { ICredentialDataDecryptedObject, IExecuteFunctions } from 'n8n-workflow';

import type { HttpClient } from '../../nodes/common/transport/httpClient';
import { openSession } from '../../nodes/common/transport/session';

function n8nLike(options: { loginFails?: () => boolean } = {}) {
	const state = { stored: { sessionToken: '' } as ICredentialDataDecryptedObject, valid: new Set<string>(), logins: 0, probes: 0 };
	const login = async () => {
		await new Promise((resolve) => setImmediate(resolve));
		if (options.loginFails?.()) throw new Error('login refused');
		state.logins++;
		const token = `token-${state.logins}`;
		state.valid.add(token);
		state.stored = { sessionToken: token };
	};
	const context = {
		getCredentials: async () => ({ ...state.stored }),
		helpers: {
			httpRequestWithAuthentication: async () => {
				state.probes++;
				if (state.stored.sessionToken === '') await login();
				if (!state.valid.has(String(state.stored.sessionToken))) await login();
				return {};
			},
		},
	} as unknown as IExecuteFunctions;
	return { context, state, expire: () => state.valid.clear() };
}

function recordingClient() {
	const headers: Array<Record<string, string>> = [];
	const client: HttpClient = { send: async () => ({ status: 200, headers: {}, body: '' }), setAuthHeaders: (h) => headers.push(h), close: () => {} };
	return { client, headers };
}

const spec = { credentialType: 'x', probe: () => ({ url: 'http://x/info' }), authHeaders: (c: ICredentialDataDecryptedObject) => ({ Authorization: `Bearer ${c.sessionToken}` }) };

test('opening logs in once and exposes the stored credential', async () => {
	const { context, state } = n8nLike();
	const { client } = recordingClient();
	const session = await openSession(context, spec, () => client);
	expect(state.logins).toBe(1);
	expect(session.credentials.sessionToken).toBe('token-1');
	expect(session.renewals()).toBe(0);
});

test('sixteen concurrent 401s share one renewal, and the client gets the new token', async () => {
	const { context, state, expire } = n8nLike();
	const { client, headers } = recordingClient();
	const session = await openSession(context, spec, () => client);
	expire();
	const results = await Promise.all(Array.from({ length: 16 }, () => session.renew()));
	expect(results.every(Boolean)).toBe(true);
	expect(state.logins).toBe(2);
	expect(session.renewals()).toBe(1);
	expect(headers).toEqual([{ Authorization: 'Bearer token-2' }]);
	expect(session.credentials.sessionToken).toBe('token-2');
});

test('a 401 that arrives after the renewal probes again but does not log in again', async () => {
	const { context, state, expire } = n8nLike();
	const { client } = recordingClient();
	const session = await openSession(context, spec, () => client);
	expire();
	await session.renew();
	await session.renew();
	expect(state.logins).toBe(2);
});

test('a renewal whose login fails returns false, and a later one may succeed', async () => {
	let fail = true;
	const { context, expire } = n8nLike({ loginFails: () => fail });
	fail = false;
	const { client } = recordingClient();
	const session = await openSession(context, spec, () => client);
	expire();
	fail = true;
	expect(await session.renew()).toBe(false);
	fail = false;
	expect(await session.renew()).toBe(true);
});

test('opening fails when the login fails', async () => {
	const { context } = n8nLike({ loginFails: () => true });
	await expect(openSession(context, spec, () => recordingClient().client)).rejects.toThrow('login refused');
});
