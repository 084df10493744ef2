/**
 * Sessions for credentials that log in first (Kapua's token, the chat app's cookie), through n8n's own
 * credential pre-authentication, so the token is stored with the credential as n8n users expect:
 *
 * - `openSession` sends one cheap request through `httpRequestWithAuthentication` before any item: n8n
 *   logs in when the credential's expirable property is empty, and persists the result. The node then
 *   reads the credential once and uses the fast client. Never one login per item.
 * - `renew` is given to sendWithRetry for a 401: the same probe with the stale token makes n8n run the
 *   pre-authentication again (n8n retries once after a 401), then the fresh credential is read back.
 *   Concurrent 401s share one renewal.
 */
import type { ICredentialDataDecryptedObject, IExecuteFunctions, IHttpRequestOptions } from 'n8n-workflow';

import type { HttpClient } from './httpClient';

export interface SessionSpec {
	credentialType: string;
	/** A request that needs the session and changes nothing, e.g. GET /authentication/info. */
	probe: (credentials: ICredentialDataDecryptedObject) => IHttpRequestOptions;
	/** Headers the fast client sends, from the credential (with its session value). */
	authHeaders: (credentials: ICredentialDataDecryptedObject) => Record<string, string>;
}

export interface Session {
	credentials: ICredentialDataDecryptedObject;
	/** For sendWithRetry's `reauthenticate`: renews once per expiry, whatever the number of 401s. */
	renew: () => Promise<boolean>;
	/** How many renewals this execution made (for outputs and tests). */
	renewals: () => number;
}

export async function openSession(context: IExecuteFunctions, spec: SessionSpec, client: () => HttpClient): Promise<Session> {
	let credentials = await context.getCredentials(spec.credentialType);
	const probe = async () => {
		await context.helpers.httpRequestWithAuthentication.call(context, spec.credentialType, spec.probe(credentials));
		credentials = await context.getCredentials(spec.credentialType);
	};
	await probe();

	let renewals = 0;
	let inFlight: Promise<boolean> | undefined;
	// Requests that meet a 401 while a renewal is under way wait for it and share its result.
	const renew = () => {
		inFlight ??= (async () => {
			try {
				await probe();
				renewals++;
				client().setAuthHeaders(spec.authHeaders(credentials));
				return true;
			} catch {
				return false;
			} finally {
				inFlight = undefined;
			}
		})();
		return inFlight;
	};
	return { get credentials() { return credentials; }, renew, renewals: () => renewals };
}
