import { CredentialStore, runNode } from '../harness/n8n';
import { QUIVA_DEFAULTS, startQuivaSimulator, type QuivaSimulator } from '../simulators/quiva';

let sim: QuivaSimulator;
beforeAll(async () => (sim = await startQuivaSimulator()));
afterAll(async () => sim.close());

test('smoke', async () => {
	const credentials = new CredentialStore().set('quivaApi', { baseUrl: sim.url, authentication: 'apiKey', apiKey: QUIVA_DEFAULTS.apiKey });
	const result = await runNode({
		type: 'quivaStreamPublish',
		parameters: { stream: 'orders', subject: '={{ "orders." + $json.kind }}', bodySource: 'item', options: {} },
		credentials,
		items: [{ kind: 'created', id: 1 }, { kind: 'paid', id: 2 }],
	});
	console.log(JSON.stringify(result.output), result.error);
	console.log(sim.received);
});
