/**
 * The client a node sends through: it holds the credential, opens the session, renews it, and adds its
 * own headers to every request. Three kinds of credential fit it:
 *
 * - a fixed key (Quiva): no `probe`; opening reads the credential, there is nothing to renew;
 * - a login that yields a token or cookie (Kapua's user/password or API key, the chat app's email and
 *   password): opening sends the `probe` through n8n's `httpRequestWithAuthentication`, so n8n runs the
 *   credential's pre-authentication when the stored token is empty and stores the result with the
 *   credential, as n8n users expect; never one login per item. On a 401 the same probe with the stale
 *   token makes n8n log in again, and the fresh credential is read back;
 * - a pasted token: a `probe` when the API has a cheap check (Kapua), none when it has not (the chat app,
 *   where the first message's 401 says the token expired). It cannot be renewed.
 *
 * The session is shared by every execution of the process that uses the same credential (../credentialState.ts):
 * one login or check in flight at a time, and concurrent 401s of all of them share one renewal. A session
 * known good is not checked again: the first 401 says when it expired.
 */
import type {
	ICredentialDataDecryptedObject,
	IExecuteFunctions,
	IHttpRequestOptions,
} from 'n8n-workflow';

import {
	acquireCredentialState,
	credentialStateKey,
	registerRate,
	releaseCredentialState,
	type CredentialState,
} from '../credentialState';
import type { RateLimiter } from '../rateLimit';
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
	/** The field n8n's pre-authentication writes (the token), left out of the shared state's key. */
	sessionField?: string;
}

/** A session as the process knows it: the credential read after its login or check, and what was learned of it. */
export interface KnownSession<Credentials> {
	credentials: Credentials;
	/** The stored token it was read with (the credential's `sessionField`), '' when there is none. */
	token: string;
	/** The chat app's signed-in user, once asked (../../ChatMessage/transport.ts). */
	userId?: string;
}

export class ApiClient<Credentials> implements RenewableClient {
	private current: Credentials;

	private headers: Record<string, string>;

	private renewed = 0;

	private readonly state: CredentialState<KnownSession<Credentials>>;

	/** The token n8n had stored when this execution read the credential. */
	private readonly storedToken: string;

	/**
	 * @param addsHeaders false when the transport authenticates requests itself (n8n's helper)
	 * @param limit Max Requests per Second: every request this client sends takes a permit first, so
	 *   retries and re-sends after a renewal count too; `signal` ends a wait when the execution is cancelled
	 * @param state the credential's state shared across executions; a client of its own when not given
	 */
	constructor(
		private readonly context: Pick<IExecuteFunctions, 'getCredentials' | 'helpers'>,
		private readonly auth: AuthSpec<Credentials>,
		data: ICredentialDataDecryptedObject,
		private readonly transport: HttpClient,
		private readonly addsHeaders = true,
		private readonly limit?: { limiter: RateLimiter; signal?: AbortSignal },
		state?: CredentialState<KnownSession<Credentials>>,
	) {
		this.current = auth.read(data);
		this.headers = auth.headers(this.current);
		this.state = state ?? { key: '', rates: new Map(), users: 1, lastUsed: 0 };
		this.storedToken = this.tokenOf(data);
	}

	get credentials(): Credentials {
		return this.current;
	}

	/** What the process learned of the session this client uses (the chat user's ID), while it is still that session. */
	get learned(): Omit<KnownSession<Credentials>, 'credentials' | 'token'> {
		const known = this.state.session;
		return known && this.sessionValue(known.credentials) === this.sessionValue(this.current)
			? known
			: {};
	}

	/** Keeps a fact about the session in use for the other executions of this credential, for the session's life. */
	remember(facts: { userId?: string }): void {
		const known = this.state.session;
		if (known && this.sessionValue(known.credentials) === this.sessionValue(this.current))
			Object.assign(known, facts);
		else this.state.session = { credentials: this.current, token: this.storedToken, ...facts };
	}

	/** Renewals this client ran (not those of other executions it waited for). */
	get renewals(): number {
		return this.renewed;
	}

	/**
	 * Opens the session (a login when the stored token is empty); throws what n8n threw when it fails. A
	 * session this process already checked is used as it is; executions that open at once share one check.
	 */
	async open(): Promise<void> {
		if (!this.auth.probe?.(this.current)) return;
		const known = this.state.session;
		// n8n's stored token is the one this process checked: nothing to check again. Another one (or none, when
		// the credential was saved again) is checked once, by one execution for all.
		if (known && this.storedToken === known.token) {
			this.use(known.credentials);
			return;
		}
		this.state.opening ??= this.check().finally(() => {
			this.state.opening = undefined;
		});
		this.use((await this.state.opening).credentials);
	}

