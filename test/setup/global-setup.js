// Jest globalSetup of the unit/workflow, end-to-end and queue suites (see temp-folders.js).
module.exports = () => require('./temp-folders').setup();
