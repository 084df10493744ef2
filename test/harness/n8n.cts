/**
 * Runs our nodes inside n8n-core's real execution engine (WorkflowExecute, the node execution
 * contexts, parameter and expression resolution, continueOnFail, pairedItem handling), the way n8n's
 * own NodeTestHarness does, but usable outside jest too (the in-process benchmark uses it).
 *
 * What is ours here is what n8n's CLI would provide: the node-type registry, and a credentials store
 * whose pre-authentication follows n8n's CredentialsHelper (run when the expirable property is empty or
 * after a 401, merge the result, persist it).
 */
import {
	ExecutionLifecycleHooks,
	LoadOptionsContext,
	TriggerContext,
	WorkflowExecute,
} from 'n8n-core';
import {
	ICredentialsHelper,
	Workflow,
	createRunExecutionData,
	type ICredentialDataDecryptedObject,
	type ICredentials,
	type ICredentialType,
	type IDataObject,
	type IHttpRequestHelper,
	type IHttpRequestOptions,
	type INode,
	type INodeCredentialsDetails,
	type INodeExecutionData,
	type INodeType,
	type INodeTypes,
	type IRun,
	type INodeListSearchResult,
	type ITriggerResponse,
	type WorkflowActivateMode,
	type INodePropertyOptions,
	type StructuredChunk,
	type IWorkflowExecuteAdditionalData,
	type NodeParameterValueType,
} from 'n8n-workflow';

import { ChatApi } from '../../credentials/ChatApi.credentials';
import { KapuaApi } from '../../credentials/KapuaApi.credentials';
import { QuivaApi } from '../../credentials/QuivaApi.credentials';
import { ChatMessage } from '../../nodes/ChatMessage/ChatMessage.node';
import { KapuaPublish } from '../../nodes/KapuaPublish/KapuaPublish.node';
import { KapuaTrigger } from '../../nodes/KapuaTrigger/KapuaTrigger.node';
import { QuivaStreamPublish } from '../../nodes/QuivaStreamPublish/QuivaStreamPublish.node';

export const PACKAGE_NAME = 'n8n-nodes-stream-messaging';

/** Every node and credential of the package, as n8n would load them from package.json's n8n block. */
export const packageNodes: Record<string, INodeType> = {
	quivaStreamPublish: new QuivaStreamPublish(),
	kapuaPublish: new KapuaPublish(),
	chatMessage: new ChatMessage(),
	kapuaTrigger: new KapuaTrigger(),
};
export const packageCredentials: ICredentialType[] = [
	new QuivaApi(),
	new KapuaApi(),
	new ChatApi(),
];

class PackageNodeTypes implements INodeTypes {
	constructor(private readonly nodes: Record<string, INodeType>) {}

	getByName(nodeType: string): INodeType {
		const node = this.nodes[nodeType.replace(`${PACKAGE_NAME}.`, '')];
		if (!node) throw new Error(`Unknown node type ${nodeType}`);
		return node;
	}

	getByNameAndVersion(nodeType: string): INodeType {
		return this.getByName(nodeType);
	}

	getKnownTypes(): IDataObject {
		return {};
	}
}

/** Credentials kept in memory, with n8n's pre-authentication semantics. Counts what n8n would persist. */
export class CredentialStore extends ICredentialsHelper {
	readonly data = new Map<string, ICredentialDataDecryptedObject>();

	/** How often pre-authentication ran per credential type (a login or token exchange each). */
	readonly preAuthenticationRuns = new Map<string, number>();

	constructor(private readonly types: ICredentialType[] = packageCredentials) {
		super();
	}

	set(type: string, data: ICredentialDataDecryptedObject): this {
		this.data.set(type, { ...data });
		return this;
	}

	private type(name: string): ICredentialType {
		const type = this.types.find((candidate) => candidate.name === name);
		if (!type) throw new Error(`Unknown credential type ${name}`);
		return type;
	}

