// Jest globalSetup for the fault suites: temp folders as for every suite, and an empty report.
module.exports = () => {
	require('../test/setup/temp-folders').setup();
	require('./fault-report').resetReport();
};
