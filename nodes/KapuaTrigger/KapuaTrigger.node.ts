import {
	NodeConnectionTypes,
	type INodeType,
	type INodeTypeDescription,
	type ITriggerFunctions,
	type ITriggerResponse,
} from 'n8n-workflow';

import { fieldsSubtitle } from '../common/subtitle';
import { kapuaApiTest } from '../KapuaPublish/transport';
import { readTriggerConfig } from './api';
import { KAPUA_TRIGGER_PROPERTIES } from './description';
import { KapuaTriggerLoop } from './poller';

export class KapuaTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Kapua Trigger',
		name: 'kapuaTrigger',
		icon: { light: 'file:kapua.svg', dark: 'file:kapua.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: fieldsSubtitle('from ', ['clientId', 'channel']),
		description:
			"Starts the workflow for every message a device stores in Eclipse Kapua's datastore, once each",
		eventTriggerDescription: 'Waiting for device messages in Kapua',
		defaults: { name: 'Kapua Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'kapuaApi', required: true, testedBy: 'kapuaApiTest' }],
		properties: KAPUA_TRIGGER_PROPERTIES,
	};

	methods = { credentialTest: { kapuaApiTest } };

	async trigger(this: ITriggerFunctions): Promise<ITriggerResponse> {
		const config = readTriggerConfig(this);
		const loop = new KapuaTriggerLoop(this, config);
		if (this.getMode() === 'manual')
			return { manualTriggerFunction: async () => await loop.fetchTestEvent() };
		await loop.activate();
		loop.start();
		return { closeFunction: async () => await loop.stop() };
	}
}
