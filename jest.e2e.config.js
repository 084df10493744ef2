/**
 * The real-n8n end-to-end suite (`npm run test:e2e`): one n8n process shared by the whole run, so files
 * run one after another. Timeouts are generous because a cold machine installs n8n first (minutes); no
 * test asserts on wall-clock time.
 */
const base = require('./jest.config');

module.exports = {
	...base,
	roots: ['<rootDir>/test/e2e'],
	testMatch: ['<rootDir>/test/e2e/**/*.e2e.test.cts'],
	// The unit config skips test/e2e; this one runs nothing else.
	testPathIgnorePatterns: ['/node_modules/'],
	// Not the unit config's quiet-logger setup: nothing here logs through n8n in this process, and the
	// N8N_LOG_LEVEL it sets would reach every process the suite starts through their inherited env.
	setupFiles: [],
	maxWorkers: 1,
	testTimeout: 600000,
	// n8n's install on a fresh machine happens in beforeAll.
	slowTestThreshold: 60,
};
