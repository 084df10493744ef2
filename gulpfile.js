// Copies what tsc does not: node icons, codex (*.node.json) files and output schemas (__schema__/*.json,
// served by n8n at /schemas/<package>.<node>/<version>.json), next to the compiled nodes.
const { rmSync } = require('node:fs');
const { src, dest } = require('gulp');

// tsc never deletes: without this, the output of a renamed or removed source file would ship in the tarball.
async function clean() {
	rmSync('dist', { recursive: true, force: true });
}

function buildAssets() {
	return src(['nodes/**/*.{png,svg}', 'nodes/**/*.node.json', 'nodes/**/__schema__/**/*.json', 'credentials/**/*.{png,svg}'], {
		base: '.',
		encoding: false,
	}).pipe(dest('dist'));
}

exports.clean = clean;
exports['build:assets'] = buildAssets;
