// scripts/setup.sh's choice (with --check, which installs nothing): a prebuilt addon in native/ that
// loads is used; without one, or with --from-source, the addon is built from source, and when cargo
// is missing it says exactly how to get Rust instead of failing somewhere in the build.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { HOST_ADDON } from './helpers/addons.mjs';
import { ROOT, run } from './helpers/server.mjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mjpgd-setup-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A directory with only these programs, linked from the real PATH. */
function binDir(name, programs) {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  for (const p of programs) {
    const real = execFileSync('sh', ['-c', `command -v ${p}`], { encoding: 'utf8' }).trim();
    fs.symlinkSync(real, path.join(dir, p));
  }
  return dir;
}
const BASE = ['bash', 'dirname', 'id', 'cat', 'sed'];
const noRust = binDir('bin-norust', BASE);
fs.symlinkSync(process.execPath, path.join(noRust, 'node'));
const withRust = binDir('bin-rust', [...BASE, 'cargo', 'rustc']);
fs.symlinkSync(process.execPath, path.join(withRust, 'node'));

/** A checkout-like directory: scripts/setup.sh, and native/ from this build when `addon`. */
function checkout(name, { addon }) {
  const dir = path.join(tmp, name);
  fs.mkdirSync(path.join(dir, 'scripts'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'scripts', 'setup.sh'), path.join(dir, 'scripts', 'setup.sh'));
  if (addon) {
    fs.mkdirSync(path.join(dir, 'native'));
    for (const f of ['binding.js', HOST_ADDON]) fs.copyFileSync(path.join(ROOT, 'native', f), path.join(dir, 'native', f));
  }
  return dir;
}

const setup = (dir, bin, ...args) =>
  run(path.join(bin, 'bash'), [path.join(dir, 'scripts', 'setup.sh'), '--check', ...args], {
    // An empty HOME: no ~/.cargo/env to find; rustup's proxies still find their toolchains.
    env: { PATH: bin, HOME: path.join(tmp, 'home'), RUSTUP_HOME: process.env.RUSTUP_HOME || path.join(os.homedir(), '.rustup') },
  });

test('a prebuilt addon that loads is used: no Rust needed', async () => {
  const r = await setup(checkout('prebuilt', { addon: true }), noRust);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.toString().trim(), `setup: would use the prebuilt addon native/${HOST_ADDON}`);
});

test('no prebuilt addon and no cargo: exit 1 with how to get Rust', async () => {
  const r = await setup(checkout('bare', { addon: false }), noRust);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /built from source, which needs Rust\s+1\.88 or newer/);
  assert.match(r.stderr, /bash scripts\/setup\.sh --install-rust/);
  assert.match(r.stderr, /rustup/);
  assert.match(r.stderr, /npm install -g \.\/mjpgd-<version>\.tgz/);
});

test('--from-source builds even with a prebuilt addon (and then needs cargo)', async () => {
  const dir = checkout('forced', { addon: true });
  const without = await setup(dir, noRust, '--from-source');
  assert.equal(without.code, 1);
  assert.match(without.stderr, /--install-rust/);
  const r = await setup(dir, withRust, '--from-source');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout.toString(), /^setup: would build the addon from source with cargo 1\.\d+/);
});

test('an addon that does not load here is not used', async () => {
  const dir = checkout('broken', { addon: true });
  fs.writeFileSync(path.join(dir, 'native', HOST_ADDON), 'not an ELF file');
  const r = await setup(dir, withRust);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout.toString(), /would build the addon from source/);
});
