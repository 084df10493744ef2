/**
 * Reads a field of an item by a dotted path ("order.lines.0.sku"), the way n8n users name fields in
 * nodes such as Set or Item Lists. Only own properties are followed, so "__proto__" reads nothing.
 */
export function readItemField(data: unknown, path: string): unknown {
	let current: unknown = data;
	for (const key of path.split('.')) {
		if (current === null || typeof current !== 'object' || !Object.prototype.hasOwnProperty.call(current, key)) {
			return undefined;
		}
		current = (current as Record<string, unknown>)[key];
	}
	return current;
}
