// Child processes of the bench (mjpgd, floor, loadgen): start, wait until ready, stop; none outlives us.
import { spawn } from 'node:child_process';
import net from 'node:net';

const live = new Set();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});
// A signal would end node without 'exit' handlers: stop the children first.
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    console.error(`bench: ${sig}, stopping`);
    process.exit(sig === 'SIGINT' ? 130 : 143);
  });
}

/**
 * Spawns cmd (with `env` added to ours) and resolves once a line of its output matches `ready` (first group = port), with the
 * running process: { child, pid, port, output(), onLine(fn), exited, stop() }. Rejects with the
 * process's output if it exits first or is not ready within timeoutMs.
 */
export function startServer(cmd, args, { ready, timeoutMs = 15000, name = cmd, env = null } = {}) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ? { ...process.env, ...env } : process.env });
  live.add(child);
  let output = '';
  const lineListeners = new Set();
  let partial = '';
  const exited = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    }),
  );
  const onData = (d) => {
    output += d;
    partial += d;
    let i;
    while ((i = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, i);
      partial = partial.slice(i + 1);
      for (const fn of lineListeners) fn(line);
    }
  };
  child.stdout.setEncoding('utf8').on('data', onData);
  child.stderr.setEncoding('utf8').on('data', onData);

  const proc = {
    child,
    pid: child.pid,
    port: 0,
    output: () => output,
    exited,
    /** Calls fn for every complete output line from now on; returns an unsubscribe function. */
    onLine(fn) {
      lineListeners.add(fn);
      return () => lineListeners.delete(fn);
    },
    /** SIGTERM, then the exit status (SIGKILL after 5 s so a hung process can't hang the bench). */
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        const r = await exited;
        clearTimeout(killer);
        return r;
      }
      return exited;
    },
  };

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} was not ready within ${timeoutMs} ms. Its output:\n${output}`));
    }, timeoutMs);
    const off = proc.onLine((line) => {
      const m = ready.exec(line);
      if (!m) return;
      off();
      clearTimeout(timer);
      proc.port = Number(m[1]);
      resolve(proc);
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${name} could not start: ${e.message}`));
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`${name} exited (${signal ?? `code ${code}`}) before it was ready. Its output:\n${output}`), { exitCode: code, output }));
    });
  });
}

/** Runs cmd to completion (in `cwd`, with `env`); resolves { code, signal, stdout, stderr }. SIGKILL after timeoutMs. */
export function runToEnd(cmd, args, { timeoutMs = 60000, cwd, env } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd, env });
    live.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(killer);
      live.delete(child);
      reject(new Error(`${cmd} could not start: ${e.message}`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(killer);
      live.delete(child);
      resolve({ code, signal, stdout, stderr, pid: child.pid });
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A free loopback port, for servers that can't be given port 0 (ustreamer, a guest's forwarded port). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
