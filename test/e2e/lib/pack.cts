/**
 * `npm pack` of this repository: the exact tarball that would be published (prepack builds dist/).
 * E2E_TARBALL=<file> reuses a tarball packed earlier (.ci/run packs once, in its build step).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { REPO_ROOT, say } from './cache.cjs';
import { execOrThrow } from './exec.cjs';

export async function packPackage(destination: string): Promise<string> {
	const given = process.env.E2E_TARBALL;
	if (given) {
		if (!fs.existsSync(given)) throw new Error(`E2E_TARBALL=${given} does not exist`);
		return path.resolve(given);
	}
	say('packing the package (npm pack; prepack builds dist/)');
	fs.mkdirSync(destination, { recursive: true });
	await execOrThrow('npm', ['pack', '--pack-destination', destination, '--silent'], {
		cwd: REPO_ROOT,
	});
	const tarballs = fs.readdirSync(destination).filter((name) => name.endsWith('.tgz'));
	if (tarballs.length !== 1)
		throw new Error(`npm pack left ${tarballs.length} tarballs in ${destination}`);
	return path.join(destination, tarballs[0]);
}
