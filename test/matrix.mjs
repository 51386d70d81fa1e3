// Runs the node:test suites: unit tests and the suites that don't depend on how mjpgd serves once,
// and the end-to-end suites once per supported Node version and transport. The uWS binary loads on
// Node <= 20 only, so uWS is run under Node 20; on 22 and 24 the node transport is the one there is
// (a test checks that --transport uws says so there). Every combination is run, or the run fails.
//   node test/matrix.mjs              everything
//   node test/matrix.mjs FILE...      only these files (still in every combination)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TEST = path.dirname(fileURLToPath(import.meta.url));
const CACHE = process.env.MJPGD_NODE_CACHE || path.join(os.homedir(), '.cache', 'mjpgd-node');

/** Suites that don't start a server, or test things no Node version or transport changes. */
const ONCE = new Set(['cli', 'config', 'bench', 'viewer', 'client-parser', 'package', 'service', 'arm-smoke', 'arm-bench', 'peers-bench', 'setup']);

function nodeBinary(major) {
  if (process.versions.node.split('.')[0] === String(major)) return process.execPath;
  const bin = path.join(CACHE, String(major), 'bin', 'node');
  if (!fs.existsSync(bin)) {
    console.error(`matrix: Node ${major} is missing (${bin}); run scripts/node-binaries.sh (scripts/setup.sh --test does)`);
    process.exit(1);
  }
  return bin;
}

const only = process.argv.slice(2).map((f) => path.resolve(f));
const all = fs.readdirSync(TEST).filter((f) => f.endsWith('.test.mjs')).map((f) => path.join(TEST, f));
const chosen = only.length ? only : all;
const unit = only.length ? [] : fs.readdirSync(path.join(TEST, 'unit')).filter((f) => f.endsWith('.test.mjs')).map((f) => path.join(TEST, 'unit', f));
const name = (f) => path.basename(f, '.test.mjs');
const once = chosen.filter((f) => ONCE.has(name(f)));
const e2e = chosen.filter((f) => !ONCE.has(name(f)));

const runs = [
  { label: 'unit tests and single-run suites', files: [...unit, ...once], env: {} },
  { label: 'Node 20, node transport', files: e2e, env: { MJPGD_TEST_NODE: nodeBinary(20), MJPGD_TEST_TRANSPORT: 'node' } },
  { label: 'Node 20, uws transport', files: e2e, env: { MJPGD_TEST_NODE: nodeBinary(20), MJPGD_TEST_TRANSPORT: 'uws' } },
  { label: 'Node 22, node transport', files: e2e, env: { MJPGD_TEST_NODE: nodeBinary(22), MJPGD_TEST_TRANSPORT: 'node' } },
  { label: 'Node 24, node transport', files: e2e, env: { MJPGD_TEST_NODE: nodeBinary(24), MJPGD_TEST_TRANSPORT: 'node' } },
];

const failed = [];
for (const r of runs) {
  if (!r.files.length) continue;
  const started = Date.now();
  console.log(`\n=== matrix: ${r.label} (${r.files.length} files) ===`);
  const res = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=dot', ...r.files], {
    stdio: 'inherit',
    env: { ...process.env, ...r.env },
  });
  console.log(`=== matrix: ${r.label}: ${res.status === 0 ? 'passed' : 'FAILED'} in ${Math.round((Date.now() - started) / 1000)} s ===`);
  if (res.status !== 0) failed.push(r.label);
}
if (failed.length) {
  console.error(`matrix: failed: ${failed.join('; ')}`);
  process.exit(1);
}
