/**
 * The shared item-parameter reader (nodes/common/itemParameters.ts) must give what n8n's own
 * `getNodeParameter` gives, while skipping n8n's evaluation where it can. A probe node runs in n8n-core's
 * engine and reads each parameter both ways for every item; the outputs must match, and the number of
 * `getNodeParameter` calls the reader made shows which way it took.
 */
import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';

import { itemParameterReader } from '../../nodes/common/itemParameters';
import { runNode } from '../harness/n8n.cjs';

interface Read {
	name: string;
	fallback?: unknown;
}

const description: INodeTypeDescription = {
	displayName: 'Parameter Probe',
	name: 'parameterProbe',
	group: ['transform'],
	version: 1,
	description: 'Reads its parameters both ways',
	defaults: { name: 'Parameter Probe' },
	inputs: ['main'],
	outputs: ['main'],
	properties: [
		{ displayName: 'Subject', name: 'subject', type: 'string', default: '' },
		{ displayName: 'Count', name: 'count', type: 'number', default: 0 },
		{
			displayName: 'Metrics',
			name: 'metrics',
			type: 'fixedCollection',
			typeOptions: { multipleValues: true },
			default: {},
			options: [
				{
					displayName: 'Metric',
					name: 'metric',
					values: [
						{ displayName: 'Name', name: 'name', type: 'string', default: '' },
						{ displayName: 'Value', name: 'value', type: 'string', default: '' },
					],
				},
			],
		},
		{
			displayName: 'Position',
			name: 'position',
			type: 'collection',
			default: {},
			options: [
				{ displayName: 'Latitude', name: 'latitude', type: 'number', default: 0 },
				{ displayName: 'Longitude', name: 'longitude', type: 'number', default: 0 },
			],
		},
	],
};

/** What the probe reads in the current test (a module variable: the engine constructs nodes itself). */
let reads: Read[] = [];

class ParameterProbe implements INodeType {
	description = description;

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		let readerCalls = 0;
		// The reader gets a context whose getNodeParameter is counted; everything else is n8n's.
		const counted = new Proxy(this, {
			get: (target, property) =>
				property === 'getNodeParameter'
					? (...args: Parameters<IExecuteFunctions['getNodeParameter']>) => {
							readerCalls++;
							return (target.getNodeParameter as (...a: unknown[]) => unknown)(...args);
						}
					: (target as unknown as Record<string | symbol, unknown>)[property],
		}) as IExecuteFunctions;
		const read = itemParameterReader(counted, items);
		const output = items.map((_item, itemIndex) => ({
			json: {
				n8n: reads.map(({ name, fallback }) => this.getNodeParameter(name, itemIndex, fallback)),
				ours: reads.map(({ name, fallback }) => read(name, itemIndex, fallback)),
			} as IDataObject,
		}));
		output.push({ json: { readerCalls } });
		return [output];
	}
}

async function probe(parameters: IDataObject, toRead: Read[], items: IDataObject[]) {
	reads = toRead;
	const { output, error } = await runNode({
		type: 'parameterProbe',
		nodeType: new ParameterProbe(),
		parameters,
		items,
	});
	expect(error).toBeUndefined();
	const readerCalls = output.pop()!.json.readerCalls as number;
	return {
		rows: output.map((item) => item.json as { n8n: unknown[]; ours: unknown[] }),
		readerCalls,
	};
}

const ITEMS: IDataObject[] = [
	{
		seq: 1,
		'x-y': 'dash',
		'a.b': 'dotted key',
		order: { id: 'o-1', lines: [1, 2] },
		flag: true,
		lat: 45.5,
		name: 'abc',
	},
	{
		seq: 2,
		'x-y': null,
		'a.b': '',
		order: { id: 'o-2', lines: [] },
		flag: false,
		lat: -12,
		name: '',
	},
	{ seq: 3, 'x-y': 0, 'a.b': 'x', order: { id: null, lines: [3] }, flag: true, lat: 0, name: 'z' },
];
const PER_ITEM = ITEMS.length;

