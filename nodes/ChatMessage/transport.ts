/**
 * The chat app's client for one execution: the session cookie from n8n's sign-in (email and password,
 * renewed once after a 401) or a pasted session token (used as is, never renewed), the signed-in user's
 * ID when a message needs it, and why signing in failed, worded for the user.
 */
import {
	NodeApiError,
	type NodeOperationError,
	type ICredentialsDecrypted,
	type ICredentialTestFunctions,
	type IExecuteFunctions,
	type INodeCredentialTestResult,
	type JsonObject,
} from 'n8n-workflow';

import {
	CHAT_CREDENTIAL_NAME,
	SIGN_IN_PATH,
	chatAuthHeaders,
	chatSignIn,
	checkChatCredentials,
	readChatCredentials,
	type ChatCredentials,
} from '../../credentials/ChatApi.credentials';
import { openApiClient, type ApiClient, type AuthSpec } from '../common/auth/apiClient';
import { isCredentialProblemError } from '../common/auth/credentialCheck';
import { runCredentialTest, type CredentialTestSpec } from '../common/auth/credentialTest';
import { findSignInError } from '../common/auth/signInError';
import { expectSuccess, sendForItem } from '../common/sendForItem';
import { DEFAULT_RETRY } from '../common/transport/types';
import { explainChatStatus } from './api';

export const CHAT_AUTH: AuthSpec<ChatCredentials> = {
	credentialType: 'chatApi',
	credentialName: CHAT_CREDENTIAL_NAME,
	check: checkChatCredentials,
	read: readChatCredentials,
	headers: chatAuthHeaders,
	sessionField: 'signInToken',
	// /api/models answers 401 without a valid session (get-session answers 200 null), so this probe is
	// what makes n8n sign in again when the stored session has expired. A pasted token has nothing to sign
	// in with: no probe, and the first message's 401 says it expired.
	probe: (credentials) =>
		credentials.authentication === 'emailPassword'
			? { method: 'GET', url: `${credentials.baseUrl}/api/models`, json: true }
			: undefined,
};

/** The chat server's requests and a stream's head, each (the reply itself has its own timeouts). */
export const CHAT_REQUEST_TIMEOUT_MS = 60_000;

export interface ChatClient {
	api: ApiClient<ChatCredentials>;
	/** The signed-in user's ID, read once per session for the first item that needs it. */
	signedInUser(itemIndex: number): Promise<string>;
	close(): void;
}

export async function openChatClient(
	context: IExecuteFunctions,
	limits: { maxRequestsPerSecond?: number } = {},
): Promise<ChatClient> {
	let api: ApiClient<ChatCredentials>;
	try {
		// Every request is bounded: a JSON one to its last byte, a stream to its head (the chat server sends the
		// head at once and streams the reply after); a reply's body is bounded by the idle and overall timeouts.
		api = await openApiClient(context, CHAT_AUTH, {
			transport: 'keepAlive',
			timeoutMs: CHAT_REQUEST_TIMEOUT_MS,
			maxSockets: 2,
			...limits,
		});
	} catch (error) {
		throw chatSessionError(context, error);
	}
	let user: Promise<string> | undefined;
	return {
		api,
		// Asked once per session, not per execution: the answer is kept with the credential's shared state until
		// the session changes (a renewal after a 401 starts a new one).
		signedInUser: (itemIndex) => {
			const known = api.learned.userId;
			if (known) return Promise.resolve(known);
			user ??= readSessionUser(context, api, itemIndex).then((id) => {
				api.remember({ userId: id });
				return id;
			});
			return user;
		},
		close: () => api.close(),
	};
}

