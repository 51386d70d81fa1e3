// Starts the real mjpgd process on a free loopback port for a test, and stops it afterwards.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = path.join(ROOT, 'bin', 'mjpgd.js');
/** The end-to-end suites run once per Node version and transport (test/matrix.mjs sets these). */
export const NODE = process.env.MJPGD_TEST_NODE || process.execPath;
export const TRANSPORT = process.env.MJPGD_TEST_TRANSPORT || null;

/** Runs mjpgd with `args` (plus --port 0 on 127.0.0.1) and resolves once it listens. `exec` replaces
 * [NODE, BIN] (an installed `mjpgd`, or another node and BIN), `env` the environment. */
export async function startMjpgd(args = [], { timeoutMs = 15000, readyFile = null, exec = [NODE, BIN], env = process.env } = {}) {
  // Loopback and a free port unless the test chooses.
  const defaults = [
    ...(args.includes('--host') ? [] : ['--host', '127.0.0.1']),
    ...(args.includes('--port') ? [] : ['--port', '0']),
    ...(TRANSPORT && !args.includes('--transport') ? ['--transport', TRANSPORT] : []),
  ];
  const child = spawn(exec[0], [...exec.slice(1), ...defaults, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let output = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`mjpgd did not start in time:\n${output}`)), timeoutMs);
    const onData = (d) => {
      output += d;
      const m = /listening on [^\s]+:(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    // With --log-file the "listening" line goes to the file.
    if (readyFile) {
      const poll = setInterval(() => {
        if (fs.existsSync(readyFile)) {
          const text = fs.readFileSync(readyFile, 'utf8');
          if (/listening on/.test(text)) {
            clearInterval(poll);
            onData(text);
          }
        }
      }, 50);
      child.on('exit', () => clearInterval(poll));
    }
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`mjpgd exited with ${code} before listening:\n${output}`));
    });
  });
  // 'close', not 'exit': by then everything the process wrote has been read into `output`.
  const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => output,
    /** The first match of `re` in the output, waiting up to 2 s for it (lines after "listening on"
     * may arrive in a later chunk). */
    async match(re) {
      for (let i = 0; i < 100 && !re.test(output); i++) await new Promise((r) => setTimeout(r, 20));
      const m = re.exec(output);
      if (!m) throw new Error(`mjpgd printed nothing matching ${re}:\n${output}`);
      return m;
    },
    exited,
    /** SIGTERM, then wait for exit (SIGKILL after 5 s so a broken stop can't hang the suite). */
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      const r = await exited;
      clearTimeout(killer);
      return r;
    },
  };
}

/** Runs mjpgd to completion (for flag errors, --help, --version). */
export function runMjpgd(args, { timeoutMs = 10000 } = {}) {
  return new Promise((resolve) => {
    const child = spawn(NODE, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs a command and collects its output. */
export function run(cmd, args, { timeoutMs = 20000, cwd, env } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd, env });
    const out = [];
    let stderr = '';
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => (stderr += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout: Buffer.concat(out), stderr });
    });
  });
}
