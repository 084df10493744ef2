/**
 * One real n8n with this package installed from its own tarball, ready to take credentials and workflows.
 * Everything the session starts is stopped by `close()`, which callers put in afterAll / finally.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { assertNode24, say } from './cache.cjs';
import { Cleanup } from './cleanup.cjs';
import { installCommunityPackage, type InstalledPackage } from './communityInstall.cjs';
import { ensureN8n, type N8nInstall } from './n8nInstall.cjs';
import { startN8n, type N8nServer } from './n8nServer.cjs';
import { packPackage } from './pack.cjs';
import {
	N8nApi,
	type CredentialTestResult,
	type ExecutionResult,
	type WorkflowJson,
} from './restApi.cjs';
import { bindCredentials, type CredentialRefs } from './workflows.cjs';

export interface E2ESession {
	install: N8nInstall;
	server: N8nServer;
	api: N8nApi;
	pkg: InstalledPackage;
	/** Node type as n8n names it for this community package, e.g. n8n-nodes-stream-messaging.quivaStreamPublish. */
	nodeType(name: string): string;
	/** Saves a credential (as the editor's credential modal does) and remembers it for binding workflows. */
	addCredential(
		type: string,
		name: string,
		data: Record<string, unknown>,
	): Promise<{ id: string; test(data?: Record<string, unknown>): Promise<CredentialTestResult> }>;
	/** Saves a workflow with its nodes bound to the credentials added so far; returns its id. */
	importWorkflow(workflow: WorkflowJson): Promise<string>;
	/** Saves and runs a workflow from its Manual Trigger, as the editor's "Execute workflow" button does. */
	runWorkflow(workflow: WorkflowJson, trigger?: string): Promise<ExecutionResult>;
	close(): Promise<void>;
}

export interface SessionOptions {
	label?: string;
	/**
	 * More environment for the n8n process, e.g. `NODE_OPTIONS: '--cpu-prof --cpu-prof-dir=<dir>'` to profile
	 * it (the bench's --profile). n8n's task runner inherits it too.
	 */
	n8nEnv?: Record<string, string>;
}

export async function openSession(options: SessionOptions = {}): Promise<E2ESession> {
	assertNode24();
	const cleanup = new Cleanup();
	try {
		const install = await ensureN8n();
		const workDir = fs.mkdtempSync(path.join(os.tmpdir(), `n8n-e2e-${options.label ?? 'run'}-`));
		// Kept when E2E_KEEP=1, to read n8n.log after a failure.
		cleanup.defer('remove the work folder', () => {
			if (process.env.E2E_KEEP !== '1') fs.rmSync(workDir, { recursive: true, force: true });
			else say(`kept ${workDir}`);
		});
		const tarball = await packPackage(path.join(workDir, 'pack'));
		const userFolder = path.join(workDir, 'user');
		const pkg = await installCommunityPackage(userFolder, tarball);
		say(
			`installed ${pkg.name}@${pkg.version} into ${path.dirname(path.dirname(pkg.dir))} as the Community Nodes installer does`,
		);
		const server = await startN8n(install, userFolder, options.n8nEnv);
		cleanup.defer('stop n8n', () => server.stop());
		const api = new N8nApi(server.url, install);
		await api.setupOwner();

		const credentials: CredentialRefs = {};
		const session: E2ESession = {
			install,
			server,
			api,
			pkg,
			nodeType: (name) => `${pkg.name}.${name}`,
			async addCredential(type, name, data) {
				const id = await api.createCredential(name, type, data);
				credentials[type] = { id, name };
				return { id, test: (override) => api.testCredential(id, name, type, override ?? data) };
			},
			async importWorkflow(workflow) {
				return await api.createWorkflow(bindCredentials(workflow, credentials));
			},
			async runWorkflow(workflow, trigger = 'Manual Trigger') {
				const id = await session.importWorkflow(workflow);
				return await api.runManually(id, trigger);
			},
			close: () => cleanup.runAll(),
		};
		return session;
	} catch (error) {
		await cleanup.runAll().catch(() => undefined);
		throw error;
	}
}
