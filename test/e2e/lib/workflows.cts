/**
 * Example workflows as users import them, bound to the credentials of this run, and what their runs left.
 *
 * Examples reference credentials by type with a placeholder id, as an exported workflow does; binding them
 * to the credentials saved for this run is what a user does in the editor after importing. The simulator
 * URLs live in those credentials (Base URL), so the workflows themselves stay as shipped.
 */
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
			if (!ref) throw new Error(`node "${node.name}" of "${workflow.name}" needs a ${type} credential, and none was saved`);
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
export function withParameters(workflow: WorkflowJson, nodeName: string, parameters: Record<string, unknown>): WorkflowJson {
	const copy = structuredClone(workflow);
	const node = findNode(copy, nodeName);
	node.parameters = { ...node.parameters, ...parameters };
	return copy;
}

/** The JSON of the items a node put on its first output in its first run. */
export function outputOf(run: ExecutionResult, nodeName: string): Array<Record<string, unknown>> {
	const runs = run.runData[nodeName];
	if (!runs?.length) throw new Error(`node "${nodeName}" did not run (ran: ${Object.keys(run.runData).join(', ')})`);
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
