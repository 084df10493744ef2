import {
	NodeConnectionTypes,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { itemParameterReader } from '../common/itemParameters';
import { readMaxRequestsPerSecond } from '../common/options';
import { runItems } from '../common/runItems';
import { CHAT_SUBTITLE } from '../common/subtitle';
import { prepareChatItem } from './api';
import { CHAT_PROPERTIES } from './description';
import { chatErrorJson } from './errors';
import { createChatSender, forward } from './exchange';
import { getModels, searchModels } from './methods/loadOptions';
import { chatApiTest, openChatClient } from './transport';

export class ChatMessage implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Chat Message',
		name: 'chatMessage',
		icon: { light: 'file:chat.svg', dark: 'file:chat.dark.svg' },
		group: ['transform'],
		// 2: the Model is a resource locator (list or ID); 1 kept its options list, and reads as before.
		version: [1, 2],
		defaultVersion: 2,
		subtitle: CHAT_SUBTITLE,
		description: 'Send a message to an AI chat app and collect its streamed reply',
		defaults: { name: 'Chat Message' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'chatApi', required: true, testedBy: 'chatApiTest' }],
		properties: CHAT_PROPERTIES,
	};

	methods = {
		loadOptions: { getModels },
		listSearch: { searchModels },
		credentialTest: { chatApiTest },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const read = itemParameterReader(this, this.getInputData());
		const streaming = this.isStreaming();
		// Per execution, like the publishing nodes' connection options: it shapes the one client of the run.
		const maxRequestsPerSecond = readMaxRequestsPerSecond(
			this.getNodeParameter('options', 0, {}) as IDataObject,
		);
		const output = await runItems(this, {
			prepare: (itemIndex) => prepareChatItem(this, read, itemIndex),
			open: async () => await openChatClient(this, { maxRequestsPerSecond }),
			send: createChatSender(this),
			concurrency: 1,
			targetFields: ['chatId'],
			errorJson: chatErrorJson,
			// When the node stops, n8n's engine sends the streaming client an error chunk itself; when it
			// goes on, the client hears it from here.
			onFailure: streaming
				? async (itemIndex, error) =>
						await forward(this.sendChunk('error', itemIndex, error.message))
				: undefined,
		});
		return [output];
	}
}
