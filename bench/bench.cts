/**
 * `npm run bench`: every node in-process in n8n-core's engine against its simulator, each beside a
 * baseline measured in the same run. Prints ratios (the figures to compare across runs) and items/s
 * (context only: these machines are shared and noisy).
 */
// First: n8n-core must not find its user folder unset (it would write to the home folder).
import './tempUserFolder.cjs';
import { benchChat } from './chat.cjs';
import { benchKapua } from './kapua.cjs';
import { benchQuiva } from './quiva.cjs';
import { itemsPerSecond, timeRatio, verdict, type BenchResult } from './types.cjs';

function print(results: BenchResult[]): void {
	const rows = results.map((result) => [
		result.name,
		`${itemsPerSecond(result.items, result.ms)} ${result.unit ?? 'items'}/s`,
		result.baselineName,
		`${itemsPerSecond(result.items, result.baselineMs)} ${result.unit ?? 'items'}/s`,
		`${timeRatio(result).toFixed(2)}×`,
		result.goal ? `${result.goal.words}: ${verdict(result)}` : '',
		result.notes ?? '',
	]);
	const header = ['path', 'speed', 'baseline', 'baseline speed', 'time ratio', 'goal', 'notes'];
	const widths = header.map((title, column) =>
		Math.max(title.length, ...rows.map((row) => row[column].length)),
	);
	const line = (cells: string[]) =>
		cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ');
	console.log(line(header));
	console.log(widths.map((width) => '-'.repeat(width)).join('-|-'));
	for (const row of rows) console.log(line(row));
}

async function main() {
	console.log(
		`n8n-nodes-stream-messaging benchmark — Node ${process.version}, ${new Date().toISOString()}`,
	);
	const results: BenchResult[] = [];
	results.push(...(await benchQuiva()));
	results.push(...(await benchKapua()));
	results.push(...(await benchChat()));
	print(results);
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
