/**
 * One temp folder for everything a run writes outside the repository (n8n's work folder, npm's and Node's own
 * temporary files, Node's compile cache of every child process), removed when the run ends: the process's TMPDIR
 * points into it, and every child inherits that. As the test suites' global setup does (test/setup/temp-folders.js),
 * for the scripts that run outside jest (the demo).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Points TMPDIR into a fresh folder of the OS temp folder; returns what removes it (also run at exit). */
export function useOwnTempFolder(label: string): () => void {
	const root = fs.mkdtempSync(path.join(os.tmpdir(), `n8n-nodes-stream-messaging-${label}-`));
	const tmp = path.join(root, 'tmp');
	fs.mkdirSync(tmp);
	process.env.TMPDIR = tmp;
	const remove = () => {
		if (process.env.E2E_KEEP !== '1') fs.rmSync(root, { recursive: true, force: true });
	};
	process.once('exit', remove);
	return remove;
}
