/**
 * The Model dropdown: GET /api/models through n8n's authenticated helper (n8n signs in when needed).
 * The server answers `{models:[{id,name,provider}]}`; its docs wrap the list in `{data: ...}`, so both
 * are read.
 */
import { NodeOperationError, type ILoadOptionsFunctions, type INodePropertyOptions } from 'n8n-workflow';

import { readChatCredentials } from '../../../credentials/ChatApi.credentials';
import { credentialProblemText } from '../../common/auth/credentialCheck';
import { CHAT_AUTH } from '../transport';

export async function getModels(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const data = await this.getCredentials(CHAT_AUTH.credentialType);
	// The dropdown says what a run would say, before signing in with a credential that cannot work.
	const problem = CHAT_AUTH.check(data);
	if (problem) throw new NodeOperationError(this.getNode(), credentialProblemText(CHAT_AUTH.credentialName, problem));
	const { baseUrl } = readChatCredentials(data);
	const body: unknown = await this.helpers.httpRequestWithAuthentication.call(this, CHAT_AUTH.credentialType, {
		method: 'GET',
		url: `${baseUrl}/api/models`,
		json: true,
	});
	return modelOptions(body);
}

export function modelOptions(body: unknown): INodePropertyOptions[] {
	const record = (body ?? {}) as { models?: unknown; data?: unknown };
	const data = record.data as { models?: unknown } | unknown[] | undefined;
	const list = Array.isArray(record.models) ? record.models : Array.isArray(data) ? data : Array.isArray(data?.models) ? data.models : [];
	const options: INodePropertyOptions[] = [];
	for (const entry of list as Array<Record<string, unknown>>) {
		if (!entry || typeof entry.id !== 'string') continue;
		const name = typeof entry.name === 'string' && entry.name ? entry.name : entry.id;
		const provider = typeof entry.provider === 'string' && entry.provider ? ` (${entry.provider})` : '';
		options.push({ name: `${name}${provider}`, value: entry.id });
	}
	return options.sort((a, b) => a.name.localeCompare(b.name));
}
