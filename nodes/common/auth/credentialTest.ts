/**
 * A credential's Test button, run by n8n through the node's `methods.credentialTest` (the node declares
 * it with `testedBy`). n8n runs no pre-authentication before such a test, so it logs in itself, with the
 * same login code a run uses (login.ts) and the package's own client, then sends one request that needs
 * the session and changes nothing. In order, and stopping at the first failure:
 *
 * 1. the fields, without sending anything (credentialCheck.ts: the words a run shows);
 * 2. the login, for a way in that has one (the SignInError a run shows);
 * 3. the probe: no answer (unreachable, TLS) or the answer judged by the node (wrong secret, expired, wrong
 *    Base URL).
 *
 * n8n shows only `message`, so the HTTP status or socket code goes into it, in parentheses. Nothing of the
 * credential does: messages are built from field names, statuses and the server's own words.
 */
import type {
	ICredentialDataDecryptedObject,
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	INodeCredentialTestResult,
} from 'n8n-workflow';

import { serverErrorText } from '../errors';
import { openTestTransport } from '../transport/httpClient';
import { socketCode } from '../transport/socketCode';
import type { HttpRequest, HttpResponse } from '../transport/types';
import { credentialProblemText, type CredentialProblem } from './credentialCheck';
import { clientLoginSender, unreachableText, withDetails, type LoginSend } from './login';
import { findSignInError } from './signInError';

/** Long enough for a slow login, short enough that the Test button does not seem to hang. */
const TEST_TIMEOUT_MS = 15_000;

export interface CredentialTestSpec {
	credentialName: string;
	/** How messages name the server: "the quiva.ai Gateway", "Kapua", "the chat server". */
	server: string;
	check: (data: ICredentialDataDecryptedObject) => CredentialProblem | undefined;
	baseUrl: (data: ICredentialDataDecryptedObject) => string;
	ignoreSSLIssues?: (data: ICredentialDataDecryptedObject) => boolean;
	/** Logs in when the way in has a login; the headers the probe carries. */
	authenticate: (
		send: LoginSend,
		data: ICredentialDataDecryptedObject,
	) => Promise<Record<string, string>>;
	/** A request that needs the session and changes nothing. */
	probe: Pick<HttpRequest, 'method' | 'path'>;
	/** The node's words for a 2xx or a refusal of the probe; undefined leaves the answer to `probeAnswerText`. */
	judge: (
		response: HttpResponse,
		data: ICredentialDataDecryptedObject,
	) => INodeCredentialTestResult | undefined;
}

/** `context` is what n8n gives a credential test: its request helper serves a credential that ignores SSL issues. */
export async function runCredentialTest(
	spec: CredentialTestSpec,
	credential: ICredentialsDecrypted,
	context?: ICredentialTestFunctions,
): Promise<INodeCredentialTestResult> {
	const data = credential.data ?? {};
	const problem = spec.check(data);
	if (problem)
		return { status: 'Error', message: credentialProblemText(spec.credentialName, problem) };

	const client = openTestTransport(
		{
			baseUrl: spec.baseUrl(data),
			ignoreSSLIssues: spec.ignoreSSLIssues?.(data),
			timeoutMs: TEST_TIMEOUT_MS,
		},
		context?.helpers,
	);
	try {
		let headers: Record<string, string>;
		try {
			headers = await spec.authenticate(clientLoginSender(client), data);
		} catch (error) {
			// A login throws only SignInErrors; anything else is reported by its socket code alone.
			const signIn = findSignInError(error);
			const code = socketCode(error);
			return {
				status: 'Error',
				message: signIn
					? withDetails(signIn.message, signIn.details)
					: withDetails(unreachableText(spec.server, code), { socketCode: code }),
			};
		}
		let response: HttpResponse;
		try {
			response = await client.send({ ...spec.probe, headers });
		} catch (error) {
			const code = socketCode(error);
			return {
				status: 'Error',
				message: withDetails(unreachableText(spec.server, code), { socketCode: code }),
			};
		}
		return (
			spec.judge(response, data) ?? { status: 'Error', message: probeAnswerText(spec, response) }
		);
	} finally {
		client.close();
	}
}

/** What an answer the node did not judge says: a wrong Base URL (404, a redirect), a server failing. */
export function probeAnswerText(
	spec: Pick<CredentialTestSpec, 'server' | 'probe'>,
	response: HttpResponse,
): string {
	const { status } = response;
	const request = `${spec.probe.method} ${spec.probe.path}`;
	const said = serverErrorText(response.body);
	const server = spec.server.charAt(0).toUpperCase() + spec.server.slice(1);
	if (status === 404 || status === 405) {
		return `The server at the Base URL is not ${spec.server}, or the Base URL's path is wrong: it has no ${spec.probe.path} route (HTTP ${status} on ${request}). Check the Base URL.`;
	}
	if (status >= 300 && status < 400) {
		return `The Base URL redirects elsewhere (HTTP ${status} on ${request}${response.headers.location ? ` to ${redirectTarget(response.headers.location)}` : ''}). Use the address it redirects to as the Base URL.`;
	}
	if (status >= 500)
		return `${server} failed to answer ${request} (HTTP ${status}${said ? `: ${said}` : ''}). Try again later.`;
	return `${server} answered ${request} with HTTP ${status}${said ? ` (${said})` : ''}.`;
}

/** A redirect's target without anything that could be a secret (user info, query). */
function redirectTarget(location: string): string {
	try {
		const url = new URL(location);
		return `${url.protocol}//${url.host}${url.pathname}`;
	} catch {
		return 'another address';
	}
}
