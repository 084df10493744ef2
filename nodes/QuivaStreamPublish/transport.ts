/** Quiva's client for one execution: a fixed API key or token, nothing to log in with or renew; and the credential's Test. */
import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	IExecuteFunctions,
	INodeCredentialTestResult,
} from 'n8n-workflow';

import {
	QUIVA_CREDENTIAL_NAME,
	checkQuivaCredentials,
	quivaAuthHeaders,
	readQuivaCredentials,
	type QuivaCredentials,
} from '../../credentials/QuivaApi.credentials';
import { openApiClient, type ApiClient, type AuthSpec } from '../common/auth/apiClient';
import { runCredentialTest, type CredentialTestSpec } from '../common/auth/credentialTest';
import type { ConnectionOptions } from '../common/transport/httpClient';
import { explainQuivaStatus } from './api';

export const QUIVA_AUTH: AuthSpec<QuivaCredentials> = {
	credentialType: 'quivaApi',
	credentialName: QUIVA_CREDENTIAL_NAME,
	check: checkQuivaCredentials,
	read: readQuivaCredentials,
	headers: quivaAuthHeaders,
};

export async function openQuivaClient(
	context: IExecuteFunctions,
	connection: ConnectionOptions,
): Promise<ApiClient<QuivaCredentials>> {
	return await openApiClient(context, QUIVA_AUTH, connection);
}

const QUIVA_TEST: CredentialTestSpec = {
	credentialName: QUIVA_CREDENTIAL_NAME,
	server: 'the quiva.ai Gateway',
	check: checkQuivaCredentials,
	baseUrl: (data) => readQuivaCredentials(data).baseUrl,
	authenticate: async (_send, data) => quivaAuthHeaders(readQuivaCredentials(data)),
	// Listing streams needs a valid key and changes nothing.
	probe: { method: 'GET', path: '/storage/streams' },
	judge: (response, data) => {
		const { status } = response;
		if (status >= 200 && status < 300) {
			const way = readQuivaCredentials(data).authentication === 'bearerToken' ? 'token' : 'API key';
			return { status: 'OK', message: `Connected: the quiva.ai Gateway accepted the ${way}` };
		}
		if (status === 401 || status === 403) {
			// The run's words for the same answer (api.ts), with the status: a Test has no details panel.
			const explained = explainQuivaStatus(status, '', response.body, {
				stream: 'any',
				subject: '',
			});
			if (status === 401 && explained)
				return {
					status: 'Error',
					message: `${explained.message} (HTTP 401). ${explained.description ?? ''}`.trim(),
				};
			return {
				status: 'Error',
				message:
					"The gateway accepted the credential but may not list streams (HTTP 403). Check the key's permissions in quiva.ai.",
			};
		}
		return undefined;
	},
};

/** The Test button of the Quiva API credential (the node declares it with `testedBy`). */
export async function quivaApiTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	return await runCredentialTest(QUIVA_TEST, credential, this);
}
