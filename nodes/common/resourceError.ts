/**
 * The chat backend's error body (its ResourceError class), read into what a user needs: the server's
 * specific words, its code and its request ID. Both Chat Message's HTTP errors (api.ts) and the `error`
 * events of a reply (sse/normalize.ts) carry it:
 *
 *   {message, clientMessage, code, [error], requestId, statusCode}
 *
 * Which field holds the specific words varies with the error (docs/api-contracts.md, captured answers in
 * test/contract/chat-captured): a 401 puts them in `message`; a 403 or 404 in `clientMessage` (its
 * `message` is then the backend's fallback sentence); a 500 in `error[].message` (GraphQL's errors, its
 * `message` says only "GraphQL execution failed"); a 400 in `error` (Joi's words naming the field). The
 * fallback sentence is never specific. The documentation's shape `{error: "<CODE>", message}` is read too.
 *
 * Pure; nothing of a request is read (a body-parser error echoes the request body in `error.body`: it is
 * left out).
 */

/** The backend's fallback sentence: its default clientMessage, and the message of its 403 and 404. */
export const FALLBACK_SENTENCE =
	'We experienced an internal error. Please try again or contact support for assistance.';

export interface ServerError {
	/** The server's specific words (the causes, joined with "; " when there are several). */
	message: string;
	/** Its other words, when they add something to `message` ("GraphQL execution failed"). */
	summary?: string;
	code?: string;
	/** What the app's operators ask for to find the request in their logs. */
	requestId?: string;
}

const MAX_WORDS = 300;
/** A code as the documented shape puts it in `error`: upper case and underscores. */
const CODE = /^[A-Z][A-Z0-9_]*$/;

const text = (value: unknown): string | undefined =>
	typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
const record = (value: unknown): Record<string, unknown> | undefined =>
	value !== null && typeof value === 'object' && !Array.isArray(value)
		? (value as Record<string, unknown>)
		: undefined;
const cut = (words: string): string =>
	words.length > MAX_WORDS ? `${words.slice(0, MAX_WORDS)}…` : words;

/** The causes in `error`: Joi's text, GraphQL's list of `{message}`, or an error object's message (or type). */
function causes(error: unknown): string[] {
	const single = text(error);
	if (single) return [single];
	if (Array.isArray(error))
		return error.flatMap((entry) => text(entry) ?? text(record(entry)?.message) ?? []);
	const object = record(error);
	if (!object) return [];
	const found = text(object.message) ?? text(object.type);
	return found ? [found] : [];
}

/** What the body says, or undefined when it is no JSON object with words (an HTML page, an empty body). */
export function readServerError(body: unknown): ServerError | undefined {
	const json = record(body);
	if (!json) return undefined;
	const code = text(json.code);
	const requestId = text(json.requestId);
	// The documented shape: `error` holds the code, `message` the words.
	const documented = code === undefined && typeof json.error === 'string' && CODE.test(json.error);
	const said = documented ? [] : causes(json.error).map(cut);
	const top = [
		...new Set(
			[text(json.message), text(json.clientMessage)].filter(
				(words): words is string => words !== undefined && words !== FALLBACK_SENTENCE,
			),
		),
	].map(cut);
	let message: string;
	let summary: string | undefined;
	if (said.length > 0) {
		message = said.join('; ');
		summary = top.length > 0 ? top.join(' ') : undefined;
	} else if (top.length > 0) {
		[message] = top;
		summary = top[1];
	} else if (text(json.message) ?? text(json.clientMessage)) {
		message = FALLBACK_SENTENCE;
	} else if (code === undefined && requestId === undefined && !documented) {
		return undefined;
	} else {
		message = 'The server gave no reason';
	}
	const result: ServerError = { message };
	if (summary !== undefined) result.summary = summary;
	const errorCode = code ?? (documented ? (json.error as string) : undefined);
	if (errorCode !== undefined) result.code = errorCode;
	if (requestId !== undefined) result.requestId = requestId;
	return result;
}

/**
 * The server's words as one line for an error's description: the specific words, what they add to them,
 * the code and the request ID (`Chat with the given id not found. (code CHAT_NOT_FOUND, request ID …)`).
 */
export function serverErrorLine(said: ServerError): string {
	const tags = [
		said.code ? `code ${said.code}` : undefined,
		said.requestId ? `request ID ${said.requestId}` : undefined,
	].filter(Boolean);
	return `${said.message}${said.summary ? ` – ${said.summary}` : ''}${tags.length ? ` (${tags.join(', ')})` : ''}`;
}
