/*
 * Jest globalSetup/globalTeardown: everything the tests write goes into one fresh folder in the OS temp
 * folder, removed at the end. n8n-core's InstanceSettings writes `<N8N_USER_FOLDER>/.n8n/config` (a random
 * encryption key) and would otherwise use the user's real home; n8n, Node and the simulators put their own
 * temporary files under TMPDIR. Workers are started after globalSetup, so they inherit both variables.
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const KEY = 'N8N_NODES_STREAM_MESSAGING_TEST_ROOT';

function setup() {
	const root = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-nodes-stream-messaging-tests-'));
	const tmp = path.join(root, 'tmp');
	fs.mkdirSync(tmp);
	process.env[KEY] = root;
	process.env.TMPDIR = tmp;
	process.env.N8N_USER_FOLDER = path.join(root, 'n8n-user');
}

function teardown() {
	const root = process.env[KEY];
	if (root && process.env.TEST_KEEP_TEMP !== '1') fs.rmSync(root, { recursive: true, force: true });
}

module.exports = { setup, teardown };
