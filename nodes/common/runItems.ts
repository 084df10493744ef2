/**
 * The one way the package's nodes run their input items, so each node only says how to turn an item into
 * a request (`prepare`), how to open its client (`open`) and how to send one item (`send`).
 *
 * In this order:
 * 1. Every item is prepared (read and validated) before anything is sent: bad input sends nothing.
 *    Without Continue On Fail the first bad item stops the node; with it, that item fails alone.
 * 2. The client is opened once, and only when at least one item will be sent: a login belongs there, so
 *    bad input does not even log in. When it fails, every item that would have been sent fails with it.
 * 3. Items sharing an ordering key are sent one after another, in input order; other keys run in
 *    parallel, at most `concurrency` at a time (orderedPool.ts).
 * 4. Every input item ends as its output (one item; Chat's Each Event mode: one per event), in input
 *    order, with pairedItem, its target's fields first.
 *
 * Failure policy, one for every node: without Continue On Fail, the first failure stops new sends and the
 * node fails with the first failed item's error, in input order. With it, each failed item becomes an
 * error item `{...target, error, description, httpCode}` (target fields null when the item's input was bad,
 * description and httpCode null when the error has none) and the others go on. A cancelled execution
 * starts no further item; those fail with "Not sent: the execution was canceled [item N]" (the node's
 * error without Continue On Fail, error items with it), and n8n records the run as canceled.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { asNodeError, errorItemJson, notSentCanceledError } from './errors';
import { runOrdered } from './orderedPool';

export interface PreparedItem<Target extends IDataObject, Request> {
	/** Items with the same key are sent in input order. */
	orderingKey: string;
	/** What the item is sent to: the first fields of its output, and named in its errors. */
	target: Target;
	request: Request;
}

export interface ItemPipeline<
	Target extends IDataObject,
	Request,
	Client extends { close(): void },
> {
	/**
	 * Reads and validates item `itemIndex`; throws the error naming the item and the field. May be async,
	 * for inputs n8n only hands out asynchronously (binary data kept outside memory).
	 */
	prepare: (
		itemIndex: number,
	) => PreparedItem<Target, Request> | Promise<PreparedItem<Target, Request>>;
	/** Opens the client (and its session) for the execution; closed by the pipeline at the end. */
	open: () => Promise<Client>;
	/** Sends one item; returns its output JSON (several for a node that outputs one item per event). */
	send: (
		client: Client,
		item: PreparedItem<Target, Request>,
		itemIndex: number,
	) => Promise<IDataObject | IDataObject[]>;
	concurrency: number;
	/**
	 * The target's fields, so that every error item has the same shape: null where the item failed before
	 * its target was known (bad input).
	 */
	targetFields: ReadonlyArray<keyof Target & string>;
	/**
	 * What a sent item's output still waits for once every item was sent (Kapua's Verify Delivery): the
	 * item's final JSON, or its error. It runs after sending so that it never holds up an ordering lane.
	 */
	settle?: (json: IDataObject, itemIndex: number) => Promise<IDataObject>;
	/** More fields for a failed item's output, from its error (the chat reply's partial text). */
	errorJson?: (error: unknown) => IDataObject;
	/** Told when an item that was to be sent fails and the node goes on (the chat node tells the streaming client). */
	onFailure?: (itemIndex: number, error: Error) => Promise<void>;
}

export async function runItems<
	Target extends IDataObject,
	Request,
	Client extends { close(): void },
>(
	context: IExecuteFunctions,
	pipeline: ItemPipeline<Target, Request, Client>,
): Promise<INodeExecutionData[]> {
	const items = context.getInputData();
	const node = context.getNode();
	const continueOnFail = context.continueOnFail();
	const signal = context.getExecutionCancelSignal();
	// Who is told of a failure as it happens (a streaming client): not after a cancel, which n8n reports itself.
	const continuing = () => continueOnFail && signal?.aborted !== true;

	// 1. Prepare every item.
	const prepared: Array<PreparedItem<Target, Request> | undefined> = [];
	const failures: unknown[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			prepared.push(await pipeline.prepare(itemIndex));
		} catch (error) {
			if (!continueOnFail) throw asNodeError(node, error, itemIndex);
			prepared.push(undefined);
			failures[itemIndex] = error;
		}
	}

	// 2. Open the client when something will be sent.
	let client: Client | undefined;
	if (prepared.some((item) => item !== undefined)) {
		try {
			client = await pipeline.open();
		} catch (error) {
			if (!continueOnFail) throw asNodeError(node, error, 0);
			for (const [itemIndex, item] of prepared.entries()) {
				if (!item) continue;
				failures[itemIndex] = error;
				if (continuing())
					await pipeline.onFailure?.(itemIndex, asNodeError(node, error, itemIndex));
			}
		}
	}

	try {
		// 3. Send, in order per key.
		let failed = false;
		const opened = client;
		// Each request (its serialized body above all) is let go once its item is sent: for 100,000 items the
		// node holds the requests in flight, the targets and the outputs, not every request until the end.
		const targets = prepared.map((item) => item?.target);
		const results = opened
			? await runOrdered(
					prepared.map((item) => item?.orderingKey),
					async (itemIndex) => {
						const item = prepared[itemIndex]!;
						prepared[itemIndex] = undefined;
						try {
							return await pipeline.send(opened, item, itemIndex);
						} catch (error) {
							failed = true;
							const itemError = asNodeError(node, error, itemIndex);
							if (continuing()) await pipeline.onFailure?.(itemIndex, itemError);
							throw itemError;
						}
					},
					{
						concurrency: pipeline.concurrency,
						shouldStop: () => (failed && !continueOnFail) || signal?.aborted === true,
					},
				)
			: [];

		// 3b. What sent items still wait for (a delivery check), all at once.
		const { settle } = pipeline;
		if (settle) {
			await Promise.all(
				results.map(async (result, itemIndex) => {
					if (!result?.ok || Array.isArray(result.value)) return;
					try {
						result.value = await settle(result.value, itemIndex);
					} catch (error) {
						results[itemIndex] = { ok: false, error: asNodeError(node, error, itemIndex) };
					}
				}),
			);
		}

		// 4. One output per input item, in input order.
		const output: INodeExecutionData[] = [];
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			const target = targets[itemIndex];
			const result = results[itemIndex];
			results[itemIndex] = undefined;
			if (result?.ok) {
				const values = Array.isArray(result.value) ? result.value : [result.value];
				for (const json of values)
					output.push({ json: { ...target, ...json }, pairedItem: { item: itemIndex } });
				continue;
			}
			let error = result ? result.error : failures[itemIndex];
			if (error === undefined) {
				// Never started: an earlier item failed without Continue On Fail (that error comes), or the
				// execution was cancelled.
				if (!signal?.aborted) continue;
				error = notSentCanceledError(node, itemIndex);
			}
			if (!continueOnFail) throw asNodeError(node, error, itemIndex);
			const knownTarget = {
				...Object.fromEntries(pipeline.targetFields.map((field) => [field, null])),
				...target,
			};
			output.push({
				json: { ...knownTarget, ...errorItemJson(error), ...pipeline.errorJson?.(error) },
				pairedItem: { item: itemIndex },
			});
		}
		return output;
	} finally {
		client?.close();
	}
}
