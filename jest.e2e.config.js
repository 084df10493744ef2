/**
 * The real-n8n end-to-end suite (`npm run test:e2e`): one n8n process shared by the whole run, so files
 * run one after another. Timeouts are generous because a cold machine installs n8n first (minutes); no
 * test asserts on wall-clock time.
 */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test/e2e'],
	testMatch: ['<rootDir>/test/e2e/**/*.e2e.test.ts'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: { isolatedModules: true }, diagnostics: false }],
	},
	maxWorkers: 1,
	testTimeout: 600000,
	// n8n's install on a fresh machine happens in beforeAll.
	slowTestThreshold: 60,
};
