/**
 * How the Kapua Trigger reaches Kapua: n8n's own authenticated request helper with the Eclipse Kapua API
 * credential (n8n runs the credential's login, keeps the token in it and logs in again once after a 401).
 * A poll every few seconds needs no keep-alive pool. Also: what Kapua's error answers mean here, and
 * whether a failure is one the trigger can wait out.
 *
 * The credential is read once per reader and handed to the helper with every request
 * (`credentialsDecrypted`): otherwise n8n reads and decrypts it again for each request, resolving its
 * fields in an expression isolate, which in n8n 2.41 cost about ten times what the request itself costs.
 * A login the helper runs writes the new token into that same object (and n8n stores it with the
 * credential). The poller opens a new reader after a failure and every few minutes, so a changed
 * credential is picked up.
 */
import {
	NodeApiError,
	type ICredentialsDecrypted,
	type IDataObject,
	type INode,
	type ITriggerFunctions,
	type JsonObject,
	type NodeOperationError,
} from 'n8n-workflow';

import {
	KAPUA_CREDENTIAL_NAME,
	checkKapuaCredentials,
	readKapuaCredentials,
	type KapuaAuthentication,
} from '../../credentials/KapuaApi.credentials';
import { credentialProblemError, isCredentialProblemError } from '../common/auth/credentialCheck';
import { unreachableText } from '../common/auth/login';
import { findSignInError } from '../common/auth/signInError';
import { serverErrorText } from '../common/errors';
import { causeChain, socketCode } from '../common/transport/socketCode';
import { RELOGIN_HINT } from '../KapuaPublish/api';

export const MESSAGE_STORE_SERVICE = 'org.eclipse.kapua.service.datastore.MessageStoreService';

export interface KapuaReader {
	authentication: KapuaAuthentication;
	/** GET below the Base URL; the parsed JSON answer. Throws what n8n's helper throws. */
	get(path: string, query: IDataObject): Promise<unknown>;
}

/**
 * A reader for the credential as it is now. A credential that cannot work fails here, before anything is
 * sent.
 */
export async function openReader(
	context: ITriggerFunctions,
	options: { timeoutMs: number; signal?: AbortSignal },
): Promise<KapuaReader> {
	const data = await context.getCredentials('kapuaApi');
	const problem = checkKapuaCredentials(data);
	if (problem) throw credentialProblemError(context.getNode(), KAPUA_CREDENTIAL_NAME, problem);
	const credentials = readKapuaCredentials(data);
	const reference = context.getNode().credentials?.kapuaApi;
	// The object n8n's helper reads the token from, and writes a new one into after a login.
	const decrypted: ICredentialsDecrypted = {
		id: reference?.id ?? '',
		name: reference?.name ?? KAPUA_CREDENTIAL_NAME,
		type: 'kapuaApi',
		data,
	};
	return {
		authentication: credentials.authentication,
		get: async (path, query) =>
			(await context.helpers.httpRequestWithAuthentication.call(
				context,
				'kapuaApi',
				{
					method: 'GET',
					url: `${credentials.baseUrl}${path}`,
					qs: query,
					json: true,
					headers: { Accept: 'application/json' },
					timeout: options.timeoutMs,
					...(options.signal ? { abortSignal: options.signal } : {}),
					...(credentials.ignoreSSLIssues ? { skipSslCertificateValidation: true } : {}),
				},
				{ credentialsDecrypted: decrypted },
			)) as unknown,
	};
}

/** The message store's settings for the scope, as far as Kapua tells them (undefined when it does not). */
export interface MessageStoreSettings {
	enabled?: boolean;
	dataIndexBy?: string;
}

/**
 * GET {scope}/serviceConfigurations/org.eclipse.kapua.service.datastore.MessageStoreService: whether the
 * account stores messages at all (a disabled store answers every query with an empty list, like a store
 * with no new messages), and which time it indexes by. Needs the same permission as the query
 * (datastore:read). Any failure leaves it unknown: the query that follows says what is wrong.
 */
export async function readMessageStore(
	reader: KapuaReader,
	scopeId: string,
): Promise<MessageStoreSettings | undefined> {
	let body: unknown;
	try {
		body = await reader.get(
			`/${encodeURIComponent(scopeId)}/serviceConfigurations/${MESSAGE_STORE_SERVICE}`,
			{},
		);
	} catch {
		return undefined;
	}
	const properties = (body as { properties?: { property?: unknown } } | null)?.properties?.property;
	if (!Array.isArray(properties)) return undefined;
	const value = (name: string): string | undefined => {
		const property = (properties as Array<{ name?: unknown; value?: unknown }>).find(
			(candidate) => candidate.name === name,
		);
		const raw = Array.isArray(property?.value) ? property.value[0] : property?.value;
		return raw === undefined || raw === null ? undefined : String(raw);
	};
	const enabled = value('enabled');
	return {
		...(enabled !== undefined ? { enabled: enabled === 'true' } : {}),
		...(value('dataIndexBy') ? { dataIndexBy: value('dataIndexBy') } : {}),
	};
}

