/**
 * Turns a server's answer or a transport failure into the NodeApiError a user sees in the editor:
 * an actionable message, the server's own error text, the HTTP code and the item.
 *
 * Only what is built here reaches the error: never the request, its headers or the credential.
 */
import { ExecutionBaseError, NodeApiError, NodeOperationError, type IDataObject, type INode, type JsonObject } from 'n8n-workflow';

import type { SendFailure } from './transport/sendWithRetry';
import type { HttpResponse } from './transport/types';
import type { FieldProblem } from './validation';

/** Every error about one item names it the same way: "<what> [item N]: <why>". */
export function itemMessage(what: string, itemIndex: number, why?: string): string {
	return `${what} [item ${itemIndex}]${why ? `: ${why}` : ''}`;
}

/** The error of an item whose input is refused before anything is sent. */
export function invalidFieldError(node: INode, problem: FieldProblem, itemIndex: number): NodeOperationError {
	return new NodeOperationError(node, itemMessage(`Invalid ${problem.field}`, itemIndex, problem.message), {
		itemIndex,
		description: `Nothing was sent for this item. Field: ${problem.field}.`,
	});
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
		const nested = record.error !== null && typeof record.error === 'object' ? (record.error as Record<string, unknown>) : undefined;
		const parts = [
			typeof record.error === 'string' ? record.error : undefined,
			nested && typeof nested.message === 'string' ? nested.message : undefined,
			typeof record.message === 'string' ? record.message : undefined,
			typeof record.clientMessage === 'string' && record.clientMessage !== record.message ? record.clientMessage : undefined,
			typeof record.code === 'string' ? record.code : nested && typeof nested.code === 'string' ? nested.code : undefined,
			typeof record.kapuaErrorCode === 'string' ? record.kapuaErrorCode : undefined,
		].filter((part): part is string => part !== undefined && part !== '');
		return [...new Set(parts)].join(' – ').slice(0, MAX_SERVER_TEXT);
	}
	if (typeof body === 'string') {
		// HTML error pages: keep the readable text only.
		const text = body.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
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

function attemptsText(attempts: number): string {
	return attempts > 1 ? ` after ${attempts} attempts` : '';
}

export function httpStatusError<Target>(
	node: INode,
	response: HttpResponse,
	context: { itemIndex: number; attempts: number; explain?: ExplainStatus<Target>; target: Target },
): NodeApiError {
	const { status, body } = response;
	const serverText = serverErrorText(body);
	const explained = context.explain?.(status, serverText, body, context.target);
	const message = explained?.message ?? GENERIC[status] ?? `The server answered with HTTP ${status}`;
	const description = [
		explained?.description,
		`The server answered HTTP ${status}${attemptsText(context.attempts)}${serverText ? `: ${serverText}` : '.'}`,
	]
		.filter(Boolean)
		.join('\n');
	const errorResponse: JsonObject = { message, httpCode: String(status), serverMessage: serverText };
	return new NodeApiError(node, errorResponse, {
		message: itemMessage(message, context.itemIndex),
		description,
		httpCode: String(status),
		itemIndex: context.itemIndex,
	});
}

export function sendFailureError(node: INode, error: SendFailure, context: { itemIndex: number }): NodeApiError {
	const { failure, attempts } = error;
	const maybeSent =
		failure.kind === 'reset' || failure.kind === 'timeout'
			? ' The server may have received the message before the connection failed, so it was not sent again (enable "Retry on Server Errors" to accept possible duplicates).'
			: '';
	// No `code` here: NodeApiError would swap our message for n8n's generic one, which advises the
	// node-level "Retry On Fail" — re-running the node re-publishes every item already sent.
	const errorResponse: JsonObject = { message: failure.message };
	return new NodeApiError(node, errorResponse, {
		message: itemMessage(failure.message, context.itemIndex),
		description: `No answer from the server${attemptsText(attempts)} (${failure.code}).${maybeSent}`,
		itemIndex: context.itemIndex,
	});
}

/**
 * n8n's own errors (NodeApiError, NodeOperationError, expression errors) pass through unchanged;
 * anything else becomes a NodeOperationError for the item, so the editor shows the node and the item.
 */
export function asNodeError(node: INode, error: unknown, itemIndex: number): ExecutionBaseError {
	if (error instanceof ExecutionBaseError) return error;
	return new NodeOperationError(node, error instanceof Error ? error : String(error), { itemIndex });
}

/** The JSON of a Continue On Fail item: the message, with the description and HTTP code when the error has them. */
export function errorItemJson(error: unknown): IDataObject {
	if (!(error instanceof Error)) return { error: String(error) };
	const { description, httpCode } = error as { description?: unknown; httpCode?: unknown };
	return {
		error: error.message,
		...(typeof description === 'string' && description ? { description } : {}),
		...(typeof httpCode === 'string' && httpCode ? { httpCode } : {}),
	};
}
