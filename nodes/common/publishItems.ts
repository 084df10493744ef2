/**
 * The execute loop shared by the publishing nodes, so each node's `execute` only says how to turn an
 * item into a request and an answer into an output.
 *
 * Guarantees, in this order:
 * 1. Every item is prepared (read and validated) before anything is sent: bad input sends nothing
 *    (see prepareItems.ts).
 * 2. Items sharing an ordering key are sent strictly in input order; other keys run in parallel.
 * 3. Every input item ends as exactly one output item, in input order, with pairedItem.
 */
import { NodeApiError, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type JsonObject } from 'n8n-workflow';

import { asNodeError, errorItemJson, type ExplainStatus } from './errors';
import { runOrdered } from './orderedPool';
import { prepareEveryItem } from './prepareItems';
import type { HttpClient } from './transport/httpClient';
import { expectSuccess, sendForItem } from './sendForItem';
import type { SendResult } from './transport/sendWithRetry';
import type { HttpRequest, RetryOptions } from './transport/types';

export interface PreparedItem {
	/** Items with the same key are published in input order. */
	orderingKey: string;
	request: HttpRequest;
	/** Describes what was published; merged into the output item. */
	summary: IDataObject;
}

export interface PublishOptions {
	/**
	 * Reads and validates item `itemIndex`; throws NodeOperationError naming the item and the field.
	 * May be async, for inputs n8n only hands out asynchronously (binary data kept outside memory).
	 */
	prepare: (itemIndex: number) => PreparedItem | Promise<PreparedItem>;
	client: HttpClient;
	retry: RetryOptions;
	concurrency: number;
	explain?: ExplainStatus;
	/**
	 * Runs once after every item was prepared and before the first request, only when something will be
	 * sent: a login belongs here, so that bad input sends nothing at all. When it throws, no item is sent
	 * and each valid item fails with its error (or the node fails without Continue On Fail).
	 */
	beforeSend?: () => Promise<void>;
	/** For credentials with a session (a login token): renews it on a 401, see sendWithRetry. */
	reauthenticate?: () => Promise<boolean>;
	/** The output JSON of a successful publish. */
	toOutput: (prepared: PreparedItem, result: SendResult) => IDataObject;
}

export async function publishItems(context: IExecuteFunctions, options: PublishOptions): Promise<INodeExecutionData[]> {
	const items = context.getInputData();
	const continueOnFail = context.continueOnFail();
	const signal = context.getExecutionCancelSignal();
	const node = context.getNode();

	const { prepared, failures } = await prepareEveryItem(context, options.prepare);

	if (options.beforeSend && prepared.some((item) => item !== undefined)) {
		try {
			await options.beforeSend();
		} catch (error) {
			if (!continueOnFail) throw asNodeError(node, error, 0);
			prepared.forEach((item, itemIndex) => {
				if (item) failures[itemIndex] = error;
			});
		}
	}

	let failed = false;
	const results = await runOrdered(
		prepared.map((item, itemIndex) => (failures[itemIndex] === undefined ? item?.orderingKey : undefined)),
		async (itemIndex) => {
			const item = prepared[itemIndex]!;
			try {
				const sent = await sendForItem(options.client, item.request, { retry: options.retry, signal, reauthenticate: options.reauthenticate }, { node, itemIndex });
				return options.toOutput(item, expectSuccess(sent, { node, itemIndex, explain: options.explain, target: item.summary }));
			} catch (error) {
				failed = true;
				throw asNodeError(node, error, itemIndex);
			}
		},
		{ concurrency: options.concurrency, shouldStop: () => (failed && !continueOnFail) || signal?.aborted === true },
	);

	const output: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const result = results[itemIndex];
		let error = failures[itemIndex];
		if (result?.ok) {
			output.push({ json: { ...prepared[itemIndex]!.summary, ...result.value }, pairedItem: { item: itemIndex } });
			continue;
		}
		if (result) error = result.error;
		if (error === undefined) {
			// Never started: the execution was cancelled, or an earlier item failed without Continue On Fail.
			if (!signal?.aborted && !continueOnFail) continue;
			error = new NodeApiError(node, { message: 'Not sent: the execution was canceled' } as JsonObject, {
				message: `Not sent: the execution was canceled [item ${itemIndex}]`,
				itemIndex,
			});
		}
		if (!continueOnFail) throw error;
		output.push({ json: { ...prepared[itemIndex]?.summary, ...errorItemJson(error) }, pairedItem: { item: itemIndex } });
	}
	return output;
}
