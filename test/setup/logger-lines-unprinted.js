// The fault suite keeps n8n's logger on, because its secret checks read every line the logger would print
// (test/faults/secrets.ts hooks the same transport), but does not print them: the suite provokes
// thousands of node errors on purpose, and they would bury the summary table. Set N8N_LOG_LEVEL to see them.
const { transports } = require('winston');

if (!process.env.N8N_LOG_LEVEL) {
	transports.Console.prototype.log = function (info, callback) {
		setImmediate(() => this.emit('logged', info));
		if (callback) callback();
	};
}
