// Hardware cycle counts via `perf stat -e cycles`, where the machine has a PMU (many VMs don't).
import { spawn } from 'node:child_process';
import { runToEnd } from './processes.mjs';

function parseCycles(stderr) {
  // -x, output: "<count>,<unit>,cycles,..." or "<not supported>,,cycles,..."
  const line = stderr.split('\n').find((l) => /,cycles/.test(l));
  if (!line) return { cycles: null, reason: stderr.trim().split('\n').pop() || 'no output' };
  const v = line.split(',')[0];
  if (/^\d+$/.test(v)) return { cycles: Number(v), reason: null };
  return { cycles: null, reason: `perf stat -e cycles: ${v}` };
}

/** { available, reason }: whether `perf stat -e cycles` counts here. */
export async function perfCyclesAvailable() {
  try {
    const r = await runToEnd('perf', ['stat', '-x,', '-e', 'cycles', '--', 'true'], { timeoutMs: 10000 });
    const { cycles, reason } = parseCycles(r.stderr);
    return cycles !== null ? { available: true, reason: null } : { available: false, reason };
  } catch (e) {
    return { available: false, reason: `perf not installed (${e.message})` };
  }
}

/** Counts cycles of process pid until stop() resolves with { cycles, reason }. */
export function startPerfCycles(pid) {
  const child = spawn('perf', ['stat', '-x,', '-e', 'cycles', '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const exited = new Promise((r) => child.on('exit', r));
  child.on('error', () => {});
  return {
    async stop() {
      child.kill('SIGINT');
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(killer);
      return parseCycles(stderr);
    },
  };
}
