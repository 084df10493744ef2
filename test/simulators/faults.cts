/**
 * The one way to inject faults into every simulator. A simulator asks `faults.next(request)` before
 * handling a request and applies what it gets (see `applyFault` in http.ts).
 *
 * Faults are queued (`inject`, for exact scenarios: "the next 2 publishes get 429") or drawn at random
 * from a seeded generator (`randomly`, for soak tests that must be reproducible).
 */
import type { IncomingMessage } from 'node:http';

export type Fault =
	/** Answer with this status, headers and JSON (or text) body instead of handling the request. */
	| { kind: 'status'; status: number; headers?: Record<string, string>; body?: unknown }
	/** Destroy the connection before handling: the message is not accepted. */
	| { kind: 'reset' }
	/** Handle the request (the message is accepted and logged), then destroy the connection unanswered. */
	| { kind: 'resetAfterAccept' }
	/** Handle the request normally after a delay. */
	| { kind: 'delay'; ms: number }
	/** Never answer; the connection stays open until the client gives up. */
	| { kind: 'hang' }
	/*
	 * Stream faults: the request is handled and its streamed answer (Server-Sent Events) starts; the
	 * simulator applies them after `afterEvents` events (http.ts passes them to the handler).
	 */
	/** Destroy the connection mid-stream, without the final event. */
	| { kind: 'streamDrop'; afterEvents: number }
	/** Stop sending mid-stream; the connection stays open until the client gives up. */
	| { kind: 'streamHang'; afterEvents: number }
	/** Send the API's error event mid-stream (optionally this event body), then end the response. */
	| { kind: 'streamError'; afterEvents: number; event?: unknown }
	/**
	 * Write raw SSE text after `afterEvents` events (default: events whose data is not valid JSON), then
	 * go on with the reply: a server or proxy that garbles some frames.
	 */
	| { kind: 'streamMalformed'; afterEvents: number; frames?: string };

export type FaultKind = Fault['kind'];

/** The kinds of the faults a handler applies itself, once its streamed answer has started. */
const STREAM_FAULT_KINDS = [
	'streamDrop',
	'streamHang',
	'streamError',
	'streamMalformed',
] as const satisfies readonly FaultKind[];

/** The faults a handler applies itself, once its streamed answer has started. */
export type StreamFault = Extract<Fault, { kind: (typeof STREAM_FAULT_KINDS)[number] }>;

export function isStreamFault(fault: Fault | undefined): fault is StreamFault {
	return fault !== undefined && (STREAM_FAULT_KINDS as readonly FaultKind[]).includes(fault.kind);
}

type Matcher = (request: IncomingMessage) => boolean;

interface Queued {
	fault: Fault;
	remaining: number;
	match?: Matcher;
}

/** mulberry32: a tiny seeded generator, so a soak run can be replayed exactly. */
export function seededRandom(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export class FaultInjector {
	private queue: Queued[] = [];

	private random?: { rate: number; faults: Fault[]; next: () => number; match?: Matcher };

	/** How many faults of each kind were applied, for reports. */
	readonly applied: Record<FaultKind, number> = {
		status: 0,
		reset: 0,
		resetAfterAccept: 0,
		delay: 0,
		hang: 0,
		...(Object.fromEntries(STREAM_FAULT_KINDS.map((kind) => [kind, 0])) as Record<
			StreamFault['kind'],
			number
		>),
	};

	/** The next `times` matching requests get `fault`. */
	inject(fault: Fault, options: { times?: number; match?: Matcher } = {}): this {
		this.queue.push({ fault, remaining: options.times ?? 1, match: options.match });
		return this;
	}

	/** Each matching request gets one of `faults` with probability `rate`, drawn from a seeded generator. */
	randomly(options: { rate: number; seed: number; faults: Fault[]; match?: Matcher }): this {
		this.random = {
			rate: options.rate,
			faults: options.faults,
			next: seededRandom(options.seed),
			match: options.match,
		};
		return this;
	}

	clear(): void {
		this.queue = [];
		this.random = undefined;
	}

	next(request: IncomingMessage): Fault | undefined {
		const index = this.queue.findIndex((entry) => !entry.match || entry.match(request));
		if (index >= 0) {
			const entry = this.queue[index];
			if (--entry.remaining <= 0) this.queue.splice(index, 1);
			this.applied[entry.fault.kind]++;
			return entry.fault;
		}
		const random = this.random;
		if (random && (!random.match || random.match(request)) && random.next() < random.rate) {
			const fault = random.faults[Math.floor(random.next() * random.faults.length)];
			this.applied[fault.kind]++;
			return fault;
		}
		return undefined;
	}
}
