import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestHelper,
	IHttpRequestOptions,
	INodeProperties,
	Icon,
} from 'n8n-workflow';

import { SignInError } from '../nodes/common/auth/signInError';
import { serverErrorText } from '../nodes/common/errors';
import { trimBaseUrl } from '../nodes/common/transport/baseUrl';
import { socketCode } from '../nodes/common/transport/socketCode';

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
		session: String((authentication === 'emailPassword' ? data.session : data.sessionToken) ?? ''),
	};
}

/**
 * The Cookie header the chat API expects. One definition, used by n8n's helpers (`authenticate`) and by
 * the node's own keep-alive client.
 */
export function chatAuthHeaders(credentials: ChatCredentials): Record<string, string> {
	return { Cookie: `${credentials.cookieName}=${credentials.session}` };
}

/** A Set-Cookie header's value for `name`, if the answer set it. */
function cookieFromSetCookie(setCookie: unknown, name: string): string | undefined {
	const lines = Array.isArray(setCookie) ? setCookie : typeof setCookie === 'string' ? [setCookie] : [];
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

	icon: Icon = { light: 'file:../nodes/ChatMessage/chat.svg', dark: 'file:../nodes/ChatMessage/chat.dark.svg' };

	documentationUrl = 'https://www.npmjs.com/package/n8n-nodes-stream-messaging#chat-api-credential';

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
				{ name: 'Email and Password', value: 'emailPassword', description: 'n8n signs in and keeps the session cookie, renewing it when it expires' },
				{ name: 'Session Token', value: 'sessionToken', description: 'A session cookie value copied from a signed-in browser' },
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
		// eslint-disable-next-line @n8n/community-nodes/credential-unnecessary-password -- the session cookie is a bearer secret: whoever holds it is signed in
		{
			// Filled by preAuthentication from the sign-in's Set-Cookie; n8n stores it with the credential,
			// and signs in again when it is empty or a request answers 401.
			displayName: 'Session',
			name: 'session',
			type: 'hidden',
			typeOptions: { expirable: true, password: true },
			default: '',
		},
	];

	/**
	 * Signs in with email and password (POST /api/auth/sign-in/email) and keeps the session cookie.
	 * The error names neither the email's password nor the request: only the server's status and words.
	 */
	async preAuthentication(this: IHttpRequestHelper, data: ICredentialDataDecryptedObject) {
		const credentials = readChatCredentials(data);
		if (credentials.authentication !== 'emailPassword') return {};
		let response: { statusCode: number; headers: Record<string, unknown>; body: unknown };
		try {
			response = (await this.helpers.httpRequest({
				method: 'POST',
				url: `${credentials.baseUrl}/api/auth/sign-in/email`,
				body: { email: data.email, password: data.password },
				json: true,
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
			})) as typeof response;
		} catch (error) {
			// The thrown error may carry the request options (and so the password): keep only its code.
			const code = socketCode(error);
			throw new SignInError('unreachable', `Sign-in failed: could not reach the chat server (${code ?? 'network error'})`, { socketCode: code });
		}
		if (response.statusCode < 200 || response.statusCode >= 300) {
			const said = serverErrorText(response.body);
			throw new SignInError('refused', `Sign-in failed: the server answered HTTP ${response.statusCode}${said ? ` (${said})` : ''}. Check the email and password.`, {
				httpCode: response.statusCode,
			});
		}
		const session = cookieFromSetCookie(response.headers['set-cookie'], credentials.cookieName);
		if (!session) {
			throw new SignInError('noSession', `Sign-in failed: the server set no "${credentials.cookieName}" cookie. Check the Session Cookie Name.`);
		}
		return { session };
	}

	async authenticate(credentials: ICredentialDataDecryptedObject, requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> {
		return { ...requestOptions, headers: { ...requestOptions.headers, ...chatAuthHeaders(readChatCredentials(credentials)) } };
	}

	// Better Auth answers 200 with a null body for an unknown session; n8n fails the test when the
	// body's `user` equals `value`, i.e. when it is missing.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/api/auth/get-session',
			method: 'GET',
		},
		rules: [
			{
				type: 'responseSuccessBody',
				properties: { key: 'user', value: undefined, message: 'The session is not valid: sign in again or paste a fresh session token' },
			},
		],
	};
}
