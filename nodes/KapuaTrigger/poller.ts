/**
 * The Kapua Trigger's life in n8n: activation (the store check and the cursor's start), the polling
 * loop on its own schedule (n8n's poll() allows no interval under a minute), the emission of each poll's
 * messages with the cursor's state, failures, stop, and Fetch Test Event.
 *
 * The state is the node's static data. n8n writes static data to its database when a trigger emits (just
 * before the workflow runs) and at the end of an activation, not otherwise: so the state is set right
 * before each emission, and a restart goes on from the last one. Polls that emitted nothing since are
 * only read again.
 *
 * Failures: a poll that fails because the trigger cannot go on until someone acts (the login, a
 * permission, the Base URL, a filter Kapua refuses, a disabled message store) is n8n's trigger error
 * (`emitError`): n8n stops the trigger, shows the error on the workflow, runs its error workflow and
 * activates it again with growing pauses; each activation checks again, and the cursor goes on where it
 * was. A failure the trigger can wait out (no answer, HTTP 429 or 5xx) is recorded once per outage as a
 * failed execution (`saveFailedExecution`: the executions list and the error workflow), and the loop
 * tries again with growing pauses (up to five minutes) from the same cursor.
 */
import { NodeOperationError, type IDataObject, type ITriggerFunctions } from 'n8n-workflow';

import {
	accepts,
	configSignature,
	messagesPath,
	newestQuery,
	rangeQuery,
	readListResult,
	shapeMessage,
	toStoredMessage,
	type StoredMessage,
	type TriggerConfig,
} from './api';
import {
	isLate,
	poll,
	readState,
	startNow,
	stateFrom,
	type CursorSource,
	type CursorState,
} from './cursor';
import {
	openReader,
	readFailure,
	readMessageStore,
	type KapuaReader,
	type MessageStoreSettings,
	type ReadFailure,
} from './transport';

/** The longest pause between attempts while Kapua cannot be reached. */
const MAX_BACKOFF_MS = 300_000;
/** How long a reader (the credential as read) is used before the credential is read again. */
const READER_MS = 300_000;

/** Ends after `ms`, or at once when `signal` aborts. */
async function pause(ms: number, signal: AbortSignal): Promise<void> {
	if (ms <= 0 || signal.aborted) return;
	const done = AbortSignal.any([signal, AbortSignal.timeout(ms)]);
	await new Promise<void>((resolve) =>
		done.addEventListener('abort', () => resolve(), { once: true }),
	);
}

export class KapuaTriggerLoop {
	private readonly controller = new AbortController();

	private running: Promise<void> | undefined;

	private state: CursorState | undefined;

	private failures = 0;

	/** The credential as read for the loop, and when; dropped after a failure. */
	private current: { reader: KapuaReader; since: number } | undefined;

	constructor(
		private readonly context: ITriggerFunctions,
		private readonly config: TriggerConfig,
	) {}

	private get signal(): AbortSignal {
		return this.controller.signal;
	}

	private get nodeName(): string {
		return this.context.getNode().name;
	}

	private async reader(): Promise<KapuaReader> {
		return await openReader(this.context, {
			timeoutMs: this.config.timeoutMs,
			signal: this.signal,
		});
	}

	/** The loop's reader: the credential is read again after a failure and every few minutes, not for every poll. */
	private async loopReader(): Promise<KapuaReader> {
		if (!this.current || Date.now() - this.current.since > READER_MS)
			this.current = { reader: await this.reader(), since: Date.now() };
		return this.current.reader;
	}

	private failure(error: unknown, reader?: KapuaReader): ReadFailure {
		// The trigger's own errors (a credential that cannot work, a disabled message store) stop it.
		if (error instanceof NodeOperationError) return { error, fatal: true };
		return readFailure(this.context.getNode(), error, {
			scopeId: this.config.scopeId,
			authentication: reader?.authentication ?? 'userPassword',
			path: messagesPath(this.config.scopeId),
		});
	}

	/** The datastore as the cursor reads it: the range query, and the exact levels of a "#" channel. */
	private source(reader: KapuaReader): CursorSource<StoredMessage> {
		return {
			range: async (range) => {
				const list = readListResult(
					await reader.get(messagesPath(this.config.scopeId), rangeQuery(this.config, range)),
				);
				const items = list.items
					.map(toStoredMessage)
					.filter((message): message is StoredMessage => message !== undefined);
				return { items, more: list.more, totalCount: list.totalCount };
			},
			accept: (message) => accepts(this.config, message),
		};
	}

	private storeDisabledError(): NodeOperationError {
		const scope =
			this.config.scopeId === '_' ? "the token's own account" : `scope "${this.config.scopeId}"`;
		return new NodeOperationError(
			this.context.getNode(),
			`Kapua stores no messages for ${scope}: its Message Store service is disabled`,
			{
				description:
					'Kapua answers every datastore query of an account whose message store is disabled with an empty list, so the trigger would never start a workflow. ' +
					'An administrator enables it in the account\'s settings (service MessageStoreService, "messageStore.enabled").',
			},
		);
	}

	/** Keeps the state in the node's static data; n8n writes it to its database with the next emission. */
	private commit(state: CursorState): void {
		this.state = state;
		this.context.getWorkflowStaticData('node').cursor = state as unknown as IDataObject;
	}

