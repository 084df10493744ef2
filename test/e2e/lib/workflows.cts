/**
 * Example workflows as users import them, bound to the credentials of this run, and what their runs left.
 *
 * Examples reference their credentials by name (`{ id: null, name: 'Chat account' }`), which n8n matches to
 * the importing user's one credential of that type and name (asEditorImports, and test/e2e/specs/examples.cts
 * which imports them so). The other specs bind them by type to the credential they saved last
 * (bindCredentials), as a user picks one in the node. The simulator URLs live in those credentials (Base
 * URL), so the workflows themselves stay as shipped.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { REPO_ROOT } from './cache.cjs';
import type { ExecutionError, ExecutionResult, WorkflowJson } from './restApi.cjs';

export const EXAMPLES_DIR = path.join(REPO_ROOT, 'examples');

export function loadExample(fileName: string): WorkflowJson {
	return JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, fileName), 'utf8')) as WorkflowJson;
}

export type CredentialRefs = Record<string, { id: string; name: string }>;

/** A copy of the workflow whose nodes use the given credentials; fails if a node needs one not given. */
export function bindCredentials(workflow: WorkflowJson, refs: CredentialRefs): WorkflowJson {
	const copy = structuredClone(workflow);
	for (const node of copy.nodes) {
		for (const type of Object.keys(node.credentials ?? {})) {
			const ref = refs[type];
			if (!ref)
				throw new Error(
					`node "${node.name}" of "${workflow.name}" needs a ${type} credential, and none was saved`,
				);
			node.credentials![type] = { ...ref };
		}
	}
	return copy;
}

export function findNode(workflow: WorkflowJson, name: string): WorkflowJson['nodes'][number] {
	const node = workflow.nodes.find((candidate) => candidate.name === name);
	if (!node) throw new Error(`workflow "${workflow.name}" has no node "${name}"`);
	return node;
}

/** A variant of a workflow with some node parameters replaced (for failure paths and the benchmark). */
export function withParameters(
	workflow: WorkflowJson,
	nodeName: string,
	parameters: Record<string, unknown>,
): WorkflowJson {
	const copy = structuredClone(workflow);
	const node = findNode(copy, nodeName);
	node.parameters = { ...node.parameters, ...parameters };
	return copy;
}

/** The JSON of the items a node put on its first output in its first run. */
export function outputOf(run: ExecutionResult, nodeName: string): Array<Record<string, unknown>> {
	const runs = run.runData[nodeName];
	if (!runs?.length)
		throw new Error(`node "${nodeName}" did not run (ran: ${Object.keys(run.runData).join(', ')})`);
	return (runs[0].data?.main?.[0] ?? []).map((item) => item.json);
}

export function executionTimeOf(run: ExecutionResult, nodeName: string): number {
	const runs = run.runData[nodeName];
	if (!runs?.length) throw new Error(`node "${nodeName}" did not run`);
	return runs[0].executionTime;
}

/** The error the editor shows for a failed run: the workflow error, with the failing node's own as fallback. */
export function errorOf(run: ExecutionResult): ExecutionError {
	if (run.error) return run.error;
	for (const runs of Object.values(run.runData)) {
		const failed = runs.find((entry) => entry.error);
		if (failed?.error) return failed.error;
	}
	throw new Error(`execution ${run.id} ended "${run.status}" without an error`);
}

/** Every example workflow shipped in examples/, by file name. */
export function exampleFiles(): string[] {
	return fs
		.readdirSync(EXAMPLES_DIR)
		.filter((file) => file.endsWith('.json'))
		.sort();
}

/**
 * The steps of n8n 2.41's editor between "Import from File" and the first Save (its canvas operations'
 * importWorkflowData, read from the editor's bundle), done on the JSON:
 * - every Webhook-like node gets a new webhookId (a path that is not the old webhookId stays as it is);
 * - a credential reference with an ID this n8n does not know is removed (removeUnknownCredentials): an
 *   exported workflow's foreign ID loses its credential here, a reference with `id: null` is kept;
 * - a kept reference without a known ID gets the ID of the user's one credential of that type and name
 *   (matchCredentials); with none or several of that name it stays unresolved.
 * Saving then goes through the server, which matches the remaining names once more in the user's project.
 */
export function asEditorImports(
	workflow: WorkflowJson,
	known: Array<{ id: string; name: string; type: string }>,
): WorkflowJson {
	const copy = structuredClone(workflow);
	delete copy.id;
	for (const node of copy.nodes) {
		if (typeof node.webhookId === 'string') node.webhookId = randomUUID();
		for (const [type, ref] of Object.entries(node.credentials ?? {})) {
			if (ref.id !== null && !known.some((credential) => credential.id === ref.id)) {
				delete node.credentials![type];
				continue;
			}
			const named = known.filter(
				(credential) => credential.type === type && credential.name === ref.name,
			);
			if (ref.id === null && named.length === 1)
				node.credentials![type] = { id: named[0].id, name: ref.name };
		}
	}
	return copy;
}
