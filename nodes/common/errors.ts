/**
 * Turns a server's answer or a transport failure into the NodeApiError a user sees in the editor:
 * an actionable message, the server's own error text, the HTTP code and the item.
 *
 * Only what is built here reaches the error: never the request, its headers or the credential.
 */
import {
	ExecutionBaseError,
	NodeApiError,
	NodeOperationError,
	type IDataObject,
	type INode,
	type JsonObject,
} from 'n8n-workflow';

import type { SendFailure } from './transport/sendWithRetry';
import { MAY_HAVE_ARRIVED, type HttpResponse, type TransportFailure } from './transport/types';
import type { FieldProblem } from './validation';

/** Every error about one item names it the same way: "<what> [item N]: <why>". */
export function itemMessage(what: string, itemIndex: number, why?: string): string {
	return `${what} [item ${itemIndex}]${why ? `: ${why}` : ''}`;
}

/** The error of an item whose input is refused before anything is sent. */
export function invalidFieldError(
	node: INode,
	problem: FieldProblem,
	itemIndex: number,
): NodeOperationError {
	return new NodeOperationError(
		node,
		itemMessage(`Invalid ${problem.field}`, itemIndex, problem.message),
		{
			itemIndex,
			description: `Nothing was sent for this item. Field: ${problem.field}.`,
		},
	);
}

/** The error of an item that was never sent because the execution was cancelled first. */
export function notSentCanceledError(node: INode, itemIndex: number): NodeApiError {
	return new NodeApiError(node, { message: 'Not sent: the execution was canceled' } as JsonObject, {
		message: itemMessage('Not sent: the execution was canceled', itemIndex),
		itemIndex,
	});
}

/** What an API module says about a status: a message a user can act on, and optionally more. */
export interface StatusExplanation {
	message: string;
	description?: string;
	/** The API's answer says the message was not stored (a 5xx that is a refusal), so no "may have received". */
	notStored?: boolean;
	/** The server's words as the API module reads its error body, quoted instead of `serverErrorText`'s reading. */
	serverText?: string;
	/** Kept on the error's `context` (e.g. the server's code and request ID, for Continue On Fail items). */
	context?: IDataObject;
}

/** `target` is what the item was sent to (its stream, device or chat), so a message can name it. */
export type ExplainStatus<Target = IDataObject> = (
	status: number,
	serverText: string,
	body: unknown,
	target: Target,
) => StatusExplanation | undefined;

const MAX_SERVER_TEXT = 500;

/** The server's own words from the error body shapes the three APIs use, or a trimmed text/HTML body. */
export function serverErrorText(body: unknown): string {
	if (body !== null && typeof body === 'object') {
		const record = body as Record<string, unknown>;
		const nested =
			record.error !== null && typeof record.error === 'object'
				? (record.error as Record<string, unknown>)
				: undefined;
		const parts = [
			typeof record.error === 'string' ? record.error : undefined,
			nested && typeof nested.message === 'string' ? nested.message : undefined,
			typeof record.message === 'string' ? record.message : undefined,
			typeof record.clientMessage === 'string' && record.clientMessage !== record.message
				? record.clientMessage
				: undefined,
			typeof record.code === 'string'
				? record.code
				: nested && typeof nested.code === 'string'
					? nested.code
					: undefined,
			typeof record.kapuaErrorCode === 'string' ? record.kapuaErrorCode : undefined,
		].filter((part): part is string => part !== undefined && part !== '');
		return [...new Set(parts)].join(' – ').slice(0, MAX_SERVER_TEXT);
	}
	if (typeof body === 'string') {
		// HTML error pages: keep the readable text only.
		const text = body
			.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
			.replace(/<[^>]+>/g, ' ')
			.replace(/\s+/g, ' ')
			.trim();
		return text.slice(0, MAX_SERVER_TEXT);
	}
	return '';
}

const GENERIC: Record<number, string> = {
	400: 'The server rejected the request as invalid',
	401: 'Authentication failed: check the credential',
	403: 'The credential is not allowed to do this',
	404: 'Not found',
	408: 'The server timed out waiting for the request',
	413: 'The message is too large for the server',
	429: 'Rate limit exceeded: the server asks to slow down',
	500: 'The server failed to process the request',
	502: 'Bad gateway: a proxy could not reach the server',
	503: 'The service is unavailable',
	504: 'Gateway timeout',
};

/** The words every node uses for an HTTP status it has no words of its own for, if any. */
export function genericStatusText(status: number): string | undefined {
	return GENERIC[status];
}

function attemptsText(attempts: number): string {
	return attempts > 1 ? ` after ${attempts} attempts` : '';
}

/** Said in the message of every failure after which the message may be stored on the server. */
export const MAY_HAVE_RECEIVED = 'the server may have received the message';

/**
 * What a user can do about a message the server may have stored: publishing is not idempotent, so it was
 * not sent again unless the user accepted duplicates.
 */
