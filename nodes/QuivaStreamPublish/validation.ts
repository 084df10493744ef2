/**
 * What the quiva.ai Gateway (NATS JetStream behind it) accepts, checked before anything is sent:
 * Quiva's stream naming rules and nats-server's own subject checks. Pure functions, no n8n import: a
 * check gives the problem or undefined, and validatePublishMessage the checked message or the problem.
 */
import {
	describeValue,
	invalid,
	valid,
	type Checked,
	type FieldProblem,
} from '../common/validation';

export type { FieldProblem };

const MAX_STREAM_NAME_LENGTH = 255;
/** JetStream's default max_payload (1 MB). */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

const STREAM_NAME = /^[A-Za-z0-9_-]+$/;

function checkStreamName(stream: unknown): FieldProblem | undefined {
	if (typeof stream !== 'string')
		return { field: 'Stream', message: `Stream must be text, got ${describeValue(stream)}` };
	if (stream === '') return { field: 'Stream', message: 'Stream is empty' };
	if (stream.length > MAX_STREAM_NAME_LENGTH) {
		return {
			field: 'Stream',
			message: `Stream name is ${stream.length} characters long; at most ${MAX_STREAM_NAME_LENGTH} are allowed`,
		};
	}
	if (!STREAM_NAME.test(stream)) {
		return {
			field: 'Stream',
			message: `Stream name "${stream}" may only contain letters, digits, "-" and "_"`,
		};
	}
	return undefined;
}

/** A NATS publish subject: literal (no wildcards), non-empty dot-separated tokens, no whitespace, no `$` prefix. */
function checkSubject(subject: unknown): FieldProblem | undefined {
	if (typeof subject !== 'string')
		return { field: 'Subject', message: `Subject must be text, got ${describeValue(subject)}` };
	if (subject === '') return { field: 'Subject', message: 'Subject is empty' };
	if (/\s/.test(subject))
		return { field: 'Subject', message: `Subject "${subject}" contains whitespace` };
	if (subject.startsWith('$')) {
		return {
			field: 'Subject',
			message: `Subject "${subject}" starts with "$", which NATS reserves for its own subjects ($JS, $KV, $SYS)`,
		};
	}
	const tokens = subject.split('.');
	if (tokens.some((token) => token === '')) {
		return {
			field: 'Subject',
			message: `Subject "${subject}" has an empty token (a leading, trailing or double ".")`,
		};
	}
	if (tokens.some((token) => token === '*' || token === '>')) {
		return {
			field: 'Subject',
			message: `Subject "${subject}" contains a wildcard token ("*" or ">"); a message is published to one literal subject`,
		};
	}
	return undefined;
}

function checkBody(body: unknown): FieldProblem | undefined {
	if (body === null || typeof body !== 'object' || Array.isArray(body)) {
		return { field: 'Body', message: `Body must be a JSON object, got ${describeValue(body)}` };
	}
	return undefined;
}

export interface PublishMessage {
	stream: string;
	subject: string;
	body: Record<string, unknown>;
}

/** Checks every field and serializes the request body once; `payload` is what goes on the wire. */
export function validatePublishMessage(
	input: { stream: unknown; subject: unknown; body: unknown },
	maxPayloadBytes: number,
): Checked<{ message: PublishMessage; payload: string }> {
	const problem =
		checkStreamName(input.stream) ?? checkSubject(input.subject) ?? checkBody(input.body);
	if (problem) return { ok: false, problem };
	const message = input as PublishMessage;
	let payload: string;
	try {
		payload = JSON.stringify({
			stream: message.stream,
			subject: message.subject,
			body: message.body,
		});
	} catch (error) {
		return invalid('Body', `Body cannot be serialized as JSON: ${(error as Error).message}`);
	}
	const size = Buffer.byteLength(payload, 'utf8');
	if (size > maxPayloadBytes)
		return invalid(
			'Body',
			`Message is ${size} bytes; the limit is ${maxPayloadBytes} bytes (Maximum Payload Size)`,
		);
	return valid({ message, payload });
}

/** The publish path for a stream; the name is URL-encoded so that no input can change the target path. */
export function publishPath(stream: string): string {
	return `/storage/streams/${encodeURIComponent(stream)}/messages`;
}
