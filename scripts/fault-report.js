#!/usr/bin/env node
/*
 * Prints the `npm run test:faults` summary from the rows the fault tests recorded
 * (test-results/faults/report.jsonl): fault kinds × nodes, soak counts, bad inputs tried, leaks found.
 */
'use strict';
const fs = require('fs');
const path = require('path');

const reportDir =
	process.env.FAULT_REPORT_DIR || path.join(__dirname, '..', 'test-results', 'faults');
const file = path.join(reportDir, 'report.jsonl');

/** Jest globalSetup: each run starts with an empty report. */
function resetReport() {
	fs.rmSync(reportDir, { recursive: true, force: true });
}

function printReport() {
	if (!fs.existsSync(file)) {
		console.log('no fault report rows were recorded');
		return false;
	}
	const rows = fs
		.readFileSync(file, 'utf8')
		.trim()
		.split('\n')
		.filter(Boolean)
		.map((line) => JSON.parse(line));

	function table(title, header, body) {
		if (body.length === 0) return;
		const widths = header.map((h, i) =>
			Math.max(String(h).length, ...body.map((r) => String(r[i]).length)),
		);
		const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
		console.log(`\n${title}\n`);
		console.log(line(header));
		console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
		for (const r of body) console.log(line(r));
	}

	const matrix = rows.filter((r) => r.section === 'matrix');
	const nodes = [...new Set(matrix.map((r) => r.node))];
	const faults = [...new Set(matrix.map((r) => r.fault))];
	table(
		'Fault matrix (outcome per node; leaks = open sockets/timers left after the execution)',
		['fault', ...nodes],
		faults.map((fault) => [
			fault,
			...nodes.map((node) => {
				const row = matrix.find((r) => r.node === node && r.fault === fault);
				// Every case records its row, FAILED included (test/faults/suite.ts); an empty cell is a fault
				// the node's suite has no case for, and "n/a" one it says does not apply.
				return row ? `${row.outcome}${row.leaks ? `, LEAKS ${row.leaks}` : ''}` : '—';
			}),
		]),
	);
	table(
		'Soak (continueOnFail on, seeded random faults)',
		[
			'node',
			'sent',
			'succeeded',
			'failed',
			'retried',
			'duplicates',
			'lost',
			'order breaks',
			'faults injected',
		],
		rows
			.filter((r) => r.section === 'soak')
			.map((r) => [
				r.node,
				r.sent,
				r.succeeded,
				r.failed,
				r.retried,
				r.duplicates,
				r.lost,
				r.orderBreaks,
				r.faults,
			]),
	);
	table(
		'Bad input (each: a clear error naming item and field; the simulator receives nothing)',
		['node', 'bad inputs tried', 'clear errors', 'requests the simulator received'],
		rows.filter((r) => r.section === 'badInput').map((r) => [r.node, r.tried, r.clear, r.sent]),
	);
	table(
		'Bad credentials (Base URL, scheme, empty secret; Continue On Fail off and on: the credential named, nothing sent)',
		['node', 'runs', 'clear errors', 'requests the simulator received', 'canary leaks'],
		rows
			.filter((r) => r.section === 'badCredential')
			.map((r) => [r.node, r.runs, r.clear, r.sent, r.leaks]),
	);
	table(
		'Secrets (canary credentials on every error path)',
		['node', 'error paths run', 'canary leaks'],
		rows.filter((r) => r.section === 'secrets').map((r) => [r.node, r.paths, r.leaks]),
	);
	const leaks =
		matrix.reduce((n, r) => n + r.leaks, 0) +
		rows
			.filter((r) => r.section === 'secrets' || r.section === 'badCredential')
			.reduce((n, r) => n + r.leaks, 0);
	console.log(`\nleaks found: ${leaks}`);
	const failed = matrix.filter((r) => r.outcome.startsWith('FAILED'));
	console.log(
		`fault cases failed: ${failed.length}${failed.length ? ` (${failed.map((r) => `${r.node} × ${r.fault}`).join('; ')})` : ''}`,
	);
	return true;
}

/** Jest reporter: prints the summary once all fault suites have run. */
class FaultSummaryReporter {
	onRunComplete() {
		printReport();
	}
}

module.exports = FaultSummaryReporter;
module.exports.resetReport = resetReport;
if (require.main === module) process.exit(printReport() ? 0 : 1);
