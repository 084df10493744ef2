/**
 * The correctness every publishing bench checks besides its speed: each item arrived exactly once, and
 * within one ordering key (subject, clientId+channel) in the order of the items. Items are numbered from
 * 0 (their seq); the messages are taken in the order the simulator received them.
 */
export interface Delivery {
	/** Every seq from 0 to items - 1 arrived, each once, and nothing else. */
	exactlyOnce: boolean;
	/** Messages whose seq had already arrived. */
	duplicates: number;
	/** Messages whose seq is not above the last one of their key: a step back, or a repeat. */
	orderBreaks: number;
	/** How many ordering keys the messages used. */
	keys: number;
}

export function checkDelivery<Message>(
	messages: Message[],
	keyOf: (message: Message) => string | number,
	seqOf: (message: Message) => number,
	items = messages.length,
): Delivery {
	const seqs = messages.map(seqOf);
	const distinct = new Set(seqs);
	const last = new Map<string | number, number>();
	let orderBreaks = 0;
	messages.forEach((message, index) => {
		const key = keyOf(message);
		if ((last.get(key) ?? -1) >= seqs[index]) orderBreaks++;
		last.set(key, seqs[index]);
	});
	return {
		exactlyOnce:
			seqs.length === items &&
			distinct.size === items &&
			seqs.every((seq) => Number.isInteger(seq) && seq >= 0 && seq < items),
		duplicates: seqs.length - distinct.size,
		orderBreaks,
		keys: last.size,
	};
}
