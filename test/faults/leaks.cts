/**
 * Open-handle check around one execution: sockets and timers the process holds afterwards that it did
 * not hold before. fetch keeps idle connections open across executions by design, so the simulators first
 * close their idle keep-alive connections: a socket still open then is busy (a request or a body nobody
 * finished), which is a leak. Closing sockets takes a few event-loop turns, so the check waits (bounded)
 * for the counts to come back before calling anything a leak.
 */
import { closeIdleConnections } from '../simulators/http.cjs';

const WATCHED = new Set(['TCPSocketWrap', 'Timeout', 'TLSWrap', 'PipeWrap']);

function counts(): Map<string, number> {
	const result = new Map<string, number>();
	for (const name of process.getActiveResourcesInfo()) {
		if (WATCHED.has(name)) result.set(name, (result.get(name) ?? 0) + 1);
	}
	return result;
}

function excess(before: Map<string, number>, after: Map<string, number>): string[] {
	const leaks: string[] = [];
	for (const [name, count] of after) {
		const extra = count - (before.get(name) ?? 0);
		for (let i = 0; i < extra; i++) leaks.push(name);
	}
	return leaks;
}

/** Runs `work`, then returns the handles left over once the event loop has settled (at most ~2 s). */
export async function leftoverHandles<T>(
	work: () => Promise<T>,
): Promise<{ result: T; leaks: string[] }> {
	const before = counts();
	const result = await work();
	let leaks: string[] = [];
	for (let turn = 0; turn < 100; turn++) {
		closeIdleConnections();
		await new Promise((resolve) => setTimeout(resolve, 20));
		leaks = excess(before, counts());
		if (leaks.length === 0) break;
	}
	return { result, leaks };
}
