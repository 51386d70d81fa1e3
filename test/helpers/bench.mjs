// Runs `npm run bench`'s entry point for the bench smoke tests and collects its output.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './server.mjs';

/** Runs bench/main.mjs with `args` (and `env`, default this process's); SIGTERM after `timeoutMs` (the
 * bench then stops its own children). */
export function runBench(args, timeoutMs, env = process.env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bench', 'main.mjs'), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const killer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, out });
    });
  });
}
