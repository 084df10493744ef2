/**
 * The Model dropdown: GET /api/models through n8n's authenticated helper (n8n signs in when needed).
 * The server answers `{models:[{id,name,provider}]}`; its docs wrap the list in `{data: ...}`, so both
 * are read.
 */
import { NodeOperationError, type ICredentialDataDecryptedObject, type ILoadOptionsFunctions, type INodePropertyOptions } from 'n8n-workflow';

import { readChatCredentials } from '../../../credentials/ChatApi.credentials';
import { credentialProblemText } from '../../common/auth/credentialCheck';
import { CHAT_AUTH } from '../transport';

/**
 * n8n loads the list when the panel opens or the chosen credential changes, not when the credential's
 * contents are fixed in place: the way to load it again is the field's own "Refresh List", so a failure says so.
 */
export const REFRESH_ADVICE = 'Once the credential is fixed, choose "Refresh List" from the Model field\'s menu to load the models again.';

export async function getModels(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	let data: ICredentialDataDecryptedObject;
	try {
		data = await this.getCredentials(CHAT_AUTH.credentialType);
	} catch (error) {
		// n8n 2.41 may ask for the list of a node just added before it gives the node its credential, and drops
		// the reload the credential then triggers: the field keeps this error until the list is refreshed.
		const message = (error as Error).message.replace(/[.\s]*$/, '.');
		throw new NodeOperationError(this.getNode(), `Could not load the models: ${message} ${REFRESH_ADVICE}`);
	}
	// The dropdown says what a run would say, before signing in with a credential that cannot work.
	const problem = CHAT_AUTH.check(data);
	if (problem) throw new NodeOperationError(this.getNode(), `${credentialProblemText(CHAT_AUTH.credentialName, problem)} ${REFRESH_ADVICE}`);
	const { baseUrl } = readChatCredentials(data);
	let body: unknown;
	try {
		body = await this.helpers.httpRequestWithAuthentication.call(this, CHAT_AUTH.credentialType, {
			method: 'GET',
			url: `${baseUrl}/api/models`,
			json: true,
		});
	} catch (error) {
		const message = (error as Error).message.replace(/[.\s]*$/, '.');
		throw new NodeOperationError(this.getNode(), `Could not load the models: ${message} ${REFRESH_ADVICE}`);
	}
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