	getParentTypes(): string[] {
		return [];
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		const { authenticate } = this.type(typeName);
		if (authenticate === undefined) return requestOptions;
		if (typeof authenticate !== 'function') {
			throw new Error(
				'Generic authenticate blocks are not used by this package and not supported by this harness',
			);
		}
		return await authenticate(credentials, requestOptions);
	}

	async preAuthentication(
		helpers: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		node: INode,
		credentialsExpired: boolean,
	): Promise<ICredentialDataDecryptedObject | undefined> {
		const type = this.type(typeName);
		const expirable = type.properties.find(
			(property) => property.type === 'hidden' && property.typeOptions?.expirable === true,
		);
		if (!expirable || typeof type.preAuthentication !== 'function') return undefined;
		if (
			credentials[expirable.name] !== '' &&
			credentials[expirable.name] !== undefined &&
			!credentialsExpired
		)
			return undefined;
		const output = await type.preAuthentication.call(helpers, credentials);
		this.preAuthenticationRuns.set(typeName, (this.preAuthenticationRuns.get(typeName) ?? 0) + 1);
		const updated = Object.assign(credentials, output);
		if (node.credentials?.[typeName]) this.set(typeName, updated);
		return updated;
	}

	async runPreAuthentication(
		helpers: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
	) {
		const type = this.type(typeName);
		if (typeof type.preAuthentication !== 'function') return undefined;
		return (await type.preAuthentication.call(
			helpers,
			credentials,
		)) as ICredentialDataDecryptedObject;
	}

	async getCredentials(): Promise<ICredentials> {
		throw new Error('Not used: nodes read decrypted credentials');
	}

	async getDecrypted(
		_additionalData: IWorkflowExecuteAdditionalData,
		_details: INodeCredentialsDetails,
		type: string,
	) {
		const data = this.data.get(type);
		if (!data) throw new Error(`No credentials of type ${type} in the test store`);
		return { ...data };
	}

	async updateCredentials(
		_details: INodeCredentialsDetails,
		type: string,
		data: ICredentialDataDecryptedObject,
	): Promise<void> {
		this.set(type, data);
	}

	async updateCredentialsOauthTokenData(): Promise<void> {}

	getCredentialsProperties(type: string) {
		return this.type(type).properties;
	}
}

export interface NodeRunSpec {
	/** Node name without the package prefix, e.g. "quivaStreamPublish". */
	type: string;
	/** A node type of the test's own, run under `type` instead of the package's (for probes of n8n's behaviour). */
	nodeType?: INodeType;
	/** The node's version in the workflow (typeVersion); default: the version n8n gives a node added now. */
	typeVersion?: number;
	parameters: Record<string, NodeParameterValueType | object>;
	credentials?: CredentialStore;
	/** The ID the node's credential reference carries (n8n's credential ID); `<type>-id` when not given. */
	credentialId?: string;
	/** The node's "On Error" setting: stop, or continue with error items in the regular output. */
	continueOnFail?: boolean;
	items: Array<IDataObject | INodeExecutionData>;
	/** Cancel the execution after this many milliseconds, as the editor's stop button does. */
	cancelAfterMs?: number;
	/** Cancel the execution as soon as this holds (polled every few milliseconds), e.g. once a simulator saw a request. */
	cancelWhen?: () => boolean;
	/**
	 * Runs as a Webhook or Chat Trigger in "Streaming" mode does: `isStreaming()` is true and every
	 * `sendChunk` reaches this handler, in order (n8n-core's `sendChunk` lifecycle hook).
	 */
	onChunk?: (chunk: StructuredChunk) => void | Promise<void>;
}

export interface NodeRunResult {
	run: IRun;
	/** The node's output items (main output 0), or [] when it failed. */
	output: INodeExecutionData[];
	/** The node's error, as n8n records it, when the execution failed. */
	error?: IRun['data']['resultData']['error'];
	/** Milliseconds the node took, as n8n measures it (`executionTime`). */
	executionTime: number;
}

const NODE_NAME = 'Node Under Test';
const CANCEL_POLL_MS = 5;

