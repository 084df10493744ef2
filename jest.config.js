/** Unit and workflow tests. The real-n8n end-to-end suite has its own config (jest.e2e.config.js). */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	testPathIgnorePatterns: ['/test/e2e/', '/test/faults/'],
	setupFiles: ['<rootDir>/test/setup/quiet-n8n-logger.js'],
	transform: {
		// Type checking is done once by `tsc` in `npm run lint`; tests only transpile.
		'^.+\\.ts$': ['ts-jest', { tsconfig: { isolatedModules: true }, diagnostics: false }],
	},
	// Slow CI machines: a retry test waits for real backoff; no test asserts on wall-clock time.
	testTimeout: 60000,
};
