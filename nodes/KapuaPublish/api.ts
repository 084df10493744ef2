/**
 * Kapua's publish API (POST {scope}/streams/messages), in one place: an item read into a data message and
 * checked before anything is sent (rules in validation.ts and metrics.ts), the request it becomes, and
 * what Kapua's error answers mean. Kapua wraps most publish failures in a 500 CALL_ERROR, so that message
 * names the likely causes and keeps Kapua's own words in the description.
 */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { KapuaAuthentication } from '../../credentials/KapuaApi.credentials';
import { invalidFieldError, type ExplainStatus } from '../common/errors';
import type { ItemParameterReader } from '../common/itemParameters';
import { readRetryOptions } from '../common/options';
import type { PreparedItem } from '../common/runItems';
import type { PublishRequest } from '../common/sendForItem';
import { invalid, parseJsonParameter, valid, type Checked } from '../common/validation';
import {
	DEFAULT_MAX_BODY_BYTES,
	publishPath,
	validateKapuaMessage,
	type ListedMetric,
	type PositionInput,
} from './validation';

export const DEFAULT_TIMEOUT_MS = 10_000;
/** Kapua's own default for the `timeout` query parameter. */
export const DEFAULT_KAPUA_TIMEOUT_MS = 30_000;
/** Every field of the item becomes a metric; read from the item itself (see itemParameters.ts). */
export const METRICS_JSON_DEFAULT = '={{ $json }}';

/** What an item is published to: the first fields of its output. */
export type KapuaTarget = {
	/** The MQTT topic Kapua forwards to; "+" for the account when its name is not given. */
	topic: string;
	scopeId: string;
	clientId: string;
	deviceId?: string;
	channel: string;
	metricCount: number;
	sentOn: string;
};

/**
 * Reads item `itemIndex` into a data message, checks it and builds its request; throws the item's error
 * naming the field. `now` is the Sent On of every item that gives none.
 */
export async function prepareKapuaItem(
	context: IExecuteFunctions,
	read: ItemParameterReader,
	itemIndex: number,
	now: Date,
): Promise<PreparedItem<KapuaTarget, PublishRequest>> {
	const parameter = (name: string, fallback?: unknown) => read(name, itemIndex, fallback);
	const options = parameter('options', {}) as IDataObject;
	const source = parameter('metricsSource', 'list') as string;
	// Read in the order of the form, so an expression that fails is reported for the first field it is in.
	const scopeId = parameter('scopeId');
	const clientId = parameter('clientId');
	const deviceId = parameter('deviceId', '');
	const channel = parameter('channel');
	const listedMetrics =
		source === 'json' ? [] : (parameter('metrics.metric', []) as ListedMetric[]);
	const jsonMetrics =
		source === 'list'
			? valid(undefined)
			: parseJsonParameter(
					parameter('metricsJson', METRICS_JSON_DEFAULT),
					'Metrics JSON',
					'Metrics JSON',
				);
	if (!jsonMetrics.ok) throw invalidFieldError(context.getNode(), jsonMetrics.problem, itemIndex);
	const body = await readBody(context, read, itemIndex);
	if (!body.ok) throw invalidFieldError(context.getNode(), body.problem, itemIndex);

	const checked = validateKapuaMessage(
		{
			scopeId,
			clientId,
			deviceId,
			channel,
			listedMetrics,
			jsonMetrics: jsonMetrics.value,
			body: body.value,
			position: parameter('position', {}) as PositionInput,
			sentOn: parameter('additionalFields.sentOn', ''),
			capturedOn: parameter('additionalFields.capturedOn', ''),
		},
		{
			maxBodyBytes:
				typeof options.maxBodyBytes === 'number' ? options.maxBodyBytes : DEFAULT_MAX_BODY_BYTES,
		},
		now,
	);
	if (!checked.ok) throw invalidFieldError(context.getNode(), checked.problem, itemIndex);

	const parts = checked.value;
	const { message } = parts;
	const accountName =
		typeof options.accountName === 'string' && options.accountName.trim() !== ''
			? options.accountName.trim()
			: '+';
	const kapuaTimeout =
		typeof options.kapuaTimeout === 'number'
			? Math.max(0, Math.floor(options.kapuaTimeout))
			: DEFAULT_KAPUA_TIMEOUT_MS;
	return {
		orderingKey: `${parts.scopeId}\u0000${parts.clientId}\u0000${parts.channel}`,
		target: {
			topic: `${accountName}/${parts.clientId}/${parts.channel}`,
			scopeId: parts.scopeId,
			clientId: parts.clientId,
			...(message.deviceId ? { deviceId: message.deviceId } : {}),
			channel: parts.channel,
			metricCount: message.payload.metrics.length,
			sentOn: message.sentOn,
		},
		request: {
			http: {
				method: 'POST',
				path: publishPath(parts.scopeId),
				query: { timeout: kapuaTimeout },
				body: JSON.stringify(message),
			},
			retry: readRetryOptions(options),
		},
	};
}

