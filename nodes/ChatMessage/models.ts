/**
 * GET /api/models → dropdown options. The server answers `{models:[{id,name,provider}]}`; its docs wrap
 * the list in `{data: ...}`, so both are read.
 */
import type { INodePropertyOptions } from 'n8n-workflow';

export function modelOptions(body: unknown): INodePropertyOptions[] {
	const record = (body ?? {}) as { models?: unknown; data?: unknown };
	const data = record.data as { models?: unknown } | unknown[] | undefined;
	const list = Array.isArray(record.models) ? record.models : Array.isArray(data) ? data : Array.isArray(data?.models) ? data.models : [];
	const options: INodePropertyOptions[] = [];
	for (const entry of list as Array<Record<string, unknown>>) {
		if (!entry || typeof entry.id !== 'string') continue;
		const name = typeof entry.name === 'string' && entry.name ? entry.name : entry.id;
		const provider = typeof entry.provider === 'string' && entry.provider ? ` (${entry.provider})` : '';
		options.push({ name: `${name}${provider}`, value: entry.id });
	}
	return options.sort((a, b) => a.name.localeCompare(b.name));
}
