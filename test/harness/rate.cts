/** The most events within any one-second window [t, t + 1000) of these times (ms, sorted ascending). */
export function busiestSecond(times: number[]): number {
	let most = 0;
	for (let start = 0, end = 0; start < times.length; start++) {
		while (end < times.length && times[end] < times[start] + 1000) end++;
		most = Math.max(most, end - start);
	}
	return most;
}
