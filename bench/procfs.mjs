// Reads a process's CPU time and memory from /proc, and this machine's clock, for the bench.
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';

/** Clock ticks per second for /proc/<pid>/stat utime/stime (almost always 100). */
export const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of the whole process (dead threads included), in clock ticks. */
function statTicks(pid) {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // comm may contain spaces and parentheses: fields start after the last ')'.
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]); // fields 14 and 15 of proc(5)
}

/** Per-thread on-CPU nanoseconds from /proc/<pid>/task/<tid>/schedstat (exact, not tick-sampled). */
function taskTimes(pid) {
  const tasks = new Map();
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const ns = Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      const comm = fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      tasks.set(tid, { ns, comm });
    } catch {
      // the thread ended between readdir and read: it simply isn't in this sample
    }
  }
  return tasks;
}

/** One CPU sample of a process: call at both ends of a window and pass both to cpuDelta. */
export function cpuSample(pid) {
  let tasks = null;
  try {
    tasks = taskTimes(pid);
  } catch {
    tasks = null; // no schedstat (kernel without CONFIG_SCHED_INFO): ticks only
  }
  return { ticks: statTicks(pid), tasks, at: performance.now() };
}

/**
 * CPU seconds used between two samples. Uses the exact per-thread schedstat sum when the same threads
 * lived through the whole window (a thread that ended would take its time with it), else utime+stime.
 * `threads` maps thread names to seconds (schedstat only), e.g. the capture thread apart.
 */
export function cpuDelta(a, b) {
  const statSeconds = (b.ticks - a.ticks) / CLK_TCK;
  const out = { seconds: statSeconds, method: 'proc-stat-ticks', statSeconds, threads: null };
  if (!a.tasks || !b.tasks) return out;
  const same = a.tasks.size === b.tasks.size && [...a.tasks.keys()].every((t) => b.tasks.has(t));
  if (!same) return out;
  let ns = 0;
  const threads = {};
  for (const [tid, t] of b.tasks) {
    const d = t.ns - a.tasks.get(tid).ns;
    ns += d;
    threads[t.comm] = (threads[t.comm] ?? 0) + d / 1e9;
  }
  return { seconds: ns / 1e9, method: 'schedstat', statSeconds, threads };
}

/** VmRSS and VmHWM (peak RSS since start) in KiB; null when the process is gone. */
export function memory(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? NaN);
    return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
  } catch {
    return null;
  }
}

/** This machine: arch, CPU model, core count, clock in MHz (null if the kernel doesn't say). */
export function machine() {
  let cpuinfo = '';
  try {
    cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  } catch {}
  let mhz = Number(/^cpu MHz\s*:\s*([\d.]+)/m.exec(cpuinfo)?.[1] ?? NaN);
  let mhzSource = '/proc/cpuinfo';
  if (!Number.isFinite(mhz)) {
    // ARM kernels usually leave MHz out of cpuinfo; cpufreq knows the maximum.
    try {
      mhz = Number(fs.readFileSync('/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq', 'utf8')) / 1000;
      mhzSource = 'cpufreq cpuinfo_max_freq';
    } catch {
      mhz = null;
      mhzSource = null;
    }
  }
  const model =
    /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? /^Hardware\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? 'unknown';
  const cores = (cpuinfo.match(/^processor\s*:/gm) ?? []).length || null;
  return { arch: process.arch, model: model.trim(), cores, mhz, mhzSource };
}
