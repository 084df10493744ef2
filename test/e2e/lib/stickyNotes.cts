/**
 * What an example's sticky notes tell a user, read the way the end-to-end suite checks it: which node a
 * note explains and where it sits, the output fields it promises ("### What comes out of <Node>", then a
 * list whose items start with the field names in backticks), and the curl command it gives to call a
 * webhook. The conventions are those of examples/*.json; a note that breaks them is reported, not skipped.
 */
import type { WorkflowJson } from './restApi.cjs';

export const STICKY_NOTE_TYPE = 'n8n-nodes-base.stickyNote';

/** A rectangle on n8n's canvas: x grows to the right, y downwards, from the node's position. */
export interface Box {
	x: number;
	y: number;
	width: number;
	height: number;
}

export interface StickyNote {
	name: string;
	content: string;
	box: Box;
}

type WorkflowNode = WorkflowJson['nodes'][number];

/** n8n 2.41's canvas draws a node 100 × 100 from its position (a sticky note: its own width and height, 240 × 160 by default). */
const NODE_SIZE = 100;

export function stickyNotes(workflow: WorkflowJson): StickyNote[] {
	return workflow.nodes
		.filter((node) => node.type === STICKY_NOTE_TYPE)
		.map((node) => {
			const [x, y] = node.position as [number, number];
			const { content, width, height } = node.parameters as {
				content?: string;
				width?: number;
				height?: number;
			};
			return {
				name: node.name,
				content: content ?? '',
				box: { x, y, width: width ?? 240, height: height ?? 160 },
			};
		});
}

/** The nodes that do something (everything but the notes). */
export function workingNodes(workflow: WorkflowJson): WorkflowNode[] {
	return workflow.nodes.filter((node) => node.type !== STICKY_NOTE_TYPE);
}

export function nodeBox(node: WorkflowNode): Box {
	const [x, y] = node.position as [number, number];
	return { x, y, width: NODE_SIZE, height: NODE_SIZE };
}

export function overlap(a: Box, b: Box): boolean {
	return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** The shortest distance between two rectangles; 0 when they touch or overlap. */
export function gap(a: Box, b: Box): number {
	const dx = Math.max(0, b.x - (a.x + a.width), a.x - (b.x + b.width));
	const dy = Math.max(0, b.y - (a.y + a.height), a.y - (b.y + b.height));
	return Math.hypot(dx, dy);
}

/** The names of the credentials the workflow's nodes use. */
export function credentialNames(workflow: WorkflowJson): string[] {
	return [
		...new Set(
			workflow.nodes.flatMap((node) =>
				Object.values(node.credentials ?? {}).map((ref) => ref.name),
			),
		),
	];
}

/** The markdown sections of a note: heading text (without #) → the lines under it, to the next heading. */
function sections(content: string): Array<{ heading: string; lines: string[] }> {
	const found: Array<{ heading: string; lines: string[] }> = [];
	for (const line of content.split('\n')) {
		const heading = /^#{1,6}\s+(.*)$/.exec(line);
		if (heading) found.push({ heading: heading[1].trim(), lines: [] });
		else found.at(-1)?.lines.push(line);
	}
	return found;
}

/** The nodes a note explains: those its headings name ("### Chat Message", "### What comes out of Answer"). */
export function explainedNodes(note: StickyNote, workflow: WorkflowJson): WorkflowNode[] {
	const headings = sections(note.content).map((section) =>
		section.heading.replace(/^What comes out of\s+/, ''),
	);
	return workingNodes(workflow).filter((node) => headings.includes(node.name));
}

export interface PromisedOutput {
	node: string;
	/** Field names, dotted for nested ones (metrics.temperature). */
	fields: string[];
}

const FIELD = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;

/**
 * "### What comes out of <Node>" sections: each list item names fields in backticks before its first
 * ": " ("- `stream`, `subject`: where it went"); what follows the colon explains them.
 */
export function promisedOutputs(note: StickyNote): PromisedOutput[] {
	const promised: PromisedOutput[] = [];
	for (const section of sections(note.content)) {
		const match = /^What comes out of\s+(.+)$/.exec(section.heading);
		if (!match) continue;
		const fields: string[] = [];
		for (const line of section.lines) {
			const item = /^\s*[-*]\s+(.*)$/.exec(line);
			if (!item) continue;
			const named = item[1].split(/:\s/)[0];
			for (const [, field] of named.matchAll(/`([^`]+)`/g)) {
				if (!FIELD.test(field))
					throw new Error(
						`note "${note.name}": "${field}" under "${section.heading}" is not a field name`,
					);
				fields.push(field);
			}
		}
		if (fields.length === 0)
			throw new Error(`note "${note.name}": "${section.heading}" names no field`);
		promised.push({ node: match[1].trim(), fields });
	}
	return promised;
}

export interface CurlCommand {
	method: string;
	url: URL;
	/** Header names in lower case. */
	headers: Record<string, string>;
	body?: string;
	/** The command as the note gives it, continuation lines joined. */
	text: string;
}

/** Splits a shell command line into words, as a POSIX shell does for the quoting curl commands use. */
function shellWords(line: string): string[] {
	const words: string[] = [];
	let word: string | undefined;
	for (let i = 0; i < line.length; i++) {
		const char = line[i];
		if (char === "'") {
			const end = line.indexOf("'", i + 1);
			if (end < 0) throw new Error(`unclosed ' in: ${line}`);
			word = (word ?? '') + line.slice(i + 1, end);
			i = end;
		} else if (char === '"') {
			let text = '';
			for (i++; i < line.length && line[i] !== '"'; i++)
				text += line[i] === '\\' && /["\\$`]/.test(line[i + 1] ?? '') ? line[++i] : line[i];
			if (i >= line.length) throw new Error(`unclosed " in: ${line}`);
			word = (word ?? '') + text;
		} else if (/\s/.test(char)) {
			if (word !== undefined) words.push(word);
			word = undefined;
		} else {
			word = (word ?? '') + char;
		}
	}
	if (word !== undefined) words.push(word);
	return words;
}

/** The curl commands of a note's code blocks (lines ending in "\" continue). */
export function curlCommands(note: StickyNote): CurlCommand[] {
	const commands: CurlCommand[] = [];
	for (const [, block] of note.content.matchAll(/```[^\n]*\n([\s\S]*?)```/g)) {
		const text = block.replace(/\\\n/g, ' ').trim();
		for (const line of text.split('\n').filter((entry) => /^\s*curl\s/.test(entry))) {
			const words = shellWords(line.trim()).slice(1);
			let method: string | undefined;
			let url: URL | undefined;
			let body: string | undefined;
			const headers: Record<string, string> = {};
			for (let i = 0; i < words.length; i++) {
				const word = words[i];
				if (word === '-X' || word === '--request') method = words[++i];
				else if (word === '-H' || word === '--header') {
					const [name, ...value] = words[++i].split(':');
					headers[name.trim().toLowerCase()] = value.join(':').trim();
				} else if (word === '-d' || word === '--data' || word === '--data-raw') body = words[++i];
				else if (word.startsWith('-')) continue;
				else url = new URL(word);
			}
			if (!url) throw new Error(`note "${note.name}": a curl command without a URL: ${line}`);
			commands.push({
				method: method ?? (body === undefined ? 'GET' : 'POST'),
				url,
				headers,
				body,
				text: line.trim(),
			});
		}
	}
	return commands;
}
