/**
 * The resident memory of another process (the n8n server), from Linux's /proc: its current RSS and its
 * peak (VmHWM), which can be reset so that the peak covers one workflow run only.
 */
import * as fs from 'node:fs';

function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): number {
	const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
	const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
	if (!match) throw new Error(`/proc/${pid}/status has no ${field}`);
	return Number(match[1]) * 1024;
}

export const rssBytes = (pid: number) => statusField(pid, 'VmRSS');
export const peakRssBytes = (pid: number) => statusField(pid, 'VmHWM');

/** Sets the peak to the current RSS (proc(5): writing 5 to clear_refs); false when not allowed. */
export function resetPeakRss(pid: number): boolean {
	try {
		fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
		return true;
	} catch {
		return false;
	}
}

export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

/** utime + stime of a /proc stat line, in ms (clock ticks of 10 ms). */
function statCpuMs(stat: string): number {
	// Fields after the command name (which may hold spaces) start at state; utime and stime are fields 14 and 15.
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** A process's CPU time (user + system) so far by kind of thread, in ms, from /proc/<pid>/task/<tid>/stat. */
export interface ThreadCpu {
	/** The JavaScript thread: everything a profile of the process shows. */
	main: number;
	/** V8's platform workers ("V8Worker"): concurrent marking, parallel scavenging, background compilation. */
	v8Helpers: number;
	/** Every other thread (libuv's pool, the database driver's). */
	other: number;
}

export function threadCpuMs(pid: number): ThreadCpu {
	const cpu: ThreadCpu = { main: 0, v8Helpers: 0, other: 0 };
	for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
		let ms: number;
		let name: string;
		try {
			ms = statCpuMs(fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'));
			name = fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
		} catch {
			continue; // the thread ended meanwhile
		}
		if (tid === String(pid)) cpu.main += ms;
		else if (name.startsWith('V8Worker')) cpu.v8Helpers += ms;
		else cpu.other += ms;
	}
	return cpu;
}
