/**
 * The REST calls n8n's editor makes, used with a logged-in owner: set up the owner, save credentials and
 * test them (the "Test" button), save workflows, run them manually, read executions, list node types.
 * Driving one `n8n start` this way costs one start-up for all workflows, where `n8n execute` costs one each.
 */
import { createRequire } from 'node:module';

import type { N8nInstall } from './n8nInstall.cjs';

export interface CredentialTestResult {
	status: 'OK' | 'Error';
	message: string;
}

export interface WorkflowJson {
	id?: string;
	name: string;
	nodes: Array<
		Record<string, unknown> & {
			name: string;
			type: string;
			parameters: Record<string, unknown>;
			credentials?: Record<string, CredentialRef>;
		}
	>;
	connections: Record<string, unknown>;
	settings?: Record<string, unknown>;
	[key: string]: unknown;
}

/**
 * A node's reference to a credential. An exported workflow carries the exporting n8n's ID; the shipped
 * examples carry `id: null` and the name, which n8n 2.41 matches by name on import (editor and server).
 */
export interface CredentialRef {
	id: string | null;
	name: string;
}

/** A person who signs in: the owner, or a member invited by the owner. */
export interface Person {
	email: string;
	firstName: string;
	lastName: string;
	password: string;
}

/** What an execution left: IRunExecutionData's resultData, as the editor shows it. */
export interface ExecutionResult {
	id: string;
	status: string;
	runData: Record<
		string,
		Array<{
			startTime?: number;
			executionTime: number;
			data?: { main?: Array<Array<{ json: Record<string, unknown> }> | null> };
			error?: ExecutionError;
		}>
	>;
	error?: ExecutionError;
	lastNodeExecuted?: string;
}

export interface ExecutionError {
	message: string;
	description?: string | null;
	node?: { name: string; type: string };
	httpCode?: string | null;
	[key: string]: unknown;
}

/** The owner account `setupOwner` creates; the UI test signs in with it. */
export const OWNER = {
	email: 'e2e-owner@example.com',
	firstName: 'E2E',
	lastName: 'Owner',
	password: 'E2e-only-Password-1',
};
const BROWSER_ID = 'n8n-nodes-stream-messaging-e2e';

export class N8nApi {
	private cookie = '';

	private readonly flatted: { parse(text: string): unknown };

	constructor(
		readonly url: string,
		install: N8nInstall,
	) {
		// Executions are stored "flatted" (JSON with shared references); n8n ships the library.
		this.flatted = createRequire(install.modulePath('flatted/package.json'))('flatted') as {
			parse(text: string): unknown;
		};
	}

	private async send(method: string, route: string, body?: unknown): Promise<Response> {
		const request = () =>
			fetch(`${this.url}${route}`, {
				method,
				headers: {
					'content-type': 'application/json',
					'browser-id': BROWSER_ID,
					...(this.cookie ? { cookie: this.cookie } : {}),
				},
				body: body === undefined ? undefined : JSON.stringify(body),
			});
		// A pooled connection that n8n closed as idle can reset on reuse; only a GET is safe to send again. On a
		// loaded machine n8n's database ping can time out (a busy event loop), and n8n then answers every route
		// 503 "Database is not ready" until the next ping (every 2 s) succeeds: a GET waits that out too.
		let resets = 0;
		let notReady = 0;
		for (;;) {
			try {
				const response = await request();
				if (method !== 'GET' || response.status !== 503 || ++notReady >= 30) return response;
				await response.text();
				await new Promise((resolve) => setTimeout(resolve, 500));
			} catch (error) {
				if (method !== 'GET' || ++resets >= 3) throw error;
			}
		}
	}

	private async call<T>(method: string, route: string, body?: unknown): Promise<T> {
		const response = await this.send(method, route, body);
		const text = await response.text();
		const setCookie = response.headers.get('set-cookie');
		if (setCookie) this.cookie = setCookie.split(';')[0];
		if (!response.ok)
			throw new Error(`${method} ${route} answered ${response.status}: ${text.slice(0, 500)}`);
		let parsed: unknown = {};
		try {
			parsed = text ? JSON.parse(text) : {};
		} catch {
			throw new Error(
				`${method} ${route} answered ${response.status} with a body that is not JSON: ${text.slice(0, 300)}`,
			);
		}
		return (parsed as { data: T }).data ?? (parsed as T);
	}

