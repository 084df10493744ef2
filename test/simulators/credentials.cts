/**
 * The credential data that signs in to each simulator, one function per credential type and way in, so
 * the workflow tests, the end-to-end suite, the demo and the benchmarks cannot drift apart. The fields are
 * those of credentials/*.credentials.ts for that way; `overrides` is for what a caller varies on purpose
 * (a wrong password, another user, a cookie name). Plain objects: give them to the in-process
 * CredentialStore or to n8n's REST API alike.
 */
import type { ICredentialDataDecryptedObject, IDataObject } from 'n8n-workflow';

import type { KapuaAuthentication } from '../../credentials/KapuaApi.credentials';
import { CHAT_DEFAULTS, type ChatSimulator } from './chat.cjs';
import { KAPUA_DEFAULTS, type KapuaSimulator } from './kapua.cjs';
import { QUIVA_DEFAULTS } from './quiva.cjs';

export type QuivaAuthWay = 'apiKey' | 'bearerToken';

export function quivaCredentialData(
	sim: { url: string },
	way: QuivaAuthWay = 'apiKey',
	overrides: IDataObject = {},
): ICredentialDataDecryptedObject {
	const secrets: Record<QuivaAuthWay, IDataObject> = {
		apiKey: { apiKey: QUIVA_DEFAULTS.apiKey },
		bearerToken: { token: QUIVA_DEFAULTS.bearerToken },
	};
	return { baseUrl: sim.url, authentication: way, ...secrets[way], ...overrides };
}

export type KapuaAuthWay = KapuaAuthentication;

/** For an access token, the simulator issues a real one now unless `overrides` brings a token. */
export function kapuaCredentialData(
	sim: Pick<KapuaSimulator, 'url' | 'issueToken'>,
	way: KapuaAuthWay = 'userPassword',
	overrides: IDataObject = {},
): ICredentialDataDecryptedObject {
	const secrets: Record<KapuaAuthWay, () => IDataObject> = {
		userPassword: () => ({ username: KAPUA_DEFAULTS.username, password: KAPUA_DEFAULTS.password }),
		apiKey: () => ({ apiKey: KAPUA_DEFAULTS.apiKey }),
		accessToken: () => ({
			accessToken: overrides.accessToken ?? sim.issueToken(KAPUA_DEFAULTS.username),
		}),
	};
	return {
		// The docker deployment's path, trailing slash and all (the node trims it); the simulator serves /v1.
		baseUrl: `${sim.url}/v1/`,
		authentication: way,
		ignoreSSLIssues: false,
		// Empty: the credential's pre-authentication logs in on first use, as in n8n.
		sessionToken: '',
		...secrets[way](),
		...overrides,
	};
}

export type ChatAuthWay = 'emailPassword' | 'sessionToken';

/** For a session token, the simulator signs the default user in now unless `overrides` brings a token. */
export function chatCredentialData(
	sim: Pick<ChatSimulator, 'url' | 'cookieName' | 'createSession'>,
	way: ChatAuthWay = 'emailPassword',
	overrides: IDataObject = {},
): ICredentialDataDecryptedObject {
	const secrets: IDataObject =
		way === 'sessionToken'
			? { sessionToken: overrides.sessionToken ?? sim.createSession(CHAT_DEFAULTS.user.id) }
			: { email: CHAT_DEFAULTS.user.email, password: CHAT_DEFAULTS.user.password };
	return {
		baseUrl: sim.url,
		authentication: way,
		...secrets,
		// The simulator's own cookie name (CHAT_DEFAULTS.cookieName unless it was started with another).
		cookieName: sim.cookieName,
		// Empty: filled by the credential's sign-in (email and password) on first use.
		signInToken: '',
		...overrides,
	};
}
