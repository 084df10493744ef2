/**
 * Imported first by the benches that run nodes in-process: n8n-core's InstanceSettings writes
 * `<N8N_USER_FOLDER>/.n8n/config` (a random encryption key), in the user's home unless told otherwise. As jest's
 * globalSetup does for the tests (test/setup/temp-folders.js), the bench gives it a temp folder, removed on exit.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

if (!process.env.N8N_USER_FOLDER) {
	const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-nodes-stream-messaging-bench-'));
	process.env.N8N_USER_FOLDER = folder;
	process.on('exit', () => fs.rmSync(folder, { recursive: true, force: true }));
}
