// Compiles the C floor server and load generator into bench/.build/ (once; again when a .c changes).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runToEnd } from './processes.mjs';

export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(BENCH_DIR, '..');
export const BUILD_DIR = path.join(BENCH_DIR, '.build');

/** Returns { floor, loadgen } paths of up-to-date binaries; throws with gcc's message on failure. */
export async function buildNative() {
  fs.mkdirSync(BUILD_DIR, { recursive: true });
  const out = {};
  for (const name of ['floor', 'loadgen']) {
    const src = path.join(BENCH_DIR, 'native', `${name}.c`);
    const bin = path.join(BUILD_DIR, name);
    out[name] = bin;
    const fresh = fs.existsSync(bin) && fs.statSync(bin).mtimeMs >= fs.statSync(src).mtimeMs;
    if (fresh) continue;
    // Build under a private name and rename: a concurrent bench never runs a half-written binary.
    const tmp = `${bin}.tmp-${process.pid}`;
    let r;
    try {
      r = await runToEnd('gcc', ['-O2', '-Wall', '-Wextra', '-o', tmp, src]);
    } catch (e) {
      throw new Error(`the bench needs gcc to build bench/native/${name}.c (Debian: apt-get install build-essential): ${e.message}`);
    }
    if (r.code !== 0) throw new Error(`gcc failed on bench/native/${name}.c:\n${r.stderr}`);
    fs.renameSync(tmp, bin);
  }
  return out;
}
