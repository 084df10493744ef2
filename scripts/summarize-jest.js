#!/usr/bin/env node
/*
 * Prints one closing line, "<label>: N passed, N failed, N skipped", from jest's --json output, so that
 * CI (which reads such a line, not jest's own summary) sees what ran. Exits 1 when nothing ran.
 * Usage: node scripts/summarize-jest.js <label> <jest-output.json>
 */
'use strict';
const fs = require('fs');
const [label, file] = process.argv.slice(2);
let results;
try {
	results = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch (error) {
	console.log(`${label}: 0 passed, 1 failed (no jest results: ${error.message})`);
	process.exit(1);
}
const passed = results.numPassedTests;
const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
const skipped = results.numPendingTests + results.numTodoTests;
console.log(`${label}: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(passed > 0 && failed === 0 ? 0 : 1);
