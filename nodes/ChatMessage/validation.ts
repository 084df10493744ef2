/**
 * What the chat API accepts (the server's own CREATE_MESSAGE validation), checked before anything is
 * sent, and the request body it becomes. Pure functions, no n8n import.
 */
import { describeValue, valid, type Checked, type FieldProblem } from '../common/validation';

export interface ChatMessageRequest {
	chatId: string;
	content: string;
	modelId: string;
	userId: string;
	workflowId?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isUuid(value: unknown): value is string {
	return typeof value === 'string' && UUID.test(value);
}

function checkChatId(chatId: unknown): FieldProblem | undefined {
	if (typeof chatId !== 'string' || chatId.trim() === '') {
		return {
			field: 'Chat ID',
			message: `Chat ID must be a chat's UUID, got ${typeof chatId === 'string' ? 'an empty text' : describeValue(chatId)}`,
		};
	}
	if (!isUuid(chatId.trim()))
		return {
			field: 'Chat ID',
			message: `Chat ID "${chatId}" is not a UUID (e.g. 550e8400-e29b-41d4-a716-446655440000)`,
		};
	return undefined;
}

function checkMessage(content: unknown): FieldProblem | undefined {
	if (typeof content !== 'string')
		return { field: 'Message', message: `Message must be text, got ${describeValue(content)}` };
	if (content.trim() === '') return { field: 'Message', message: 'Message is empty' };
	return undefined;
}

function checkModel(modelId: unknown): FieldProblem | undefined {
	if (typeof modelId !== 'string')
		return { field: 'Model', message: `Model must be a model ID, got ${describeValue(modelId)}` };
	if (modelId.trim() === '')
		return { field: 'Model', message: 'Model is empty: choose a model or give its ID' };
	return undefined;
}

/** Optional: empty means "the signed-in user". */
function checkUserId(userId: unknown): FieldProblem | undefined {
	if (userId === undefined || userId === null || userId === '') return undefined;
	if (typeof userId !== 'string')
		return { field: 'User ID', message: `User ID must be text, got ${describeValue(userId)}` };
	return undefined;
}

/** Optional UUID. */
function checkWorkflowId(workflowId: unknown): FieldProblem | undefined {
	if (workflowId === undefined || workflowId === null || workflowId === '') return undefined;
	if (!isUuid(workflowId))
		return { field: 'Workflow ID', message: `Workflow ID "${String(workflowId)}" is not a UUID` };
	return undefined;
}

/** Checks every field; `userId` may still be empty (filled from the session before sending). */
export function validateChatMessage(input: {
	chatId: unknown;
	content: unknown;
	modelId: unknown;
	userId?: unknown;
	workflowId?: unknown;
}): Checked<ChatMessageRequest> {
	const problem =
		checkChatId(input.chatId) ??
		checkMessage(input.content) ??
		checkModel(input.modelId) ??
		checkUserId(input.userId) ??
		checkWorkflowId(input.workflowId);
	if (problem) return { ok: false, problem };
	const request: ChatMessageRequest = {
		chatId: (input.chatId as string).trim(),
		content: input.content as string,
		modelId: (input.modelId as string).trim(),
		userId: typeof input.userId === 'string' ? input.userId.trim() : '',
	};
	if (typeof input.workflowId === 'string' && input.workflowId !== '')
		request.workflowId = input.workflowId;
	return valid(request);
}

/** The stream path; the chat ID is a checked UUID, encoded anyway so no input can change the path. */
export function streamPath(chatId: string): string {
	return `/api/chats/${encodeURIComponent(chatId)}/messages/stream`;
}

/** The JSON body the server expects; workflowId only when given (the server accepts it, then ignores it). */
export function requestBody(request: ChatMessageRequest): string {
	return JSON.stringify({
		content: request.content,
		modelId: request.modelId,
		userId: request.userId,
		...(request.workflowId ? { workflowId: request.workflowId } : {}),
	});
}
