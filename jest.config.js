/** Unit and workflow tests. The real-n8n end-to-end, fault and real-browser suites have their own configs. */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	// Tests are CommonJS TypeScript (.cts): see test/setup/resolver.js.
	testMatch: ['**/*.test.cts'],
	moduleFileExtensions: ['ts', 'cts', 'js', 'cjs', 'json', 'node'],
	resolver: '<rootDir>/test/setup/resolver.js',
	testPathIgnorePatterns: [
		'/test/e2e/',
		'/test/faults/',
		'/test/queue/',
		'/test/ui/',
		'/test/hostile/',
	],
	setupFiles: ['<rootDir>/test/setup/quiet-n8n-logger.js'],
	// Nothing outside the repository and one temp folder that the run removes (test/setup/temp-folders.js):
	// jest's cache in node_modules, n8n's user folder and TMPDIR in that temp folder.
	cacheDirectory: '<rootDir>/node_modules/.cache/jest',
	globalSetup: '<rootDir>/test/setup/global-setup.js',
	globalTeardown: '<rootDir>/test/setup/global-teardown.js',
	transform: {
		// Type checking is done once by `tsc` in `npm run lint`; tests only transpile.
		'^.+\\.c?ts$': ['ts-jest', { tsconfig: { isolatedModules: true }, diagnostics: false }],
	},
	// Slow CI machines: a retry test waits for real backoff; no test asserts on wall-clock time.
	testTimeout: 60000,
};