/** The version n8n gives a node of this type added now: its default version, else its latest. */
export function currentVersion(
	type: string,
	nodes: Record<string, INodeType> = packageNodes,
): number {
	const { version, defaultVersion } = nodes[type]?.description ?? { version: 1 };
	return defaultVersion ?? (Array.isArray(version) ? Math.max(...version) : version);
}

/**
 * The node under test, with a credential reference for each credential type its node type takes, alone in
 * a workflow whose registry holds `nodes`.
 */
function workflowWithNode(
	type: string,
	parameters: Record<string, NodeParameterValueType | object>,
	options: {
		nodes?: Record<string, INodeType>;
		settings?: Pick<INode, 'onError'>;
		typeVersion?: number;
		/** The workflow's static data as n8n loaded it (a trigger's saved state). */
		staticData?: IDataObject;
		/** The ID of the node's credential references (n8n's credential ID); `<type>-id` when not given. */
		credentialId?: string;
	} = {},
): { node: INode; workflow: Workflow } {
	const {
		nodes = packageNodes,
		settings = {},
		typeVersion = currentVersion(type, nodes),
		staticData,
		credentialId,
	} = options;
	const credentialNames = (nodes[type]?.description.credentials ?? []).map(
		(credential) => credential.name,
	);
	const node: INode = {
		id: 'node-under-test',
		name: NODE_NAME,
		type: `${PACKAGE_NAME}.${type}`,
		typeVersion,
		position: [0, 0],
		parameters: parameters as INode['parameters'],
		credentials: Object.fromEntries(
			credentialNames.map((name) => [name, { id: credentialId ?? `${name}-id`, name }]),
		),
		...settings,
	};
	const workflow = new Workflow({
		id: 'test-workflow',
		name: 'Test',
		nodes: [node],
		connections: {},
		active: false,
		nodeTypes: new PackageNodeTypes(nodes),
		settings: {},
		...(staticData ? { staticData } : {}),
	});
	return { node, workflow };
}

/**
 * The node's subtitle as the editor's canvas shows it: its description's subtitle evaluated by n8n-workflow's
 * expression engine for the node, with no item data (the editor shows nothing when it throws).
 */
export function nodeSubtitle(
	type: string,
	parameters: Record<string, NodeParameterValueType | object>,
): unknown {
	const { node, workflow } = workflowWithNode(type, parameters);
	const subtitle = packageNodes[type].description.subtitle;
	try {
		return workflow.expression.getSimpleParameterValue(
			node,
			subtitle,
			'internal',
			{},
			undefined,
			'',
		);
	} catch (error) {
		return { threw: (error as Error).message };
	}
}

