/** Unit and workflow tests. The real-n8n end-to-end, fault and real-browser suites have their own configs. */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	testPathIgnorePatterns: ['/test/e2e/', '/test/faults/', '/test/ui/'],
	setupFiles: ['<rootDir>/test/setup/quiet-n8n-logger.js'],
	transform: {
		// Type checking is done once by `tsc` in `npm run lint`; tests only transpile.
		'^.+\\.ts$': ['ts-jest', { tsconfig: { isolatedModules: true }, diagnostics: false }],
	},
	// Slow CI machines: a retry test waits for real backoff; no test asserts on wall-clock time.
	testTimeout: 60000,
};
