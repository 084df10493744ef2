/**
 * What Kapua's error answers mean for someone publishing (docs/api-contracts.md, "Eclipse Kapua"). Kapua wraps
 * most publish failures in a 500 CALL_ERROR, so the message names the likely causes and keeps Kapua's own
 * words in the description (added by the shared error mapping).
 */
import type { ExplainStatus } from '../common/errors';

import type { KapuaAuthentication } from '../../credentials/KapuaApi.credentials';

function field(body: unknown, name: string): string | undefined {
	if (body === null || typeof body !== 'object') return undefined;
	const value = (body as Record<string, unknown>)[name];
	return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

const RELOGIN_HINT: Record<KapuaAuthentication, string> = {
	userPassword: 'The node logged in again once and Kapua still refused the token: check the user name and password, and that the user is enabled.',
	apiKey: 'The node logged in again once and Kapua still refused the token: check that the API key is valid and enabled.',
	accessToken: 'A pasted access token is not renewed: paste a new one (Kapua tokens last 30 minutes by default), or use a user name and password or an API key.',
};

export function explainKapuaStatus(authentication: KapuaAuthentication): ExplainStatus {
	return (status, _serverText, body, target) => {
		const scope = String(target.scopeId ?? '_');
		const scopeText = scope === '_' ? "the token's own account" : `scope "${scope}"`;
		switch (status) {
			case 400: {
				const argument = field(body, 'argumentName');
				return {
					message: argument ? `Kapua rejected the value of "${argument}"` : 'Kapua rejected the message as invalid',
					description: argument ? `Kapua names the argument "${argument}"${field(body, 'argumentValue') !== undefined ? ` with value "${field(body, 'argumentValue')}"` : ''}.` : undefined,
				};
			}
			case 401:
				return { message: 'Kapua login failed or the access token expired', description: RELOGIN_HINT[authentication] };
			case 403:
				return {
					message: `The Kapua user needs permission stream:write on ${scopeText}`,
					description: 'Grant the user (or its role) the permission stream:write in that account, or publish to a scope it may write to.',
				};
			case 500: {
				const code = field(body, 'kapuaErrorCode');
				const client = String(target.clientId ?? '');
				if (code === 'CALL_ERROR') {
					return {
						message: `Kapua could not publish for client "${client}"`,
						description:
							`Likely causes: no device with client ID "${client}" in ${scopeText} (or no device with the given Device ID); ` +
							"the Client ID differs from the device's own client ID; or no MQTT endpoint is configured for the account " +
							'(a fresh Kapua has none: an administrator creates one under Endpoints).',
					};
				}
				if (field(body, 'type') === 'throwableInfo') {
					return { message: 'Kapua failed to read the message', description: 'A metric value may not parse for its type on the server.' };
				}
				return undefined;
			}
			default:
				return undefined;
		}
	};
}
