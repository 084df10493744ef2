/**
 * The package in a real n8n 2.41, installed from our own `npm pack` tarball: one n8n for the whole suite
 * (start-up costs 10-30 s), each node's spec bringing its own loopback simulator and credentials.
 * Adding a node = adding its example workflow and a spec module here.
 */
import { openSession, type E2ESession } from './lib/session.cjs';
import { chatSpecs } from './specs/chat.cjs';
import { exampleSpecs } from './specs/examples.cjs';
import { kapuaSpecs } from './specs/kapua.cjs';
import { packageSpecs } from './specs/package.cjs';
import { quivaSpecs } from './specs/quiva.cjs';
import { webhookSpecs } from './specs/webhooks.cjs';

let session: E2ESession | undefined;
const current = (): E2ESession => {
	if (!session) throw new Error('the n8n session did not start (see beforeAll)');
	return session;
};

beforeAll(async () => {
	session = await openSession({ label: 'e2e' });
});

afterAll(async () => {
	await session?.close();
});

describe('the installed package', () => packageSpecs(current));
describe('Quiva Stream Publish', () => quivaSpecs(current));
describe('Kapua Publish', () => kapuaSpecs(current));
describe('Chat Message', () => chatSpecs(current));
describe('Webhook pipelines: limits, logins and sessions across executions', () =>
	webhookSpecs(current));
describe('Example workflows (examples/) as a new user imports and runs them', () =>
	exampleSpecs(current));
