/**
 * The one way a credential's login (Kapua's token, the chat app's sign-in) is sent and worded, whoever
 * sends it: n8n's pre-authentication during a run (`n8nLoginSender`, n8n's own HTTP helper, so n8n stores
 * the token with the credential) and the credential's Test button (`clientLoginSender`, the package's own
 * client, since n8n runs no pre-authentication before a custom test). Both give the same answers to the
 * same interpretation code, so the Test button and a run say the same words.
 */
import type { IDataObject, IHttpRequestHelper } from 'n8n-workflow';

import type { HttpClient } from '../transport/httpClient';
import { socketCode } from '../transport/socketCode';
import { SignInError } from './signInError';

export interface LoginAnswer {
	statusCode: number;
	headers: Record<string, unknown>;
	body: unknown;
}

/** A login that got no answer; `socketCode` is the only thing kept of the error. */
export interface NoAnswer {
	noAnswer: true;
	socketCode: string | undefined;
}

/** Sends a login POST to `path` below the Base URL; never throws. */
export type LoginSend = (request: {
	path: string;
	body: IDataObject;
}) => Promise<LoginAnswer | NoAnswer>;

/** The pre-authentication's sender: n8n's HTTP helper (the thrown error may carry the body: only its code is kept). */
export function n8nLoginSender(
	helper: IHttpRequestHelper,
	baseUrl: string,
	options: { skipSslCertificateValidation?: boolean } = {},
): LoginSend {
	return async ({ path, body }) => {
		try {
			return (await helper.helpers.httpRequest({
				method: 'POST',
				url: `${baseUrl}${path}`,
				body,
				json: true,
				headers: { Accept: 'application/json' },
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				...(options.skipSslCertificateValidation ? { skipSslCertificateValidation: true } : {}),
			})) as LoginAnswer;
		} catch (error) {
			return { noAnswer: true, socketCode: socketCode(error) };
		}
	};
}

/** The Test button's sender: the package's own client (its failures carry only a socket code). */
export function clientLoginSender(client: HttpClient): LoginSend {
	return async ({ path, body }) => {
		try {
			const response = await client.send({ method: 'POST', path, body });
			return { statusCode: response.status, headers: response.headers, body: response.body };
		} catch (error) {
			return { noAnswer: true, socketCode: socketCode(error) };
		}
	};
}

const TLS_CERTIFICATE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/;
const TLS_HANDSHAKE = /^(EPROTO|ERR_SSL_|ERR_TLS_)/;

/**
 * Why `server` ("Kapua", "Kapua to log in", "the chat server") could not be reached, from the socket code alone, with what
 * to check. The code itself stays out (n8n swaps an error message naming a socket code for its own
 * generic words): `withDetails` adds it where a message is all the user gets (the Test button).
 */
export function unreachableText(server: string, code: string | undefined): string {
	if (code === 'ECONNREFUSED')
		return `Could not reach ${server}: the connection was refused. Check the Base URL's host and port and that the server is running.`;
	if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
		return `Could not reach ${server}: the Base URL's host name was not found. Check the Base URL.`;
	if (code && TLS_CERTIFICATE.test(code)) {
		return `Could not reach ${server} securely: its TLS certificate could not be verified. Use a trusted certificate, or check the Base URL's host name.`;
	}
	if (code && TLS_HANDSHAKE.test(code)) {
		return `Could not reach ${server}: the TLS handshake failed. Check that the Base URL's scheme (http or https) and port match the server.`;
	}
	if (code === 'ETIMEDOUT' || code === 'ECONNABORTED')
		return `Could not reach ${server}: it did not answer in time. Check the Base URL and the network.`;
	if (code === 'ECONNRESET' || code === 'EPIPE')
		return `Could not reach ${server}: it closed the connection without answering. Check the Base URL's scheme and port.`;
	return `Could not reach ${server}. Check the Base URL.`;
}

/** A message with the HTTP status or socket code it came from, for where no details panel exists. */
export function withDetails(
	message: string,
	details: { httpCode?: number | string; socketCode?: string },
): string {
	const code =
		details.socketCode ?? (details.httpCode !== undefined ? `HTTP ${details.httpCode}` : undefined);
	if (!code || message.includes(code)) return message;
	// After the first sentence, which says what went wrong: "… was refused (ECONNREFUSED). Check …"
	const end = message.indexOf('. ');
	if (end >= 0) return `${message.slice(0, end)} (${code})${message.slice(end)}`;
	return message.endsWith('.') ? `${message.slice(0, -1)} (${code}).` : `${message} (${code})`;
}

/** Sends a login and turns "no answer" into the SignInError a run and the Test button both show. */
export async function sendLogin(
	send: LoginSend,
	request: { path: string; body: IDataObject },
	reaching: string,
): Promise<LoginAnswer> {
	const answer = await send(request);
	if (!('noAnswer' in answer)) return answer;
	throw new SignInError('unreachable', unreachableText(reaching, answer.socketCode), {
		socketCode: answer.socketCode,
	});
}
