/** An error and its causes, outermost first (bounded: n8n nests an error a few levels deep at most). */
export function causeChain(error: unknown): unknown[] {
	const chain: unknown[] = [];
	for (
		let current = error;
		current !== undefined && current !== null && chain.length < 5;
		current = (current as { cause?: unknown }).cause
	) {
		chain.push(current);
	}
	return chain;
}

/**
 * The socket-level code of a request that got no answer (ECONNREFUSED, ECONNRESET, ERR_CANCELED...),
 * from the error or one of its causes. Only the code: the error itself may carry the request.
 */
export function socketCode(error: unknown): string | undefined {
	for (const candidate of causeChain(error)) {
		const code = (candidate as { code?: unknown }).code;
		if (typeof code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(code)) return code;
	}
	return undefined;
}
