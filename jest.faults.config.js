/** `npm run test:faults`: the fault matrix, soak, bad-input and secret suites (test/faults). */
const base = require('./jest.config');

module.exports = {
	...base,
	testMatch: ['**/test/faults/**/*.faults.test.cts'],
	testPathIgnorePatterns: ['/node_modules/'],
	// n8n's logger stays on here (the secret checks search what it logs), its lines unprinted.
	setupFiles: ['<rootDir>/test/setup/logger-lines-unprinted.js'],
	// The soak tests load the machine; run the files one after another.
	maxWorkers: 1,
	globalSetup: '<rootDir>/scripts/fault-report-setup.js',
	// The summary table (fault kinds × nodes, soak counts, bad inputs, leaks) after jest's own report.
	reporters: ['default', '<rootDir>/scripts/fault-report.js'],
};
