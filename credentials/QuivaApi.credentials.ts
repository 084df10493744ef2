import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
	Icon,
} from 'n8n-workflow';

import { trimBaseUrl } from '../nodes/common/transport/baseUrl';

/** The credential as the package reads it, once per execution. */
export interface QuivaCredentials {
	baseUrl: string;
	authentication: 'apiKey' | 'bearerToken';
	apiKey: string;
	token: string;
}

export function readQuivaCredentials(data: ICredentialDataDecryptedObject): QuivaCredentials {
	return {
		baseUrl: trimBaseUrl(data.baseUrl),
		authentication: data.authentication === 'bearerToken' ? 'bearerToken' : 'apiKey',
		apiKey: String(data.apiKey ?? ''),
		token: String(data.token ?? ''),
	};
}

/** The gateway takes either header; the node's fast client and n8n's helpers both use this one function. */
export function quivaAuthHeaders(credentials: QuivaCredentials): Record<string, string> {
	if (credentials.authentication === 'bearerToken') return { Authorization: `Bearer ${credentials.token}` };
	return { 'X-Api-Key': credentials.apiKey };
}

export class QuivaApi implements ICredentialType {
	name = 'quivaApi';

	displayName = 'Quiva API';

	icon: Icon = { light: 'file:../nodes/QuivaStreamPublish/quiva.svg', dark: 'file:../nodes/QuivaStreamPublish/quiva.dark.svg' };

	documentationUrl = 'https://www.npmjs.com/package/n8n-nodes-stream-messaging#quiva-api-credential';

	properties: INodeProperties[] = [
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.quiva.ai',
			description: 'The quiva.ai Gateway, without a trailing path',
		},
		{
			displayName: 'Authentication',
			name: 'authentication',
			type: 'options',
			options: [
				{ name: 'API Key (X-Api-Key Header)', value: 'apiKey' },
				{ name: 'Bearer Token', value: 'bearerToken' },
			],
			default: 'apiKey',
		},
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: { show: { authentication: ['apiKey'] } },
			description: 'A quiva.ai API key (keys expire after 3 months)',
		},
		{
			displayName: 'Token',
			name: 'token',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: { show: { authentication: ['bearerToken'] } },
			description: 'A JWT or API key sent as "Authorization: Bearer …"',
		},
	];

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		return { ...requestOptions, headers: { ...requestOptions.headers, ...quivaAuthHeaders(readQuivaCredentials(credentials)) } };
	}

	// Listing streams needs a valid key and changes nothing.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/storage/streams',
			method: 'GET',
		},
	};
}