/** The body's bytes, or undefined for none. */
async function readBody(
	context: IExecuteFunctions,
	read: ItemParameterReader,
	itemIndex: number,
): Promise<Checked<Uint8Array | undefined>> {
	const type = read('bodyType', itemIndex, 'none') as string;
	switch (type) {
		case 'text':
			return valid(Buffer.from(String(read('bodyText', itemIndex, '')), 'utf8'));
		case 'json': {
			const parsed = parseJsonParameter(read('bodyJson', itemIndex), 'Body JSON', 'Body JSON');
			return parsed.ok
				? valid(Buffer.from(JSON.stringify(parsed.value) ?? 'null', 'utf8'))
				: parsed;
		}
		case 'binary': {
			const property = String(read('binaryPropertyName', itemIndex, 'data')).trim();
			if (!context.getInputData()[itemIndex].binary?.[property]) {
				return invalid('Input Binary Field', `the item has no binary property "${property}"`);
			}
			return valid(await context.helpers.getBinaryDataBuffer(itemIndex, property));
		}
		default:
			return valid(undefined);
	}
}

function field(body: unknown, name: string): string | undefined {
	if (body === null || typeof body !== 'object') return undefined;
	const value = (body as Record<string, unknown>)[name];
	return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/** What to do after Kapua refused the token even after a fresh login, per way of logging in (the Kapua Trigger says the same). */
export const RELOGIN_HINT: Record<KapuaAuthentication, string> = {
	userPassword:
		'The node logged in again once and Kapua still refused the token: check the user name and password, and that the user is enabled.',
	apiKey:
		'The node logged in again once and Kapua still refused the token: check that the API key is valid and enabled.',
	accessToken:
		'A pasted access token is not renewed: paste a new one (Kapua tokens last 30 minutes by default), or use a user name and password or an API key.',
};

/** What Kapua's error answers mean for someone publishing, per way of logging in. */
export const explainKapuaStatus: Record<KapuaAuthentication, ExplainStatus<KapuaTarget>> = {
	userPassword: explainFor('userPassword'),
	apiKey: explainFor('apiKey'),
	accessToken: explainFor('accessToken'),
};

function explainFor(authentication: KapuaAuthentication): ExplainStatus<KapuaTarget> {
	return (status, _serverText, body, target) => {
		const scopeText =
			target.scopeId === '_' ? "the token's own account" : `scope "${target.scopeId}"`;
		switch (status) {
			case 400: {
				const argument = field(body, 'argumentName');
				return {
					message: argument
						? `Kapua rejected the value of "${argument}"`
						: 'Kapua rejected the message as invalid',
					description: argument
						? `Kapua names the argument "${argument}"${field(body, 'argumentValue') !== undefined ? ` with value "${field(body, 'argumentValue')}"` : ''}.`
						: undefined,
				};
			}
			case 401:
				return {
					message: 'Kapua login failed or the access token expired',
					description: RELOGIN_HINT[authentication],
				};
			case 403:
				return {
					message: `The Kapua user needs permission stream:write on ${scopeText}`,
					description:
						'Grant the user (or its role) the permission stream:write in that account, or publish to a scope it may write to.',
				};
			case 500: {
				const code = field(body, 'kapuaErrorCode');
				if (code === 'CALL_ERROR') {
					// Kapua's call to the device or broker failed before the message went out.
					return {
						notStored: true,
						message: `Kapua could not publish for client "${target.clientId}"`,
						description:
							`Likely causes: no device with client ID "${target.clientId}" in ${scopeText} (or no device with the given Device ID); ` +
							"the Client ID differs from the device's own client ID; or no MQTT endpoint is configured for the account " +
							'(a fresh Kapua has none: an administrator creates one under Endpoints).',
					};
				}
				if (field(body, 'type') === 'throwableInfo') {
					return {
						notStored: true,
						message: 'Kapua failed to read the message',
						description: 'A metric value may not parse for its type on the server.',
					};
				}
				return undefined;
			}
			default:
				return undefined;
		}
	};
}
