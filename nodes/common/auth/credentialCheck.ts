/**
 * What can be known about a credential without sending anything: its Base URL is an absolute http(s) URL
 * and the secrets its way in needs are not empty. Checked once per execution before the first request
 * (no publish, no login, no sign-in) and first thing in the credential's Test, with the same words.
 *
 * The words name the credential and the field as the user sees them, never a value: a Base URL may hold
 * a user name and password, and the secrets are secrets.
 */
import { NodeOperationError, type INode } from 'n8n-workflow';

export interface CredentialProblem {
	/** The field's display name ("Base URL", "API Key"). */
	field: string;
	/** A sentence about the field, starting with its name. */
	message: string;
}

/** Why a Base URL cannot be sent to, or undefined when it can. */
export function checkBaseUrl(value: unknown): CredentialProblem | undefined {
	// Trailing slashes kept: "http://" is a URL without a host, not one without a scheme.
	const text = String(value ?? '').trim();
	const problem = (message: string): CredentialProblem => ({ field: 'Base URL', message });
	if (text === '')
		return problem("Base URL is empty; enter the server's address, such as https://host:port");
	if (!/^https?:\/\//i.test(text)) return problem('Base URL must start with http:// or https://');
	let url: URL;
	try {
		url = new URL(text);
	} catch {
		return problem('Base URL is not a valid URL; it should look like https://host:port/path');
	}
	if (url.hostname === '')
		return problem('Base URL has no host name; it should look like https://host:port/path');
	if (url.username !== '' || url.password !== '') {
		return problem(
			'Base URL must not contain a user name or password; put the secret in its own field',
		);
	}
	if (url.search !== '' || url.hash !== '' || text.includes('?') || text.includes('#')) {
		return problem('Base URL must not contain "?" or "#"; give the server address and path only');
	}
	return undefined;
}

/**
 * A required secret or name: undefined when it has text that can travel in a header. A line break or a
 * control character (a paste gone wrong) would make Node refuse the request with a socket-level error.
 */
export function checkSecret(value: unknown, field: string): CredentialProblem | undefined {
	const text = value === undefined || value === null ? '' : String(value);
	if (text.trim() === '') return { field, message: `${field} is empty` };
	if (hasControlCharacter(text))
		return {
			field,
			message: `${field} contains a line break or control character; paste it again without it`,
		};
	return undefined;
}

/** A line break, tab or other control character (U+0000–U+001F, U+007F): what HTTP refuses in a header. */
function hasControlCharacter(text: string): boolean {
	for (let i = 0; i < text.length; i++) {
		const code = text.charCodeAt(i);
		if (code < 0x20 || code === 0x7f) return true;
	}
	return false;
}

/** The first problem of several checks. */
export function firstProblem(
	...problems: Array<CredentialProblem | undefined>
): CredentialProblem | undefined {
	return problems.find((problem) => problem !== undefined);
}

/** "Quiva API credential: Base URL must start with http:// or https://" */
export function credentialProblemText(credentialName: string, problem: CredentialProblem): string {
	return `${credentialName} credential: ${problem.message}`;
}

const problems = new WeakSet<Error>();

/**
 * The node's error for a credential that cannot work, found before sending: the node's error without
 * Continue On Fail, every item's with it. The nodes' session errors let it through unchanged.
 */
export function credentialProblemError(
	node: INode,
	credentialName: string,
	problem: CredentialProblem,
): NodeOperationError {
	const error = new NodeOperationError(node, credentialProblemText(credentialName, problem), {
		description: `Nothing was sent: the credential is checked before the first request. Open the ${credentialName} credential and correct its ${problem.field}.`,
	});
	problems.add(error);
	return error;
}

export function isCredentialProblemError(error: unknown): error is NodeOperationError {
	return error instanceof Error && problems.has(error);
}
