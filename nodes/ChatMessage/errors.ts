/**
 * How a reply that had started streaming failed (a server error event, an early end, a timeout, an answer
 * that is not an event stream), with whatever text had arrived.
 */
import { NodeApiError, type IDataObject, type INode, type JsonObject } from 'n8n-workflow';

import { itemMessage } from '../common/errors';

const PREVIEW_CHARS = 300;

/** The error a user sees; the full partial text is kept on the error for Continue On Fail items. */
export class ChatStreamError extends NodeApiError {
	readonly partialText: string;

	constructor(
		node: INode,
		details: { itemIndex: number; chatId: string; message: string; partialText: string; serverCode?: string; extra?: string },
	) {
		const { itemIndex, partialText } = details;
		const preview = partialText.length > PREVIEW_CHARS ? `${partialText.slice(0, PREVIEW_CHARS)}…` : partialText;
		const description = [
			details.extra,
			`Chat ${details.chatId}. ${partialText.length} characters of the reply had arrived${partialText ? `: "${preview}"` : '.'}`,
		]
			.filter(Boolean)
			.join('\n');
		const response: JsonObject = { message: details.message, ...(details.serverCode ? { code: details.serverCode } : {}) };
		super(node, response, { message: itemMessage(details.message, itemIndex), description, itemIndex });
		this.partialText = partialText;
	}
}

/** What a Continue On Fail item adds to the shared error fields: whatever of the reply arrived. */
export function chatErrorJson(error: unknown): IDataObject {
	return error instanceof ChatStreamError ? { partialText: error.partialText } : {};
}
