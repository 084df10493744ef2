/**
 * What a soak run left behind, from the node's output and the simulator's log of accepted messages:
 * each input item carries a `seq`, each logged message the `seq` of the item it came from, and
 * `keyOf` names the ordering key (the node keeps order per key, not across keys).
 */
import type { INodeExecutionData } from 'n8n-workflow';

export interface SoakStats {
	succeeded: INodeExecutionData[];
	failed: INodeExecutionData[];
	/** Sequence numbers the log holds more than once. */
	duplicates: number;
	/** Items reported as published whose message the log does not hold exactly once. */
	lost: number;
	/** Items reported as failed whose message the log holds all the same. */
	acceptedButReported: INodeExecutionData[];
	/** Messages logged after a later one of the same key. */
	orderBreaks: number;
	/** Ordering keys seen in the log. */
	keys: number;
}

export function soakStats<M>(options: {
	items: Array<{ seq: number }>;
	output: INodeExecutionData[];
	log: M[];
	seqOf: (message: M) => number;
	keyOf: (message: M) => string;
}): SoakStats {
	const { items, output, log, seqOf, keyOf } = options;
	const logCount = new Map<number, number>();
	for (const message of log) logCount.set(seqOf(message), (logCount.get(seqOf(message)) ?? 0) + 1);
	const succeeded = output.filter((item) => item.json.published === true);
	const failed = output.filter((item) => item.json.error !== undefined);
	// The input item an output item answers, by n8n's pairedItem.
	const seqAt = (item: INodeExecutionData) => items[(item.pairedItem as { item: number }).item].seq;
	const duplicates = [...logCount.values()].filter((count) => count > 1).length;
	const lost = succeeded.filter((item) => logCount.get(seqAt(item)) !== 1).length;
	const acceptedButReported = failed.filter((item) => logCount.has(seqAt(item)));

	let orderBreaks = 0;
	const last = new Map<string, number>();
	for (const message of log) {
		const key = keyOf(message);
		if ((last.get(key) ?? -1) >= seqOf(message)) orderBreaks++;
		last.set(key, seqOf(message));
	}
	return { succeeded, failed, duplicates, lost, acceptedButReported, orderBreaks, keys: last.size };
}
