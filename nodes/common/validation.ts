/**
 * The one shape of a check's result, shared by every API's validation: a value, or a problem that names
 * the field as the user sees it. The node turns a problem into invalidFieldError (errors.ts).
 */

/** A value a user gave that the API would refuse. */
export interface FieldProblem {
	/** The parameter as the user sees it, e.g. "subject", "Channel" or "Metrics › temperature". */
	field: string;
	message: string;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; problem: FieldProblem };

export const valid = <T>(value: T): Checked<T> => ({ ok: true, value });

export const invalid = <T = never>(field: string, message: string): Checked<T> => ({
	ok: false,
	problem: { field, message },
});

/** How a value that has the wrong type is named in an error message: "got an object", "got nothing". */
export function describeValue(value: unknown): string {
	if (value === null) return 'null';
	if (value === undefined) return 'nothing';
	if (Array.isArray(value)) return 'an array';
	return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * A `json` parameter's value: n8n hands it over as text, or as a value when an expression made one.
 * `label` names the parameter in the message ("JSON Body"), `field` in the error's head.
 */
export function parseJsonParameter(raw: unknown, field: string, label: string): Checked<unknown> {
	if (typeof raw !== 'string') return valid(raw);
	try {
		return valid(JSON.parse(raw));
	} catch (error) {
		return invalid(field, `${label} is not valid JSON (${(error as Error).message})`);
	}
}
