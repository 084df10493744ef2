/**
 * The client a node sends through: it holds the credential, opens the session, renews it, and adds its
 * own headers to every request. Three kinds of credential fit it:
 *
 * - a fixed key (Quiva): no `probe`; opening reads the credential, there is nothing to renew;
 * - a login that yields a token or cookie (Kapua's user/password or API key, the chat app's email and
 *   password): opening sends the `probe` through n8n's `httpRequestWithAuthentication`, so n8n runs the
 *   credential's pre-authentication when the stored token is empty and stores the result with the
 *   credential, as n8n users expect; never one login per item. On a 401 the same probe with the stale
 *   token makes n8n log in again, and the fresh credential is read back. Concurrent 401s share one renewal;
 * - a pasted token: a `probe` when the API has a cheap check (Kapua), none when it has not (the chat app,
 *   where the first message's 401 says the token expired). It cannot be renewed.
 */
import type { ICredentialDataDecryptedObject, IExecuteFunctions, IHttpRequestOptions } from 'n8n-workflow';

import { RateLimiter } from '../rateLimit';
import { credentialProblemError, type CredentialProblem } from './credentialCheck';
import { openTransport, type ConnectionOptions, type HttpClient } from '../transport/httpClient';
import type { RenewableClient } from '../transport/sendWithRetry';
import { TransportFailure, type HttpRequest, type HttpResponse } from '../transport/types';

export interface AuthSpec<Credentials> {
	credentialType: string;
	/** The credential's name as the user sees it ("Quiva API"), in the words about it. */
	credentialName: string;
	/** What makes the credential unusable before anything is sent; checked once per execution. */
	check: (data: ICredentialDataDecryptedObject) => CredentialProblem | undefined;
	/** The credential's typed form (read again after each login, which changes its token). */
	read: (data: ICredentialDataDecryptedObject) => Credentials;
	/** The headers that authenticate a request. */
	headers: (credentials: Credentials) => Record<string, string>;
	/** A request that needs the session and changes nothing; undefined when there is no session to open. */
	probe?: (credentials: Credentials) => IHttpRequestOptions | undefined;
}

export class ApiClient<Credentials> implements RenewableClient {
	private current: Credentials;

	private headers: Record<string, string>;

	private renewing: Promise<boolean> | undefined;

	private renewed = 0;

	/**
	 * @param addsHeaders false when the transport authenticates requests itself (n8n's helper)
	 * @param limit Max Requests per Second: every request this client sends takes a permit first, so
	 *   retries and re-sends after a renewal count too; `signal` ends a wait when the execution is cancelled
	 */
	constructor(
		private readonly context: Pick<IExecuteFunctions, 'getCredentials' | 'helpers'>,
		private readonly auth: AuthSpec<Credentials>,
		data: ICredentialDataDecryptedObject,
		private readonly transport: HttpClient,
		private readonly addsHeaders = true,
		private readonly limit?: { limiter: RateLimiter; signal?: AbortSignal },
	) {
		this.current = auth.read(data);
		this.headers = auth.headers(this.current);
	}

	get credentials(): Credentials {
		return this.current;
	}

	/** Renewals this execution made. */
	get renewals(): number {
		return this.renewed;
	}

	/** Opens the session (a login when the stored token is empty); throws what n8n threw when it fails. */
	async open(): Promise<void> {
		await this.probe();
	}

	async send(request: HttpRequest): Promise<HttpResponse> {
		if (this.limit && !(await this.limit.limiter.take(request.signal ?? this.limit.signal))) {
			throw new TransportFailure('aborted', 'ABORT_ERR', 'The request was canceled');
		}
		return await this.transport.send(this.addsHeaders ? { ...request, headers: { ...this.headers, ...request.headers } } : request);
	}

	/** Renews the session once per expiry, whatever the number of requests that met the 401. */
	renew(): Promise<boolean> {
		if (!this.auth.probe?.(this.current)) return Promise.resolve(false);
		this.renewing ??= (async () => {
			try {
				await this.probe();
				this.renewed++;
				return true;
			} catch {
				return false;
			} finally {
				this.renewing = undefined;
			}
		})();
		return this.renewing;
	}

	close(): void {
		this.transport.close();
	}

	private async probe(): Promise<void> {
		const probe = this.auth.probe?.(this.current);
		if (!probe) return;
		await this.context.helpers.httpRequestWithAuthentication.call(this.context as IExecuteFunctions, this.auth.credentialType, probe);
		this.current = this.auth.read(await this.context.getCredentials(this.auth.credentialType));
		this.headers = this.auth.headers(this.current);
	}
}

/**
 * Opens the transport for the credential's Base URL and the session: the client a node uses for one
 * execution. The caller closes it. `data` is the credential as n8n gives it, read here when not given.
 */
export async function openApiClient<Credentials extends { baseUrl: string; ignoreSSLIssues?: boolean }>(
	context: IExecuteFunctions,
	auth: AuthSpec<Credentials>,
	connection: ConnectionOptions,
	given?: ICredentialDataDecryptedObject,
): Promise<ApiClient<Credentials>> {
	const data: ICredentialDataDecryptedObject = given ?? (await context.getCredentials(auth.credentialType));
	// Before any transport exists: a Base URL that is no http(s) URL or an empty secret sends nothing.
	const problem = auth.check(data);
	if (problem) throw credentialProblemError(context.getNode(), auth.credentialName, problem);
	const { baseUrl, ignoreSSLIssues } = auth.read(data);
	const transport = openTransport(context, { ...connection, credentialType: auth.credentialType, baseUrl, ignoreSSLIssues });
	const limit = connection.maxRequestsPerSecond
		? { limiter: new RateLimiter(connection.maxRequestsPerSecond), signal: context.getExecutionCancelSignal() }
		: undefined;
	const client = new ApiClient(context, auth, data, transport, !transport.authenticates, limit);
	let opened = false;
	try {
		await client.open();
		opened = true;
	} finally {
		if (!opened) client.close();
	}
	return client;
}
