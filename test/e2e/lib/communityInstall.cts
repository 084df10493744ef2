/**
 * Installs a package tarball into an n8n user folder the way n8n 2.41's Community Nodes installer does
 * (CommunityPackagesService.downloadPackage): unpack into .n8n/nodes/node_modules/<name>, drop dev, peer
 * and optional dependencies from its package.json, `npm install` there with the installer's flags, and
 * record it in .n8n/nodes/package.json. So a file missing from `files`, a wrong `n8n` block or a runtime
 * dependency that does not resolve fails here, as it would for a user.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { execOrThrow } from './exec.cjs';

export interface InstalledPackage {
	name: string;
	version: string;
	dir: string;
	/** The package's `n8n` block, as n8n reads it. */
	n8n: { nodes?: string[]; credentials?: string[] };
}

const INSTALLER_NPM_FLAGS = [
	'install',
	'--audit=false',
	'--fund=false',
	'--bin-links=false',
	'--install-strategy=shallow',
	'--ignore-scripts=true',
	'--package-lock=false',
];

export async function installCommunityPackage(
	userFolder: string,
	tarball: string,
): Promise<InstalledPackage> {
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	const unpack = path.join(nodesDir, '.unpack');
	fs.mkdirSync(unpack, { recursive: true });
	await execOrThrow('tar', ['-xzf', tarball, '-C', unpack, '--strip-components=1'], {
		cwd: nodesDir,
	});

	const manifest = JSON.parse(fs.readFileSync(path.join(unpack, 'package.json'), 'utf8')) as Record<
		string,
		unknown
	> & {
		name: string;
		version: string;
		n8n?: InstalledPackage['n8n'];
	};
	const dir = path.join(nodesDir, 'node_modules', manifest.name);
	fs.mkdirSync(path.dirname(dir), { recursive: true });
	fs.renameSync(unpack, dir);

	const {
		devDependencies: _dev,
		peerDependencies: _peer,
		optionalDependencies: _optional,
		...kept
	} = manifest;
	fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(kept, null, 2));
	await execOrThrow('npm', INSTALLER_NPM_FLAGS, { cwd: dir });

	fs.writeFileSync(
		path.join(nodesDir, 'package.json'),
		JSON.stringify(
			{
				name: 'installed-nodes',
				private: true,
				dependencies: { [manifest.name]: manifest.version },
			},
			null,
			2,
		),
	);

	// n8n loads every file of the n8n block at start; a missing one would only show as a log line there.
	const n8n = manifest.n8n ?? {};
	for (const file of [...(n8n.nodes ?? []), ...(n8n.credentials ?? [])]) {
		if (!fs.existsSync(path.join(dir, file)))
			throw new Error(`the packed package lacks ${file}, which its n8n block lists`);
	}
	return { name: manifest.name, version: manifest.version, dir, n8n };
}
