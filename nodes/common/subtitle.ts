/**
 * Node subtitles, the line under a node's name on the canvas. They are n8n expressions evaluated by the
 * editor with no item data, so they read the node's raw parameters (`$rawParameter`): through `$parameter`
 * a field holding an expression is resolved against data the canvas has not got, and the whole subtitle
 * vanishes. A field holding an expression shows the expression's text; an empty field is left out.
 */

/** An expression giving each named field's text: fixed values as they are, expressions as `{{ … }}`, empty ones as "". */
const shownFields = (fields: string[]) =>
	`[${fields.map((field) => `$rawParameter[${JSON.stringify(field)}]`).join(', ')}]` +
	'.map((value) => (typeof value === "string" && value.startsWith("=") ? value.slice(1) : value ?? "").toString().trim())';

/** `prefix` and the non-empty fields joined by " / " ("to orders / orders.created"); "" when every field is empty. */
export function fieldsSubtitle(prefix: string, fields: string[]): string {
	return `={{ ((parts) => parts.length ? ${JSON.stringify(prefix)} + parts.join(" / ") : "")(${shownFields(fields)}.filter((part) => part !== "")) }}`;
}

/** Chat Message: "new chat", or "chat " and the Chat ID (or its expression) for an existing chat. */
export const CHAT_SUBTITLE = `={{ $rawParameter["chatMode"] === "existing" ? ("chat " + ${shownFields(['chatId'])}[0]).trim() : "new chat" }}`;
