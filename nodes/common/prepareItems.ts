/**
 * Every item is read and checked before anything is sent, so bad input sends nothing: without
 * "Continue On Fail" the first bad item stops the node; with it, that item's error is kept for its
 * output item and the others go on.
 */
import type { IExecuteFunctions } from 'n8n-workflow';

import { asNodeError } from './errors';

export interface PreparedItems<T> {
	/** Per input item: what `prepare` made of it, or undefined when it failed. */
	prepared: Array<T | undefined>;
	/** Per input item: why it failed (only with Continue On Fail). */
	failures: unknown[];
}

export async function prepareEveryItem<T>(context: IExecuteFunctions, prepare: (itemIndex: number) => T | Promise<T>): Promise<PreparedItems<T>> {
	const count = context.getInputData().length;
	const continueOnFail = context.continueOnFail();
	const prepared: Array<T | undefined> = [];
	const failures: unknown[] = [];
	for (let itemIndex = 0; itemIndex < count; itemIndex++) {
		try {
			prepared.push(await prepare(itemIndex));
		} catch (error) {
			if (!continueOnFail) throw asNodeError(context.getNode(), error, itemIndex);
			prepared.push(undefined);
			failures[itemIndex] = error;
		}
	}
	return { prepared, failures };
}
