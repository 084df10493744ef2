/**
 * Where the e2e runner keeps what is expensive to fetch (n8n itself): outside the repository, next to the
 * Node 24 that scripts/with-node24.js caches, so that `git clean` never costs a 4-minute reinstall.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The repository, found upwards from here: this file also runs compiled from dist-dev/test/e2e/lib. */
function findRepoRoot(): string {
	for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
		if (
			fs.existsSync(path.join(dir, 'package.json')) &&
			fs.existsSync(path.join(dir, 'jest.e2e.config.js'))
		)
			return dir;
	}
	throw new Error(`no repository root above ${__dirname}`);
}

export const REPO_ROOT = findRepoRoot();

export function cacheDir(): string {
	const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
	return path.join(base, 'n8n-nodes-stream-messaging');
}

/** Logs progress to stderr with a prefix, so jest and the demo show where time goes. */
export function say(message: string): void {
	process.stderr.write(`[e2e] ${message}\n`);
}

/** n8n 2.x refuses Node < 24; the runner is meant to be started through scripts/with-node24.js. */
export function assertNode24(): void {
	const major = Number(process.versions.node.split('.')[0]);
	if (major < 24) {
		throw new Error(
			`Node ${process.versions.node} is running the e2e runner; n8n 2.41 needs Node >= 24. ` +
				'Start it through `npm run test:e2e`, `npm run demo` or `npm run bench:n8n` (scripts/with-node24.js).',
		);
	}
}

/**
 * The environment for child processes: this Node 24 first on PATH, so `npm` and `node` match it.
 * jest's NODE_ENV=test is dropped: with it, `n8n start` exits at once without a word.
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
	const binDir = path.dirname(process.execPath);
	const env: NodeJS.ProcessEnv = {
		...process.env,
		PATH: [binDir, process.env.PATH ?? ''].join(path.delimiter),
		...extra,
	};
	delete env.NODE_ENV;
	for (const key of Object.keys(env)) if (key.startsWith('JEST_')) delete env[key];
	return env;
}
