/**
 * Kapua's client for one execution: the credential's token (a login by n8n's pre-authentication, or a
 * pasted access token) checked once with GET /authentication/info before the first message, and why
 * opening it failed, worded for the user.
 */
import {
	NodeApiError,
	type NodeOperationError,
	type ICredentialsDecrypted,
	type ICredentialTestFunctions,
	type IExecuteFunctions,
	type INodeCredentialTestResult,
	type JsonObject,
} from 'n8n-workflow';

import {
	KAPUA_CREDENTIAL_NAME,
	checkKapuaCredentials,
	kapuaAuthHeaders,
	kapuaLogin,
	readKapuaCredentials,
	type KapuaAuthentication,
	type KapuaCredentials,
} from '../../credentials/KapuaApi.credentials';
import { openApiClient, type ApiClient, type AuthSpec } from '../common/auth/apiClient';
import { isCredentialProblemError } from '../common/auth/credentialCheck';
import { runCredentialTest, type CredentialTestSpec } from '../common/auth/credentialTest';
import { unreachableText } from '../common/auth/login';
import { findSignInError } from '../common/auth/signInError';
import type { ConnectionOptions } from '../common/transport/httpClient';
import { causeChain, socketCode } from '../common/transport/socketCode';

export const KAPUA_AUTH: AuthSpec<KapuaCredentials> = {
	credentialType: 'kapuaApi',
	credentialName: KAPUA_CREDENTIAL_NAME,
	check: checkKapuaCredentials,
	read: readKapuaCredentials,
	headers: kapuaAuthHeaders,
	sessionField: 'sessionToken',
	// Needs the token and changes nothing; a pasted token is checked by it too, before anything is sent.
	probe: (credentials) => ({
		method: 'GET',
		url: `${credentials.baseUrl}${INFO_PATH}`,
		json: true,
		skipSslCertificateValidation: credentials.ignoreSSLIssues,
	}),
};

export type KapuaClient = ApiClient<KapuaCredentials>;

export async function openKapuaClient(
	context: IExecuteFunctions,
	connection: ConnectionOptions,
): Promise<KapuaClient> {
	const data = await context.getCredentials(KAPUA_AUTH.credentialType);
	try {
		return await openApiClient(context, KAPUA_AUTH, connection, data);
	} catch (error) {
		throw kapuaSessionError(context, error, readKapuaCredentials(data).authentication);
	}
}

function httpCodeOf(error: unknown): string | undefined {
	for (const candidate of causeChain(error)) {
		const record = candidate as {
			httpCode?: unknown;
			status?: unknown;
			response?: { status?: unknown };
		};
		const code = record.httpCode ?? record.response?.status ?? record.status;
		if ((typeof code === 'string' && /^\d{3}$/.test(code)) || typeof code === 'number')
			return String(code);
	}
	return undefined;
}

const INFO_PATH = '/authentication/info';

/** A 401 to the session check, the same words in a run and in the Test button. */
function tokenRefusedText(authentication: KapuaAuthentication): string {
	return authentication === 'accessToken'
		? 'Kapua refused the access token: it expired or was invalidated; paste a new one'
		: 'Kapua refused the session token even after logging in again';
}

/**
 * Why opening a Kapua session failed. Built from scratch (message and HTTP code only): what n8n threw
 * may carry the login request, whose body holds the password or API key.
 */
function kapuaSessionError(
	context: IExecuteFunctions,
	error: unknown,
	authentication: KapuaAuthentication,
): NodeApiError | NodeOperationError {
	// Found before sending: already the node's words.
	if (isCredentialProblemError(error)) return error;
	const login = findSignInError(error);
	let message: string;
	let httpCode: string | undefined;
	let code: string | undefined;
	if (login) {
		message = login.message;
		code = login.details.socketCode;
		httpCode = login.details.httpCode !== undefined ? String(login.details.httpCode) : undefined;
	} else {
		httpCode = httpCodeOf(error);
		if (httpCode === '401') {
			message = tokenRefusedText(authentication);
		} else if (httpCode === '404' || httpCode === '405') {
			message = `Kapua has no ${INFO_PATH} route at this Base URL (HTTP ${httpCode}). Check the Base URL, including the version path such as /v1`;
		} else if (httpCode) {
			message = `Kapua answered HTTP ${httpCode} when the session was checked (GET ${INFO_PATH})`;
		} else {
			code = socketCode(error);
			message = unreachableText('Kapua', code);
		}
	}
	return new NodeApiError(
		context.getNode(),
		{ message, ...(httpCode ? { httpCode } : {}) } as JsonObject,
		{
			message,
			description: `Nothing was sent${code ? ` (${code})` : ''}. The credential is checked once per execution, before the first message.`,
			...(httpCode ? { httpCode } : {}),
		},
	);
}

const KAPUA_TEST: CredentialTestSpec = {
	credentialName: KAPUA_CREDENTIAL_NAME,
	server: 'Kapua',
	check: checkKapuaCredentials,
	baseUrl: (data) => readKapuaCredentials(data).baseUrl,
	ignoreSSLIssues: (data) => readKapuaCredentials(data).ignoreSSLIssues,
	// A fresh login, never the stored token: the Test is about the user name and password or API key as typed.
	authenticate: async (send, data) => {
		const credentials = readKapuaCredentials(data);
		const token = await kapuaLogin(send, data);
		return kapuaAuthHeaders({ ...credentials, token: token ?? credentials.token });
	},
	probe: { method: 'GET', path: INFO_PATH },
	judge: (response, data) => {
		const { authentication } = readKapuaCredentials(data);
		if (response.status >= 200 && response.status < 300) {
			return {
				status: 'OK',
				message:
					authentication === 'accessToken'
						? 'Connected: Kapua accepted the access token'
						: 'Connected: logged in to Kapua',
			};
		}
		if (response.status === 401)
			return { status: 'Error', message: `${tokenRefusedText(authentication)} (HTTP 401)` };
		return undefined;
	},
};

/** The Test button of the Eclipse Kapua API credential (the node declares it with `testedBy`). */
export async function kapuaApiTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	return await runCredentialTest(KAPUA_TEST, credential, this);
}
