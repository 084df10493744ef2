/**
 * Reads a V8 .cpuprofile (written by `node --cpu-prof`) and says where the CPU time went: self time per
 * function, split into ours (files of this package, n8n-nodes-stream-messaging) and n8n's (n8n, its
 * dependencies, Node's internals), and per package.
 *
 * A profile of a whole n8n process is mostly start-up and REST traffic; `windows` keep only the samples
 * taken within given instants of the monotonic clock (`process.hrtime`, in µs), which is the clock V8
 * stamps samples with on Linux, so the bench keeps exactly the node's runs (n8n's startTime and
 * executionTime of the node, moved onto that clock).
 *
 * `npm run bench:profile -- <file.cpuprofile>` prints the table for a profile taken some other way.
 */
import * as fs from 'node:fs';

interface CallFrame {
	functionName: string;
	url: string;
	lineNumber: number;
}

interface ProfileNode {
	id: number;
	callFrame: CallFrame;
	children?: number[];
}

interface CpuProfile {
	nodes: ProfileNode[];
	startTime: number;
	endTime: number;
	samples: number[];
	timeDeltas: number[];
}

export const OURS = 'n8n-nodes-stream-messaging';
/** Our files as n8n loads them (the installed package) or as the in-process bench does (this checkout's dist). */
const isOurUrl = (url: string) =>
	url.includes(`node_modules/${OURS}/`) ||
	(!url.includes('node_modules/') && url.includes(`/${OURS}`));

/** Instants of the monotonic clock, in µs, as V8 stamps its samples. */
export interface Window {
	fromUs: number;
	toUs: number;
}

/** monotonic µs − epoch µs: moves n8n's startTime (epoch ms) onto the clock V8 stamps its samples with. */
export const monotonicMinusEpochUs = () =>
	Number(process.hrtime.bigint() / 1000n) - Date.now() * 1000;

export interface ProfileEntry {
	name: string;
	/** Where it is: the file (shortened to its package) and line. */
	where: string;
	ours: boolean;
	selfMs: number;
}

export interface ProfileSummary {
	/** Sampled time in the window, idle excluded. */
	busyMs: number;
	idleMs: number;
	gcMs: number;
	/** Self time in our files. */
	oursSelfMs: number;
	/** Time with one of our functions anywhere on the stack (what our code costs, n8n calls it makes included). */
	oursInclusiveMs: number;
	top: ProfileEntry[];
	topOurs: ProfileEntry[];
	packages: Array<{ name: string; selfMs: number }>;
}

