/**
 * The workflows of the queue-mode suite. Each can be started both ways a production n8n starts work — a
 * Webhook (production URL, answered at once) and the REST API (the editor's "Execute workflow") — and
 * every item it publishes carries the execution's own ID (`$execution.id`), so what reached a simulator is
 * traced back to one execution, and through the workers' logs to the worker that ran it.
 */
import type { WorkflowJson } from '../../e2e/lib/restApi.cjs';

/** Items carry `key` (one of `keys`, round robin) and `seq` (0 … count-1): per-key order is checkable. */
function itemsCode(count: number, keys: number): string {
	return [
		'// One execution = one batch; its ID tags every item so the receiver can tell the batches apart.',
		'const run = String($execution.id);',
		`return Array.from({ length: ${count} }, (_, seq) => ({ json: { run, key: 'k' + (seq % ${keys}), seq } }));`,
	].join('\n');
}

function triggersAndItems(
	prefix: string,
	webhookPath: string,
	count: number,
	keys: number,
): { nodes: WorkflowJson['nodes']; connections: Record<string, unknown> } {
	return {
		nodes: [
			{
				id: `${prefix}-webhook`,
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2.1,
				position: [0, 0],
				webhookId: `${prefix}-${webhookPath}`,
				parameters: {
					httpMethod: 'POST',
					path: webhookPath,
					responseMode: 'onReceived',
					options: {},
				},
			},
			{
				id: `${prefix}-manual`,
				name: 'Manual Trigger',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 200],
				parameters: {},
			},
			{
				id: `${prefix}-items`,
				name: 'Items',
				type: 'n8n-nodes-base.code',
				typeVersion: 2,
				position: [220, 100],
				parameters: { jsCode: itemsCode(count, keys) },
			},
		],
		connections: {
			Webhook: { main: [[{ node: 'Items', type: 'main', index: 0 }]] },
			'Manual Trigger': { main: [[{ node: 'Items', type: 'main', index: 0 }]] },
		},
	};
}

export function quivaLoadWorkflow(
	nodeType: string,
	webhookPath: string,
	count: number,
	keys: number,
): WorkflowJson {
	const base = triggersAndItems('quiva', webhookPath, count, keys);
	return {
		name: `Queue mode: publish ${count} items to Quiva`,
		nodes: [
			...base.nodes,
			{
				id: 'quiva-publish',
				name: 'Quiva Stream Publish',
				type: nodeType,
				typeVersion: 1,
				position: [440, 100],
				parameters: {
					stream: 'orders',
					subject: '=orders.e{{ $json.run }}.{{ $json.key }}',
					bodySource: 'item',
					options: {},
				},
				credentials: { quivaApi: { id: 'quiva-credential', name: 'Quiva account' } },
			},
		],
		connections: {
			...base.connections,
			Items: { main: [[{ node: 'Quiva Stream Publish', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
}

export function kapuaLoadWorkflow(
	nodeType: string,
	webhookPath: string,
	count: number,
	keys: number,
): WorkflowJson {
	const base = triggersAndItems('kapua', webhookPath, count, keys);
	return {
		name: `Queue mode: publish ${count} items to Kapua`,
		nodes: [
			...base.nodes,
			{
				id: 'kapua-publish',
				name: 'Kapua Publish',
				type: nodeType,
				typeVersion: 1,
				position: [440, 100],
				parameters: {
					scopeId: '_',
					clientId: '=dev-{{ $json.run }}',
					deviceId: '',
					channel: '=load/{{ $json.key }}',
					metricsSource: 'json',
					metricsJson: '={{ { seq: $json.seq } }}',
					bodyType: 'none',
					options: {},
				},
				credentials: { kapuaApi: { id: 'kapua-credential', name: 'Kapua account' } },
			},
		],
		connections: {
			...base.connections,
			Items: { main: [[{ node: 'Kapua Publish', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
}
