/**
 * Waits until `condition` holds, polling every few milliseconds. Rejects after `timeoutMs` with an error
 * saying what was awaited, so a test that waits for something that never happens fails instead of hanging.
 */
export async function waitFor(
	condition: () => boolean,
	timeoutMs: number,
	what = 'the condition',
): Promise<void> {
	if (condition()) return;
	await new Promise<void>((resolve, reject) => {
		const poll = setInterval(() => {
			if (!condition()) return;
			clearInterval(poll);
			clearTimeout(deadline);
			resolve();
		}, 5);
		const deadline = setTimeout(() => {
			clearInterval(poll);
			reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`));
		}, timeoutMs);
	});
}
