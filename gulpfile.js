// What tsc does not do for dist/:
// - node icons, codex (*.node.json) files and output schemas (__schema__/*.json, served by n8n at
//   /schemas/<package>.<node>/<version>.json), copied next to the compiled nodes;
// - eventsource-parser, the Chat node's SSE parser, bundled into dist so the package has no runtime
//   dependency (n8n's rules for community packages): its CommonJS build is copied beside the decoder that
//   uses it, with its licence, and the compiled require is pointed at the copy;
// - a check that no compiled file requires anything but n8n-workflow, Node's crypto and files of dist itself.
const { readFileSync, readdirSync, rmSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const { src, dest } = require('gulp');

// tsc never deletes: without this, the output of a renamed or removed source file would ship in the tarball.
async function clean() {
	rmSync('dist', { recursive: true, force: true });
}

function buildAssets() {
	return src(
		[
			'nodes/**/*.{png,svg}',
			'nodes/**/*.node.json',
			'nodes/**/__schema__/**/*.json',
			'credentials/**/*.{png,svg}',
		],
		{
			base: '.',
			encoding: false,
		},
	).pipe(dest('dist'));
}

/** Bundled packages: the package, the compiled file that requires it, and where its copy goes beside that file. */
const BUNDLED = [
	{
		name: 'eventsource-parser',
		requiredBy: 'dist/nodes/common/sse/decoder.js',
		copy: 'eventsource-parser.js',
	},
];

async function bundleDependencies() {
	for (const bundled of BUNDLED) {
		const packageDir = path.dirname(require.resolve(`${bundled.name}/package.json`));
		const manifest = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
		const code = readFileSync(require.resolve(bundled.name), 'utf8').replace(
			/\n\/\/# sourceMappingURL=.*$/m,
			'',
		);
		const licence = readFileSync(path.join(packageDir, 'LICENSE'), 'utf8').trim();
		const banner = `/*! ${manifest.name} ${manifest.version}, bundled by n8n-nodes-stream-messaging's build.\n${licence}\n*/\n`;
		writeFileSync(path.join(path.dirname(bundled.requiredBy), bundled.copy), banner + code);
		const requirer = readFileSync(bundled.requiredBy, 'utf8');
		const pointed = requirer.replace(
			`require("${bundled.name}")`,
			`require("./${bundled.copy.replace(/\.js$/, '')}")`,
		);
		if (pointed === requirer)
			throw new Error(
				`${bundled.requiredBy} does not require ${bundled.name}: update BUNDLED in gulpfile.js`,
			);
		writeFileSync(bundled.requiredBy, pointed);
	}
}

function compiledFiles(dir) {
	return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) return compiledFiles(full);
		return entry.name.endsWith('.js') ? [full] : [];
	});
}

/**
 * The published code may require n8n-workflow (the host's), Node's crypto (on n8n's allow-list) and its own
 * files; anything else would be a runtime dependency.
 */
const ALLOWED_REQUIRES = new Set(['n8n-workflow', 'crypto', 'node:crypto']);

async function checkRequires() {
	const offending = [];
	for (const file of compiledFiles('dist')) {
		for (const [, target] of readFileSync(file, 'utf8').matchAll(/require\("([^"]+)"\)/g)) {
			if (!ALLOWED_REQUIRES.has(target) && !target.startsWith('./') && !target.startsWith('../'))
				offending.push(`${file}: require("${target}")`);
		}
	}
	if (offending.length)
		throw new Error(`dist requires what the package does not ship:\n${offending.join('\n')}`);
}

exports.clean = clean;
exports['build:assets'] = buildAssets;
exports['bundle:dependencies'] = bundleDependencies;
exports['check:requires'] = checkRequires;
