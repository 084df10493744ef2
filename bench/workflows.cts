/**
 * The workflows the real-n8n benches run, from three parts: a Manual Trigger, a Code node that makes the
 * items, and the nodes under test, all fed by the items. One place for their JSON, so that the benches
 * differ only in what they time.
 */
import type { WorkflowJson } from '../test/e2e/lib/restApi.cjs';
import type { E2ESession } from '../test/e2e/lib/session.cjs';

export type WorkflowNode = WorkflowJson['nodes'][number];

/**
 * One Quiva bench item, over 20 subjects. The Code node's items are made by this very function (its source is copied into
 * the node), so a raw client can post byte for byte what the node publishes. It must use nothing from
 * outside itself.
 */
export function quivaBenchItem(seq: number) {
	return {
		seq,
		subject: 'bench.s' + (seq % 20),
		customer: 'customer-' + (seq % 97),
		amount: seq * 1.5,
		note: 'x'.repeat(64),
	};
}

/** A Code node returning `count` items, each `item(seq)`; `item`'s source is copied into the node. */
export function itemsNode(
	id: string,
	name: string,
	count: number,
	item: (seq: number) => object,
): WorkflowNode {
	return {
		id,
		name,
		type: 'n8n-nodes-base.code',
		typeVersion: 2,
		position: [220, 0],
		parameters: {
			jsCode: `const item = ${item.toString()};\nreturn Array.from({ length: ${count} }, (_, seq) => ({ json: item(seq) }));`,
		},
	};
}

/** Our Quiva node with the session's credential, reading its subject per item unless given a fixed one. */
export function quivaNode(
	session: E2ESession,
	spec: {
		id: string;
		name?: string;
		stream: string;
		subject?: string;
		options?: Record<string, unknown>;
		position?: [number, number];
	},
): WorkflowNode {
	return {
		id: spec.id,
		name: spec.name ?? 'Quiva Stream Publish',
		type: session.nodeType('quivaStreamPublish'),
		typeVersion: 1,
		position: spec.position ?? [440, 0],
		parameters: {
			stream: spec.stream,
			subject: spec.subject ?? '={{ $json.subject }}',
			bodySource: 'item',
			options: spec.options ?? {},
		},
		credentials: { quivaApi: { id: 'bound-at-import', name: 'Quiva (simulator)' } },
	};
}

/** Manual Trigger → `items` → every node of `targets`; without items, the trigger feeds the targets. */
export function benchWorkflow(
	name: string,
	items: WorkflowNode | undefined,
	targets: WorkflowNode[],
): WorkflowJson {
	const trigger: WorkflowNode = {
		id: 'trigger',
		name: 'Manual Trigger',
		type: 'n8n-nodes-base.manualTrigger',
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
	};
	const feed = (from: WorkflowNode, to: WorkflowNode[]) => ({
		[from.name]: { main: [to.map((node) => ({ node: node.name, type: 'main', index: 0 }))] },
	});
	return {
		name,
		nodes: [trigger, ...(items ? [items] : []), ...targets],
		connections: items
			? { ...feed(trigger, [items]), ...feed(items, targets) }
			: feed(trigger, targets),
		settings: { executionOrder: 'v1' },
	};
}

/** n8n's HTTP Request node as a user sets it up to publish: POST per item, one header, a JSON body as an expression. */
export function httpRequestNode(
	id: string,
	name: string,
	position: [number, number],
	request: { url: string; header: { name: string; value: string }; jsonBody: string },
): WorkflowNode {
	return {
		id,
		name,
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		position,
		parameters: {
			method: 'POST',
			url: request.url,
			sendHeaders: true,
			headerParameters: { parameters: [request.header] },
			sendBody: true,
			specifyBody: 'json',
			jsonBody: request.jsonBody,
			options: {},
		},
	};
}
