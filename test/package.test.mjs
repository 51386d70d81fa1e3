// The release tarball: `npm pack` carries the three prebuilt addons and what runs, nothing else;
// `npm install -g` of it into a temporary prefix with a PATH that has node and npm but no Rust and no
// C compiler (they are shadowed by stubs that fail and log) gives an `mjpgd` that starts and serves.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ADDONS, HOST_ADDON, buildAddons, mapsFile } from './helpers/addons.mjs';
import { jpegSize } from './helpers/jpeg.mjs';
import { ROOT, run, startMjpgd } from './helpers/server.mjs';

const VERSION = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mjpgd-package-'));
const prefix = path.join(tmp, 'prefix');
const stubLog = path.join(tmp, 'stub-calls.log');
const TOOLCHAIN = ['cargo', 'rustc', 'rustup', 'gcc', 'cc', 'c++', 'g++', 'clang', 'ld', 'make', 'python3', 'node-gyp'];
let pack; // npm pack --json's record of the tarball
let env; // node + npm + failing toolchain stubs, nothing else

before(async () => {
  await buildAddons();
  const p = await run('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: ROOT, timeoutMs: 120000 });
  assert.equal(p.code, 0, p.stderr);
  const out = p.stdout.toString();
  [pack] = JSON.parse(out.slice(out.indexOf('[')));

  // PATH: stubs first, then a directory with only node and npm.
  const stubs = path.join(tmp, 'stubs');
  const bin = path.join(tmp, 'bin');
  fs.mkdirSync(stubs);
  fs.mkdirSync(bin);
  for (const t of TOOLCHAIN) {
    fs.writeFileSync(path.join(stubs, t), `#!/bin/sh\necho "${t} $*" >> '${stubLog}'\necho "${t}: not on this machine" >&2\nexit 127\n`, { mode: 0o755 });
  }
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  const npm = execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim();
  fs.symlinkSync(fs.realpathSync(npm), path.join(bin, 'npm'));
  // The machine's environment (proxy and CA settings npm needs), less what `npm test` set for
  // itself (prefix, package and lifecycle variables), with that PATH.
  env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|INIT_CWD$|NODE_OPTIONS$|NODE_TEST_CONTEXT$)/i.test(k)));
  Object.assign(env, {
    PATH: `${stubs}:${bin}`,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  });
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('the tarball carries the three addons, the loader, dist, bin, config and install-service only', () => {
  assert.equal(pack.filename, `mjpgd-${VERSION}.tgz`);
  const files = pack.files.map((f) => f.path);
  for (const f of [...Object.values(ADDONS).map((a) => `native/${a}`), 'native/binding.js', 'bin/mjpgd.js', 'dist/cli.js',
    'config/mjpgd@.service', 'config/mjpgd.toml', 'scripts/install-service.sh', 'package.json', 'README.md']) {
    assert.ok(files.includes(f), `${f} is in the tarball`);
  }
  const unwanted = files.filter((f) => /^(target|crates|src|test|bench|\.ci|\.github|node_modules)\/|\.map$|^scripts\/(?!install-service\.sh$)/.test(f));
  assert.deepEqual(unwanted, [], 'no sources, build outputs, tests or bench results');
  // A regression guard, not a benchmark: three ~0.6 MB addons and ~150 KB of JS pack to about 1 MB.
  assert.ok(pack.size < 3 * 1024 * 1024, `tarball is ${pack.size} bytes`);
});

test('npm install -g of the tarball without a toolchain, and the installed mjpgd serves', { timeout: 5 * 60 * 1000 }, async () => {
  const tarball = path.join(tmp, pack.filename);
  const inst = await run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', tarball], { env, timeoutMs: 4 * 60 * 1000 });
  assert.equal(inst.code, 0, `npm install failed:\n${inst.stdout}\n${inst.stderr}`);
  assert.ok(!fs.existsSync(stubLog), `no toolchain was called: ${fs.existsSync(stubLog) && fs.readFileSync(stubLog, 'utf8')}`);

  const pkgDir = path.join(prefix, 'lib', 'node_modules', 'mjpgd');
  for (const a of Object.values(ADDONS)) assert.ok(fs.existsSync(path.join(pkgDir, 'native', a)), `${a} installed`);

  const m = await startMjpgd([], { exec: [path.join(prefix, 'bin', 'mjpgd')], env });
  try {
    assert.ok(await mapsFile(m.child.pid, path.join(pkgDir, 'native', HOST_ADDON)), 'the installed prebuilt addon is the one loaded');
    const snap = await fetch(`${m.url}/snapshot`);
    assert.equal(snap.status, 200);
    const jpeg = Buffer.from(await snap.arrayBuffer());
    assert.deepEqual(jpegSize(jpeg), { width: 640, height: 480 });
    assert.deepEqual([...jpeg.subarray(-2)], [0xff, 0xd9], 'snapshot ends with EOI');
    const state = await (await fetch(`${m.url}/state`)).json();
    assert.equal(state.version, VERSION);
    assert.equal(state.cameras[0].source.kind, 'testpattern');
    assert.equal(state.cameras[0].online, true);
  } finally {
    const { code } = await m.stop();
    assert.equal(code, 0, m.output());
  }
  assert.ok(!fs.existsSync(stubLog), 'still no toolchain call');
});

test('the installed mjpgd install-service writes a unit that runs the installed package', { skip: process.getuid() !== 0 && 'needs root (useradd)' }, async () => {
  const mjpgd = path.join(prefix, 'bin', 'mjpgd');
  assert.ok(fs.existsSync(mjpgd), 'installed by the previous test');
  const root = path.join(tmp, 'root');
  // install-service needs the system's tools (useradd, sed); the toolchain stays shadowed.
  const r = await run(mjpgd, ['install-service', '--root', root, '--user', 'mjpgd-pkg'], {
    env: { ...env, PATH: `${env.PATH}:/usr/sbin:/usr/bin:/sbin:/bin` },
  });
  assert.equal(r.code, 0, r.stderr);
  const unit = fs.readFileSync(path.join(root, 'etc', 'systemd', 'system', 'mjpgd@.service'), 'utf8');
  const pkgDir = fs.realpathSync(path.join(prefix, 'lib', 'node_modules', 'mjpgd'));
  assert.match(unit, new RegExp(`^ExecStart=\\S+/node ${pkgDir}/bin/mjpgd\\.js --config /etc/mjpgd/%i\\.toml$`, 'm'));
  assert.match(unit, /^User=mjpgd-pkg$/m);
  assert.ok(fs.existsSync(path.join(root, 'etc', 'mjpgd', 'default.toml')));
});