	/** The first-run "Set up owner account" form; logs the owner in. */
	async setupOwner(): Promise<void> {
		await this.call('POST', '/rest/owner/setup', OWNER);
	}

	/** The sign-in form, for an n8n whose owner was set up before (after a restart with the same user folder). */
	async login(person: Person = OWNER): Promise<void> {
		await this.call('POST', '/rest/login', {
			emailOrLdapLoginId: person.email,
			password: person.password,
		});
	}

	/**
	 * Settings → Users → Invite, as the owner: a member with a personal project of its own (its own
	 * credentials and workflows). Without an email server n8n answers with the invitation link; its token.
	 */
	async inviteMember(email: string): Promise<string> {
		const [invited] = await this.call<
			Array<{ user: { email: string; inviteAcceptUrl?: string }; error?: string }>
		>('POST', '/rest/invitations', [{ email, role: 'global:member' }]);
		const token = invited?.user.inviteAcceptUrl
			? new URL(invited.user.inviteAcceptUrl).searchParams.get('token')
			: null;
		if (!token)
			throw new Error(`inviting ${email} gave no invitation link: ${JSON.stringify(invited)}`);
		return token;
	}

	/** The invitation link's sign-up form: the member sets a name and password and is signed in. */
	async acceptInvitation(token: string, person: Person): Promise<void> {
		await this.call('POST', '/rest/invitations/accept', {
			token,
			firstName: person.firstName,
			lastName: person.lastName,
			password: person.password,
		});
	}

	/** The credentials the signed-in user may use (the editor's credential store, from which it matches imported workflows). */
	async credentials(): Promise<Array<{ id: string; name: string; type: string }>> {
		return await this.call('GET', '/rest/credentials');
	}

	/** The workflows the signed-in user sees (the owner: all of them), with whether each is published. */
	async workflows(): Promise<Array<{ id: string; name: string; active: boolean }>> {
		return await this.call('GET', '/rest/workflows');
	}

	/** Why a published workflow's trigger is not running (n8n's activation error), or undefined when it is. */
	async activationError(id: string): Promise<string | undefined> {
		const response = await this.send('GET', `/rest/active-workflows/error/${id}`);
		const text = await response.text();
		if (!response.ok)
			throw new Error(
				`GET /rest/active-workflows/error/${id} answered ${response.status}: ${text.slice(0, 300)}`,
			);
		const { data } = JSON.parse(text) as { data?: unknown };
		return typeof data === 'string' && data !== '' ? data : undefined;
	}

	async createCredential(
		name: string,
		type: string,
		data: Record<string, unknown>,
	): Promise<string> {
		const saved = await this.call<{ id: string }>('POST', '/rest/credentials', {
			name,
			type,
			data,
		});
		return saved.id;
	}

	/** What the credential modal's "Test" (and Save) sends: the stored credential with the form's data. */
	async testCredential(
		id: string,
		name: string,
		type: string,
		data: Record<string, unknown>,
	): Promise<CredentialTestResult> {
		return await this.call<CredentialTestResult>('POST', '/rest/credentials/test', {
			credentials: { id, name, type, data },
		});
	}

	async createWorkflow(workflow: WorkflowJson): Promise<string> {
		const { id: _id, ...rest } = workflow;
		const saved = await this.call<{ id: string }>('POST', '/rest/workflows', rest);
		return saved.id;
	}

	async getWorkflow(id: string): Promise<
		WorkflowJson & {
			versionId: string;
			active: boolean;
			staticData?: Record<string, unknown> | null;
		}
	> {
		return await this.call('GET', `/rest/workflows/${id}`);
	}