	/**
	 * The message store check and the cursor: the state kept from before when it belongs to these filters,
	 * otherwise a new one (Start From Now reads what Kapua already shows, to leave it out).
	 */
	private async prepare(reader: KapuaReader): Promise<void> {
		const store: MessageStoreSettings | undefined = await readMessageStore(
			reader,
			this.config.scopeId,
		);
		if (store?.enabled === false) throw this.storeDisabledError();
		if (store?.dataIndexBy) {
			this.context.logger.debug(
				`Kapua Trigger "${this.nodeName}": the message store indexes by ${store.dataIndexBy}`,
			);
		}
		const signature = configSignature(this.config);
		const kept = readState(this.context.getWorkflowStaticData('node').cursor);
		if (kept && kept.signature === signature) {
			// Checks the login and the permission at once, rather than at the first poll.
			await reader.get(messagesPath(this.config.scopeId), {
				...newestQuery(this.config),
				limit: 1,
			});
			this.state = kept;
			return;
		}
		if (this.config.start.kind === 'date') {
			await reader.get(messagesPath(this.config.scopeId), {
				...newestQuery(this.config),
				limit: 1,
			});
			this.commit(stateFrom(signature, this.config.start.at, this.config.settings));
			return;
		}
		const started = await startNow(
			signature,
			Date.now(),
			this.config.settings,
			this.source(reader),
		);
		this.commit(started.state);
	}

	/** At activation. Throws what n8n shows as the activation error; a failure it can wait out is left to the loop. */
	async activate(): Promise<void> {
		let reader: KapuaReader | undefined;
		try {
			reader = await this.reader();
			await this.prepare(reader);
		} catch (error) {
			const failure = this.failure(error, reader);
			if (failure.fatal) throw failure.error;
			this.context.logger.warn(
				`Kapua Trigger "${this.nodeName}" could not reach Kapua at activation and keeps trying: ${failure.error.message}`,
			);
		}
	}

	start(): void {
		this.running ??= this.loop();
	}

	async stop(): Promise<void> {
		this.controller.abort();
		await this.running;
	}

	private async loop(): Promise<void> {
		while (!this.signal.aborted) {
			let wait = this.config.pollMs;
			let reader: KapuaReader | undefined;
			try {
				reader = await this.loopReader();
				const more = await this.pollOnce(reader);
				if (this.failures > 0) {
					this.context.logger.info(
						`Kapua Trigger "${this.nodeName}" reaches Kapua again after ${this.failures} failed poll(s); it goes on where it stopped`,
					);
					this.failures = 0;
				}
				if (more) wait = 0;
			} catch (error) {
				if (this.signal.aborted) return;
				this.current = undefined;
				const failure = this.failure(error, reader);
				if (failure.fatal) {
					// n8n stops the trigger (closeFunction), shows the error, and activates it again later.
					this.context.emitError(failure.error);
					return;
				}
				this.failures++;
				if (this.failures === 1) this.context.saveFailedExecution(failure.error);
				wait = Math.min(Math.max(this.config.pollMs, 1000) * 2 ** this.failures, MAX_BACKOFF_MS);
				this.context.logger.warn(
					`Kapua Trigger "${this.nodeName}": poll failed (${this.failures} in a row), next try in ${Math.round(wait / 1000)} s: ${failure.error.message}`,
				);
			}
			await pause(wait, this.signal);
		}
	}

	/** One poll: what the cursor finds is shaped, the state kept, then emitted in one batch. True when more is waiting. */
	private async pollOnce(reader: KapuaReader): Promise<boolean> {
		if (!this.state) await this.prepare(reader);
		const outcome = await poll(this.state!, Date.now(), this.config.settings, this.source(reader));
		const items = [];
		for (const { message, late } of outcome.emitted)
			items.push(await shapeMessage(this.context, message, late, this.config));
		// Stopped meanwhile: nothing is emitted and the state stays as it was, so the next start reads these again.
		if (this.signal.aborted) return false;
		for (const warning of outcome.warnings)
			this.context.logger.warn(`Kapua Trigger "${this.nodeName}": ${warning}`);
		const late = outcome.emitted.filter((emission) => emission.late);
		if (late.length > 0) {
			const ids = late.slice(0, 5).map((emission) => emission.message.datastoreId);
			this.context.logger.warn(
				`Kapua Trigger "${this.nodeName}": ${late.length} message(s) reached Kapua's datastore later than the Late Arrival Window ` +
					`(${this.config.settings.windowMs / 1000} s after their timestamp) and are emitted with late: true (${ids.join(', ')}${late.length > ids.length ? ', …' : ''})`,
			);
		}
		this.commit(outcome.state);
		if (items.length > 0) this.context.emit([items]);
		return outcome.more;
	}

	/** Fetch Test Event: the newest messages matching the filters (not the cursor's), newest first. */
	async fetchTestEvent(): Promise<void> {
		let reader: KapuaReader | undefined;
		let body: unknown;
		try {
			reader = await this.reader();
			body = await reader.get(messagesPath(this.config.scopeId), newestQuery(this.config));
		} catch (error) {
			throw this.failure(error, reader).error;
		}
		const messages = readListResult(body)
			.items.map(toStoredMessage)
			.filter(
				(message): message is StoredMessage =>
					message !== undefined && accepts(this.config, message),
			);
		if (messages.length === 0) {
			const store = await readMessageStore(reader!, this.config.scopeId);
			if (store?.enabled === false) throw this.storeDisabledError();
			throw new NodeOperationError(
				this.context.getNode(),
				"No message in Kapua's datastore matches the trigger's filters",
				{
					description:
						'Kapua answered the query with an empty list. Check the Scope ID, Client ID, Channel and Metric Filter, and that the devices publish data messages ' +
						'(a new message becomes searchable after the datastore refresh, 5 s by default). Kapua also answers an empty list when the account has no data index yet.',
				},
			);
		}
		const items = [];
		for (const message of messages)
			items.push(
				await shapeMessage(
					this.context,
					message,
					isLate(message, this.config.settings.windowMs),
					this.config,
				),
			);
		this.context.emit([items]);
	}
}
