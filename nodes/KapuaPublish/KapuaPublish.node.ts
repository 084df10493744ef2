import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { itemParameterReader } from '../common/itemParameters';
import { readExecutionSending } from '../common/options';
import { runItems } from '../common/runItems';
import { createPublisher } from '../common/sendForItem';
import { fieldsSubtitle } from '../common/subtitle';
import { DEFAULT_TIMEOUT_MS, explainKapuaStatus, prepareKapuaItem } from './api';
import { KAPUA_PROPERTIES } from './description';
import { createDeliveryCheck } from './delivery';
import { kapuaApiTest, openKapuaClient } from './transport';

export class KapuaPublish implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Kapua Publish',
		name: 'kapuaPublish',
		icon: { light: 'file:kapua.svg', dark: 'file:kapua.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: fieldsSubtitle('to ', ['clientId', 'channel']),
		description:
			"Publish data messages to devices through Eclipse Kapua's REST API (forwarded over MQTT)",
		defaults: { name: 'Kapua Publish' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'kapuaApi', required: true, testedBy: 'kapuaApiTest' }],
		properties: KAPUA_PROPERTIES,
	};

	methods = { credentialTest: { kapuaApiTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const sending = readExecutionSending(this, { timeoutMs: DEFAULT_TIMEOUT_MS });
		const read = itemParameterReader(this, this.getInputData());
		const publish = createPublisher(this);
		const now = new Date();
		const delivery = createDeliveryCheck(this);
		const output = await runItems(this, {
			prepare: async (itemIndex) => await prepareKapuaItem(this, read, itemIndex, now),
			open: async () => await openKapuaClient(this, sending.connection),
			send: async (client, item, itemIndex) => {
				const explain = explainKapuaStatus[client.credentials.authentication];
				const { response, attempts } = await publish(client, item, itemIndex, explain);
				delivery?.track(client, item, itemIndex);
				return { published: true, status: response.status, attempts };
			},
			settle: delivery?.settle,
			errorJson: delivery?.errorJson,
			concurrency: sending.concurrency,
			targetFields: [
				'topic',
				'scopeId',
				'clientId',
				'deviceId',
				'channel',
				'metricCount',
				'sentOn',
			],
		});
		return [output];
	}
}
