/** `npm run test:faults`: the fault matrix, soak, bad-input and secret suites (test/faults). */
const base = require('./jest.config');

module.exports = {
	...base,
	testMatch: ['**/test/faults/**/*.faults.test.ts'],
	testPathIgnorePatterns: ['/node_modules/'],
	// The soak tests load the machine; run the files one after another.
	maxWorkers: 1,
};
