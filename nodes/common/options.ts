/**
 * The "Options" every node offers for sending (concurrency, timeout, retries, transport), described once
 * and read once, so the three nodes present and interpret them the same way.
 */
import type { IDataObject, INodeProperties } from 'n8n-workflow';

import { DEFAULT_RETRY, type RetryOptions } from './transport/types';

export type TransportChoice = 'keepAlive' | 'n8nHelper';

export interface SendingOptions {
	concurrency: number;
	timeoutMs: number;
	retry: RetryOptions;
	transport: TransportChoice;
}

export const sendingOptionProperties = (defaults: { timeoutMs: number; ordering: string }): INodeProperties[] => [
	{
		displayName: 'Max Concurrent Requests',
		name: 'maxConcurrency',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 256 },
		default: 16,
		description: `How many requests may be in flight at once. Items with the same ${defaults.ordering} are always sent one after another, in input order.`,
	},
	{
		displayName: 'Timeout (Ms)',
		name: 'timeout',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: defaults.timeoutMs,
		description: 'How long to wait for each request to be answered, in milliseconds. 0 waits forever.',
	},
	{
		displayName: 'Max Attempts',
		name: 'maxAttempts',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 10 },
		default: DEFAULT_RETRY.maxAttempts,
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
				description: 'One keep-alive connection pool per execution; the credential is read once',
			},
			{
				name: "N8n's HTTP Helper",
				value: 'n8nHelper',
				description: "Every request through n8n's authenticated request helper: a new connection and credential lookup per request (slower)",
			},
		],
		default: 'keepAlive',
	},
];

export function readSendingOptions(options: IDataObject, defaults: { timeoutMs: number }): SendingOptions {
	const number = (value: unknown, fallback: number) => (typeof value === 'number' && Number.isFinite(value) ? value : fallback);
	return {
		concurrency: Math.max(1, Math.floor(number(options.maxConcurrency, 16))),
		timeoutMs: Math.max(0, number(options.timeout, defaults.timeoutMs)),
		retry: {
			...DEFAULT_RETRY,
			maxAttempts: Math.max(1, Math.floor(number(options.maxAttempts, DEFAULT_RETRY.maxAttempts))),
			retryOnServerErrors: options.retryOnServerErrors === true,
		},
		transport: options.transport === 'n8nHelper' ? 'n8nHelper' : 'keepAlive',
	};
}
