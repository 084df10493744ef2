#!/usr/bin/env node
/*
 * `npm run build`: dist/ as published. The gulpfile's tasks run through gulp's own API rather than the
 * gulp command line, which would write a flags cache (js-v8flags) into the user's home folder.
 */
'use strict';
const { spawn } = require('node:child_process');
const path = require('node:path');
const { series } = require('gulp');

const root = path.resolve(__dirname, '..');
process.chdir(root);
const tasks = require('../gulpfile');

function compile(done) {
	spawn('tsc', ['-p', 'tsconfig.build.json'], { stdio: 'inherit' }).on('close', (code) =>
		done(code === 0 ? undefined : new Error(`tsc exited with ${code}`)),
	);
}

series(
	tasks.clean,
	compile,
	tasks['build:assets'],
	tasks['bundle:dependencies'],
	tasks['check:requires'],
)((error) => {
	if (error) {
		console.error(error.message);
		process.exit(1);
	}
	console.log(
		'build: dist/ written (compiled nodes and credentials, icons, codex files, bundled eventsource-parser)',
	);
});
