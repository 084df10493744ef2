#!/usr/bin/env node
/*
 * Finds the system's Chromium for the real-browser test (`npm run test:ui`) and, when it is missing,
 * installs Debian's `chromium` package with apt-get.
 *
 * Why apt and not puppeteer's own download: the project uses `puppeteer-core`, which never downloads a
 * browser, because build machines may reach the npm registry and Debian's mirrors only. CI runs as root on
 * a machine where nothing was installed by hand, so this script is what makes the browser exist there.
 *
 * Prints the browser's path on stdout (the test reads CHROMIUM_PATH, or finds the same paths itself).
 * Usage: node scripts/ensure-chromium.js
 * Plain CommonJS without dependencies: it runs before anything else of the test.
 */
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');

const CANDIDATES = [
	process.env.CHROMIUM_PATH,
	'/usr/bin/chromium',
	'/usr/bin/chromium-browser',
].filter(Boolean);

function log(message) {
	process.stderr.write(`[ensure-chromium] ${message}\n`);
}

function works(file) {
	if (!fs.existsSync(file)) return false;
	const probe = spawnSync(file, ['--version'], { encoding: 'utf8' });
	return probe.status === 0;
}

function found() {
	return CANDIDATES.find(works);
}

function aptGet(args) {
	log(`apt-get ${args.join(' ')}`);
	const result = spawnSync('apt-get', args, {
		stdio: ['ignore', 'inherit', 'inherit'],
		env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
	});
	if (result.error) throw result.error;
	return result.status === 0;
}

function main() {
	let browser = found();
	if (!browser) {
		if (typeof process.getuid === 'function' && process.getuid() !== 0) {
			log(
				'no Chromium at /usr/bin/chromium, and installing one needs root: run `sudo apt-get install chromium`, or set CHROMIUM_PATH',
			);
			process.exit(1);
		}
		log("no Chromium found; installing Debian's chromium package (about 100 MB, once per machine)");
		// The package lists of a fresh machine are empty or stale: update before installing.
		if (
			!aptGet(['update']) ||
			!aptGet(['install', '-y', '--no-install-recommends', 'chromium', 'fonts-liberation'])
		) {
			log('apt-get could not install chromium');
			process.exit(1);
		}
		browser = found();
		if (!browser) {
			log('apt-get installed chromium, yet no working browser is at /usr/bin/chromium');
			process.exit(1);
		}
	}
	const version = spawnSync(browser, ['--version'], { encoding: 'utf8' }).stdout.trim();
	log(`using ${browser} (${version})`);
	process.stdout.write(`${browser}\n`);
}

main();
