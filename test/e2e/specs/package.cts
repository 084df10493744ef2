/**
 * What n8n itself makes of the installed package: every node and credential of the `n8n` block is
 * loaded, and every node also appears as an AI-agent tool (usableAsTool), as the editor lists them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { E2ESession } from '../lib/session.cjs';

/** n8n names a type after the class, lower camel case: dist/nodes/X/FooBar.node.js -> fooBar. */
function typeNameOf(file: string, suffix: string): string {
	const base = path.basename(file, suffix);
	return base.charAt(0).toLowerCase() + base.slice(1);
}

export function packageSpecs(session: () => E2ESession): void {
	test('the installed package stands alone: no dependency, nothing installed beside it, its licence and its bundled SSE parser', () => {
		const { pkg } = session();
		const manifest = JSON.parse(
			fs.readFileSync(path.join(pkg.dir, 'package.json'), 'utf8'),
		) as Record<string, unknown>;
		expect(manifest.dependencies ?? {}).toEqual({});
		expect(fs.existsSync(path.join(pkg.dir, 'node_modules'))).toBe(false);
		// n8n's own folder of installed packages holds ours only: the Chat node (the other specs run it) needs nothing else.
		const installed = fs.readdirSync(path.dirname(pkg.dir)).filter((name) => !name.startsWith('.'));
		expect(installed).toEqual([pkg.name]);
		expect(fs.readFileSync(path.join(pkg.dir, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
		expect(
			fs.existsSync(path.join(pkg.dir, 'dist', 'nodes', 'common', 'sse', 'eventsource-parser.js')),
		).toBe(true);
	});

	test('n8n loads every node of the package, each action node with its AI-tool variant', async () => {
		const { pkg } = session();
		const types = await session().api.nodeTypes();
		const declared = (pkg.n8n.nodes ?? []).map((file) => typeNameOf(file, '.node.js'));
		expect(declared.length).toBeGreaterThan(0);
		for (const name of declared) {
			const node = types.find((type) => type.name === session().nodeType(name));
			expect(node).toBeDefined();
			const tool = types.find((type) => type.name === session().nodeType(`${name}Tool`));
			// A trigger starts a workflow: n8n offers no tool variant of it.
			if (name.endsWith('Trigger')) {
				expect({ name, tool: tool?.displayName }).toEqual({ name, tool: undefined });
				continue;
			}
			expect({ name, tool: tool?.displayName }).toEqual({
				name,
				tool: `${node!.displayName} Tool`,
			});
			expect(JSON.stringify(tool!.outputs)).toContain('ai_tool');
		}
		// Nothing of ours that the n8n block does not declare (e.g. a stale file in dist/).
		const ours = types.filter(
			(type) => type.name.startsWith(`${pkg.name}.`) && !type.name.endsWith('Tool'),
		);
		expect(ours.map((type) => type.name).sort()).toEqual(
			declared.map((name) => session().nodeType(name)).sort(),
		);
	});

	test('n8n loads every credential type of the package', async () => {
		const { pkg } = session();
		const types = (await session().api.credentialTypes()).map((type) => type.name);
		const declared = (pkg.n8n.credentials ?? []).map((file) => typeNameOf(file, '.credentials.js'));
		expect(declared.length).toBeGreaterThan(0);
		for (const name of declared) expect(types).toContain(name);
	});
}
