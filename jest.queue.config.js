/**
 * `npm run test:queue`: the package in n8n's queue mode (main + 2 workers, Redis, Postgres), installed from
 * our own `npm pack` tarball. One cluster for the whole run, so files run one after another. Timeouts are
 * generous because a cold machine installs n8n (and apt packages) first; no test asserts on wall-clock time.
 */
const base = require('./jest.config');

module.exports = {
	...base,
	roots: ['<rootDir>/test/queue'],
	testMatch: ['<rootDir>/test/queue/**/*.queue.test.cts'],
	testPathIgnorePatterns: ['/node_modules/'],
	// As in the e2e config: nothing here logs through n8n in this process, and N8N_LOG_LEVEL set by the
	// unit config's setup would reach every process the suite starts.
	setupFiles: [],
	maxWorkers: 1,
	testTimeout: 900000,
	slowTestThreshold: 60,
};
