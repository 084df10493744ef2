import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	IHttpRequestHelper,
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
import { n8nLoginSender, sendLogin, type LoginSend } from '../nodes/common/auth/login';
import { SignInError } from '../nodes/common/auth/signInError';
import { serverErrorText } from '../nodes/common/errors';
import { trimBaseUrl } from '../nodes/common/transport/baseUrl';

/** The credential's name as the user sees it, in every message about it. */
export const CHAT_CREDENTIAL_NAME = 'Chat API';

export const SIGN_IN_PATH = '/api/auth/sign-in/email';

/** Better Auth's default; production servers use `__Secure-better-auth.session_token`. */
const DEFAULT_SESSION_COOKIE = 'better-auth.session_token';

/** The credential as the package reads it (again after each sign-in, which changes `session`). */
export interface ChatCredentials {
	baseUrl: string;
	authentication: 'emailPassword' | 'sessionToken';
	email: string;
	password: string;
	cookieName: string;
	/** The session cookie value in use: the pasted token, or the one the sign-in produced. */
	session: string;
}

export function readChatCredentials(data: ICredentialDataDecryptedObject): ChatCredentials {
	const authentication = data.authentication === 'emailPassword' ? 'emailPassword' : 'sessionToken';
	return {
		baseUrl: trimBaseUrl(data.baseUrl),
		authentication,
		email: String(data.email ?? ''),
		password: String(data.password ?? ''),
		cookieName: String(data.cookieName || DEFAULT_SESSION_COOKIE),
		session: String(
			(authentication === 'emailPassword' ? data.signInToken : data.sessionToken) ?? '',
		),
	};
}

/**
 * The Cookie header the chat API expects. One definition, used by n8n's helpers (`authenticate`) and by
 * the node's own keep-alive client.
 */
export function chatAuthHeaders(credentials: ChatCredentials): Record<string, string> {
	return { Cookie: `${credentials.cookieName}=${credentials.session}` };
}

/** What makes the credential unusable before anything is sent: a Base URL that is no http(s) URL, an empty secret. */
export function checkChatCredentials(
	data: ICredentialDataDecryptedObject,
): CredentialProblem | undefined {
	const credentials = readChatCredentials(data);
	const cookieName = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(credentials.cookieName)
		? undefined
		: {
				field: 'Session Cookie Name',
				message: "Session Cookie Name may hold only letters, digits and !#$%&'*+-.^_`|~",
			};
	if (credentials.authentication === 'sessionToken') {
		return firstProblem(
			checkBaseUrl(data.baseUrl),
			checkSecret(data.sessionToken, 'Session Token'),
			cookieName,
		);
	}
	return firstProblem(
		checkBaseUrl(data.baseUrl),
		checkSecret(credentials.email, 'Email'),
		checkSecret(credentials.password, 'Password'),
		cookieName,
	);
}

/**
 * Signs in with email and password through `send` and returns the session cookie's value; throws a
 * SignInError in the words a run and the Test button both show. The error names neither the password
 * nor the request: only the server's status and words.
 */
export async function chatSignIn(
	send: LoginSend,
	data: ICredentialDataDecryptedObject,
): Promise<string> {
	const credentials = readChatCredentials(data);
	const response = await sendLogin(
		send,
		{ path: SIGN_IN_PATH, body: { email: credentials.email, password: credentials.password } },
		'the chat server to sign in',
	);
	const { statusCode } = response;
	if (statusCode === 404 || statusCode === 405) {
		throw new SignInError(
			'wrongUrl',
			`Sign-in failed: this server has no sign-in route here (HTTP ${statusCode} on POST ${SIGN_IN_PATH}). Check the Base URL.`,
			{
				httpCode: statusCode,
			},
		);
	}
	if (statusCode < 200 || statusCode >= 300) {
		const said = serverErrorText(response.body);
		// Better Auth refuses the sign-in of an account whose email is not verified (requireEmailVerification).
		const unverified = (response.body as { code?: unknown } | null)?.code === 'EMAIL_NOT_VERIFIED';
		const hint = unverified
			? "Verify the account's email: open the link the chat app sent to it, then try again."
			: statusCode === 401 || statusCode === 403
				? 'Check the email and password.'
				: 'Check the Base URL and that the chat server is working.';
		throw new SignInError(
			'refused',
			`Sign-in failed: the server answered HTTP ${statusCode}${said ? ` (${said})` : ''}. ${hint}`,
			{ httpCode: statusCode },
		);
	}
	const session = cookieFromSetCookie(response.headers['set-cookie'], credentials.cookieName);
	if (!session) {
		throw new SignInError(
			'noSession',
			`Sign-in failed: the server set no "${credentials.cookieName}" cookie. Check the Session Cookie Name.`,
		);
	}
	return session;
}

