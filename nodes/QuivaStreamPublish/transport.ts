/** Quiva's client for one execution: a fixed API key or token, nothing to log in with or renew. */
import type { IExecuteFunctions } from 'n8n-workflow';

import { quivaAuthHeaders, readQuivaCredentials, type QuivaCredentials } from '../../credentials/QuivaApi.credentials';
import { openApiClient, type ApiClient, type AuthSpec } from '../common/auth/apiClient';
import type { ConnectionOptions } from '../common/transport/httpClient';

export const QUIVA_AUTH: AuthSpec<QuivaCredentials> = { credentialType: 'quivaApi', read: readQuivaCredentials, headers: quivaAuthHeaders };

export async function openQuivaClient(context: IExecuteFunctions, connection: ConnectionOptions): Promise<ApiClient<QuivaCredentials>> {
	return await openApiClient(context, QUIVA_AUTH, connection);
}
