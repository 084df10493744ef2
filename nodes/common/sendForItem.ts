/**
 * One request on behalf of an input item: sent under the shared retry policy (sendWithRetry), and each
 * way it can fail turned into the error a user sees for that item. Every node sends through here, so a
 * failure is worded in one place.
 */
import type { IDataObject, INode } from 'n8n-workflow';

import { asNodeError, httpStatusError, sendFailureError, type ExplainStatus } from './errors';
import type { HttpClient } from './transport/httpClient';
import { SendFailure, sendWithRetry, type SendOptions, type SendResult } from './transport/sendWithRetry';
import type { HttpRequest } from './transport/types';

export interface ItemContext {
	node: INode;
	itemIndex: number;
}

/** Sends with retries; a request that got no answer (refused, reset, timeout, cancel) throws the item's error. */
export async function sendForItem(client: HttpClient, request: HttpRequest, options: SendOptions, { node, itemIndex }: ItemContext): Promise<SendResult> {
	try {
		return await sendWithRetry(client, request, options);
	} catch (error) {
		if (error instanceof SendFailure) throw sendFailureError(node, error, { itemIndex });
		throw asNodeError(node, error, itemIndex);
	}
}

/** An answer outside 2xx throws the item's NodeApiError, worded by the API's `explain`. */
export function expectSuccess(sent: SendResult, context: ItemContext & { explain?: ExplainStatus; target?: IDataObject }): SendResult {
	const { status } = sent.response;
	if (status < 200 || status >= 300) {
		throw httpStatusError(context.node, sent.response, { itemIndex: context.itemIndex, attempts: sent.attempts, explain: context.explain, target: context.target });
	}
	return sent;
}
