/**
 * Kapua's own request schemas, read from the upstream OpenAPI files copied verbatim into kapua-openapi/
 * (see kapua-openapi/SOURCE.md for their origin and licence), with every $ref resolved across files, validated by ajv.
 *
 * Where the real server differs from its spec (NOTES.md), the difference is made explicit here, never
 * silently: `patched` schemas state what was changed and why, and the contract test proves each patch
 * is needed and the only one.
 *  - dataMessage `required: [clientId, deviceId]`: the server does not require deviceId (a device is
 *    addressed by client ID alone); the patch drops deviceId from `required`.
 *  - usernamePasswordCredentials names the user field `user`; the server (Java's
 *    UsernamePasswordCredentials, and the spec's own examples) reads `username`; the patch renames it.
 *  - /authentication/apikey says `format: base64`; Kapua's keys are not (the docker default is
 *    "12345678kapua-password"); the patch drops that format.
 *  - metric.value is `type: string` in the schema while the spec's examples show numbers: the schema is
 *    right (Java reads a String) and is used unchanged.
 *  - The datastore query's answer (kapuaListResult) `required: [limitedExceeded, size]`: a typo of
 *    `limitExceeded`, the name its own properties and examples use; the patch requires `limitExceeded`.
 *    Its items are dataMessages, whose `deviceId` the patch above makes optional (a message published by
 *    client ID alone has none).
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

import type { CapturedRequest } from '../simulators/kapua.cjs';

const OPENAPI_DIR = path.join(__dirname, 'kapua-openapi');

type Schema = Record<string, unknown>;

const documents = new Map<string, unknown>();
function load(file: string): unknown {
	if (!documents.has(file)) documents.set(file, parse(readFileSync(file, 'utf8')));
	return documents.get(file);
}

function pointer(document: unknown, fragment: string): unknown {
	return fragment
		.replace(/^\//, '')
		.split('/')
		.filter(Boolean)
		.reduce<unknown>(
			(node, key) => (node as Record<string, unknown>)[key.replace(/~1/g, '/').replace(/~0/g, '~')],
			document,
		);
}

/** A schema with every $ref (local or to another file) replaced by its target, recursively. */
function resolveRefs(node: unknown, file: string, depth = 0): unknown {
	if (depth > 40) throw new Error(`$ref chain too deep in ${file}`);
	if (Array.isArray(node)) return node.map((entry) => resolveRefs(entry, file, depth + 1));
	if (node === null || typeof node !== 'object') return node;
	const record = node as Schema;
	if (typeof record.$ref === 'string') {
		const [target, fragment = ''] = record.$ref.split('#');
		const targetFile = target ? path.resolve(path.dirname(file), target) : file;
		return resolveRefs(pointer(load(targetFile), fragment), targetFile, depth + 1);
	}
	return Object.fromEntries(
		Object.entries(record).map(([key, value]) => [key, resolveRefs(value, file, depth + 1)]),
	);
}

function schemaAt(relativeFile: string, jsonPointer: string): Schema {
	const file = path.join(OPENAPI_DIR, relativeFile);
	return resolveRefs(pointer(load(file), jsonPointer), file) as Schema;
}

/** The request body schema of an operation, e.g. ('stream/stream-scopeId.yaml', '/{scopeId}/streams/messages'). */
function requestSchema(relativeFile: string, apiPath: string): Schema {
	return schemaAt(
		relativeFile,
		`/paths/${apiPath.replace(/~/g, '~0').replace(/\//g, '~1')}/post/requestBody/content/application~1json/schema`,
	);
}

/** Properties a schema knows, through allOf; readOnly ones apart (a client must not send them). */
function knownProperties(schema: Schema): { writable: Map<string, Schema>; readOnly: Set<string> } {
	const writable = new Map<string, Schema>();
	const readOnly = new Set<string>();
	const visit = (node: Schema) => {
		for (const part of (node.allOf as Schema[] | undefined) ?? []) visit(part);
		for (const [name, property] of Object.entries(
			(node.properties as Record<string, Schema> | undefined) ?? {},
		)) {
			const flags = [property, ...((property.allOf as Schema[] | undefined) ?? [])];
			if (flags.some((flag) => flag.readOnly === true)) readOnly.add(name);
			else writable.set(name, property);
		}
	};
	visit(schema);
	return { writable, readOnly };
}

/** Fields of `value` (recursively, through objects and arrays) that the schema does not declare. */
export function unknownFields(value: unknown, schema: Schema, at = ''): string[] {
	if (Array.isArray(value)) {
		const items = schema.items as Schema | undefined;
		return items
			? value.flatMap((entry, index) => unknownFields(entry, items, `${at}[${index}]`))
			: [];
	}
	if (value === null || typeof value !== 'object') return [];
	const { writable, readOnly } = knownProperties(schema);
	if (writable.size === 0 && readOnly.size === 0) return [];
	return Object.entries(value as Record<string, unknown>).flatMap(([name, child]) => {
		const where = at ? `${at}.${name}` : name;
		if (readOnly.has(name)) return [`${where} (read-only in the spec)`];
		const property = writable.get(name);
		return property ? unknownFields(child, property, where) : [where];
	});
}