/**
 * A Set-Cookie header's value for `name`, if the answer set it: from n8n's list of headers, or from one
 * string of them joined with ", " (a comma inside Expires is not followed by "name=").
 */
function cookieFromSetCookie(setCookie: unknown, name: string): string | undefined {
	const lines = (
		Array.isArray(setCookie) ? setCookie : typeof setCookie === 'string' ? [setCookie] : []
	).flatMap((line) => String(line).split(/,(?=\s*[^;,=\s]+=)/));
	for (const line of lines) {
		const pair = String(line).split(';', 1)[0];
		const eq = pair.indexOf('=');
		if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
	}
	return undefined;
}

export class ChatApi implements ICredentialType {
	name = 'chatApi';

	displayName = 'Chat API';

	icon: Icon = {
		light: 'file:../nodes/ChatMessage/chat.svg',
		dark: 'file:../nodes/ChatMessage/chat.dark.svg',
	};

	documentationUrl =
		'https://github.com/n8n-nodes-stream-messaging/n8n-nodes-stream-messaging/blob/main/docs/nodes/chat-message.md#the-chat-api-credential';

	properties: INodeProperties[] = [
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'http://localhost:3026',
			description: 'The chat API server, without a trailing path',
		},
		{
			displayName: 'Authentication',
			name: 'authentication',
			type: 'options',
			options: [
				{
					name: 'Email and Password',
					value: 'emailPassword',
					description: 'n8n signs in and keeps the session cookie, renewing it when it expires',
				},
				{
					name: 'Session Token',
					value: 'sessionToken',
					description: 'A session cookie value copied from a signed-in browser',
				},
			],
			default: 'emailPassword',
		},
		{
			displayName: 'Email',
			name: 'email',
			type: 'string',
			placeholder: 'name@email.com',
			default: '',
			displayOptions: { show: { authentication: ['emailPassword'] } },
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: { show: { authentication: ['emailPassword'] } },
		},
		{
			displayName: 'Session Token',
			name: 'sessionToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: { show: { authentication: ['sessionToken'] } },
			description: 'The value of the session cookie ("<token>.<signature>")',
		},
		{
			displayName: 'Session Cookie Name',
			name: 'cookieName',
			type: 'string',
			default: DEFAULT_SESSION_COOKIE,
			description: 'Production servers use secure cookies: "__Secure-better-auth.session_token"',
		},
		{
			// Filled by preAuthentication from the sign-in's Set-Cookie; n8n stores it with the credential,
			// and signs in again when it is empty or a request answers 401.
			displayName: 'Session',
			name: 'signInToken',
			type: 'hidden',
			typeOptions: { expirable: true, password: true },
			default: '',
		},
	];

	/** Signs in with email and password (POST /api/auth/sign-in/email) and keeps the session cookie. */
	async preAuthentication(this: IHttpRequestHelper, data: ICredentialDataDecryptedObject) {
		if (readChatCredentials(data).authentication !== 'emailPassword') return {};
		return { signInToken: await chatSignIn(n8nLoginSender(this, trimBaseUrl(data.baseUrl)), data) };
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		return {
			...requestOptions,
			headers: { ...requestOptions.headers, ...chatAuthHeaders(readChatCredentials(credentials)) },
		};
	}

	// No `test` request here: the Chat Message node's own test (testedBy) signs in and reads the session
	// with the node's client and words; n8n would prefer a `test` request over it and run no sign-in first.
}
