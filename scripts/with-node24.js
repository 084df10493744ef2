#!/usr/bin/env node
/*
 * Runs a shell command with the project's exact Node 24 first on PATH and the project's dependencies installed.
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

/**
 * The exact Node the project runs on, stated once: package.json "config.node24". NODE24_VERSION overrides it
 * for one command: an exact version, or "newest" for the newest 24.x the registry serves (CI runs the
 * stream-drop tests on both).
 */
function wantedVersion() {
	const requested = process.env.NODE24_VERSION;
	if (requested && requested !== 'newest') return requested;
	if (requested === 'newest') return newestOnRegistry();
	const pinned = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).config.node24;
	if (majorOf(pinned) !== REQUIRED_MAJOR)
		throw new Error(
			`package.json config.node24 must be an exact ${REQUIRED_MAJOR}.x version, got ${pinned}`,
		);
	return pinned;
}

function newestOnRegistry() {
	const probe = spawnSync(
		'npm',
		['view', `${platformPackage()}@${REQUIRED_MAJOR}`, 'version', '--json'],
		{ encoding: 'utf8' },
	);
	if (probe.status !== 0) {
		log(
			`could not ask the npm registry for the newest Node ${REQUIRED_MAJOR}: ${probe.stderr.trim()}`,
		);
		process.exit(probe.status || 1);
	}
	const versions = [].concat(JSON.parse(probe.stdout));
	return versions[versions.length - 1];
}

function platformPackage() {
	return `node-${process.platform}-${process.arch}`;
}

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

/**
 * Returns the folder holding the wanted `node` binary. The system's Node is used only when it is exactly that
 * version: behaviour must not depend on which 24.x a machine happens to have.
 */
function ensureNode(version) {
	if (process.versions.node === version) return path.dirname(process.execPath);

	const pkg = platformPackage();
	const prefix = path.join(cacheDir(), `node-${version}`);
	const binDir = path.join(prefix, 'node_modules', pkg, 'bin');
	const binary = path.join(binDir, 'node');
	const works = () => {
		if (!fs.existsSync(binary)) return false;
		const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
		return probe.status === 0 && probe.stdout.trim() === `v${version}`;
	};
	if (works()) return binDir;

	log(
		`fetching Node ${version} (${pkg}, about 60 MB, under a minute) from the npm registry into ${prefix}`,
	);
	fs.rmSync(prefix, { recursive: true, force: true });
	fs.mkdirSync(prefix, { recursive: true });
	fs.writeFileSync(path.join(prefix, 'package.json'), '{"private":true}\n');
	const status = run(
		'npm',
		['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', `${pkg}@${version}`],
		{
			cwd: prefix,
		},
	);
	if (status !== 0 || !works()) {
		log(`could not install ${pkg}@${version}`);
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
	// Node's module compile cache (TypeScript's tsc, npm and n8n turn it on) goes to the project's cache folder,
	// not to the OS temp folder, which a run leaves as it found it.
	if (!env.NODE_COMPILE_CACHE) env.NODE_COMPILE_CACHE = path.join(cacheDir(), 'node-compile-cache');
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
	// The first install downloads about 280 MB; npm prints nothing while it works.
	log(
		`installing the project's dependencies with ${ci ? 'npm ci' : 'npm install'}: about 2 minutes the first time (npm prints nothing meanwhile), seconds afterwards`,
	);
	const status = run('npm', [ci ? 'ci' : 'install', '--no-audit', '--no-fund'], { cwd: root, env });
	if (status !== 0) process.exit(status);
}

function main() {
	const commandLine = process.argv.slice(2).join(' ');
	if (!commandLine) {
		log('usage: node scripts/with-node24.js "<command line>"');
		process.exit(2);
	}
	const version = wantedVersion();
	const binDir = ensureNode(version);
	const env = environmentWith(binDir);
	ensureDependencies(env);
	process.exit(run('sh', ['-c', commandLine], { cwd: process.cwd(), env }));
}

main();
