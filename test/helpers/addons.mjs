// The prebuilt addons the package ships, built (or taken from the cache) by scripts/build-addons.sh.
import assert from 'node:assert/strict';
import path from 'node:path';
import { ROOT, run } from './server.mjs';

/** Debian architecture → the file napi-rs's loader (native/binding.js) looks for on it. */
export const ADDONS = {
  amd64: 'mjpgd.linux-x64-gnu.node',
  arm64: 'mjpgd.linux-arm64-gnu.node',
  armhf: 'mjpgd.linux-arm-gnueabihf.node',
};
export const HOST_ADDON = { x64: ADDONS.amd64, arm64: ADDONS.arm64, arm: ADDONS.armhf }[process.arch];

/** Builds all three into native/ (cross builds are cached under ~/.cache, so a rerun takes seconds). */
export async function buildAddons() {
  const r = await run('bash', [path.join(ROOT, 'scripts', 'build-addons.sh')], { timeoutMs: 20 * 60 * 1000, cwd: ROOT });
  assert.equal(r.code, 0, `scripts/build-addons.sh failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout.toString();
}

/** Whether the process `pid` has `file` mapped (the addon it really loaded). */
export async function mapsFile(pid, file) {
  const { readFile } = await import('node:fs/promises');
  return (await readFile(`/proc/${pid}/maps`, 'utf8')).includes(file);
}
