#!/usr/bin/env node
/*
 * `npm run lint`, ending with one line that says what was checked and whether it passed:
 * - n8n's own lint for community packages, unmodified: `n8n-node lint` (@n8n/node-cli) with its default
 *   eslint.config.mjs, in strict mode (it refuses a modified config). It reads every `.ts` file as package
 *   source, which is why the tests, benches and scripts are `.cts` (CONTRIBUTING.md);
 * - the format check: Prettier with n8n's settings (.prettierrc.js, from n8n-node's template), code and JSON
 *   (Markdown and copied material are left alone: .prettierignore);
 * - the TypeScript type check of the whole repository (strict), tests included;
 * - the GitHub Actions workflows, with actionlint (scripts/lint-workflows.js).
 */
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

const n8nLint = spawnSync('n8n-node', ['lint'], { cwd: root, stdio: 'inherit' });
const format = spawnSync('prettier', ['--check', '--log-level', 'warn', '.'], {
	cwd: root,
	stdio: 'inherit',
});
const tscFiles = spawnSync('tsc', ['-p', 'tsconfig.json', '--noEmit', '--listFilesOnly'], {
	cwd: root,
	encoding: 'utf8',
});
const ownFiles =
	tscFiles.status === 0
		? tscFiles.stdout.split('\n').filter((f) => f && !f.includes('node_modules')).length
		: 0;
const tsc = spawnSync('tsc', ['-p', 'tsconfig.json', '--noEmit'], { cwd: root, stdio: 'inherit' });
const workflows = spawnSync(process.execPath, [path.join(__dirname, 'lint-workflows.js')], {
	cwd: root,
	stdio: 'inherit',
});

const words = [
	`n8n-node lint (strict, default config): ${n8nLint.status === 0 ? 'passed' : 'FAILED (above)'}`,
	`format (Prettier, n8n's settings): ${format.status === 0 ? 'passed' : 'FAILED: run npx prettier --write .'}`,
	`tsc type check (strict) on ${ownFiles} project files: ${tsc.status === 0 ? 'no errors' : 'errors above'}`,
	`actionlint on .github/workflows: ${workflows.status === 0 ? 'passed' : 'FAILED (above)'}`,
];
const passed =
	n8nLint.status === 0 && format.status === 0 && tsc.status === 0 && workflows.status === 0;
console.log(`lint ${passed ? 'passed' : 'FAILED'}: ${words.join('; ')}`);
process.exit(passed ? 0 : 1);
