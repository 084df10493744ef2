/**
 * The "Options" the publishing nodes offer for sending (concurrency, timeout, retries, transport),
 * described and read in one place, so the nodes present and interpret them the same way.
 *
 * Concurrency, timeout, connection and Max Requests per Second are per execution, read from the first
 * item: they shape the one client and connection pool of the run, so an expression giving each item its
 * own cannot apply. The retry options are per item, like every other parameter.
 */
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { ConnectionOptions } from './transport/httpClient';
import { DEFAULT_RETRY, type RetryOptions } from './transport/types';

export interface ExecutionSending {
	concurrency: number;
	connection: ConnectionOptions;
}

/** Shared by every node's Options: a rate the user knows the server allows, kept across the execution. */
export const maxRequestsPerSecondProperty: INodeProperties = {
	displayName: 'Max Requests per Second',
	name: 'maxRequestsPerSecond',
	type: 'number',
	typeOptions: { minValue: 0, numberPrecision: 2 },
	default: 0,
	description:
		'The most requests the node sends in any one second, retries included, across all items of the execution: for a server that answers bursts with HTTP 429. 0 means no limit.',
};

/** A finite number above 0, or undefined: how optional limits and timeouts with "0 means none" are read. */
export function positiveNumber(value: unknown): number | undefined {
	return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

/** The Max Requests per Second option as the client takes it: a positive rate, or undefined for none. */
export function readMaxRequestsPerSecond(options: IDataObject): number | undefined {
	return positiveNumber(options.maxRequestsPerSecond);
}

/** The default of Max Attempts, named so the description's `default` reads it (n8n's lint wants a plain value). */
const { maxAttempts } = DEFAULT_RETRY;

export const sendingOptionProperties = ({
	timeoutMs,
	ordering,
}: {
	timeoutMs: number;
	ordering: string;
}): INodeProperties[] => [
	{
		displayName: 'Max Concurrent Requests',
		name: 'maxConcurrency',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 256 },
		default: 16,
		description: `How many requests may be in flight at once. Items with the same ${ordering} are always sent one after another, in input order.`,
	},
	maxRequestsPerSecondProperty,
	{
		displayName: 'Request Timeout (Ms)',
		name: 'timeout',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: timeoutMs,
		description:
			'How long to wait for each request to be answered, in milliseconds. 0 waits forever.',
	},
	{
		displayName: 'Max Attempts',
		name: 'maxAttempts',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 10 },
		default: maxAttempts,
		description:
			'Attempts per item, the first included. By default only what surely was not received is retried: a refused connection, HTTP 429, and 503 with Retry-After.',
	},
	{
		displayName: 'Retry on Server Errors',
		name: 'retryOnServerErrors',
		type: 'boolean',
		default: false,
		description:
			'Whether to also retry other 5xx answers, resets and timeouts. These may come after the server accepted the message, so a retry can publish it twice (at-least-once delivery).',
	},
	{
		displayName: 'Connection',
		name: 'transport',
		type: 'options',
		options: [
			{
				name: 'Reuse Connections (Fast)',
				value: 'keepAlive',
				description:
					"Node's fetch: connections stay open and are reused across executions; the credential is read once per execution",
			},
			{
				name: 'Built-in Request Helper (Slower)',
				value: 'n8nHelper',
				description:
					"Every request through n8n's own authenticated request helper: a new connection and credential lookup per request (slower)",
			},
		],
		default: 'keepAlive',
	},
];

const number = (value: unknown, fallback: number) =>
	typeof value === 'number' && Number.isFinite(value) ? value : fallback;

/** The per-execution sending options (see the module comment). */
export function readExecutionSending(
	context: IExecuteFunctions,
	defaults: { timeoutMs: number },
): ExecutionSending {
	const options = context.getNodeParameter('options', 0, {}) as IDataObject;
	const concurrency = Math.max(1, Math.floor(number(options.maxConcurrency, 16)));
	return {
		concurrency,
		connection: {
			transport: options.transport === 'n8nHelper' ? 'n8nHelper' : 'keepAlive',
			timeoutMs: Math.max(0, number(options.timeout, defaults.timeoutMs)),
			maxSockets: concurrency,
			maxRequestsPerSecond: readMaxRequestsPerSecond(options),
		},
	};
}

/** An item's retry options, from its Options collection. */
export function readRetryOptions(options: IDataObject): RetryOptions {
	return {
		...DEFAULT_RETRY,
		maxAttempts: Math.max(1, Math.floor(number(options.maxAttempts, DEFAULT_RETRY.maxAttempts))),
		retryOnServerErrors: options.retryOnServerErrors === true,
	};
}
