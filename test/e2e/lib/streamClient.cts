/**
 * A plain HTTP client for a workflow whose Webhook responds in "Streaming" mode, as any caller (a
 * browser, curl -N) would use it: POST a JSON body and read the answer as it arrives. n8n writes one
 * JSON object per line (NDJSON) for each chunk a node sends — `{type: 'begin' | 'item' | 'end' | 'error',
 * content?, metadata}` — and flushes each, so the lines are handed to `onMessage` as soon as they are read.
 */
import * as http from 'node:http';

export interface StreamMessage {
	type: string;
	content?: string;
	metadata?: { nodeName?: string; itemIndex?: number; [key: string]: unknown };
	[key: string]: unknown;
}

export interface StreamedResponse {
	statusCode: number;
	contentType: string;
	messages: StreamMessage[];
	/** How many socket reads carried at least one complete line: > 1 means the answer came in pieces. */
	readsWithLines: number;
	/** Text of the answer that is not a JSON line (should be none). */
	stray: string[];
}

export function postAndStream(
	url: string,
	body: unknown,
	onMessage: (message: StreamMessage) => void = () => undefined,
	options: { signal?: AbortSignal } = {},
): Promise<StreamedResponse> {
	const payload = JSON.stringify(body);
	return new Promise((resolve, reject) => {
		const request = http.request(
			url,
			{
				method: 'POST',
				headers: {
					'content-type': 'application/json',
					'content-length': Buffer.byteLength(payload),
				},
				agent: false,
				signal: options.signal,
			},
			(response) => {
				const result: StreamedResponse = {
					statusCode: response.statusCode ?? 0,
					contentType: String(response.headers['content-type'] ?? ''),
					messages: [],
					readsWithLines: 0,
					stray: [],
				};
				let buffered = '';
				const takeLine = (line: string) => {
					if (line.trim() === '') return;
					let message: StreamMessage;
					try {
						message = JSON.parse(line) as StreamMessage;
					} catch {
						result.stray.push(line);
						return;
					}
					result.messages.push(message);
					onMessage(message);
				};
				response.setEncoding('utf8');
				response.on('data', (text: string) => {
					buffered += text;
					const lines = buffered.split('\n');
					buffered = lines.pop() ?? '';
					if (lines.some((line) => line.trim() !== '')) result.readsWithLines++;
					for (const line of lines) takeLine(line);
				});
				response.on('end', () => {
					takeLine(buffered);
					resolve(result);
				});
				response.on('error', reject);
			},
		);
		request.on('error', reject);
		request.end(payload);
	});
}
