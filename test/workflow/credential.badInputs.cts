/**
 * Credentials that cannot work, shared by the workflow tests, the fault suite and the credential Tests:
 * each must fail before anything is sent (no publish, no login, no sign-in) with words naming the
 * credential and the field. Base URLs are built from the simulator's own, so a node that did not check
 * would reach the simulator and be counted.
 *
 * Each node's table (quiva/kapua/chat.badInputs.ts) is these Base URL classes plus its empty secrets.
 */
import type { IDataObject } from 'n8n-workflow';

export interface BadCredentialCase {
	name: string;
	/** The way in (the credential's Authentication value) the case uses. */
	way: string;
	/** Fields replacing the good credential's, given its good Base URL. */
	overrides: (goodBaseUrl: string) => IDataObject;
	/** The exact message, in a run and in the credential's Test. */
	message: string;
}

/** A canary in a Base URL's user info: must never be echoed. */
export const BASE_URL_PASSWORD_CANARY = 'CANARY-url-password-5e1d';

export function baseUrlCases(credentialName: string, way: string): BadCredentialCase[] {
	const must = `${credentialName} credential: Base URL must start with http:// or https://`;
	const cases: Array<[string, (url: string) => string, string]> = [
		['Base URL that is not a URL', () => 'not a url', must],
		['Base URL without a scheme', (url) => url.replace(/^http:\/\//, ''), must],
		['Base URL with the ftp scheme', (url) => url.replace(/^http:/, 'ftp:'), must],
		['Base URL with an empty scheme', (url) => url.replace(/^http:/, ''), must],
		[
			'Base URL with one slash after the scheme',
			(url) => url.replace(/^http:\/\//, 'http:/'),
			must,
		],
		[
			'empty Base URL',
			() => '  ',
			`${credentialName} credential: Base URL is empty; enter the server's address, such as https://host:port`,
		],
		[
			'Base URL with a space in the host',
			(url) => url.replace('127.0.0.1', '127.0.0 .1'),
			`${credentialName} credential: Base URL is not a valid URL; it should look like https://host:port/path`,
		],
		[
			'Base URL with a user name and password',
			(url) => url.replace('http://', `http://user:${BASE_URL_PASSWORD_CANARY}@`),
			`${credentialName} credential: Base URL must not contain a user name or password; put the secret in its own field`,
		],
		[
			'Base URL with a query',
			(url) => `${url}?debug=1`,
			`${credentialName} credential: Base URL must not contain "?" or "#"; give the server address and path only`,
		],
		[
			'Base URL with a fragment',
			(url) => `${url}#top`,
			`${credentialName} credential: Base URL must not contain "?" or "#"; give the server address and path only`,
		],
	];
	return cases.map(([name, baseUrl, message]) => ({
		name,
		way,
		overrides: (url) => ({ baseUrl: baseUrl(url) }),
		message,
	}));
}

/** An empty (or blank, or broken) secret of one way in. */
export function secretCases(
	credentialName: string,
	way: string,
	field: string,
	label: string,
): BadCredentialCase[] {
	return [
		{
			name: `empty ${label}`,
			way,
			overrides: () => ({ [field]: '' }),
			message: `${credentialName} credential: ${label} is empty`,
		},
		{
			name: `blank ${label}`,
			way,
			overrides: () => ({ [field]: '   ' }),
			message: `${credentialName} credential: ${label} is empty`,
		},
	];
}

/** A secret pasted with a line break: it could never travel in a header, and must not be echoed. */
export const LINE_BREAK_CANARY = 'CANARY-line\nbreak-9b2c';

export function lineBreakCase(
	credentialName: string,
	way: string,
	field: string,
	label: string,
): BadCredentialCase {
	return {
		name: `${label} with a line break`,
		way,
		overrides: () => ({ [field]: LINE_BREAK_CANARY }),
		message: `${credentialName} credential: ${label} contains a line break or control character; paste it again without it`,
	};
}
