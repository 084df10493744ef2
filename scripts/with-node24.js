#!/usr/bin/env node
/*
 * Runs a shell command with Node 24 first on PATH and the project's dependencies installed.
 *
 * Why: n8n 2.x (and n8n-workflow's isolated-vm) needs Node >= 24, while the machines this project is
 * built on have Node 20 on PATH. Node 24 comes from the npm registry (package node-<platform>-<arch>),
 * cached outside the repository so that every command after the first costs one `stat`.
 *
 * Usage: node scripts/with-node24.js "<command line>"
 * This file must keep running on old Node versions: plain CommonJS, no dependencies.
 */
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const REQUIRED_MAJOR = 24;
const root = path.resolve(__dirname, '..');

function cacheDir() {
	const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
	return path.join(base, 'n8n-nodes-stream-messaging');
}

function log(message) {
	process.stderr.write(`[with-node24] ${message}\n`);
}

function majorOf(version) {
	return Number(String(version).replace(/^v/, '').split('.')[0]);
}

function run(command, args, options) {
	const result = spawnSync(command, args, { stdio: 'inherit', ...options });
	if (result.error) throw result.error;
	return result.status === null ? 1 : result.status;
}

/** Returns the folder holding a `node` binary of at least REQUIRED_MAJOR. */
function ensureNode24() {
	if (majorOf(process.versions.node) >= REQUIRED_MAJOR) return path.dirname(process.execPath);

	const pkg = `node-${process.platform}-${process.arch}`;
	const prefix = path.join(cacheDir(), 'node24');
	const binDir = path.join(prefix, 'node_modules', pkg, 'bin');
	const binary = path.join(binDir, 'node');
	const works = () => {
		if (!fs.existsSync(binary)) return false;
		const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
		return probe.status === 0 && majorOf(probe.stdout.trim()) >= REQUIRED_MAJOR;
	};
	if (works()) return binDir;

	log(`Node ${process.versions.node} is older than ${REQUIRED_MAJOR}; fetching ${pkg}@${REQUIRED_MAJOR} from the npm registry into ${prefix}`);
	fs.rmSync(prefix, { recursive: true, force: true });
	fs.mkdirSync(prefix, { recursive: true });
	fs.writeFileSync(path.join(prefix, 'package.json'), '{"private":true}\n');
	const status = run('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', `${pkg}@${REQUIRED_MAJOR}`], {
		cwd: prefix,
	});
	if (status !== 0 || !works()) {
		log(`could not install ${pkg}@${REQUIRED_MAJOR}`);
		process.exit(status || 1);
	}
	return binDir;
}

function environmentWith(binDir) {
	const env = { ...process.env };
	env.PATH = [binDir, path.join(root, 'node_modules', '.bin'), env.PATH].join(path.delimiter);
	// Native addons must build against Node 24's headers, not the system Node's (~/.npmrc may say /usr).
	env.npm_config_nodedir = path.dirname(binDir);
	// eslint-plugin-n8n-nodes-base's preinstall runs `npx only-allow pnpm`; a user config `yes=false`
	// (as on these machines) makes that npx refuse instead of fetching it.
	env.npm_config_yes = 'true';
	return env;
}

/** Installs dependencies when node_modules is missing or older than the lock file. */
function ensureDependencies(env) {
	const lock = path.join(root, 'package-lock.json');
	const installed = path.join(root, 'node_modules', '.package-lock.json');
	const stale =
		!fs.existsSync(installed) ||
		(fs.existsSync(lock) && fs.statSync(lock).mtimeMs > fs.statSync(installed).mtimeMs);
	if (!stale) return;
	const ci = fs.existsSync(lock);
	log(ci ? 'installing dependencies (npm ci)' : 'installing dependencies (npm install)');
	const status = run('npm', [ci ? 'ci' : 'install', '--no-audit', '--no-fund'], { cwd: root, env });
	if (status !== 0) process.exit(status);
}

function main() {
	const commandLine = process.argv.slice(2).join(' ');
	if (!commandLine) {
		log('usage: node scripts/with-node24.js "<command line>"');
		process.exit(2);
	}
	const binDir = ensureNode24();
	const env = environmentWith(binDir);
	ensureDependencies(env);
	process.exit(run('sh', ['-c', commandLine], { cwd: process.cwd(), env }));
}

main();
