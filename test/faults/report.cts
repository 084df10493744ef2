/**
 * Rows for the `npm run test:faults` summary: each fault test appends what it observed, and
 * scripts/fault-report.js prints the table after jest. One JSON line per row, so parallel test files
 * never overwrite each other.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';

export const REPORT_FILE = path.join(
	process.env.FAULT_REPORT_DIR ?? path.join(__dirname, '..', '..', 'test-results', 'faults'),
	'report.jsonl',
);

export type ReportRow =
	| { section: 'matrix'; node: string; fault: string; outcome: string; leaks: number }
	| {
			section: 'soak';
			node: string;
			sent: number;
			succeeded: number;
			failed: number;
			retried: number;
			duplicates: number;
			lost: number;
			orderBreaks: number;
			faults: string;
	  }
	| { section: 'badInput'; node: string; tried: number; clear: number; sent: number }
	| {
			section: 'badCredential';
			node: string;
			runs: number;
			clear: number;
			sent: number;
			leaks: number;
	  }
	| { section: 'secrets'; node: string; paths: number; leaks: number };

export function record(row: ReportRow): void {
	mkdirSync(path.dirname(REPORT_FILE), { recursive: true });
	appendFileSync(REPORT_FILE, `${JSON.stringify(row)}\n`);
}
