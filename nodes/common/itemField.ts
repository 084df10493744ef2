/**
 * Reads a field of an item by its keys, the way n8n users name fields ("order.lines.0.sku") in nodes such
 * as Set. Only own properties of objects are followed, so "__proto__" reads nothing, and a string on the
 * way is not looked into. Undefined when the item does not hold the field.
 */
export function readOwnPath(
	data: unknown,
	keys: readonly string[],
): { value: unknown } | undefined {
	let current = data;
	for (const key of keys) {
		if (
			current === null ||
			typeof current !== 'object' ||
			!Object.prototype.hasOwnProperty.call(current, key)
		)
			return undefined;
		current = (current as Record<string, unknown>)[key];
	}
	return { value: current };
}

/** The value at a dotted path ("data.payload"), or undefined when the item does not hold it. */
export function readItemField(data: unknown, path: string): unknown {
	return readOwnPath(data, path.split('.'))?.value;
}