/** Runs one node of the package in n8n-core's engine with `items` as its input. */
export async function runNode(spec: NodeRunSpec): Promise<NodeRunResult> {
	const credentials = spec.credentials ?? new CredentialStore();
	const nodes = spec.nodeType ? { ...packageNodes, [spec.type]: spec.nodeType } : packageNodes;
	const { node, workflow } = workflowWithNode(spec.type, spec.parameters, {
		nodes,
		settings: spec.continueOnFail ? { onError: 'continueRegularOutput' } : {},
		typeVersion: spec.typeVersion,
		credentialId: spec.credentialId,
	});

	const hooks = new ExecutionLifecycleHooks('manual', 'test-execution', {
		id: 'test-workflow',
		name: 'Test',
		nodes: [node],
		connections: {},
		active: false,
		settings: {},
		createdAt: new Date(),
		updatedAt: new Date(),
		isArchived: false,
		activeVersionId: null,
	} as never);
	if (spec.onChunk) hooks.addHandler('sendChunk', spec.onChunk);
	const additionalData = {
		credentialsHelper: credentials,
		hooks,
		streamingEnabled: spec.onChunk !== undefined,
		executeWorkflow: async () => {
			throw new Error('Sub-workflows are not used by this package');
		},
		getRunExecutionData: async () => undefined,
		getRuntimeCredential: async () => undefined,
		currentNodeExecutionIndex: 0,
		restApiUrl: 'http://localhost:5678/rest',
		instanceBaseUrl: 'http://localhost:5678/',
		executionId: 'test-execution',
		// What n8n derives from its own URL; expressions like $execution.resumeUrl are built from them.
		formBaseUrl: 'http://localhost:5678/form',
		formWaitingBaseUrl: 'http://localhost:5678/form-waiting',
		formTestBaseUrl: 'http://localhost:5678/form-test',
		webhookBaseUrl: 'http://localhost:5678/webhook',
		webhookWaitingBaseUrl: 'http://localhost:5678/webhook-waiting',
		webhookTestBaseUrl: 'http://localhost:5678/webhook-test',
		mcpBaseUrl: 'http://localhost:5678/mcp',
		mcpTestBaseUrl: 'http://localhost:5678/mcp-test',
		variables: {},
		logAiEvent: () => {},
		startRunnerTask: async () => {
			throw new Error('Task runners are not used by this package');
		},
	} as unknown as IWorkflowExecuteAdditionalData;

	const items: INodeExecutionData[] = spec.items.map((item, index) =>
		'json' in item && typeof item.json === 'object'
			? (item as INodeExecutionData)
			: { json: item as IDataObject, pairedItem: { item: index } },
	);
	const runExecutionData = createRunExecutionData({
		executionData: { nodeExecutionStack: [{ node, data: { main: [items] }, source: null }] },
	});

	const execution = new WorkflowExecute(
		additionalData,
		'manual',
		runExecutionData,
	).processRunExecutionData(workflow);
	let timer: NodeJS.Timeout | undefined;
	if (spec.cancelAfterMs !== undefined)
		timer = setTimeout(() => execution.cancel(), spec.cancelAfterMs);
	let poll: NodeJS.Timeout | undefined;
	const { cancelWhen } = spec;
	if (cancelWhen) {
		poll = setInterval(() => {
			if (!cancelWhen()) return;
			clearInterval(poll);
			execution.cancel();
		}, CANCEL_POLL_MS);
	}
	let run: IRun;
	try {
		run = await execution;
	} finally {
		if (timer) clearTimeout(timer);
		if (poll) clearInterval(poll);
	}
	const taskData = run.data.resultData.runData[NODE_NAME]?.[0];
	return {
		run,
		output: taskData?.data?.main?.[0] ?? [],
		error: run.data.resultData.error,
		executionTime: taskData?.executionTime ?? 0,
	};
}

/**
 * Calls a node's loadOptions method (an editor dropdown) through n8n-core's LoadOptionsContext, so the
 * credential's pre-authentication and authenticate run as they do in the editor.
 */
export async function runLoadOptions(spec: {
	type: string;
	method: string;
	credentials: CredentialStore;
	parameters?: Record<string, NodeParameterValueType | object>;
	typeVersion?: number;
}): Promise<INodePropertyOptions[]> {
	const load = packageNodes[spec.type]?.methods?.loadOptions?.[spec.method];
	if (!load) throw new Error(`Node ${spec.type} has no loadOptions method ${spec.method}`);
	const { node, workflow } = workflowWithNode(spec.type, spec.parameters ?? {}, {
		typeVersion: spec.typeVersion,
	});
	const additionalData = {
		credentialsHelper: spec.credentials,
		variables: {},
		currentNodeExecutionIndex: 0,
	} as unknown as IWorkflowExecuteAdditionalData;
	return await load.call(new LoadOptionsContext(workflow, node, additionalData, 'parameters'));
}

export interface TriggerSpec {
	/** Node name without the package prefix, e.g. "kapuaTrigger". */
	type: string;
	parameters: Record<string, NodeParameterValueType | object>;
	credentials: CredentialStore;
	/** "trigger": an active workflow; "manual": the editor's Fetch Test Event / Execute step. */
	mode?: 'trigger' | 'manual';
	/** The workflow's static data as n8n loaded it from its database (JSON), e.g. what an earlier run saved. */
	staticData?: string;
}