export function mayHaveReceivedAdvice(attempts: number): string {
	if (attempts > 1) {
		return `It was sent ${attempts} times (Retry on Server Errors is on) and the server may have stored it any number of those times: check downstream whether it arrived, and how often.`;
	}
	return 'It was not sent again, so it is not duplicated. Turn on the Retry on Server Errors option to resend such items (at-least-once: a message may then arrive twice), or check downstream whether it arrived.';
}

/**
 * Whether an error answer may come after the server stored the message: any 5xx, except a 503 with
 * Retry-After (the server says it refused it, and it is retried as surely not stored).
 */
function mayHaveStored(response: HttpResponse): boolean {
	if (response.status < 500) return false;
	return !(response.status === 503 && response.headers['retry-after'] !== undefined);
}

export function httpStatusError<Target>(
	node: INode,
	response: HttpResponse,
	context: {
		itemIndex: number;
		attempts: number;
		explain?: ExplainStatus<Target>;
		target: Target;
		/** False for a request that carries no message (a session check): a 5xx then stores nothing. */
		carriesMessage?: boolean;
	},
): NodeApiError {
	const { status, body } = response;
	const plainText = serverErrorText(body);
	const explained = context.explain?.(status, plainText, body, context.target);
	const serverText = explained?.serverText ?? plainText;
	const maybeStored =
		context.carriesMessage !== false && explained?.notStored !== true && mayHaveStored(response);
	const worded = explained?.message ?? GENERIC[status] ?? `The server answered with HTTP ${status}`;
	const message = maybeStored ? `${worded}; ${MAY_HAVE_RECEIVED}` : worded;
	const description = [
		explained?.description,
		`The server answered HTTP ${status}${attemptsText(context.attempts)}${serverText ? `: ${serverText}` : '.'}`,
		maybeStored ? mayHaveReceivedAdvice(context.attempts) : undefined,
	]
		.filter(Boolean)
		.join('\n');
	const errorResponse: JsonObject = {
		message,
		httpCode: String(status),
		serverMessage: serverText,
	};
	const error = new NodeApiError(node, errorResponse, {
		message: itemMessage(message, context.itemIndex),
		description,
		httpCode: String(status),
		itemIndex: context.itemIndex,
	});
	if (explained?.context) Object.assign(error.context, explained.context);
	return error;
}

/** What the description says of a failure: no answer, or an answer that could not be read, and its code. */
function failureCause(failure: TransportFailure, attempts: number): string {
	const code = failure.detail ? `${failure.code}: ${failure.detail}` : failure.code;
	if (failure.kind === 'malformed')
		return `The server's answer${attemptsText(attempts)} broke the HTTP/1.1 rules and was not read (${code}).`;
	if (failure.kind === 'tooLarge')
		return `The server's answer${attemptsText(attempts)} was larger than the node reads (${code}).`;
	if (failure.kind === 'invalid')
		return `Nothing was sent (${code}). Check the credential and the fields that become headers for line breaks or control characters.`;
	return `No answer from the server${attemptsText(attempts)} (${code}).`;
}

export function sendFailureError(
	node: INode,
	error: SendFailure,
	context: { itemIndex: number; carriesMessage?: boolean },
): NodeApiError {
	const { failure, attempts } = error;
	const maybeStored = context.carriesMessage !== false && MAY_HAVE_ARRIVED.has(failure.kind);
	const message = maybeStored ? `${failure.message}; ${MAY_HAVE_RECEIVED}` : failure.message;
	// No `code` here: NodeApiError would swap our message for n8n's generic one, which advises the
	// node-level "Retry On Fail" — re-running the node re-publishes every item already sent.
	const errorResponse: JsonObject = { message };
	return new NodeApiError(node, errorResponse, {
		message: itemMessage(message, context.itemIndex),
		description: `${failureCause(failure, attempts)}${maybeStored ? ` ${mayHaveReceivedAdvice(attempts)}` : ''}`,
		itemIndex: context.itemIndex,
	});
}

/**
 * n8n's own errors (NodeApiError, NodeOperationError, expression errors) pass through unchanged;
 * anything else becomes a NodeOperationError for the item, so the editor shows the node and the item.
 */
export function asNodeError(node: INode, error: unknown, itemIndex: number): ExecutionBaseError {
	if (error instanceof ExecutionBaseError) return error;
	return new NodeOperationError(node, error instanceof Error ? error : String(error), {
		itemIndex,
	});
}

/**
 * The error fields of a Continue On Fail item, one shape whatever failed (bad input, credential, no
 * answer, an HTTP error): `error`, `description` and `httpCode`, null when the error has none.
 */
export function errorItemJson(error: unknown): IDataObject {
	if (!(error instanceof Error)) return { error: String(error), description: null, httpCode: null };
	const { description, httpCode } = error as { description?: unknown; httpCode?: unknown };
	return {
		error: error.message,
		description: typeof description === 'string' && description ? description : null,
		httpCode: typeof httpCode === 'string' && httpCode ? httpCode : null,
	};
}
