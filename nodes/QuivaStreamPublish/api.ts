/**
 * The quiva.ai Gateway's publish API (POST /storage/streams/{stream}/messages), in one place: an item read
 * and checked before anything is sent (rules in validation.ts), the request it becomes, and what the
 * gateway's error answers mean.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { invalidFieldError, type ExplainStatus } from '../common/errors';
import { readItemField } from '../common/itemField';
import type { ItemParameterReader } from '../common/itemParameters';
import { readRetryOptions } from '../common/options';
import type { PreparedItem } from '../common/runItems';
import type { PublishRequest } from '../common/sendForItem';
import { invalid, parseJsonParameter, valid, type Checked } from '../common/validation';
import { DEFAULT_MAX_PAYLOAD_BYTES, publishPath, validatePublishMessage } from './validation';

export const DEFAULT_TIMEOUT_MS = 10_000;

/** What an item is published to: the first fields of its output. */
export type QuivaTarget = { stream: string; subject: string };

/** Reads item `itemIndex`, checks it and builds its request; throws the item's error naming the field. */
export function prepareQuivaItem(
	context: IExecuteFunctions,
	items: INodeExecutionData[],
	read: ItemParameterReader,
	itemIndex: number,
): PreparedItem<QuivaTarget, PublishRequest> {
	const options = read('options', itemIndex, {}) as IDataObject;
	const maxPayloadBytes =
		typeof options.maxPayloadBytes === 'number'
			? options.maxPayloadBytes
			: DEFAULT_MAX_PAYLOAD_BYTES;
	const stream = read('stream', itemIndex);
	const subject = read('subject', itemIndex);
	const body = readBody(read, itemIndex, items[itemIndex].json);
	if (!body.ok) throw invalidFieldError(context.getNode(), body.problem, itemIndex);
	const checked = validatePublishMessage({ stream, subject, body: body.value }, maxPayloadBytes);
	if (!checked.ok) throw invalidFieldError(context.getNode(), checked.problem, itemIndex);
	const { message, payload } = checked.value;
	return {
		orderingKey: `${message.stream}\u0000${message.subject}`,
		target: { stream: message.stream, subject: message.subject },
		request: {
			http: { method: 'POST', path: publishPath(message.stream), body: payload },
			retry: readRetryOptions(options),
		},
	};
}

function readBody(
	read: ItemParameterReader,
	itemIndex: number,
	json: IDataObject,
): Checked<unknown> {
	const source = read('bodySource', itemIndex) as string;
	if (source === 'item') return valid(json);
	if (source === 'field') {
		const path = read('bodyField', itemIndex) as string;
		if (!path) return invalid('Body', 'Field is empty');
		const value = readItemField(json, path);
		return value === undefined ? invalid('Body', `the item has no field "${path}"`) : valid(value);
	}
	return parseJsonParameter(read('bodyJson', itemIndex), 'Body', 'JSON Body');
}

/** What the gateway's error answers mean for someone publishing. */
export const explainQuivaStatus: ExplainStatus<QuivaTarget> = (
	status,
	_serverText,
	_body,
	target,
) => {
	switch (status) {
		case 400:
			return {
				message: `The gateway rejected the message for stream "${target.stream}"`,
				description:
					"Check that the subject matches one of the stream's subject filters and that the body is a JSON object.",
			};
		case 401:
			return {
				message: 'Authentication failed: the gateway rejected the API key or token',
				description: 'Check the Quiva API credential; API keys expire after 3 months.',
			};
		case 403:
			return { message: `The credential may not publish to stream "${target.stream}"` };
		case 404:
			return {
				message: `Stream "${target.stream}" was not found`,
				description:
					'Create the stream in quiva.ai first, or check the Stream name (names are case-sensitive).',
			};
		case 413:
			return {
				message: `The message is larger than stream "${target.stream}" accepts`,
				description:
					'Lower the body size, or the Maximum Payload Size option to catch this before sending.',
			};
		case 429:
			return {
				message: 'Rate limit exceeded: the gateway asks to slow down',
				description:
					'Lower Max Concurrent Requests, or spread the items over time; quiva.ai plans allow 10 to 300 requests a minute.',
			};
		default:
			return undefined;
	}
};
