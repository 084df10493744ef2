/**
 * The Kapua Trigger in a real n8n (`npm run test:trigger`): its own n8n, stopped and started again with the
 * same user folder, so it cannot share the end-to-end suite's n8n. Timeouts are generous because a cold
 * machine installs n8n first (minutes); no test asserts on wall-clock time.
 */
const base = require('./jest.config');

module.exports = {
	...base,
	roots: ['<rootDir>/test/e2e'],
	testMatch: ['<rootDir>/test/e2e/**/*.trigger.test.cts'],
	testPathIgnorePatterns: ['/node_modules/'],
	// As the end-to-end suite: nothing logs through n8n in this process, and N8N_LOG_LEVEL would reach n8n.
	setupFiles: [],
	maxWorkers: 1,
	testTimeout: 900000,
	slowTestThreshold: 60,
};