export interface TriggerRun {
	/** What each `emit` gave (its first output), in order. */
	batches: INodeExecutionData[][];
	/** What the node reported with `emitError` (n8n then deactivates it: the harness calls its close function). */
	errors: Error[];
	/** What the node recorded with `saveFailedExecution` (a failed execution in n8n's list; the trigger stays active). */
	failedExecutions: Error[];
	/**
	 * The static data as n8n would have written it to its database: at the end of the activation and at every
	 * emit when it changed (n8n's WorkflowStaticDataService.saveStaticData), JSON as stored. A restart loads it.
	 */
	saved(): string;
	/** Every item emitted so far. */
	items(): INodeExecutionData[];
	close(): Promise<void>;
}

/**
 * Activates a trigger node as n8n does (ActiveWorkflowTriggers → the node's `trigger()` in n8n-core's
 * TriggerContext), with n8n's emit/emitError/saveFailedExecution semantics as far as the node can tell
 * them apart: static data saved when it emits; after emitError the trigger is closed.
 */
export async function startTrigger(spec: TriggerSpec): Promise<TriggerRun> {
	const staticData = spec.staticData ? (JSON.parse(spec.staticData) as IDataObject) : undefined;
	const { node, workflow } = workflowWithNode(spec.type, spec.parameters, { staticData });
	const additionalData = {
		credentialsHelper: spec.credentials,
		variables: {},
		currentNodeExecutionIndex: 0,
		restApiUrl: 'http://localhost:5678/rest',
		instanceBaseUrl: 'http://localhost:5678/',
	} as unknown as IWorkflowExecuteAdditionalData;
	const batches: INodeExecutionData[][] = [];
	const errors: Error[] = [];
	const failedExecutions: Error[] = [];
	let saved = spec.staticData ?? '{}';
	const save = () => {
		if ((workflow.staticData as { __dataChanged?: boolean }).__dataChanged !== true) return;
		saved = JSON.stringify(workflow.staticData);
		(workflow.staticData as { __dataChanged?: boolean }).__dataChanged = false;
	};
	let response: ITriggerResponse | undefined;
	let closed: Promise<void> | undefined;
	const close = async () => {
		closed ??= (async () => {
			await response?.closeFunction?.();
		})();
		await closed;
	};
	const mode = spec.mode ?? 'trigger';
	const context = new TriggerContext(
		workflow,
		node,
		additionalData,
		mode,
		'activate' as WorkflowActivateMode,
		(data) => {
			save();
			batches.push(data[0] ?? []);
		},
		(error) => {
			errors.push(error);
			void close();
		},
		(error) => failedExecutions.push(error),
		{} as never,
	);
	response = await packageNodes[spec.type].trigger!.call(context);
	if (mode === 'trigger') save();
	if (mode === 'manual') await response?.manualTriggerFunction?.();
	return {
		batches,
		errors,
		failedExecutions,
		saved: () => saved,
		items: () => batches.flat(),
		close,
	};
}

/**
 * Calls a node's listSearch method (a resource locator's "From List" mode, as the editor asks when the list
 * is opened or the user types `filter`) through n8n-core's LoadOptionsContext, credentials as in the editor.
 */
export async function runListSearch(spec: {
	type: string;
	method: string;
	credentials: CredentialStore;
	filter?: string;
	parameters?: Record<string, NodeParameterValueType | object>;
	typeVersion?: number;
}): Promise<INodeListSearchResult> {
	const search = packageNodes[spec.type]?.methods?.listSearch?.[spec.method];
	if (!search) throw new Error(`Node ${spec.type} has no listSearch method ${spec.method}`);
	const { node, workflow } = workflowWithNode(spec.type, spec.parameters ?? {}, {
		typeVersion: spec.typeVersion,
	});
	const additionalData = {
		credentialsHelper: spec.credentials,
		variables: {},
		currentNodeExecutionIndex: 0,
	} as unknown as IWorkflowExecuteAdditionalData;
	return await search.call(
		new LoadOptionsContext(workflow, node, additionalData, 'parameters'),
		spec.filter,
	);
}
