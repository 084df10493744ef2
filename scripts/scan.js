#!/usr/bin/env node
/*
 * `npm run scan`: the analysis n8n runs on a community package before it verifies it
 * (@n8n/scan-community-package's analyzePackage), run here on what it would scan: the source (its
 * SOURCE_FILE_PATTERNS: package.json, nodes/ and credentials/) and the unpacked `npm pack` tarball (compiled
 * .js and the published package.json). Its CLI does the same on a published package, after checking npm
 * provenance and downloading the commit that provenance names; this runs it before publishing. Inline eslint
 * comments are ignored, as the scanner ignores them. Passes only with 0 errors and 0 warnings.
 *
 * Usage: node scripts/scan.js [--tarball <file.tgz>]   (without --tarball it packs one into a temp folder)
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function run(command, args, options) {
	const result = spawnSync(command, args, { encoding: 'utf8', ...options });
	if (result.status !== 0)
		throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr || result.stdout}`);
	return result.stdout;
}

async function analyze(scanner, dir, patterns) {
	const { ESLint } = require('eslint');
	// analyzePackage reports only pass or fail; counting warnings too takes the same config and files.
	const eslint = new ESLint({
		cwd: dir,
		allowInlineConfig: false,
		overrideConfigFile: true,
		overrideConfig: await scanner.buildScanConfig(),
	});
	const fg = require('fast-glob');
	const files = fg.sync(patterns, {
		cwd: dir,
		absolute: true,
		ignore: ['node_modules/**', '**/package-lock.json'],
	});
	const results = await eslint.lintFiles(files);
	const verdict = await scanner.analyzePackage(dir, patterns);
	return {
		files: files.length,
		errors: results.reduce((n, r) => n + r.errorCount, 0),
		warnings: results.reduce((n, r) => n + r.warningCount, 0),
		report: await (await eslint.loadFormatter('stylish')).format(results),
		passed: verdict.passed,
	};
}

async function main() {
	const scanner = await import('@n8n/scan-community-package/scanner/scanner.mjs');
	const given = process.argv.indexOf('--tarball');
	const work = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-scan-'));
	try {
		let tarball = given >= 0 ? path.resolve(process.argv[given + 1]) : undefined;
		if (!tarball) {
			run('npm', ['pack', '--pack-destination', work, '--silent'], {
				cwd: root,
				stdio: ['ignore', 'pipe', 'inherit'],
			});
			tarball = path.join(
				work,
				fs.readdirSync(work).find((file) => file.endsWith('.tgz')),
			);
		}
		const unpacked = path.join(work, 'package');
		fs.mkdirSync(unpacked);
		run('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1']);

		const legs = [
			['source', root, scanner.SOURCE_FILE_PATTERNS],
			['tarball', unpacked, ['**/*.js', 'package.json']],
		];
		let failed = false;
		for (const [name, dir, patterns] of legs) {
			const result = await analyze(scanner, dir, patterns);
			if (result.report.trim()) process.stdout.write(result.report);
			const ok = result.passed && result.errors === 0 && result.warnings === 0;
			failed ||= !ok;
			console.log(
				`scan ${name}: ${result.files} files, ${result.errors} errors, ${result.warnings} warnings (scanner: ${result.passed ? 'passed' : 'FAILED'})`,
			);
		}
		console.log(
			failed
				? 'scan FAILED'
				: 'scan passed: the source and the tarball, as n8n scans a community package',
		);
		process.exit(failed ? 1 : 0);
	} finally {
		fs.rmSync(work, { recursive: true, force: true });
	}
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