	/**
	 * Publishes (activates) a workflow so its Webhooks listen on the production URL, and returns once they
	 * do: n8n 2.41 publishes through an outbox, so the REST answer comes before the webhook is registered.
	 */
	async activateWorkflow(id: string): Promise<void> {
		const { versionId, nodes } = await this.getWorkflow(id);
		await this.call('POST', `/rest/workflows/${id}/activate`, { versionId });
		for (const node of nodes.filter((candidate) => candidate.type === 'n8n-nodes-base.webhook')) {
			await this.waitForWebhook(
				String(node.parameters.path),
				String(node.parameters.httpMethod ?? 'GET'),
			);
		}
	}

	/** Unpublishes (deactivates) a workflow: n8n stops its triggers (their close functions). */
	async deactivateWorkflow(id: string): Promise<void> {
		await this.call('POST', `/rest/workflows/${id}/deactivate`, {});
	}

	/**
	 * Waits until a production webhook answers a browser's CORS preflight (OPTIONS with Origin): n8n
	 * answers 204 listing the registered methods, 404 before. The preflight never starts the workflow.
	 */
	async waitForWebhook(path: string, method: string): Promise<void> {
		// A safety net so a webhook that never registers fails with a message; not a speed assertion.
		const deadline = Date.now() + 60_000;
		let last = '';
		while (Date.now() < deadline) {
			const response = await fetch(`${this.url}/webhook/${path}`, {
				method: 'OPTIONS',
				headers: { origin: this.url, 'access-control-request-method': method },
			});
			const allowed = response.headers.get('access-control-allow-methods') ?? '';
			last = `${response.status} ${(await response.text()).slice(0, 200)}`;
			if (response.status === 204 && allowed.split(/,\s*/).includes(method)) return;
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
		throw new Error(
			`the webhook ${method} /webhook/${path} was not registered within 60 s after publishing (last answer: ${last})`,
		);
	}

	/** The editor's "Execute workflow" button, started from the given trigger; waits for the run to end. */
	async runManually(workflowId: string, triggerName: string): Promise<ExecutionResult> {
		const { executionId } = await this.call<{ executionId: string }>(
			'POST',
			`/rest/workflows/${workflowId}/run`,
			{
				triggerToStartFrom: { name: triggerName },
			},
		);
		return await this.waitForExecution(executionId);
	}

	async waitForExecution(executionId: string): Promise<ExecutionResult> {
		// A safety net so a hung run fails with a message instead of hanging CI; not a speed assertion.
		const deadline = Date.now() + 600_000;
		for (;;) {
			const execution = await this.call<{ status: string; finished: boolean; data: string }>(
				'GET',
				`/rest/executions/${executionId}`,
			);
			if (!['new', 'running', 'waiting'].includes(execution.status)) {
				const data = this.flatted.parse(execution.data) as {
					resultData: Omit<ExecutionResult, 'id' | 'status'>;
				};
				return { id: executionId, status: execution.status, ...data.resultData };
			}
			if (Date.now() > deadline)
				throw new Error(`execution ${executionId} still ${execution.status} after 10 minutes`);
			await new Promise((resolve) => setTimeout(resolve, 200));
		}
	}

	/** The executions of a workflow, newest first (the editor's Executions tab); with waitForExecution, a webhook run's result. */
	async executionsOf(
		workflowId: string,
		limit?: number,
	): Promise<Array<{ id: string; status: string; mode: string }>> {
		const filter = encodeURIComponent(JSON.stringify({ workflowId }));
		const page = await this.call<{ results: Array<{ id: string; status: string; mode: string }> }>(
			'GET',
			`/rest/executions?filter=${filter}${limit === undefined ? '' : `&limit=${limit}`}`,
		);
		return page.results;
	}

	/** The node types the editor loads (its node panel and the AI-tool list come from this). */
	async nodeTypes(): Promise<
		Array<{ name: string; displayName: string; outputs?: unknown; version: number | number[] }>
	> {
		return await this.call('GET', '/types/nodes.json');
	}

	async credentialTypes(): Promise<Array<{ name: string; displayName: string }>> {
		return await this.call('GET', '/types/credentials.json');
	}
}
