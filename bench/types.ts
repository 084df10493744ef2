/**
 * One line of `npm run bench`: a measured path beside the baseline taken in the same run, as a ratio,
 * because these machines are shared and noisy (absolute numbers are context only).
 */
export interface BenchResult {
	/** What was measured, e.g. "Quiva node (keep-alive)". */
	name: string;
	/** What it is compared with, e.g. "raw keep-alive client". */
	baselineName: string;
	items: number;
	/** What `items` counts: published items (the default) or the tokens of one reply. */
	unit?: 'items' | 'tokens';
	ms: number;
	baselineMs: number;
	goal?: string;
	/** Anything else worth printing (retries, order checks, ...). */
	notes?: string;
}

export function itemsPerSecond(items: number, ms: number): number {
	return ms > 0 ? Math.round((items * 1000) / ms) : 0;
}

/**
 * ms / baselineMs: 1.0 = as fast as the baseline; the goal is stated beside it. Computed by the
 * printers rather than stored, so it cannot disagree with the figures printed beside it.
 */
export function timeRatio(result: BenchResult): number {
	return result.ms / result.baselineMs;
}
