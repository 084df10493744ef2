/** Undo steps registered as things are started, run in reverse order, all of them even when one fails. */
export class Cleanup {
	private readonly steps: Array<{ label: string; run: () => unknown }> = [];

	defer(label: string, run: () => unknown): void {
		this.steps.push({ label, run });
	}

	async runAll(): Promise<void> {
		const failures: string[] = [];
		while (this.steps.length > 0) {
			const step = this.steps.pop()!;
			try {
				await step.run();
			} catch (error) {
				failures.push(`${step.label}: ${(error as Error).message}`);
			}
		}
		if (failures.length > 0) throw new Error(`cleanup failed:\n${failures.join('\n')}`);
	}
}
