/**
 * Reads a node parameter for each item, for thousands of items, at the cost of what actually varies.
 *
 * `getNodeParameter` is costly per call even for a plain value, and an expression per item costs more
 * than the publish request itself (n8n builds its data proxy for every evaluation). So:
 * - a parameter (or collection) that holds no expression cannot differ between items: it is read once;
 * - the plainest expression, a field path on the item (`{{ $json.subject }}`, `{{ $json.order.id }}`,
 *   `{{ $json["x-y"] }}`, or `{{ $json }}` itself), is read straight from the item when every key is an
 *   own field of an object: that is exactly what n8n evaluates it to — also inside collections, where
 *   every expression must be such a path for the fast way to apply;
 * - every other expression, and a path the item does not hold (a missing field, `.length` of a
 *   string), goes through n8n's own evaluation, unchanged.
 * test/workflow/item-parameters.test.ts runs both ways in n8n-core's engine and compares them.
 */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { readOwnPath } from './itemField';

const SEGMENT = String.raw`(?:\.([A-Za-z_$][\w$]*)|\[\s*"([^"\\]*)"\s*\]|\[\s*'([^'\\]*)'\s*\])`;
const JSON_PATH = new RegExp(String.raw`^=\{\{\s*\$json((?:${SEGMENT})+)\s*\}\}$`);
const SEGMENTS = new RegExp(SEGMENT, 'g');
/** `{{ $json }}`, the item's whole JSON (Kapua's Metrics JSON default). */
const WHOLE_JSON = /^=\{\{\s*\$json\s*\}\}$/;

/** The keys of `={{ $json.a["b"].c }}`, or undefined when the value is anything else. */
export function plainJsonPath(raw: unknown): string[] | undefined {
	if (typeof raw !== 'string') return undefined;
	const match = JSON_PATH.exec(raw);
	if (!match) return undefined;
	return [...match[1].matchAll(SEGMENTS)].map((segment) => segment[1] ?? segment[2] ?? segment[3]);
}

function isExpression(raw: unknown): raw is string {
	return typeof raw === 'string' && raw.startsWith('=');
}

function hasExpression(raw: unknown): boolean {
	if (isExpression(raw)) return true;
	return raw !== null && typeof raw === 'object' && Object.values(raw).some(hasExpression);
}

/** A path that leaves the item's own objects: n8n's JavaScript semantics decide (`"abc".length`, getters). */
const UNKNOWN: unique symbol = Symbol('evaluate with n8n');

/** Own properties of objects only; anything else (a missing field, a string on the way) is UNKNOWN. */
function readPath(data: unknown, keys: string[]): unknown {
	const found = readOwnPath(data, keys);
	return found ? found.value : UNKNOWN;
}

type Build = (json: unknown) => unknown;

/**
 * A builder of the value n8n would resolve `raw` to for an item, when its only expressions are plain
 * field paths; undefined otherwise. It gives UNKNOWN when a path cannot be followed in this item.
 * Containers are built afresh for every item, as n8n's are.
 */
function compile(raw: unknown): Build | undefined {
	if (isExpression(raw)) {
		const keys = WHOLE_JSON.test(raw) ? [] : plainJsonPath(raw);
		return keys ? (json) => readPath(json, keys) : undefined;
	}
	if (Array.isArray(raw)) {
		const parts = raw.map(compile);
		if (parts.some((part) => part === undefined)) return undefined;
		return (json) => {
			const value = parts.map((part) => part!(json));
			return value.includes(UNKNOWN) ? UNKNOWN : value;
		};
	}
	if (raw !== null && typeof raw === 'object') {
		const entries = Object.entries(raw).map(([key, value]) => [key, compile(value)] as const);
		if (entries.some(([, part]) => part === undefined)) return undefined;
		return (json) => {
			const value: Record<string, unknown> = {};
			for (const [key, part] of entries) {
				const field = part!(json);
				if (field === UNKNOWN) return UNKNOWN;
				value[key] = field;
			}
			return value;
		};
	}
	return () => raw;
}

/** What `lodash.get(parameters, name)` meets on the way: the raw value, or an expression holding it. */
function rawAt(parameters: unknown, name: string): { value: unknown } | 'inside an expression' {
	let current = parameters;
	for (const key of name.split('.')) {
		if (isExpression(current)) return 'inside an expression';
		if (current === null || typeof current !== 'object') return { value: undefined };
		current = (current as Record<string, unknown>)[key];
	}
	return { value: current };
}

export type ItemParameterReader = (name: string, itemIndex: number, fallback?: unknown) => unknown;

/** How one parameter is read for an item, decided once per parameter. */
type Plan = (itemIndex: number, fallback?: unknown) => unknown;

/**
 * `read(name, itemIndex, fallback)` behaves as `getNodeParameter(name, itemIndex, fallback)`, dotted
 * names (`metrics.metric`) included.
 */
export function itemParameterReader(
	context: IExecuteFunctions,
	items: INodeExecutionData[],
): ItemParameterReader {
	const rawParameters = context.getNode().parameters;
	const plans = new Map<string, Plan>();

	const plan = (name: string): Plan => {
		const evaluate: Plan = (itemIndex, fallback) =>
			context.getNodeParameter(name, itemIndex, fallback);
		const raw = rawAt(rawParameters, name);
		if (raw === 'inside an expression') return evaluate;
		// Absent (e.g. hidden by the node's display options): n8n gives the fallback, evaluating it when it is
		// an expression, or throws without one.
		if (raw.value === undefined)
			return (itemIndex, fallback) =>
				fallback === undefined || isExpression(fallback) ? evaluate(itemIndex, fallback) : fallback;
		if (!hasExpression(raw.value)) {
			let read = false;
			let value: unknown;
			return (itemIndex, fallback) => {
				if (!read) {
					value = context.getNodeParameter(name, itemIndex, fallback);
					read = true;
				}
				return value;
			};
		}
		const build = compile(raw.value);
		if (!build) return evaluate;
		return (itemIndex, fallback) => {
			const value = build(items[itemIndex]?.json);
			return value === UNKNOWN ? evaluate(itemIndex, fallback) : value;
		};
	};

	return (name, itemIndex, fallback) => {
		let read = plans.get(name);
		if (!read) {
			read = plan(name);
			plans.set(name, read);
		}
		return read(itemIndex, fallback);
	};
}
