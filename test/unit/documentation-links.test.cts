/**
 * Every documentation link the editor shows (a credential's documentationUrl, a codex's primary documentation and
 * credential documentation) points at a page of this repository's docs/, and at a heading that page has.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { ChatApi } from '../../credentials/ChatApi.credentials';
import { KapuaApi } from '../../credentials/KapuaApi.credentials';
import { QuivaApi } from '../../credentials/QuivaApi.credentials';

const ROOT = path.resolve(__dirname, '..', '..');
const REPOSITORY = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
	.repository.url.replace(/^git\+/, '')
	.replace(/\.git$/, '');
const DOCS = `${REPOSITORY}/blob/main/`;

/** GitHub's anchor for a Markdown heading: lower case, punctuation dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
	return heading
		.trim()
		.toLowerCase()
		.replace(/[^\p{L}\p{N} _-]/gu, '')
		.replace(/ /g, '-');
}

function codexLinks(): string[] {
	const nodes = fs.readdirSync(path.join(ROOT, 'nodes')).filter((dir) => dir !== 'common');
	return nodes.flatMap((dir) => {
		const file = path.join(ROOT, 'nodes', dir, `${dir}.node.json`);
		const codex = JSON.parse(fs.readFileSync(file, 'utf8')) as {
			resources?: Record<string, Array<{ url: string }>>;
		};
		return Object.values(codex.resources ?? {}).flatMap((links) => links.map((link) => link.url));
	});
}

const links = [
	...[new QuivaApi(), new KapuaApi(), new ChatApi()].map((credential) =>
		String(credential.documentationUrl),
	),
	...codexLinks(),
];

test.each(links)('%s is a page of this repository, at a heading it has', (url) => {
	expect(url.startsWith(DOCS)).toBe(true);
	const [file, anchor] = url.slice(DOCS.length).split('#');
	const page = path.join(ROOT, file);
	expect(fs.existsSync(page)).toBe(true);
	if (anchor) {
		const headings = fs
			.readFileSync(page, 'utf8')
			.split('\n')
			.filter((line) => /^#{1,6} /.test(line))
			.map((line) => anchorOf(line.replace(/^#+ /, '')));
		expect(headings).toContain(anchor);
	}
});

test('every node has its documentation links', () => {
	expect(codexLinks().length).toBeGreaterThanOrEqual(
		2 * fs.readdirSync(path.join(ROOT, 'nodes')).filter((dir) => dir !== 'common').length,
	);
});
