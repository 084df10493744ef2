/**
 * The Model list: GET /api/models through n8n's authenticated helper (n8n signs in when needed). The
 * server answers `{models:[{id,name,provider}]}`; its docs wrap the list in `{data: ...}`, so both are read.
 *
 * Version 2's Model is a resource locator whose list (`searchModels`) n8n asks for when the user opens it,
 * so a node just added has its credential by then. Version 1's Model is an options field (`getModels`),
 * which n8n 2.41 may ask for as the field appears, before it gives the node its credential.
 */
import {
	NodeOperationError,
	type ICredentialDataDecryptedObject,
	type ILoadOptionsFunctions,
	type INodeListSearchResult,
	type INodePropertyOptions,
} from 'n8n-workflow';

import { readChatCredentials } from '../../../credentials/ChatApi.credentials';
import { credentialProblemText } from '../../common/auth/credentialCheck';
import { CHAT_AUTH } from '../transport';

/**
 * n8n loads the list when the panel opens or the chosen credential changes, not when the credential's
 * contents are fixed in place: the way to load it again is the field's own "Refresh List", so a failure says so.
 */
export const REFRESH_ADVICE =
	'Once the credential is fixed, choose "Refresh List" from the Model field\'s menu to load the models again.';

/** Version 2: the list is loaded again each time it is opened after a failure. */
export const REOPEN_ADVICE =
	'Once the credential is fixed, open the Model list again to load the models.';

/** The server's models as options, sorted by name; a failure says why and `advice`, never the secret. */
async function loadModels(
	context: ILoadOptionsFunctions,
	advice: string,
): Promise<INodePropertyOptions[]> {
	let data: ICredentialDataDecryptedObject;
	try {
		data = await context.getCredentials(CHAT_AUTH.credentialType);
	} catch (error) {
		// n8n 2.41 may ask for the options of a node just added before it gives the node its credential, and
		// drops the reload the credential then triggers: the field keeps this error until the list is refreshed.
		const message = (error as Error).message.replace(/[.\s]*$/, '.');
		throw new NodeOperationError(
			context.getNode(),
			`Could not load the models: ${message} ${advice}`,
		);
	}
	// The list says what a run would say, before signing in with a credential that cannot work.
	const problem = CHAT_AUTH.check(data);
	if (problem)
		throw new NodeOperationError(
			context.getNode(),
			`${credentialProblemText(CHAT_AUTH.credentialName, problem)} ${advice}`,
		);
	const { baseUrl } = readChatCredentials(data);
	let body: unknown;
	try {
		body = await context.helpers.httpRequestWithAuthentication.call(
			context,
			CHAT_AUTH.credentialType,
			{
				method: 'GET',
				url: `${baseUrl}/api/models`,
				json: true,
			},
		);
	} catch (error) {
		const message = (error as Error).message.replace(/[.\s]*$/, '.');
		throw new NodeOperationError(
			context.getNode(),
			`Could not load the models: ${message} ${advice}`,
		);
	}
	return modelOptions(body);
}

/** Version 1's Model dropdown (an options field). */
export async function getModels(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	return await loadModels(this, REFRESH_ADVICE);
}

/**
 * Version 2's Model list (a resource locator's "From List" mode), filtered by what the user types: a model
 * whose name, provider or ID contains it, case aside. The server has no search: its whole list is read.
 */
export async function searchModels(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	const options = await loadModels(this, REOPEN_ADVICE);
	const wanted = (filter ?? '').trim().toLowerCase();
	const matching = wanted
		? options.filter((option) =>
				`${option.name} ${String(option.value)}`.toLowerCase().includes(wanted),
			)
		: options;
	return { results: matching.map((option) => ({ name: option.name, value: option.value })) };
}

export function modelOptions(body: unknown): INodePropertyOptions[] {
	const record = (body ?? {}) as { models?: unknown; data?: unknown };
	const data = record.data as { models?: unknown } | unknown[] | undefined;
	const list = Array.isArray(record.models)
		? record.models
		: Array.isArray(data)
			? data
			: Array.isArray(data?.models)
				? data.models
				: [];
	const options: INodePropertyOptions[] = [];
	for (const entry of list as Array<Record<string, unknown>>) {
		if (!entry || typeof entry.id !== 'string') continue;
		const name = typeof entry.name === 'string' && entry.name ? entry.name : entry.id;
		const provider =
			typeof entry.provider === 'string' && entry.provider ? ` (${entry.provider})` : '';
		options.push({ name: `${name}${provider}`, value: entry.id });
	}
	return options.sort((a, b) => a.name.localeCompare(b.name));
}
