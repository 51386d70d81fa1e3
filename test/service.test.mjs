// scripts/install-service.sh (= `mjpgd install-service`) into a temporary root: the systemd unit
// with this installation's paths and user, the instance config, the video group and a system user;
// the unit passes `systemd-analyze verify` (Debian package systemd; no running systemd needed).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ROOT, run, runMjpgd } from './helpers/server.mjs';

const SCRIPT = path.join(ROOT, 'scripts', 'install-service.sh');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mjpgd-service-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const asRoot = { skip: process.getuid() !== 0 && 'needs root (useradd, groupadd)' };

const install = (...args) => run('bash', [SCRIPT, ...args]);

/** systemd-analyze verify of `unit` as instance `front`: exit code and every line it printed. */
async function verify(unitText) {
  const dir = fs.mkdtempSync(path.join(tmp, 'verify-'));
  const file = path.join(dir, 'mjpgd@front.service');
  fs.writeFileSync(file, unitText);
  const r = await run('systemd-analyze', ['verify', file]);
  return { code: r.code, output: (r.stdout.toString() + r.stderr).trim() };
}

test('install-service --root: unit, config, video group and a dedicated system user', asRoot, async () => {
  const root = path.join(tmp, 'a');
  const r = await install('--root', root, '--user', 'camd', '--instance', 'front');
  assert.equal(r.code, 0, r.stderr);

  const passwd = fs.readFileSync(path.join(root, 'etc', 'passwd'), 'utf8');
  assert.match(passwd, /^camd:x:\d+:\d+:[^:]*:\/nonexistent:\/usr\/sbin\/nologin$/m);
  const group = fs.readFileSync(path.join(root, 'etc', 'group'), 'utf8');
  assert.match(group, /^video:x:\d+:camd$/m);
  assert.match(group, /^camd:x:\d+:$/m);

  const unit = fs.readFileSync(path.join(root, 'etc', 'systemd', 'system', 'mjpgd@.service'), 'utf8');
  assert.match(unit, new RegExp(`^ExecStart=\\S+ ${ROOT}/bin/mjpgd\\.js --config /etc/mjpgd/%i\\.toml$`, 'm'));
  assert.match(unit, /^User=camd$/m);
  assert.match(unit, /^Group=camd$/m);
  assert.match(unit, /^SupplementaryGroups=video$/m);
  assert.doesNotMatch(unit, /DynamicUser/);
  assert.equal(fs.readFileSync(path.join(root, 'etc', 'mjpgd', 'front.toml'), 'utf8'), fs.readFileSync(path.join(ROOT, 'config', 'mjpgd.toml'), 'utf8'));

  const v = await verify(unit);
  assert.equal(v.code, 0, v.output);
  assert.equal(v.output, '', 'systemd-analyze verify has nothing to say about the unit');
});

test('install-service again: the user is reused, an edited config is kept unless --force', asRoot, async () => {
  const root = path.join(tmp, 'b');
  const custom = path.join(tmp, 'custom.toml');
  fs.writeFileSync(custom, '[server]\nport = 8099\n');
  assert.equal((await install('--root', root, '--config', custom)).code, 0);
  const conf = path.join(root, 'etc', 'mjpgd', 'default.toml');
  assert.equal(fs.readFileSync(conf, 'utf8'), '[server]\nport = 8099\n');
  fs.appendFileSync(conf, '# edited\n');

  const again = await install('--root', root);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout.toString(), /kept the existing/);
  assert.match(fs.readFileSync(conf, 'utf8'), /# edited/);
  const passwd = fs.readFileSync(path.join(root, 'etc', 'passwd'), 'utf8');
  assert.equal(passwd.match(/^mjpgd:/gm).length, 1, 'one mjpgd user');

  assert.equal((await install('--root', root, '--force')).code, 0);
  assert.doesNotMatch(fs.readFileSync(conf, 'utf8'), /# edited/);

  // A user that exists but left the video group is put back in it.
  const groupFile = path.join(root, 'etc', 'group');
  fs.writeFileSync(groupFile, fs.readFileSync(groupFile, 'utf8').replace(/^(video:x:\d+:)mjpgd$/m, '$1'));
  const back = await install('--root', root);
  assert.equal(back.code, 0, back.stderr);
  assert.match(back.stdout.toString(), /added mjpgd to the video group/);
  assert.match(fs.readFileSync(groupFile, 'utf8'), /^video:x:\d+:mjpgd$/m);
});

test('install-service refuses bad arguments with exit 2 and says why', async () => {
  for (const [args, message] of [
    [['--user', 'Bad User'], /not a valid user name/],
    [['--config', path.join(tmp, 'missing.toml')], /does not exist/],
    [['--instance', 'a/b'], /--instance/],
    [['--bogus'], /unknown argument '--bogus'/],
  ]) {
    const r = await install('--root', path.join(tmp, 'c'), ...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  assert.ok(!fs.existsSync(path.join(tmp, 'c', 'etc', 'systemd')), 'nothing installed');
});

test('systemd-analyze verify reports a broken unit (the check above can fail)', async () => {
  const unit = fs.readFileSync(path.join(ROOT, 'config', 'mjpgd@.service'), 'utf8')
    .replace(/^ExecStart=\S+/m, `ExecStart=${process.execPath}`)
    .replace(/^RestartSec=.*$/m, 'RestartSec=soon');
  const v = await verify(unit);
  assert.match(v.output, /RestartSec|soon/);
  const missing = await verify(unit.replace(/^ExecStart=\S+/m, 'ExecStart=/nonexistent/node'));
  assert.notEqual(missing.code, 0, 'a missing program fails verification');
});

test('mjpgd --help points to install-service, and mjpgd install-service --help explains it', async () => {
  const help = await runMjpgd(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /mjpgd install-service \[--instance NAME\]/);
  const r = await runMjpgd(['install-service', '--help']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /--user NAME/);
  assert.match(r.stdout, /--root DIR/);
});
