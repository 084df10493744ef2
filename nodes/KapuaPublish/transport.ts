/**
 * Kapua's client for one execution: the credential's token (a login by n8n's pre-authentication, or a
 * pasted access token) checked once with GET /authentication/info before the first message, and why
 * opening it failed, worded for the user.
 */
import { NodeApiError, type IExecuteFunctions, type JsonObject } from 'n8n-workflow';

import { kapuaAuthHeaders, readKapuaCredentials, type KapuaAuthentication, type KapuaCredentials } from '../../credentials/KapuaApi.credentials';
import { openApiClient, type ApiClient, type AuthSpec } from '../common/auth/apiClient';
import { findSignInError } from '../common/auth/signInError';
import type { ConnectionOptions } from '../common/transport/httpClient';
import { causeChain, socketCode } from '../common/transport/socketCode';

export const KAPUA_AUTH: AuthSpec<KapuaCredentials> = {
	credentialType: 'kapuaApi',
	read: readKapuaCredentials,
	headers: kapuaAuthHeaders,
	// Needs the token and changes nothing; a pasted token is checked by it too, before anything is sent.
	probe: (credentials) => ({
		method: 'GET',
		url: `${credentials.baseUrl}/authentication/info`,
		json: true,
		skipSslCertificateValidation: credentials.allowUnauthorizedCerts,
	}),
};

export type KapuaClient = ApiClient<KapuaCredentials>;

export async function openKapuaClient(context: IExecuteFunctions, connection: ConnectionOptions): Promise<KapuaClient> {
	const data = await context.getCredentials(KAPUA_AUTH.credentialType);
	try {
		return await openApiClient(context, KAPUA_AUTH, connection, data);
	} catch (error) {
		throw kapuaSessionError(context, error, readKapuaCredentials(data).authentication);
	}
}

function httpCodeOf(error: unknown): string | undefined {
	for (const candidate of causeChain(error)) {
		const record = candidate as { httpCode?: unknown; status?: unknown; response?: { status?: unknown } };
		const code = record.httpCode ?? record.response?.status ?? record.status;
		if ((typeof code === 'string' && /^\d{3}$/.test(code)) || typeof code === 'number') return String(code);
	}
	return undefined;
}

/**
 * Why opening a Kapua session failed. Built from scratch (message and HTTP code only): what n8n threw
 * may carry the login request, whose body holds the password or API key.
 */
function kapuaSessionError(context: IExecuteFunctions, error: unknown, authentication: KapuaAuthentication): NodeApiError {
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
			message =
				authentication === 'accessToken'
					? 'Kapua refused the access token: it expired or was invalidated; paste a new one'
					: 'Kapua refused the session token even after logging in again';
		} else if (httpCode) {
			message = `Kapua answered HTTP ${httpCode} when the session was checked (GET /authentication/info)`;
		} else {
			message = 'Could not reach Kapua to open a session: check the Base URL';
			code = socketCode(error);
		}
	}
	return new NodeApiError(context.getNode(), { message, ...(httpCode ? { httpCode } : {}) } as JsonObject, {
		message,
		description: `Nothing was sent${code ? ` (${code})` : ''}. The credential is checked once per execution, before the first message.`,
		...(httpCode ? { httpCode } : {}),
	});
}