function statusOf(error: unknown): number | undefined {
	for (const candidate of causeChain(error)) {
		const record = candidate as {
			httpCode?: unknown;
			status?: unknown;
			response?: { status?: unknown };
		};
		for (const code of [record.response?.status, record.httpCode, record.status]) {
			const number = typeof code === 'string' && /^\d{3}$/.test(code) ? Number(code) : code;
			if (typeof number === 'number' && number >= 100 && number < 600) return number;
		}
	}
	return undefined;
}

function bodyOf(error: unknown): unknown {
	for (const candidate of causeChain(error)) {
		const response = (candidate as { response?: { data?: unknown; body?: unknown } }).response;
		if (response && (response.data !== undefined || response.body !== undefined))
			return response.data ?? response.body;
	}
	return undefined;
}

function field(body: unknown, name: string): string | undefined {
	if (body === null || typeof body !== 'object') return undefined;
	const value = (body as Record<string, unknown>)[name];
	return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

export interface ReadFailure {
	error: NodeApiError | NodeOperationError;
	/**
	 * The trigger cannot go on until someone changes something (the login, a permission, the Base URL, the
	 * filters): n8n's trigger error. Otherwise (no answer, HTTP 429 or 5xx) it waits and tries again.
	 */
	fatal: boolean;
}

/**
 * Why a request of the trigger failed, worded like the Kapua Publish node's errors for the same answers.
 * Built from scratch (message, HTTP code, Kapua's own text): what n8n threw may carry the request.
 */
export function readFailure(
	node: INode,
	error: unknown,
	context: { scopeId: string; authentication: KapuaAuthentication; path: string },
): ReadFailure {
	if (isCredentialProblemError(error)) return { error, fatal: true };
	const scopeText =
		context.scopeId === '_' ? "the token's own account" : `scope "${context.scopeId}"`;
	const build = (
		message: string,
		description: string,
		httpCode?: number,
		fatal = true,
	): ReadFailure => ({
		error: new NodeApiError(
			node,
			{ message, ...(httpCode ? { httpCode: String(httpCode) } : {}) } as JsonObject,
			{
				message,
				description,
				...(httpCode ? { httpCode: String(httpCode) } : {}),
			},
		),
		fatal,
	});
	const login = findSignInError(error);
	if (login) {
		const fatal = login.reason !== 'unreachable';
		const code = login.details.socketCode;
		return build(
			login.message,
			fatal
				? 'The trigger stopped: fix the credential and it starts again.'
				: `No answer to the login${code ? ` (${code})` : ''}. The trigger tries again.`,
			login.details.httpCode,
			fatal,
		);
	}
	const status = statusOf(error);
	const body = bodyOf(error);
	const serverText = serverErrorText(body);
	const answered =
		status !== undefined
			? `Kapua answered HTTP ${status} to GET ${context.path}${serverText ? `: ${serverText}` : '.'}`
			: '';
	switch (status) {
		case undefined: {
			const code = socketCode(error);
			return build(
				unreachableText('Kapua', code),
				`No answer${code ? ` (${code})` : ''}. The trigger tries again with growing pauses and goes on from where it stopped.`,
				undefined,
				false,
			);
		}
		case 400: {
			const argument = field(body, 'argumentName');
			return build(
				argument
					? `Kapua rejected the value of "${argument}" in the trigger's query`
					: "Kapua rejected the trigger's query as invalid",
				`${answered} Check the Channel, Client ID and Metric Filter.`,
				status,
			);
		}
		case 401:
			return build(
				'Kapua login failed or the access token expired',
				`${RELOGIN_HINT[context.authentication]} ${answered}`,
				status,
			);
		case 403:
			return build(
				`The Kapua user needs permission datastore:read on ${scopeText}`,
				`Grant the user (or its role) the permission datastore:read in that account, or choose a scope it may read. ${answered}`,
				status,
			);
		case 404:
		case 405:
			return build(
				`Kapua has no datastore query at this Base URL (HTTP ${status} on GET ${context.path}). Check the Base URL, including the version path such as /v1`,
				answered,
				status,
			);
		case 429:
			return build(
				'Kapua asks to slow down (HTTP 429)',
				`${answered} The trigger waits and tries again.`,
				status,
				false,
			);
		default:
			if (status >= 500) {
				return build(
					`Kapua's datastore failed to answer (HTTP ${status})`,
					`${answered} The trigger tries again with growing pauses and goes on from where it stopped.`,
					status,
					false,
				);
			}
			return build(`Kapua answered HTTP ${status} to the trigger's query`, answered, status);
	}
}