describe('the item-parameter reader gives what getNodeParameter gives', () => {
	// The last column: how many times the reader asked n8n — 0 on the fast way, once per constant,
	// once per parameter and item through n8n.
	test.each<[string, IDataObject, Read[], number]>([
		[
			'plain field paths at the top level',
			{ subject: '={{ $json.order.id }}', count: '={{ $json.seq }}' },
			[{ name: 'subject' }, { name: 'count' }],
			0,
		],
		[
			'the whole item',
			{ subject: '={{ $json }}', count: '={{$json}}' },
			[{ name: 'subject' }, { name: 'count' }],
			0,
		],
		[
			'quoted keys and a key with a dot',
			{ subject: '={{ $json["a.b"] }}', count: "={{ $json['x-y'] }}" },
			[{ name: 'subject' }, { name: 'count' }],
			0,
		],
		[
			'plain field paths inside a fixed collection, read whole and by a dotted name',
			{
				metrics: {
					metric: [
						{ name: 'seq', value: '={{ $json.seq }}' },
						{ name: 'flag', value: '={{ $json.flag }}' },
						{ name: 'lines', value: '={{ $json.order.lines }}' },
						{ name: 'n', value: '={{ $json.order.lines.length }}' },
					],
				},
			},
			[{ name: 'metrics.metric', fallback: [] }, { name: 'metrics' }],
			0,
		],
		[
			'plain field paths inside a collection, read whole and by field',
			{ position: { latitude: '={{ $json.lat }}', longitude: 7 } },
			[
				{ name: 'position', fallback: {} },
				{ name: 'position.latitude', fallback: 0 },
				{ name: 'position.longitude' },
			],
			1,
		],
		[
			'constants are read once',
			{ subject: 'orders.created', count: 5, metrics: { metric: [{ name: 'a', value: 'b' }] } },
			[{ name: 'subject' }, { name: 'count' }, { name: 'metrics.metric', fallback: [] }],
			3,
		],
		[
			'an absent field with an expression as its fallback: n8n evaluates it',
			{ position: {} },
			[{ name: 'position.latitude', fallback: '={{ $json.lat }}' }],
			PER_ITEM,
		],
		[
			'absent fields give the fallback',
			{ position: {} },
			[
				{ name: 'position.latitude', fallback: 0 },
				{ name: 'position.altitude', fallback: 'none' },
			],
			0,
		],
		[
			'other expressions go through n8n',
			{ subject: '={{ $json.seq * 2 }}', count: '={{ $json.order.lines[0] }}' },
			[{ name: 'subject' }, { name: 'count' }],
			2 * PER_ITEM,
		],
		[
			'one other expression in a collection sends the collection through n8n',
			{
				metrics: {
					metric: [
						{ name: 'seq', value: '={{ $json.seq }}' },
						{ name: 'text', value: '=seq {{ $json.seq }}' },
					],
				},
			},
			[{ name: 'metrics.metric', fallback: [] }],
			PER_ITEM,
		],
		[
			'a path the item does not hold goes through n8n: a missing field, .length of a string, a field of null',
			{
				subject: '={{ $json.name.length }}',
				count: '={{ $json.nothing }}',
				metrics: { metric: [{ name: 'id', value: '={{ $json.order.id.x }}' }] },
			},
			[{ name: 'subject' }, { name: 'count' }, { name: 'metrics.metric', fallback: [] }],
			// order.id.x: items 1-2 have a string on the way, item 3 null.
			3 * PER_ITEM,
		],
	])('%s', async (_name, parameters, toRead, readerCalls) => {
		const result = await probe(parameters, toRead, ITEMS);
		expect(result.rows).toHaveLength(PER_ITEM);
		for (const row of result.rows) expect(row.ours).toEqual(row.n8n);
		expect(result.readerCalls).toBe(readerCalls);
	});
});