/** The signed-in user's ID from GET /api/auth/get-session; renews the session once if it has none. */
async function readSessionUser(
	context: IExecuteFunctions,
	api: ApiClient<ChatCredentials>,
	itemIndex: number,
): Promise<string> {
	const node = context.getNode();
	for (let round = 0; round < 2; round++) {
		const sent = await sendForItem(
			api,
			{ method: 'GET', path: '/api/auth/get-session' },
			{ retry: DEFAULT_RETRY, signal: context.getExecutionCancelSignal() },
			{ node, itemIndex },
		);
		const { response } = expectSuccess(sent, {
			node,
			itemIndex,
			explain: explainChatStatus,
			target: {},
			carriesMessage: false,
		});
		const user = (response.body as { user?: { id?: unknown } } | null)?.user;
		if (user && typeof user.id === 'string' && user.id !== '') return user.id;
		if (round === 0 && !(await api.renew())) break;
	}
	throw new NodeApiError(node, { message: 'The session has no user' } as JsonObject, {
		message:
			'Session expired or sign-in failed: the chat server knows no signed-in user for this session',
		description:
			'GET /api/auth/get-session returned no user. Check the Chat API credential, or set the User ID option.',
	});
}

const SESSION_REFUSED =
	'Session expired or sign-in failed: the chat server did not accept the credential';
const GET_SESSION_PATH = '/api/auth/get-session';

/** The error for a failed sign-in or session check, without anything of the request (cookies, password). */
function chatSessionError(
	context: IExecuteFunctions,
	error: unknown,
): NodeApiError | NodeOperationError {
	// Found before sending: already the node's words.
	if (isCredentialProblemError(error)) return error;
	const signIn = findSignInError(error);
	const httpCode = (error as { httpCode?: unknown })?.httpCode;
	let message: string;
	let description: string;
	if (signIn?.reason === 'unreachable') {
		message = 'Sign-in failed: could not reach the chat server';
		description = `${signIn.message} Nothing was sent (POST ${SIGN_IN_PATH}: ${signIn.details.socketCode ?? 'network error'}).`;
	} else if (signIn?.reason === 'wrongUrl') {
		message = signIn.message;
		description = `The server at the Base URL answered POST ${SIGN_IN_PATH} with HTTP ${signIn.details.httpCode}: it is not the chat app's API, or the Base URL has a wrong path. Nothing was sent.`;
	} else if (signIn) {
		message = signIn.message;
		description =
			"n8n signs in with the credential's email and password (POST /api/auth/sign-in/email). The account must exist and its email be verified.";
	} else {
		message = SESSION_REFUSED;
		description = `The server refused the session${typeof httpCode === 'string' ? ` (HTTP ${httpCode})` : ''}. Check the Chat API credential: a session token expires after 7 days.`;
	}
	return new NodeApiError(context.getNode(), { message } as JsonObject, {
		message,
		description,
		...(typeof httpCode === 'string' ? { httpCode } : {}),
	});
}

const CHAT_TEST: CredentialTestSpec = {
	credentialName: CHAT_CREDENTIAL_NAME,
	server: 'the chat server',
	check: checkChatCredentials,
	baseUrl: (data) => readChatCredentials(data).baseUrl,
	// A fresh sign-in, never the stored session: the Test is about the email and password as typed.
	authenticate: async (send, data) => {
		const credentials = readChatCredentials(data);
		if (credentials.authentication !== 'emailPassword') return chatAuthHeaders(credentials);
		return chatAuthHeaders({ ...credentials, session: await chatSignIn(send, data) });
	},
	// Better Auth answers 200 with a null body for an unknown session, 404 where it has no such route.
	probe: { method: 'GET', path: GET_SESSION_PATH },
	judge: (response, data) => {
		if (response.status < 200 || response.status >= 300) {
			return response.status === 401
				? { status: 'Error', message: `${SESSION_REFUSED} (HTTP 401)` }
				: undefined;
		}
		const user = (response.body as { user?: { id?: unknown } } | null)?.user;
		if (user && typeof user.id === 'string' && user.id !== '')
			return { status: 'OK', message: 'Connected: signed in to the chat server' };
		return readChatCredentials(data).authentication === 'sessionToken'
			? {
					status: 'Error',
					message:
						'The session token is not valid: it expired (after 7 days) or was signed out. Paste a fresh one from a signed-in browser.',
				}
			: {
					status: 'Error',
					message:
						'Sign-in succeeded but the server knows no user for the new session. Check the Session Cookie Name.',
				};
	},
};

/** The Test button of the Chat API credential (the node declares it with `testedBy`). */
export async function chatApiTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	return await runCredentialTest(CHAT_TEST, credential, this);
}
