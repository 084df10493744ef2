/**
 * What a credential's pre-authentication (Kapua's login, the chat app's sign-in) throws. n8n wraps it in
 * its own error and keeps it as the cause; the node finds it there by class (`findSignInError`) and words
 * the error a user sees from `reason`, never from the message text.
 *
 * It carries the HTTP status and the socket code, never the request: the login body holds the password
 * or the API key. The socket code is not named `code`: n8n replaces the message of an error whose `code`
 * is a socket code with a generic text.
 */
import { causeChain } from '../transport/socketCode';

export type SignInFailure =
	/** No answer: the server is down or the Base URL is wrong. */
	| 'unreachable'
	/** The server answered the login with an error status. */
	| 'refused'
	/** The server has no login route at the Base URL (HTTP 404): the Base URL is wrong, not the secret. */
	| 'wrongUrl'
	/** The login succeeded but produced no token or cookie to use. */
	| 'noSession';

export class SignInError extends Error {
	constructor(
		readonly reason: SignInFailure,
		message: string,
		readonly details: { httpCode?: number; socketCode?: string } = {},
	) {
		super(message);
		this.name = 'SignInError';
	}
}

/** The SignInError in an error's cause chain (n8n nests what pre-authentication threw), if any. */
export function findSignInError(error: unknown): SignInError | undefined {
	for (const candidate of causeChain(error)) {
		if (candidate instanceof SignInError) return candidate;
	}
	return undefined;
}
