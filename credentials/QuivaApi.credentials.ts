import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
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
import { trimBaseUrl } from '../nodes/common/transport/baseUrl';

/** The credential's name as the user sees it, in every message about it. */
export const QUIVA_CREDENTIAL_NAME = 'Quiva API';

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
	if (credentials.authentication === 'bearerToken')
		return { Authorization: `Bearer ${credentials.token}` };
	return { 'X-Api-Key': credentials.apiKey };
}

/** What makes the credential unusable before anything is sent: a Base URL that is no http(s) URL, an empty secret. */
export function checkQuivaCredentials(
	data: ICredentialDataDecryptedObject,
): CredentialProblem | undefined {
	const credentials = readQuivaCredentials(data);
	return firstProblem(
		checkBaseUrl(data.baseUrl),
		credentials.authentication === 'bearerToken'
			? checkSecret(credentials.token, 'Token')
			: checkSecret(credentials.apiKey, 'API Key'),
	);
}

export class QuivaApi implements ICredentialType {
	name = 'quivaApi';

	displayName = 'Quiva API';

	icon: Icon = {
		light: 'file:../nodes/QuivaStreamPublish/quiva.svg',
		dark: 'file:../nodes/QuivaStreamPublish/quiva.dark.svg',
	};

	documentationUrl =
		'https://github.com/n8n-nodes-stream-messaging/n8n-nodes-stream-messaging/blob/main/docs/nodes/quiva-stream-publish.md#the-quiva-api-credential';

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
		return {
			...requestOptions,
			headers: {
				...requestOptions.headers,
				...quivaAuthHeaders(readQuivaCredentials(credentials)),
			},
		};
	}

	// No `test` request here: the Quiva Stream Publish node's own test (testedBy) checks the fields and
	// lists the streams with the node's client and words; n8n would prefer a `test` request over it.
}
