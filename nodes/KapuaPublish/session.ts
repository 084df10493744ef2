/**
 * Why opening a Kapua session failed, as an error a user can act on. Built from scratch (message and
 * HTTP code only): what n8n threw may carry the login request, whose body holds the password or API key.
 */
import { NodeApiError, type INode, type JsonObject } from 'n8n-workflow';

import type { KapuaAuthentication } from '../../credentials/KapuaApi.credentials';

function chain(error: unknown): unknown[] {
	const seen: unknown[] = [];
	for (let current = error; current !== undefined && current !== null && seen.length < 5; current = (current as { cause?: unknown }).cause) {
		seen.push(current);
	}
	return seen;
}

function httpCodeOf(errors: unknown[]): string | undefined {
	for (const error of errors) {
		const record = error as { httpCode?: unknown; httpStatus?: unknown; status?: unknown; response?: { status?: unknown } };
		const code = record.httpCode ?? record.response?.status ?? record.status;
		if ((typeof code === 'string' && /^\d{3}$/.test(code)) || typeof code === 'number') return String(code);
	}
	return undefined;
}

export function kapuaSessionError(node: INode, error: unknown, authentication: KapuaAuthentication): NodeApiError {
	const errors = chain(error);
	const login = errors.find((candidate): candidate is Error & { httpCode?: number; code?: string } => (candidate as Error)?.name === 'KapuaLoginError');
	let message: string;
	let httpCode: string | undefined;
	let code: string | undefined;
	if (login) {
		message = login.message;
		code = login.code;
		httpCode = login.httpCode !== undefined ? String(login.httpCode) : undefined;
	} else {
		httpCode = httpCodeOf(errors);
		if (httpCode === '401') {
			message =
				authentication === 'accessToken'
					? 'Kapua refused the access token: it expired or was invalidated; paste a new one'
					: 'Kapua refused the session token even after logging in again';
		} else if (httpCode) {
			message = `Kapua answered HTTP ${httpCode} when the session was checked (GET /authentication/info)`;
		} else {
			message = 'Could not reach Kapua to open a session: check the Base URL';
			const found = errors.map((candidate) => (candidate as { code?: unknown }).code).find((value) => typeof value === 'string' && /^E[A-Z_]+$/.test(value));
			code = found as string | undefined;
		}
	}
	return new NodeApiError(node, { message, ...(httpCode ? { httpCode } : {}) } as JsonObject, {
		message,
		description: `Nothing was sent${code ? ` (${code})` : ''}. The credential is checked once per execution, before the first message.`,
		...(httpCode ? { httpCode } : {}),
	});
}
