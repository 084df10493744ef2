/**
 * What the chat API's failures mean for someone sending a message, before and during the stream.
 * HTTP answers go through the shared httpStatusError (both error-body shapes are read there).
 */
import { NodeApiError, type IDataObject, type INode, type JsonObject } from 'n8n-workflow';

import { errorItemJson, type ExplainStatus } from '../common/errors';

export const explainChatStatus: ExplainStatus = (status, serverText, _body, target) => {
	switch (status) {
		case 400:
			return { message: 'The chat server rejected the message as invalid', description: 'Check the Model, User ID and Workflow ID.' };
		case 401:
			return {
				message: 'Session expired or sign-in failed: the chat server did not accept the session',
				description:
					'With email and password the node signed in again once and was still refused; a session token cannot be renewed (they expire after 7 days). Check the Chat API credential and its Session Cookie Name.',
			};
		case 403:
			return {
				message: `Chat ${String(target.chatId)} belongs to another user`,
				description: /CHAT_ACCESS_DENIED/.test(serverText)
					? 'The signed-in user may not post to this chat. Use a chat of this user, or "New Chat". For a new chat, User ID must be the signed-in user.'
					: 'The signed-in user may not do this. For a new chat, User ID must be the signed-in user.',
			};
		case 404:
			return { message: `Chat ${String(target.chatId)} or the chat API was not found`, description: 'Check the Chat ID and the credential\'s Base URL.' };
		case 429:
			return {
				message: 'Rate limit exceeded: the chat server asks to slow down',
				description: 'The node waited as the server asked and tried again, and was still refused. The server allows about 100 requests a minute.',
			};
		default:
			return undefined;
	}
};

/** How a stream that had started ended without its reply. */
export type StreamFailureKind = 'errorEvent' | 'endedEarly' | 'idle' | 'overall' | 'notEventStream';

const PREVIEW_CHARS = 300;

/** The error a user sees; the full partial text is kept on the error for Continue On Fail items. */
export class ChatStreamError extends NodeApiError {
	constructor(
		node: INode,
		readonly kind: StreamFailureKind,
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
		super(node, response, { message: `${details.message} [item ${itemIndex}]`, description, itemIndex });
		this.partialText = partialText;
		this.chatId = details.chatId;
	}

	readonly partialText: string;

	readonly chatId: string;
}

/** The JSON of a Continue On Fail item: what failed, and whatever of the reply arrived. */
export function chatErrorItemJson(error: unknown, chatId: string | undefined): IDataObject {
	return {
		...(chatId ? { chatId } : {}),
		...errorItemJson(error),
		...(error instanceof ChatStreamError ? { partialText: error.partialText } : {}),
	};
}

/**
 * Builds the error of a stream that started and failed (see ChatStreamError). A function rather than
 * `throw new ChatStreamError` at each site: n8n's lint rule accepts only NodeApiError and
 * NodeOperationError by name after `throw new`, and ChatStreamError is a NodeApiError.
 */
export function chatStreamError(node: INode, kind: StreamFailureKind, details: ConstructorParameters<typeof ChatStreamError>[2]): ChatStreamError {
	return new ChatStreamError(node, kind, details);
}
