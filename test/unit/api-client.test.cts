/**
 * apiClient.ts: the probe opens the session once; concurrent 401s share one renewal; a failed renewal says
 * so; the client sends the renewed headers. n8n's execution context is stood in for by its two methods the
 * client uses (getCredentials, httpRequestWithAuthentication), with n8n's pre-authentication rule: the
 * login runs when the token is empty or after the probe was refused.
 */
import type { ICredentialDataDecryptedObject, IExecuteFunctions } from 'n8n-workflow';

import { ApiClient, type AuthSpec } from '../../nodes/common/auth/apiClient';
import type { HttpClient } from '../../nodes/common/transport/httpClient';

function n8nLike(options: { loginFails?: () => boolean } = {}) {
	const state = {
		stored: { sessionToken: '' } as ICredentialDataDecryptedObject,
		valid: new Set<string>(),
		logins: 0,
		probes: 0,
	};
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

/** A transport that records the headers of every request it is given. */
function recordingTransport() {
	const headers: Array<Record<string, string> | undefined> = [];
	const transport: HttpClient = {
		send: async (request) => (
			headers.push(request.headers),
			{ status: 200, headers: {}, body: '' }
		),
		close: () => {},
	};
	return { transport, headers };
}

const spec: AuthSpec<ICredentialDataDecryptedObject> = {
	credentialType: 'x',
	credentialName: 'X API',
	check: () => undefined,
	read: (data) => data,
	probe: () => ({ url: 'http://x/info' }),
	headers: (c) => ({ Authorization: `Bearer ${c.sessionToken}` }),
};

/** What openApiClient does, on a recording transport: reads the stored credential, then opens the session. */
async function openSession(
	context: IExecuteFunctions,
	transport: HttpClient = recordingTransport().transport,
) {
	const client = new ApiClient(context, spec, await context.getCredentials('x'), transport);
	await client.open();
	return client;
}

test('opening logs in once and exposes the stored credential', async () => {
	const { context, state } = n8nLike();
	const session = await openSession(context);
	expect(state.logins).toBe(1);
	expect(session.credentials.sessionToken).toBe('token-1');
	expect(session.renewals).toBe(0);
});

test('sixteen concurrent 401s share one renewal, and the client sends the new token', async () => {
	const { context, state, expire } = n8nLike();
	const { transport, headers } = recordingTransport();
	const session = await openSession(context, transport);
	expire();
	const results = await Promise.all(Array.from({ length: 16 }, () => session.renew()));
	expect(results.every(Boolean)).toBe(true);
	expect(state.logins).toBe(2);
	expect(session.renewals).toBe(1);
	await session.send({ method: 'GET', path: '/after-renewal' });
	expect(headers).toEqual([{ Authorization: 'Bearer token-2' }]);
	expect(session.credentials.sessionToken).toBe('token-2');
});

test('a 401 that arrives after the renewal probes again but does not log in again', async () => {
	const { context, state, expire } = n8nLike();
	const session = await openSession(context);
	expire();
	await session.renew();
	await session.renew();
	expect(state.logins).toBe(2);
});

test('a renewal whose login fails returns false, and a later one may succeed', async () => {
	let fail = true;
	const { context, expire } = n8nLike({ loginFails: () => fail });
	fail = false;
	const session = await openSession(context);
	expire();
	fail = true;
	expect(await session.renew()).toBe(false);
	fail = false;
	expect(await session.renew()).toBe(true);
});

test('opening fails when the login fails', async () => {
	const { context } = n8nLike({ loginFails: () => true });
	await expect(openSession(context)).rejects.toThrow('login refused');
});
