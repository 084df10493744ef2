// Jest globalSetup for the fault suites: start from an empty report.
module.exports = () => require('./fault-report').resetReport();
