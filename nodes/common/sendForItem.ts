/**
 * One request on behalf of an input item: sent under the shared retry policy (sendWithRetry), and each
 * way it can fail turned into the error a user sees for that item. Every node sends through here, so a
 * failure is worded in one place.
 */
import type { IDataObject, IExecuteFunctions, INode } from 'n8n-workflow';

import { asNodeError, httpStatusError, sendFailureError, type ExplainStatus } from './errors';
import {
	SendFailure,
	sendWithRetry,
	type RenewableClient,
	type SendOptions,
	type SendResult,
} from './transport/sendWithRetry';
import type { PreparedItem } from './runItems';
import type { HttpRequest, RetryOptions } from './transport/types';

export interface ItemContext {
	node: INode;
	itemIndex: number;
}

/** Sends with retries; a request that got no answer (refused, reset, timeout, cancel) throws the item's error. */
export async function sendForItem(
	client: RenewableClient,
	request: HttpRequest,
	options: SendOptions,
	{ node, itemIndex }: ItemContext,
): Promise<SendResult> {
	try {
		return await sendWithRetry(client, request, options);
	} catch (error) {
		// A GET (a session check) carries no message: nothing can have been stored.
		if (error instanceof SendFailure)
			throw sendFailureError(node, error, { itemIndex, carriesMessage: request.method !== 'GET' });
		throw asNodeError(node, error, itemIndex);
	}
}

/** An answer outside 2xx throws the item's NodeApiError, worded by the API's `explain`. */
export function expectSuccess<Target>(
	sent: SendResult,
	context: ItemContext & {
		explain: ExplainStatus<Target>;
		target: Target;
		carriesMessage?: boolean;
	},
): SendResult {
	const { status } = sent.response;
	if (status < 200 || status >= 300) {
		const { itemIndex, explain, target, carriesMessage } = context;
		throw httpStatusError(context.node, sent.response, {
			itemIndex,
			attempts: sent.attempts,
			explain,
			target,
			carriesMessage,
		});
	}
	return sent;
}

/** What a publishing node sends for an item: one request, under the item's retry options. */
export interface PublishRequest {
	http: HttpRequest;
	retry: RetryOptions;
}

/**
 * Publishes prepared items for one execution: each sent with retries, and any answer outside 2xx thrown
 * as the item's error. The node and the cancel signal are read once (n8n's getNode() copies the node).
 */
export function createPublisher(context: IExecuteFunctions) {
	const node = context.getNode();
	const signal = context.getExecutionCancelSignal();
	return async <Target extends IDataObject>(
		client: RenewableClient,
		item: PreparedItem<Target, PublishRequest>,
		itemIndex: number,
		explain: ExplainStatus<Target>,
	): Promise<SendResult> => {
		const sent = await sendForItem(
			client,
			item.request.http,
			{ retry: item.request.retry, signal },
			{ node, itemIndex },
		);
		return expectSuccess(sent, { node, itemIndex, explain, target: item.target });
	};
}