	async send(request: HttpRequest): Promise<HttpResponse> {
		if (this.limit && !(await this.limit.limiter.take(request.signal ?? this.limit.signal))) {
			throw new TransportFailure('aborted', 'ABORT_ERR', 'The request was canceled');
		}
		return await this.transport.send(
			this.addsHeaders ? { ...request, headers: { ...this.headers, ...request.headers } } : request,
		);
	}

	/**
	 * Renews the session once per expiry, whatever the number of requests (of all executions) that met the
	 * 401: when another execution renewed it meanwhile, its session is taken instead.
	 */
	async renew(): Promise<boolean> {
		if (!this.auth.probe?.(this.current)) return false;
		const known = this.state.session;
		if (
			known &&
			!this.state.renewing &&
			this.sessionValue(known.credentials) !== this.sessionValue(this.current)
		) {
			this.use(known.credentials);
			return true;
		}
		this.state.renewing ??= this.check()
			.then(
				() => {
					this.renewed++;
					return true;
				},
				() => false,
			)
			.finally(() => {
				this.state.renewing = undefined;
			});
		const renewed = await this.state.renewing;
		if (renewed && this.state.session) this.use(this.state.session.credentials);
		return renewed;
	}

	close(): void {
		this.transport.close();
	}

	/** The probe through n8n (which logs in when it must); the session it leaves is the process's. */
	private async check(): Promise<KnownSession<Credentials>> {
		const probe = this.auth.probe?.(this.current);
		if (probe)
			await this.context.helpers.httpRequestWithAuthentication.call(
				this.context as IExecuteFunctions,
				this.auth.credentialType,
				probe,
			);
		const data = await this.context.getCredentials(this.auth.credentialType);
		const session: KnownSession<Credentials> = {
			credentials: this.auth.read(data),
			token: this.tokenOf(data),
		};
		this.state.session = session;
		return session;
	}

	private use(credentials: Credentials): void {
		this.current = credentials;
		this.headers = this.auth.headers(credentials);
	}

	private tokenOf(data: ICredentialDataDecryptedObject): string {
		return this.auth.sessionField ? String(data[this.auth.sessionField] ?? '') : '';
	}

	/** What identifies a session: the headers it authenticates with. */
	private sessionValue(credentials: Credentials): string {
		return JSON.stringify(this.auth.headers(credentials));
	}
}

/**
 * Opens the transport for the credential's Base URL and the session: the client a node uses for one
 * execution. The caller closes it. `data` is the credential as n8n gives it, read here when not given.
 */
export async function openApiClient<
	Credentials extends { baseUrl: string; ignoreSSLIssues?: boolean },
>(
	context: IExecuteFunctions,
	auth: AuthSpec<Credentials>,
	connection: ConnectionOptions,
	given?: ICredentialDataDecryptedObject,
): Promise<ApiClient<Credentials>> {
	const data: ICredentialDataDecryptedObject =
		given ?? (await context.getCredentials(auth.credentialType));
	// Before any transport exists: a Base URL that is no http(s) URL or an empty secret sends nothing.
	const problem = auth.check(data);
	if (problem) throw credentialProblemError(context.getNode(), auth.credentialName, problem);
	const { baseUrl, ignoreSSLIssues } = auth.read(data);
	const state = acquireCredentialState<KnownSession<Credentials>>(
		credentialStateKey(
			context.getNode(),
			auth.credentialType,
			data,
			auth.sessionField ? [auth.sessionField] : [],
		),
	);
	const rate = connection.maxRequestsPerSecond
		? registerRate(state, connection.maxRequestsPerSecond)
		: undefined;
	const transport = openTransport(context, {
		...connection,
		credentialType: auth.credentialType,
		baseUrl,
		ignoreSSLIssues,
	});
	const release = () => {
		transport.close();
		releaseCredentialState(state, rate?.registration);
	};
	const limit = rate
		? { limiter: rate.limiter, signal: context.getExecutionCancelSignal() }
		: undefined;
	const client = new ApiClient(
		context,
		auth,
		data,
		{ ...transport, close: release },
		!transport.authenticates,
		limit,
		state,
	);
	let opened = false;
	try {
		await client.open();
		opened = true;
	} finally {
		if (!opened) client.close();
	}
	return client;
}
