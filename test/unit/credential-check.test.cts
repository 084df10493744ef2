/** The pure credential checks and the words for a server that could not be reached. */
import {
	checkBaseUrl,
	checkSecret,
	credentialProblemText,
} from '../../nodes/common/auth/credentialCheck';
import { unreachableText, withDetails } from '../../nodes/common/auth/login';

describe('checkBaseUrl', () => {
	test.each([
		['https://api.quiva.ai', undefined],
		['http://localhost:8081/v1/', undefined],
		['  HTTP://127.0.0.1:3026  ', undefined],
		['', "Base URL is empty; enter the server's address, such as https://host:port"],
		['api.quiva.ai', 'Base URL must start with http:// or https://'],
		['localhost:3026', 'Base URL must start with http:// or https://'],
		['ftp://host', 'Base URL must start with http:// or https://'],
		['ws://host', 'Base URL must start with http:// or https://'],
		['//host', 'Base URL must start with http:// or https://'],
		['http:/host', 'Base URL must start with http:// or https://'],
		['http://', 'Base URL is not a valid URL; it should look like https://host:port/path'],
		[
			'http://exa mple.com',
			'Base URL is not a valid URL; it should look like https://host:port/path',
		],
		[
			'http://host:99999',
			'Base URL is not a valid URL; it should look like https://host:port/path',
		],
		[
			'https://user:pw@host',
			'Base URL must not contain a user name or password; put the secret in its own field',
		],
		[
			'https://host/?a=1',
			'Base URL must not contain "?" or "#"; give the server address and path only',
		],
		[
			'https://host/#x',
			'Base URL must not contain "?" or "#"; give the server address and path only',
		],
	])('%j', (value, message) => {
		expect(checkBaseUrl(value)?.message).toBe(message);
	});

	test('never echoes the value (it may hold a password)', () => {
		expect(JSON.stringify(checkBaseUrl('https://user:s3cret-value@host'))).not.toContain(
			's3cret-value',
		);
	});
});

describe('checkSecret', () => {
	test.each([
		['key', undefined],
		['', 'API Key is empty'],
		['   ', 'API Key is empty'],
		[undefined, 'API Key is empty'],
		['a\nb', 'API Key contains a line break or control character; paste it again without it'],
		['a\u0000b', 'API Key contains a line break or control character; paste it again without it'],
	])('%j', (value, message) => {
		expect(checkSecret(value, 'API Key')?.message).toBe(message);
	});

	test('names the credential', () => {
		expect(
			credentialProblemText('Quiva API', { field: 'API Key', message: 'API Key is empty' }),
		).toBe('Quiva API credential: API Key is empty');
	});
});

describe('unreachableText and withDetails', () => {
	test.each([
		[
			'ECONNREFUSED',
			"Could not reach Kapua: the connection was refused (ECONNREFUSED). Check the Base URL's host and port and that the server is running.",
		],
		[
			'ENOTFOUND',
			"Could not reach Kapua: the Base URL's host name was not found (ENOTFOUND). Check the Base URL.",
		],
		[
			'DEPTH_ZERO_SELF_SIGNED_CERT',
			"Could not reach Kapua securely: its TLS certificate could not be verified (DEPTH_ZERO_SELF_SIGNED_CERT). Use a trusted certificate, or check the Base URL's host name.",
		],
		[
			'CERT_HAS_EXPIRED',
			"Could not reach Kapua securely: its TLS certificate could not be verified (CERT_HAS_EXPIRED). Use a trusted certificate, or check the Base URL's host name.",
		],
		[
			'ERR_TLS_CERT_ALTNAME_INVALID',
			"Could not reach Kapua securely: its TLS certificate could not be verified (ERR_TLS_CERT_ALTNAME_INVALID). Use a trusted certificate, or check the Base URL's host name.",
		],
		[
			'EPROTO',
			"Could not reach Kapua: the TLS handshake failed (EPROTO). Check that the Base URL's scheme (http or https) and port match the server.",
		],
		[
			'ETIMEDOUT',
			'Could not reach Kapua: it did not answer in time (ETIMEDOUT). Check the Base URL and the network.',
		],
		[
			'ECONNRESET',
			"Could not reach Kapua: it closed the connection without answering (ECONNRESET). Check the Base URL's scheme and port.",
		],
		['EHOSTUNREACH', 'Could not reach Kapua (EHOSTUNREACH). Check the Base URL.'],
	])('%s', (code, message) => {
		expect(withDetails(unreachableText('Kapua', code), { socketCode: code })).toBe(message);
	});

	test('the socket code stays out of the bare text (n8n would swap such a message for its own)', () => {
		expect(unreachableText('Kapua', 'ECONNREFUSED')).not.toContain('ECONNREFUSED');
	});

	test('an HTTP code already in the message is not repeated', () => {
		expect(withDetails('Kapua rejected the login (HTTP 401)', { httpCode: 401 })).toBe(
			'Kapua rejected the login (HTTP 401)',
		);
	});
});
