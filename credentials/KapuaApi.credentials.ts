import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	IDataObject,
	IHttpRequestHelper,
	IHttpRequestOptions,
	INodeProperties,
	Icon,
} from 'n8n-workflow';

import {
	checkBaseUrl,
	checkSecret,
	firstProblem,
	type CredentialProblem,
} from '../nodes/common/auth/credentialCheck';
import { n8nLoginSender, sendLogin, type LoginSend } from '../nodes/common/auth/login';
import { SignInError } from '../nodes/common/auth/signInError';
import { trimBaseUrl } from '../nodes/common/transport/baseUrl';

/**
 * Eclipse Kapua's REST API. A user name + password or an API key is exchanged for an access token by
 * n8n's credential pre-authentication: the token lives in the expirable hidden property `sessionToken`,
 * fetched when empty and again once after a 401, and persisted with the credential, so a workflow logs in
 * once, not once per item. A pasted token is used as is.
 */

export type KapuaAuthentication = 'userPassword' | 'apiKey' | 'accessToken';

/** The credential as the package reads it (again after each login, which changes `token`). */
export interface KapuaCredentials {
	baseUrl: string;
	authentication: KapuaAuthentication;
	username: string;
	password: string;
	apiKey: string;
	/** The token requests carry: the pasted one, or the one the last login returned. */
	token: string;
	ignoreSSLIssues: boolean;
}

export function readKapuaCredentials(data: ICredentialDataDecryptedObject): KapuaCredentials {
	const authentication: KapuaAuthentication =
		data.authentication === 'apiKey' || data.authentication === 'accessToken'
			? data.authentication
			: 'userPassword';
	return {
		baseUrl: trimBaseUrl(data.baseUrl),
		authentication,
		username: String(data.username ?? ''),
		password: String(data.password ?? ''),
		apiKey: String(data.apiKey ?? ''),
		token: String(
			(authentication === 'accessToken' ? data.accessToken : data.sessionToken) ?? '',
		).trim(),
		ignoreSSLIssues: data.ignoreSSLIssues === true,
	};
}

/** The one definition of Kapua's auth headers: used by `authenticate` and by the node's fast client. */
export function kapuaAuthHeaders(credentials: KapuaCredentials): Record<string, string> {
	return { Authorization: `Bearer ${credentials.token}` };
}

/** The login request for a way in, or undefined for a pasted token. Exported for the contract test. */
export function kapuaLoginRequest(
	data: ICredentialDataDecryptedObject,
): { path: string; body: IDataObject } | undefined {
	const credentials = readKapuaCredentials(data);
	switch (credentials.authentication) {
		case 'apiKey':
			return { path: '/authentication/apikey', body: { apiKey: credentials.apiKey } };
		case 'userPassword':
			// Kapua reads `username` (Java's UsernamePasswordCredentials and the spec's own examples); the
			// spec's schema names the field `user`, which the server ignores.
			return {
				path: '/authentication/user',
				body: { username: credentials.username, password: credentials.password },
			};
		default:
			return undefined;
	}
}

/** The credential's name as the user sees it, in every message about it. */
export const KAPUA_CREDENTIAL_NAME = 'Eclipse Kapua API';

/** What makes the credential unusable before anything is sent (the empty secret of its way in, a bad Base URL). */
export function checkKapuaCredentials(
	data: ICredentialDataDecryptedObject,
): CredentialProblem | undefined {
	const credentials = readKapuaCredentials(data);
	switch (credentials.authentication) {
		case 'apiKey':
			return firstProblem(checkBaseUrl(data.baseUrl), checkSecret(credentials.apiKey, 'API Key'));
		case 'accessToken':
			return firstProblem(
				checkBaseUrl(data.baseUrl),
				checkSecret(credentials.token, 'Access Token'),
			);
		default:
			return firstProblem(
				checkBaseUrl(data.baseUrl),
				checkSecret(credentials.username, 'User Name'),
				checkSecret(credentials.password, 'Password'),
			);
	}
}

const LOGIN_FAILURES: Record<number, string> = {
	400: 'Kapua rejected the login request as invalid',
	401: 'Kapua rejected the login: wrong user name, password or API key, or the user is disabled or expired',
	403: 'Kapua refused the login: the user needs multi-factor authentication, which this credential does not support',
};

/**
 * Logs in (user/password or API key) through `send` and returns the token; throws a SignInError in the
 * words a run and the Test button both show. Undefined for a pasted token (nothing to log in with).
 */
