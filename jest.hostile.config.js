/** `npm run test:hostile`: the HTTP client against hostile and broken raw TCP servers (test/hostile). */
const base = require('./jest.config');

module.exports = {
	...base,
	testMatch: ['**/test/hostile/**/*.test.cts'],
	testPathIgnorePatterns: ['/node_modules/'],
	// CPU and memory are measured per case in the test process: nothing else may run beside it.
	maxWorkers: 1,
};