function newAjv(): Ajv {
	// OpenAPI 3.0 keywords (example, readOnly, xml) are not JSON Schema: strict mode off.
	const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
	addFormats(ajv, ['date-time', 'uuid']);
	ajv.addFormat('base64', /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/);
	ajv.addFormat('int32', {
		type: 'number',
		validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31,
	});
	ajv.addFormat('double', { type: 'number', validate: (n: number) => Number.isFinite(n) });
	return ajv;
}

/** The 200 answer schema of a GET operation, e.g. ('dataMessage/dataMessage-scopeId.yaml', '/{scopeId}/data/messages'). */
function getResponseSchema(relativeFile: string, apiPath: string): Schema {
	return schemaAt(
		relativeFile,
		`/paths/${apiPath.replace(/~/g, '~0').replace(/\//g, '~1')}/get/responses/200/content/application~1json/schema`,
	);
}

/** The query parameters a GET operation declares (path parameters apart). */
export function queryParameterNames(relativeFile: string, apiPath: string): string[] {
	const parameters = schemaAt(
		relativeFile,
		`/paths/${apiPath.replace(/~/g, '~0').replace(/\//g, '~1')}/get/parameters`,
	) as unknown as Array<{ name: string; in: string }>;
	return parameters
		.filter((parameter) => parameter.in === 'query')
		.map((parameter) => parameter.name);
}

export const DATASTORE_QUERY = [
	'dataMessage/dataMessage-scopeId.yaml',
	'/{scopeId}/data/messages',
] as const;

export const schemas = {
	dataMessage: () => requestSchema('stream/stream-scopeId.yaml', '/{scopeId}/streams/messages'),
	dataMessageList: () => getResponseSchema(...DATASTORE_QUERY),
	user: () => requestSchema('authentication/authentication-user.yaml', '/authentication/user'),
	apiKey: () =>
		requestSchema('authentication/authentication-apikey.yaml', '/authentication/apikey'),
};

/** The schemas as this project validates against them; each change is explained in the module comment. */
export const patched = {
	dataMessage: (): Schema => {
		const schema = schemas.dataMessage();
		return {
			...schema,
			required: (schema.required as string[]).filter((name) => name !== 'deviceId'),
		};
	},
	user: (): Schema => {
		const schema = schemas.user();
		const [fields, ...rest] = schema.allOf as Schema[];
		const { user, ...properties } = fields.properties as Record<string, Schema>;
		return {
			...schema,
			allOf: [{ ...fields, properties: { username: user, ...properties } }, ...rest],
		};
	},
	dataMessageList: (): Schema => {
		const [listResult, page] = schemas.dataMessageList().allOf as Schema[];
		const items = (page.properties as Record<string, Schema>).items;
		const item = items.items as Schema;
		const patchedItem = {
			...item,
			required: (item.required as string[]).filter((name) => name !== 'deviceId'),
		};
		return {
			allOf: [
				{
					...listResult,
					required: (listResult.required as string[]).map((name) =>
						name === 'limitedExceeded' ? 'limitExceeded' : name,
					),
				},
				{
					...page,
					properties: {
						...(page.properties as Record<string, Schema>),
						items: { ...items, items: patchedItem },
					},
				},
			],
		};
	},
	apiKey: (): Schema => {
		const schema = schemas.apiKey();
		const properties = schema.properties as Record<string, Schema>;
		const { format: _dropped, ...apiKey } = properties.apiKey;
		return { ...schema, properties: { ...properties, apiKey } };
	},
};

const validators = new Map<string, { validate: ValidateFunction; schema: Schema }>();
function validator(name: keyof typeof patched) {
	if (!validators.has(name)) {
		const schema = patched[name]();
		validators.set(name, { validate: newAjv().compile(schema), schema });
	}
	return validators.get(name)!;
}

function ajvProblems(errors: ErrorObject[] | null | undefined): string[] {
	return (errors ?? []).map((error) => `${error.instancePath || '(body)'} ${error.message}`);
}

/** Compiles any schema with the same validator settings (for the unpatched schemas in the contract test). */
export function validate(schema: Schema, value: unknown): string[] {
	const check = newAjv().compile(schema);
	return check(value) ? [] : ajvProblems(check.errors);
}

/** Problems of one captured request body against its operation's schema, unknown fields included. */
export function checkRequestBody(request: CapturedRequest): string[] {
	const name: keyof typeof patched | undefined =
		request.path === '/authentication/user'
			? 'user'
			: request.path === '/authentication/apikey'
				? 'apiKey'
				: /^\/[^/]+\/streams\/messages$/.test(request.path)
					? 'dataMessage'
					: undefined;
	if (!name) return [`no request body expected for ${request.method} ${request.path}`];
	const problems: string[] = [];
	if (!String(request.contentType ?? '').startsWith('application/json'))
		problems.push(`Content-Type is ${request.contentType}, not application/json`);
	const { validate: check, schema } = validator(name);
	if (!check(request.body)) problems.push(...ajvProblems(check.errors));
	problems.push(
		...unknownFields(request.body, schema).map((field) => `${field} is not in the spec`),
	);
	return problems;
}
