/**
 * The real-browser suite (`npm run test:ui`): n8n 2.41 installed from our tarball, its editor in the
 * system's Chromium. One n8n and one browser for the run, so files run one after another. Timeouts are
 * generous because a cold machine installs n8n first (minutes); no test asserts on wall-clock time.
 */
const base = require('./jest.config');

module.exports = {
	...base,
	roots: ['<rootDir>/test/ui'],
	testMatch: ['<rootDir>/test/ui/**/*.ui.test.cts'],
	testPathIgnorePatterns: ['/node_modules/'],
	// As in the e2e config: nothing logs through n8n in this process, and N8N_LOG_LEVEL would reach n8n.
	setupFiles: [],
	maxWorkers: 1,
	testTimeout: 600000,
	slowTestThreshold: 120,
};
