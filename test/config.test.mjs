// Configuration from file, environment and flags; every class of config error; logging to a file.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { BIN, runMjpgd, startMjpgd } from './helpers/server.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mjpgd-config-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function writeConfig(name, text) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

function printConfig(args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args, '--print-config'], { env: { PATH: process.env.PATH, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('precedence: defaults < file < environment < command line, for server, log and camera keys', async () => {
  const file = writeConfig('prec.toml', '[server]\nport = 9001\nmax_clients = 7\n[log]\nlevel = "warn"\n[camera.default]\nfps = 10\nwidth = 320\nheight = 240\n');
  const fromFile = await printConfig(['--config', file]);
  assert.equal(fromFile.code, 0, fromFile.stderr);
  assert.match(fromFile.stdout, /port = 9001/);
  assert.match(fromFile.stdout, /max_clients = 7/);
  assert.match(fromFile.stdout, /level = "warn"/);
  assert.match(fromFile.stdout, /fps = 10/);
  assert.match(fromFile.stdout, /quality = 80/, 'untouched keys keep their defaults');
  const withEnv = await printConfig(['--config', file], { MJPGD_PORT: '9002', MJPGD_FPS: '12', MJPGD_LOG_LEVEL: 'E' });
  assert.match(withEnv.stdout, /port = 9002/);
  assert.match(withEnv.stdout, /fps = 12/);
  assert.match(withEnv.stdout, /level = "error"/, 'D/I/W/E/C letters accepted');
  assert.match(withEnv.stdout, /max_clients = 7/);
  const withFlags = await printConfig(['--config', file, '--port', '9003', '--fps', '15', '-d', 'D'], { MJPGD_PORT: '9002', MJPGD_FPS: '12' });
  assert.match(withFlags.stdout, /port = 9003/);
  assert.match(withFlags.stdout, /fps = 15/);
  assert.match(withFlags.stdout, /level = "debug"/);
  assert.match(withFlags.stdout, /width = 320/);
  const viaEnvFile = await printConfig([], { MJPGD_CONFIG: file });
  assert.match(viaEnvFile.stdout, /port = 9001/, 'MJPGD_CONFIG names the file');
});

test('several cameras in one file; flags apply to the default camera; secrets are masked', async () => {
  const file = writeConfig('multi.toml', '[server]\nuser = "u"\npassword = "hunter2"\n[camera.front]\nfps = 5\n[camera.default]\nfps = 6\n[camera.back]\ndevice = "/dev/video3"\n');
  const r = await printConfig(['--config', file, '--fps', '7']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\[camera\.front\]\nsource = "testpattern"[^[]*fps = 5/);
  assert.match(r.stdout, /\[camera\.default\][^[]*fps = 7/, '--fps went to the camera named default');
  assert.match(r.stdout, /\[camera\.back\]\nsource = "v4l2"\ndevice = "\/dev\/video3"/, 'a device implies the v4l2 source');
  assert.doesNotMatch(r.stdout, /hunter2/);
  assert.match(r.stdout, /password = "\*+"/);
});

test('legacy bind flags add addresses', async () => {
  const r = await printConfig(['--v4bindaddress', '127.0.0.2', '--v6bindaddress', '::1']);
  assert.match(r.stdout, /host = \[ "127\.0\.0\.2", "::1" \]/);
});

const FILE_ERRORS = [
  ['unknown key', '[server]\nprot = 1\n', /bad\.toml: \[server\]: unknown key "prot" \(allowed: host, port, /],
  ['unknown section', '[serverr]\nport = 1\n', /bad\.toml: unknown section \[serverr\] \(allowed: \[server\], \[log\], \[camera\.<name>\]\)/],
  ['wrong type', '[server]\nport = "eighty"\n', /bad\.toml: \[server\] port must be a whole number from 0 to 65535 \(got "eighty"\)/],
  ['out of range', '[camera.default]\nfps = 1000\n', /bad\.toml: \[camera\.default\] fps must be a number from 0\.1 to 240 \(got 1000\)/],
  ['bad enum', '[log]\nlevel = "loud"\n', /bad\.toml: \[log\] level must be one of debug, info, warn, error/],
  ['bad camera name', '[camera.stream]\nfps = 5\n', /\[camera\.stream\]: a camera name is/],
  ['bad TOML', '[server\nport = 1\n', /bad\.toml: not valid TOML/],
  ['inconsistent settings', '[server]\nuser = "a"\n', /--user needs --password or server\.password_hash/],
  ['TLS half-configured', '[server]\ntls_cert = "/x.pem"\n', /--tls-cert and --tls-key go together/],
];

for (const [what, text, message] of FILE_ERRORS) {
  test(`config file error (${what}) → exit 2 naming file, key and allowed values`, async () => {
    const file = writeConfig('bad.toml', text);
    const r = await runMjpgd(['--config', file, '--port', '0']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '', 'nothing started');
  });
}

test('a missing config file and a bad environment variable are clear errors', async () => {
  const missing = await runMjpgd(['--config', path.join(dir, 'nope.toml')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read config file .*nope\.toml: ENOENT/);
  const env = await printConfig([], { MJPGD_MAX_CLIENTS: 'lots' });
  assert.equal(env.code, 2);
  assert.match(env.stderr, /MJPGD_MAX_CLIENTS must be a whole number from 1 to 100000 \(got "lots"\)/);
});

test('the example config file in config/ is valid', async () => {
  const r = await printConfig(['--config', path.join(path.dirname(BIN), '..', 'config', 'mjpgd.toml')]);
  assert.equal(r.code, 0, r.stderr);
});

test('--hash-password prints a hash the config file accepts', async () => {
  const r = await runMjpgd(['--hash-password', 's3cret']);
  assert.equal(r.code, 0);
  const hash = r.stdout.trim();
  assert.match(hash, /^scrypt\$[0-9a-f]{32}\$[0-9a-f]{64}$/);
  const file = writeConfig('hash.toml', `[server]\nuser = "u"\npassword_hash = "${hash}"\n`);
  assert.equal((await printConfig(['--config', file])).code, 0);
});

test('log file: rotation by size, SIGHUP reopens, --showfps lines', async () => {
  const logFile = path.join(dir, 'mjpgd.log');
  const server = await startMjpgd(['--log-file', logFile, '--log-max-size', '600', '--log-max-files', '2', '--showfps', '--fps', '10'], {
    readyFile: logFile,
  });
  try {
    // Every state request is logged at debug level only, so produce lines with SIGHUP (one info line each).
    for (let i = 0; i < 12; i++) {
      server.child.kill('SIGHUP');
      await new Promise((r) => setTimeout(r, 30));
    }
    await new Promise((r) => setTimeout(r, 5500)); // one --showfps period
    const rotated = fs.readFileSync(`${logFile}.1`, 'utf8');
    assert.match(rotated, /SIGHUP: log file reopened/);
    assert.ok(fs.statSync(`${logFile}.1`).size <= 600, 'rotated at the size limit');
    assert.ok(!fs.existsSync(`${logFile}.3`), 'keeps max_files rotated files');
    const all = [logFile, `${logFile}.1`, `${logFile}.2`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f, 'utf8')).join('');
    assert.match(all, /fps: camera default \d+\/10, 0 viewer\(s\)/);
    // After the file is moved away, SIGHUP makes mjpgd write a new one.
    fs.renameSync(logFile, `${logFile}.moved`);
    server.child.kill('SIGHUP');
    await new Promise((r) => setTimeout(r, 200));
    assert.match(fs.readFileSync(logFile, 'utf8'), /SIGHUP: log file reopened/);
  } finally {
    assert.equal((await server.stop()).code, 0);
  }
});
