/**
 * Which transport a request goes through, chosen once per execution (docs/architecture.md, "Connections"):
 *
 * | what | transport |
 * |---|---|
 * | every request and stream, by default | Node's `fetch` (fetchClient.ts): connections kept across executions |
 * | Connection = "Built-in Request Helper" | n8n's authenticated helper (helperClient.ts) |
 * | a credential with "Ignore SSL Issues (Insecure)" on | n8n's authenticated helper: fetch cannot skip certificate checks |
 * | a Base URL on a port fetch refuses (blockedPorts.ts) | n8n's authenticated helper |
 * | a credential's Test button | fetch, or n8n's legacy helper in the two cases above |
 *
 * None knows about credentials except n8n's helper (the ApiClient in ../auth adds the headers otherwise) and
 * none throws for an HTTP status; a request that got no usable answer throws a TransportFailure that carries a
 * code and nothing of the request (no URL credentials, no headers).
 */
import type { ICredentialTestFunctions, IExecuteFunctions } from 'n8n-workflow';

import { fetchRefusesPort } from './blockedPorts';
import { createFetchClient } from './fetchClient';
import { createLegacyRequestClient, createN8nHelperClient } from './helperClient';
import type { HttpClient } from './types';

export type { HttpClient } from './types';
export { toTransportFailure } from './failure';

/** How a node connects for one execution, as chosen in its "Connection" option. */
export interface ConnectionOptions {
	transport: 'keepAlive' | 'n8nHelper';
	timeoutMs: number;
	maxSockets: number;
	/** Requests per second across the execution, every attempt counted; undefined: no limit. */
	maxRequestsPerSecond?: number;
}

/** The transport for one execution (see the module comment). */
export function openTransport(
	context: IExecuteFunctions,
	spec: ConnectionOptions & { credentialType: string; baseUrl: string; ignoreSSLIssues?: boolean },
): HttpClient {
	if (spec.transport === 'n8nHelper' || spec.ignoreSSLIssues || fetchRefusesPort(spec.baseUrl)) {
		return createN8nHelperClient(context, spec.credentialType, {
			baseUrl: spec.baseUrl,
			timeoutMs: spec.timeoutMs,
			skipSslCertificateValidation: spec.ignoreSSLIssues,
		});
	}
	return createFetchClient({
		baseUrl: spec.baseUrl,
		timeoutMs: spec.timeoutMs,
		signal: context.getExecutionCancelSignal(),
	});
}

/**
 * A client for a credential's Test button, which runs outside any execution (no cancel signal, no node
 * options), bounded by `timeoutMs` per request.
 */
export function openTestTransport(
	spec: { baseUrl: string; ignoreSSLIssues?: boolean; timeoutMs: number },
	helpers?: ICredentialTestFunctions['helpers'],
): HttpClient {
	if ((spec.ignoreSSLIssues || fetchRefusesPort(spec.baseUrl)) && helpers?.request)
		return createLegacyRequestClient(helpers, spec);
	return createFetchClient({ baseUrl: spec.baseUrl, timeoutMs: spec.timeoutMs });
}
