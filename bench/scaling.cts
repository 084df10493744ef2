/**
 * How the Quiva node's cost grows with the work, in real n8n: 2,000 / 20,000 / 100,000 items through the
 * node in one execution each, with items/s (n8n's own executionTime of the node) and the n8n process's
 * peak RSS during the run (VmHWM, reset before each run).
 *
 * The node's own memory per item is the peak of the run with our node, less the peak of the same workflow
 * with n8n's No Operation node in its place (same items, same Code node, same execution saving), divided
 * by the items. What it may hold per item: its output item (stream, subject and the item's fields, plus
 * the answer's fields) and the request in flight, so it should stay flat as the item count grows.
 */
import type { QuivaSimulator } from '../test/simulators/quiva.cjs';
import type { E2ESession } from '../test/e2e/lib/session.cjs';
import type { WorkflowJson } from '../test/e2e/lib/restApi.cjs';
import { executionTimeOf, outputOf } from '../test/e2e/lib/workflows.cjs';
import { mb, peakRssBytes, resetPeakRss } from './processMemory.cjs';
import { itemsPerSecond } from './types.cjs';
import {
	benchWorkflow,
	itemsNode,
	quivaBenchItem,
	quivaNode,
	type WorkflowNode,
} from './workflows.cjs';

export const SCALING_SIZES = [2000, 20_000, 100_000];
const NODE = 'Quiva Stream Publish';
const NOOP = 'No Operation';

export const scalingStream = (items: number) => `scale-${items}`;

/** Manual Trigger → Items (Code) → our node, or n8n's No Operation node in its place. */
export function quivaOnlyWorkflow(
	session: E2ESession,
	items: number,
	stream: string,
	target: 'quiva' | 'noop',
): WorkflowJson {
	const node: WorkflowNode =
		target === 'quiva'
			? quivaNode(session, { id: 's3', name: NODE, stream })
			: {
					id: 's3',
					name: NOOP,
					type: 'n8n-nodes-base.noOp',
					typeVersion: 1,
					position: [440, 0],
					parameters: {},
				};
	return benchWorkflow(
		`Benchmark: ${items} items through ${node.name}`,
		itemsNode('s2', 'Items', items, quivaBenchItem),
		[node],
	);
}

/** Runs the Quiva-only workflow and checks that it published every item; returns when the node ran (epoch ms) and for how long. */
export async function runQuivaOnly(
	session: E2ESession,
	sim: QuivaSimulator,
	items: number,
	stream: string,
): Promise<{ startTime: number; ms: number }> {
	const before = sim.messages(stream).length;
	const run = await session.runWorkflow(quivaOnlyWorkflow(session, items, stream, 'quiva'));
	if (run.error) throw new Error(`the ${items}-item workflow failed: ${run.error.message}`);
	if (outputOf(run, NODE).length !== items)
		throw new Error(`the Quiva node did not output ${items} items`);
	if (sim.messages(stream).length - before !== items)
		throw new Error(`the Quiva node did not publish ${items} items`);
	const startTime = run.runData[NODE][0].startTime;
	if (startTime === undefined) throw new Error('n8n did not record when the Quiva node started');
	return { startTime, ms: executionTimeOf(run, NODE) };
}

export interface ScalingRow {
	items: number;
	ms: number;
	itemsPerSecond: number;
	peakRss: number;
	noopPeakRss: number;
	/** (peak with our node − peak with No Operation) / items. */
	nodeBytesPerItem: number;
	/** The size of one output item's JSON, for comparison with the memory per item. */
	outputJsonBytes: number;
}

export async function scalingTable(
	session: E2ESession,
	sim: QuivaSimulator,
	onRow: (row: ScalingRow) => void = () => undefined,
): Promise<{ rows: ScalingRow[]; peakResettable: boolean }> {
	const pid = session.server.pid;
	const rows: ScalingRow[] = [];
	let peakResettable = true;
	for (const items of SCALING_SIZES) {
		peakResettable = resetPeakRss(pid) && peakResettable;
		const noop = await session.runWorkflow(
			quivaOnlyWorkflow(session, items, scalingStream(items), 'noop'),
		);
		if (noop.error)
			throw new Error(`the ${items}-item No Operation workflow failed: ${noop.error.message}`);
		const noopPeakRss = peakRssBytes(pid);

		peakResettable = resetPeakRss(pid) && peakResettable;
		const stream = scalingStream(items);
		const run = await session.runWorkflow(quivaOnlyWorkflow(session, items, stream, 'quiva'));
		if (run.error) throw new Error(`the ${items}-item workflow failed: ${run.error.message}`);
		const peakRss = peakRssBytes(pid);
		const output = outputOf(run, NODE);
		if (output.length !== items || sim.messages(stream).length !== items)
			throw new Error(`the Quiva node did not publish and output ${items} items`);
		const ms = executionTimeOf(run, NODE);
		rows.push({
			items,
			ms,
			itemsPerSecond: itemsPerSecond(items, ms),
			peakRss,
			noopPeakRss,
			nodeBytesPerItem: (peakRss - noopPeakRss) / items,
			outputJsonBytes: Buffer.byteLength(JSON.stringify(output[items - 1])),
		});
		onRow(rows[rows.length - 1]);
	}
	return { rows, peakResettable };
}

export function formatScalingRow(row: ScalingRow): string {
	return `| ${row.items.toLocaleString('en')} | ${Math.round(row.ms)} | ${row.itemsPerSecond} | ${mb(row.peakRss)} | ${mb(row.noopPeakRss)} | ${Math.round(row.nodeBytesPerItem)} B | ${row.outputJsonBytes} B |`;
}

export function formatScaling({
	rows,
	peakResettable,
}: {
	rows: ScalingRow[];
	peakResettable: boolean;
}): string {
	const lines = [
		'| items | node ms | items/s | peak RSS of n8n (our node) | peak RSS (No Operation instead) | node memory per item | one output item as JSON |',
		'|---:|---:|---:|---:|---:|---:|---:|',
		...rows.map(formatScalingRow),
	];
	if (!peakResettable)
		lines.push(
			'(the peak RSS could not be reset between runs: each figure is the peak since n8n started)',
		);
	return lines.join('\n');
}
