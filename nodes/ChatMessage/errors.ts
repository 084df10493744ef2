/**
 * How a reply that had started streaming failed (a server error event, an early end, a timeout, an answer
 * that is not an event stream), with whatever text had arrived.
 */
import { NodeApiError, type IDataObject, type INode, type JsonObject } from 'n8n-workflow';

import { itemMessage } from '../common/errors';

const PREVIEW_CHARS = 300;

/**
 * The error a user sees; the full partial text is kept on the error for Continue On Fail items, and the
 * server's code and request ID on its context.
 */
export class ChatStreamError extends NodeApiError {
	readonly partialText: string;

	constructor(
		node: INode,
		details: {
			itemIndex: number;
			chatId: string;
			message: string;
			partialText: string;
			serverCode?: string;
			requestId?: string;
			extra?: string;
		},
	) {
		const { itemIndex, partialText } = details;
		const preview =
			partialText.length > PREVIEW_CHARS ? `${partialText.slice(0, PREVIEW_CHARS)}…` : partialText;
		const description = [
			details.extra,
			`Chat ${details.chatId}. ${partialText.length} characters of the reply had arrived${partialText ? `: "${preview}"` : '.'}`,
			details.requestId
				? `Request ID ${details.requestId}: the chat app's operators can find the cause by it.`
				: undefined,
		]
			.filter(Boolean)
			.join('\n');
		const response: JsonObject = {
			message: details.message,
			...(details.serverCode ? { code: details.serverCode } : {}),
		};
		super(node, response, {
			message: itemMessage(details.message, itemIndex),
			description,
			itemIndex,
		});
		this.partialText = partialText;
		Object.assign(this.context, {
			errorCode: details.serverCode ?? null,
			requestId: details.requestId ?? null,
		});
	}
}

/**
 * What a Continue On Fail item adds to the shared error fields: the server's code and request ID (null when
 * the failure had none: bad input, no answer, a timeout), and whatever of the reply arrived.
 */
export function chatErrorJson(error: unknown): IDataObject {
	const context = (error as { context?: IDataObject } | undefined)?.context ?? {};
	const serverFields = {
		errorCode: typeof context.errorCode === 'string' ? context.errorCode : null,
		requestId: typeof context.requestId === 'string' ? context.requestId : null,
	};
	return error instanceof ChatStreamError
		? { ...serverFields, partialText: error.partialText }
		: serverFields;
}
