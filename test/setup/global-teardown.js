// Jest globalTeardown: removes the folder globalSetup made (see temp-folders.js).
module.exports = () => require('./temp-folders').teardown();