export async function kapuaLogin(
	send: LoginSend,
	data: ICredentialDataDecryptedObject,
): Promise<string | undefined> {
	const login = kapuaLoginRequest(data);
	if (!login) return undefined;
	const { statusCode, body } = await sendLogin(send, login, 'Kapua to log in');
	const tokenId =
		body !== null && typeof body === 'object' ? (body as IDataObject).tokenId : undefined;
	if (statusCode >= 200 && statusCode < 300 && typeof tokenId === 'string' && tokenId !== '')
		return tokenId;
	if (statusCode === 404 || statusCode === 405) {
		throw new SignInError(
			'wrongUrl',
			`Kapua login failed: the server has no login route at this Base URL (HTTP ${statusCode} on POST ${login.path}). Check the Base URL, including the version path such as /v1`,
			{ httpCode: statusCode },
		);
	}
	const reason =
		LOGIN_FAILURES[statusCode] ??
		`Kapua answered the login with HTTP ${statusCode} and no access token`;
	throw new SignInError(
		statusCode >= 200 && statusCode < 300 ? 'noSession' : 'refused',
		`${reason} (HTTP ${statusCode})`,
		{ httpCode: statusCode },
	);
}

export class KapuaApi implements ICredentialType {
	name = 'kapuaApi';

	displayName = 'Eclipse Kapua API';

	icon: Icon = {
		light: 'file:../nodes/KapuaPublish/kapua.svg',
		dark: 'file:../nodes/KapuaPublish/kapua.dark.svg',
	};

	documentationUrl =
		'https://github.com/n8n-nodes-stream-messaging/n8n-nodes-stream-messaging/blob/main/docs/nodes/kapua-publish.md#the-eclipse-kapua-api-credential';

	properties: INodeProperties[] = [
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'http://localhost:8081/v1',
			description:
				"Kapua's REST API, including the version path (the docker deployment serves it on port 8081 under /v1)",
		},
		{
			displayName: 'Authentication',
			name: 'authentication',
			type: 'options',
			options: [
				{ name: 'User Name and Password', value: 'userPassword' },
				{ name: 'API Key', value: 'apiKey' },
				{ name: 'Access Token', value: 'accessToken' },
			],
			default: 'userPassword',
		},
		{
			displayName: 'User Name',
			name: 'username',
			type: 'string',
			default: '',
			placeholder: 'kapua-sys',
			displayOptions: { show: { authentication: ['userPassword'] } },
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: { show: { authentication: ['userPassword'] } },
		},
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: { show: { authentication: ['apiKey'] } },
			description: 'A Kapua API key (Credentials of type API Key in the Kapua console)',
		},
		{
			displayName: 'Access Token',
			name: 'accessToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: { show: { authentication: ['accessToken'] } },
			description:
				'The tokenId of a Kapua access token. It is not renewed: paste a new one when it expires (30 minutes by default).',
		},
		{
			// n8n's own name and words for it (its credentials call it so).
			displayName: 'Ignore SSL Issues (Insecure)',
			name: 'ignoreSSLIssues',
			type: 'boolean',
			default: false,
			description:
				"Whether to connect even if the SSL certificate cannot be verified, e.g. an on-premise Kapua with a self-signed certificate. Requests then go through n8n's request helper, with a new connection each (slower).",
		},
		{
			displayName: 'Session Token',
			name: 'sessionToken',
			type: 'hidden',
			typeOptions: { expirable: true, password: true },
			default: '',
		},
	];

	/** Logs in (user/password or API key) and returns the token n8n stores in `sessionToken`. */
	async preAuthentication(
		this: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
	): Promise<IDataObject> {
		// A pasted token needs no login; returning no sessionToken leaves it to `authenticate`.
		if (!kapuaLoginRequest(credentials)) return {};
		const send = n8nLoginSender(this, trimBaseUrl(credentials.baseUrl), {
			skipSslCertificateValidation: credentials.ignoreSSLIssues === true,
		});
		return { sessionToken: await kapuaLogin(send, credentials) };
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		return {
			...requestOptions,
			headers: {
				...requestOptions.headers,
				...kapuaAuthHeaders(readKapuaCredentials(credentials)),
			},
		};
	}

	// No `test` request here: the Kapua Publish node's own test (testedBy) logs in and checks the token
	// with the node's client and words; n8n would prefer a `test` request over it and run no login first.
}
