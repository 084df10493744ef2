/**
 * What every node's fault suite does the same way: run one fault-matrix case (leak check and report
 * row), mark the stream faults "n/a" for a node whose answer is not streamed, run the shared bad inputs,
 * and sum up the faults a soak injected. The node's own expectations stay in its suite.
 */
import type { NodeRunResult } from '../harness/n8n.cjs';
import type { FaultKind } from '../simulators/faults.cjs';
import {
	BASE_URL_PASSWORD_CANARY,
	LINE_BREAK_CANARY,
	type BadCredentialCase,
} from '../workflow/credential.badInputs.cjs';
import { leftoverHandles } from './leaks.cjs';
import { record } from './report.cjs';
import { collectSecretSurface } from './secrets.cjs';

/**
 * The matrix rows of faults in a streamed answer: Chat Message's cases, "n/a" for the other nodes. The
 * summary joins a row across nodes by this name, so both must use these.
 */
export const STREAM_FAULT_NAMES = {
	dropped: 'SSE stream dropped mid-reply',
	errorEvent: 'SSE error event',
	malformed: 'malformed SSE JSON',
	neverEnds: 'SSE stream never ends (idle timeout)',
	cancelled: 'cancelled mid-stream',
} as const;

/** One fault-matrix case: the run, the node's checks, its report row, and no socket or timer left over. */
export async function runMatrixCase(options: {
	node: string;
	fault: string;
	run: () => Promise<NodeRunResult>;
	check: (result: NodeRunResult) => void | Promise<void>;
	/** What happened, in words, for the report (built after `check`). */
	outcome: (result: NodeRunResult) => string;
}): Promise<void> {
	// The row is recorded whatever happens, so a failed case shows as FAILED in the summary, never as a gap.
	let outcome = 'FAILED: the run threw';
	let leakCount = 0;
	try {
		const { result, leaks } = await leftoverHandles(options.run);
		leakCount = leaks.length;
		outcome = 'FAILED: the checks did not pass';
		await options.check(result);
		outcome = options.outcome(result);
		expect(leaks).toEqual([]);
	} catch (error) {
		const firstLine =
			String((error as Error)?.message ?? error)
				.split('\n')
				.find((line) => line.trim() !== '') ?? '';
		outcome = `${outcome} (${firstLine.trim().slice(0, 80)})`;
		throw error;
	} finally {
		record({
			section: 'matrix',
			node: options.node,
			fault: options.fault,
			outcome,
			leaks: leakCount,
		});
	}
}

/** A test per stream fault that records "n/a" for a node whose answer is not streamed (`why`). */
export function streamFaultsNotApplicable(node: string, why: string): void {
	for (const fault of Object.values(STREAM_FAULT_NAMES)) {
		test(`${fault}: not applicable (${why})`, () => {
			record({ section: 'matrix', node, fault, outcome: 'n/a', leaks: 0 });
		});
	}
}

/**
 * Runs every bad input: each must end in an error matching its message, with no output; the simulator
 * must have received nothing at all. Records the row for the report.
 */
export async function runBadInputs<B extends { name: string; message: RegExp }>(options: {
	node: string;
	badInputs: B[];
	run: (badInput: B) => Promise<NodeRunResult>;
	/** The error names the field in its description too, for the editor's error panel. */
	descriptionNamesField?: boolean;
	/** Requests the simulator received. */
	sent: () => number;
	/** The node's own expectations once all ran, before the row is recorded. */
	after?: () => void;
}): Promise<void> {
	const { node, badInputs } = options;
	let clear = 0;
	for (const badInput of badInputs) {
		const result = await options.run(badInput);
		expect({ name: badInput.name, output: result.output }).toEqual({
			name: badInput.name,
			output: [],
		});
		expect(result.error?.message).toMatch(badInput.message);
		if (options.descriptionNamesField)
			expect(result.error?.description).toMatch(/Nothing was sent for this item\. Field: /);
		if (badInput.message.test(result.error?.message ?? '')) clear++;
	}
	expect(options.sent()).toBe(0);
	options.after?.();
	expect(badInputs.length).toBeGreaterThanOrEqual(15);
	record({ section: 'badInput', node, tried: badInputs.length, clear, sent: options.sent() });
}

/**
 * Runs every credential that cannot work, with Continue On Fail off and on: off, the node fails with the
 * credential's words and no output; on, every item is an error item with those words (never the input
 * passed through). The simulator must have received nothing at all (no publish, login or sign-in), and
 * no canary (the node's secrets, a password in the Base URL, a secret with a line break) may appear in
 * outputs, errors or logs. Records the row for the report.
 */
export async function runBadCredentials(options: {
	node: string;
	cases: BadCredentialCase[];
	goodBaseUrl: string;
	run: (badCase: BadCredentialCase, continueOnFail: boolean) => Promise<NodeRunResult>;
	/** Items each run has. */
	items: number;
	/** Requests the simulator received. */
	sent: () => number;
	canaries: string[];
}): Promise<void> {
	// The line-broken secret's halves: JSON and logs escape the line break itself.
	const canaries = [
		...options.canaries,
		BASE_URL_PASSWORD_CANARY,
		...LINE_BREAK_CANARY.split('\n'),
	];
	const before = options.sent();
	let runs = 0;
	let clear = 0;
	let leaks = 0;
	for (const badCase of options.cases) {
		for (const continueOnFail of [false, true]) {
			let result: NodeRunResult | undefined;
			const surface = await collectSecretSurface(
				async () => (result = await options.run(badCase, continueOnFail)),
			);
			runs++;
			const messages = continueOnFail
				? result!.output.map((item) => item.json.error)
				: [result!.error?.message];
			const expected = continueOnFail
				? Array(options.items).fill(badCase.message)
				: [badCase.message];
			expect({ name: badCase.name, continueOnFail, messages }).toEqual({
				name: badCase.name,
				continueOnFail,
				messages: expected,
			});
			if (!continueOnFail) expect(result!.output).toEqual([]);
			clear++;
			const found = canaries.filter((canary) => surface.includes(canary));
			if (found.length > 0) leaks++;
			expect({ name: badCase.name, continueOnFail, found }).toEqual({
				name: badCase.name,
				continueOnFail,
				found: [],
			});
		}
	}
	expect(options.sent() - before).toBe(0);
	expect(options.cases.length).toBeGreaterThanOrEqual(15);
	record({
		section: 'badCredential',
		node: options.node,
		runs,
		clear,
		sent: options.sent() - before,
		leaks,
	});
}

/** The faults an injector applied, by kind, e.g. "status 302, reset 74" (kinds never applied left out). */
export function appliedFaults(applied: Record<FaultKind, number>): string {
	return Object.entries(applied)
		.filter(([, count]) => count > 0)
		.map(([kind, count]) => `${kind} ${count}`)
		.join(', ');
}
