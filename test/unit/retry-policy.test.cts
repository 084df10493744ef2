import { backoffMs, decideRetry, retryAfterMs } from '../../nodes/common/transport/retryPolicy';
import {
	TransportFailure,
	type AttemptOutcome,
	type HttpResponse,
	type RetryOptions,
} from '../../nodes/common/transport/types';

const options: RetryOptions = {
	maxAttempts: 3,
	retryOnServerErrors: false,
	baseDelayMs: 100,
	maxDelayMs: 5000,
};
const atLeastOnce: RetryOptions = { ...options, retryOnServerErrors: true };
const maxRandom = () => 0.999999;

function response(
	status: number,
	headers: Record<string, string> = {},
	body: unknown = '',
): AttemptOutcome {
	return { type: 'response', response: { status, headers, body } };
}
function failure(kind: TransportFailure['kind']): AttemptOutcome {
	return { type: 'failure', failure: new TransportFailure(kind, 'X', kind) };
}

describe('decideRetry by default (publishing is not idempotent)', () => {
	test.each<[string, AttemptOutcome, boolean]>([
		['200', response(200), false],
		['204', response(204), false],
		['400', response(400), false],
		['401', response(401), false],
		['404', response(404), false],
		['413', response(413), false],
		['429 without Retry-After', response(429), true],
		['429 with Retry-After', response(429, { 'retry-after': '1' }), true],
		['503 with Retry-After', response(503, { 'retry-after': '0' }), true],
		['503 without Retry-After (may have been processed)', response(503), false],
		['500', response(500), false],
		['502', response(502), false],
		['connection refused', failure('refused'), true],
		['reset (may have been processed)', failure('reset'), false],
		['timeout (may have been processed)', failure('timeout'), false],
		['other network failure', failure('network'), false],
		['aborted', failure('aborted'), false],
	])('%s → retry %s', (_name, outcome, retry) => {
		expect(decideRetry(outcome, 1, options, maxRandom, 0).retry).toBe(retry);
	});
});

describe('decideRetry with "Retry on Server Errors" (at-least-once)', () => {
	test.each<[string, AttemptOutcome, boolean]>([
		['500', response(500), true],
		['502', response(502), true],
		['503 without Retry-After', response(503), true],
		['reset', failure('reset'), true],
		['timeout', failure('timeout'), true],
		['network', failure('network'), true],
		['aborted still not', failure('aborted'), false],
		['400 still not', response(400), false],
	])('%s → retry %s', (_name, outcome, retry) => {
		expect(decideRetry(outcome, 1, atLeastOnce, maxRandom, 0).retry).toBe(retry);
	});
});

test('never more than maxAttempts in all', () => {
	expect(decideRetry(failure('refused'), 2, options).retry).toBe(true);
	expect(decideRetry(failure('refused'), 3, options).retry).toBe(false);
	expect(decideRetry(failure('refused'), 1, { ...options, maxAttempts: 1 }).retry).toBe(false);
});

test('a server wait is honoured exactly, and one beyond the cap ends the retries', () => {
	expect(decideRetry(response(429, { 'retry-after': '2' }), 1, options)).toEqual({
		retry: true,
		delayMs: 2000,
	});
	expect(
		decideRetry(response(429, {}, { error: 'Rate limit exceeded', retry_after: 3 }), 1, options),
	).toEqual({ retry: true, delayMs: 3000 });
	expect(decideRetry(response(429, { 'retry-after': '60' }), 1, options)).toEqual({ retry: false });
});

describe('retryAfterMs', () => {
	const at = (headers: Record<string, string>, body: unknown = ''): HttpResponse => ({
		status: 429,
		headers,
		body,
	});
	test.each<[string, HttpResponse, number | undefined]>([
		['delta seconds', at({ 'retry-after': '5' }), 5000],
		['zero', at({ 'retry-after': '0' }), 0],
		['fractional seconds', at({ 'retry-after': '0.25' }), 250],
		['HTTP date 10 s ahead', at({ 'retry-after': new Date(10_000).toUTCString() }), 10_000],
		['HTTP date in the past', at({ 'retry-after': new Date(0).toUTCString() }), 0],
		['body retry_after (quiva)', at({}, { retry_after: 60 }), 60_000],
		['body retryAfter (chat app)', at({}, { retryAfter: 7 }), 7000],
		['body retryAfter as string', at({}, { retryAfter: '2' }), 2000],
		['header wins over body', at({ 'retry-after': '1' }, { retry_after: 60 }), 1000],
		['garbage header, no body', at({ 'retry-after': 'soon' }), undefined],
		['negative body value', at({}, { retry_after: -1 }), undefined],
		['nothing', at({}), undefined],
	])('%s', (_name, input, expected) => {
		expect(retryAfterMs(input, 0)).toBe(expected);
	});
});

describe('backoffMs: exponential with full jitter, capped', () => {
	test.each([
		[1, 100],
		[2, 200],
		[3, 400],
		[10, 5000],
	])('attempt %i waits at most %i ms', (attempt, ceiling) => {
		expect(backoffMs(attempt, options, () => 0)).toBe(0);
		expect(backoffMs(attempt, options, maxRandom)).toBe(ceiling - 1);
		expect(backoffMs(attempt, options, () => 0.5)).toBe(Math.floor(ceiling / 2));
	});
});
