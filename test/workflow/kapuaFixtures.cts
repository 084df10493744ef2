/**
 * What the Kapua workflow, contract and bench code share: credentials for each way in, the node's base
 * parameters, and one run of the node in n8n-core's engine.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { CredentialStore, runNode, type NodeRunResult } from '../harness/n8n.cjs';
import { kapuaCredentialData, type KapuaAuthWay } from '../simulators/credentials.cjs';
import type { KapuaSimulator } from '../simulators/kapua.cjs';

export type AuthWay = KapuaAuthWay;

/** The simulator's credential for a way in (test/simulators/credentials.ts), in the in-process store. */
export function kapuaCredentials(
	sim: KapuaSimulator,
	way: AuthWay = 'userPassword',
	overrides: IDataObject = {},
): CredentialStore {
	return new CredentialStore().set('kapuaApi', kapuaCredentialData(sim, way, overrides));
}

export const BASE_PARAMETERS = {
	scopeId: '_',
	clientId: 'dev-1',
	deviceId: '',
	channel: 'heater/data',
	metricsSource: 'list',
	metrics: { metric: [] as IDataObject[] },
	bodyType: 'none',
	options: {},
};

export async function runKapua(
	credentials: CredentialStore,
	parameters: Record<string, unknown>,
	items: Array<IDataObject | INodeExecutionData>,
	continueOnFail = false,
): Promise<NodeRunResult> {
	return await runNode({
		type: 'kapuaPublish',
		parameters: { ...BASE_PARAMETERS, ...parameters },
		credentials,
		items,
		continueOnFail,
	});
}

/** Every metric type with a value at the edge of its range, as listed in the UI. */
export const ALL_TYPES_METRICS = [
	{ name: 'label', type: 'string', value: 'Heater 1 – Küche' },
	{ name: 'count', type: 'integer', value: '-2147483648' },
	{ name: 'total', type: 'long', value: '9223372036854775807' },
	{ name: 'ratio', type: 'float', value: '3.4028234e38' },
	{ name: 'temperature', type: 'double', value: '21.5' },
	{ name: 'on', type: 'boolean', value: 'TRUE' },
	{ name: 'raw', type: 'binary', value: 'AQID' },
	{ name: 'seen', type: 'date', value: '2024-10-17T09:25:05.096Z' },
];