/** `/x/node_modules/n8n-core/dist/a.js` → `n8n-core/dist/a.js`; our files by their path in the package. */
function shortUrl(url: string): string {
	if (!url) return '';
	const path = url.replace(/^file:\/\//, '');
	const modules = path.lastIndexOf('node_modules/');
	return modules >= 0 ? path.slice(modules + 'node_modules/'.length) : path;
}

function packageOf(url: string): string {
	if (!url) return '(native / V8)';
	if (url.startsWith('node:')) return 'node (internals)';
	if (isOurUrl(url)) return OURS;
	const short = shortUrl(url);
	const parts = short.split('/');
	return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

export function summariseProfile(
	profile: CpuProfile,
	windows?: Window[],
	topN = 25,
): ProfileSummary {
	const byId = new Map(profile.nodes.map((node) => [node.id, node]));
	const parent = new Map<number, number>();
	for (const node of profile.nodes)
		for (const child of node.children ?? []) parent.set(child, node.id);
	const isOurs = (node: ProfileNode) => isOurUrl(node.callFrame.url);
	// Whether a node or any caller of it is ours, memoised per node.
	const underOurs = new Map<number, boolean>();
	const oursOnStack = (id: number): boolean => {
		const known = underOurs.get(id);
		if (known !== undefined) return known;
		const node = byId.get(id)!;
		const up = parent.get(id);
		const value = isOurs(node) || (up !== undefined && oursOnStack(up));
		underOurs.set(id, value);
		return value;
	};

	const selfUs = new Map<number, number>();
	let time = profile.startTime;
	let idleUs = 0;
	let gcUs = 0;
	let busyUs = 0;
	let oursInclusiveUs = 0;
	for (let index = 0; index < profile.samples.length; index++) {
		time += profile.timeDeltas[index];
		// A sample stands for the time until the next one.
		const duration = profile.timeDeltas[index + 1] ?? 0;
		if (windows && !windows.some((window) => time >= window.fromUs && time <= window.toUs))
			continue;
		const id = profile.samples[index];
		const name = byId.get(id)!.callFrame.functionName;
		if (name === '(idle)') {
			idleUs += duration;
			continue;
		}
		busyUs += duration;
		if (name === '(garbage collector)') gcUs += duration;
		if (oursOnStack(id)) oursInclusiveUs += duration;
		selfUs.set(id, (selfUs.get(id) ?? 0) + duration);
	}

	// The same function appears as many nodes (one per call path): add them up by function.
	const entries = new Map<string, ProfileEntry>();
	const packages = new Map<string, number>();
	for (const [id, us] of selfUs) {
		const { callFrame } = byId.get(id)!;
		const where = callFrame.url ? `${shortUrl(callFrame.url)}:${callFrame.lineNumber + 1}` : '';
		const key = `${callFrame.functionName}@${where}`;
		const entry = entries.get(key) ?? {
			name: callFrame.functionName || '(anonymous)',
			where,
			ours: isOurUrl(callFrame.url),
			selfMs: 0,
		};
		entry.selfMs += us / 1000;
		entries.set(key, entry);
		const pkg = packageOf(callFrame.url);
		packages.set(pkg, (packages.get(pkg) ?? 0) + us / 1000);
	}
	const sorted = [...entries.values()].sort((a, b) => b.selfMs - a.selfMs);
	return {
		busyMs: busyUs / 1000,
		idleMs: idleUs / 1000,
		gcMs: gcUs / 1000,
		oursSelfMs: sorted.filter((entry) => entry.ours).reduce((sum, entry) => sum + entry.selfMs, 0),
		oursInclusiveMs: oursInclusiveUs / 1000,
		top: sorted.slice(0, topN),
		topOurs: sorted.filter((entry) => entry.ours).slice(0, 10),
		packages: [...packages.entries()]
			.map(([name, selfMs]) => ({ name, selfMs }))
			.sort((a, b) => b.selfMs - a.selfMs)
			.slice(0, 12),
	};
}

export function readProfile(file: string): CpuProfile {
	return JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
}

/** The window [from, to] of a profile's clock, for checking that a bench's window falls inside it. */
export function profileSpan(profile: CpuProfile): Window {
	return { fromUs: profile.startTime, toUs: profile.endTime };
}

export function formatSummary(summary: ProfileSummary, items?: number): string {
	const pct = (ms: number) => `${((ms / summary.busyMs) * 100).toFixed(1)}%`;
	const perItem = (ms: number) => (items ? `  ${((ms / items) * 1000).toFixed(1)} µs/item` : '');
	const row = (entry: ProfileEntry) =>
		`  ${entry.selfMs.toFixed(1).padStart(8)} ms ${pct(entry.selfMs).padStart(6)}  ${entry.ours ? 'OURS ' : 'n8n  '} ${entry.name}  ${entry.where}`;
	return [
		`busy ${summary.busyMs.toFixed(0)} ms (idle ${summary.idleMs.toFixed(0)} ms), GC ${summary.gcMs.toFixed(0)} ms ${pct(summary.gcMs)}${perItem(summary.busyMs)}`,
		`ours: self ${summary.oursSelfMs.toFixed(1)} ms ${pct(summary.oursSelfMs)}${perItem(summary.oursSelfMs)}; with our code on the stack ${summary.oursInclusiveMs.toFixed(1)} ms ${pct(summary.oursInclusiveMs)}${perItem(summary.oursInclusiveMs)}`,
		"top functions by self time (ours and n8n's):",
		...summary.top.map(row),
		'top of ours by self time:',
		...(summary.topOurs.length ? summary.topOurs.map(row) : ['  (none sampled)']),
		'self time by package:',
		...summary.packages.map(
			(pkg) =>
				`  ${pkg.selfMs.toFixed(1).padStart(8)} ms ${pct(pkg.selfMs).padStart(6)}  ${pkg.name}`,
		),
	].join('\n');
}

if (require.main === module) {
	const file = process.argv[2];
	if (!file) {
		console.error('usage: npm run bench:profile -- <file.cpuprofile> [fromUs toUs]');
		process.exitCode = 2;
	} else {
		const windows = process.argv[4]
			? [{ fromUs: Number(process.argv[3]), toUs: Number(process.argv[4]) }]
			: undefined;
		console.log(formatSummary(summariseProfile(readProfile(file), windows)));
	}
}
