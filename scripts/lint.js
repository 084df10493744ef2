#!/usr/bin/env node
/*
 * `npm run lint`: n8n's community-node lint rules (eslint.config.mjs) and the TypeScript type check, ending
 * with one line that says what was checked and whether it passed (eslint and tsc print nothing on success).
 */
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

async function main() {
	const { ESLint } = require('eslint');
	const eslint = new ESLint({ cwd: root });
	const results = await eslint.lintFiles(['.']);
	const formatter = await eslint.loadFormatter('stylish');
	const report = await formatter.format(results);
	if (report) process.stdout.write(report);
	const errors = results.reduce((n, r) => n + r.errorCount, 0);
	const warnings = results.reduce((n, r) => n + r.warningCount, 0);

	const tsc = spawnSync('tsc', ['-p', 'tsconfig.json', '--noEmit', '--listFilesOnly'], { cwd: root, encoding: 'utf8' });
	const ownFiles = tsc.status === 0 ? tsc.stdout.split('\n').filter((f) => f && !f.includes('node_modules')).length : 0;
	const check = spawnSync('tsc', ['-p', 'tsconfig.json', '--noEmit'], { cwd: root, stdio: 'inherit' });

	const eslintWords = `eslint (n8n community-node rules) on ${results.length} files: ${errors} errors, ${warnings} warnings`;
	const tscWords = `tsc type check (strict) on ${ownFiles} project files: ${check.status === 0 ? 'no errors' : 'errors above'}`;
	const passed = errors === 0 && check.status === 0;
	console.log(`lint ${passed ? 'passed' : 'FAILED'}: ${eslintWords}; ${tscWords}`);
	process.exit(passed ? 0 : 1);
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
