import {
	NodeConnectionTypes,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { itemParameterReader } from '../common/itemParameters';
import { fieldsSubtitle } from '../common/subtitle';
import { readExecutionSending } from '../common/options';
import { runItems } from '../common/runItems';
import { createPublisher } from '../common/sendForItem';
import { DEFAULT_TIMEOUT_MS, explainQuivaStatus, prepareQuivaItem } from './api';
import { QUIVA_PROPERTIES } from './description';
import { openQuivaClient, quivaApiTest } from './transport';

export class QuivaStreamPublish implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Quiva Stream Publish',
		name: 'quivaStreamPublish',
		icon: { light: 'file:quiva.svg', dark: 'file:quiva.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: fieldsSubtitle('to ', ['stream', 'subject']),
		description: 'Publish messages to a quiva.ai stream (NATS JetStream)',
		defaults: { name: 'Quiva Stream Publish' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'quivaApi', required: true, testedBy: 'quivaApiTest' }],
		properties: QUIVA_PROPERTIES,
	};

	methods = { credentialTest: { quivaApiTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const sending = readExecutionSending(this, { timeoutMs: DEFAULT_TIMEOUT_MS });
		const items = this.getInputData();
		const read = itemParameterReader(this, items);
		const publish = createPublisher(this);
		const output = await runItems(this, {
			prepare: (itemIndex) => prepareQuivaItem(this, items, read, itemIndex),
			open: async () => await openQuivaClient(this, sending.connection),
			send: async (client, item, itemIndex) => {
				const { response, attempts } = await publish(client, item, itemIndex, explainQuivaStatus);
				return {
					published: true,
					status: response.status,
					response: response.body as IDataObject,
					attempts,
				};
			},
			concurrency: sending.concurrency,
			targetFields: ['stream', 'subject'],
		});
		return [output];
	}
}
