// The settings table (no processes): one flag, file key and variable per setting; values coerced and
// checked; precedence defaults < file < environment < command line; bad input named.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { SETTINGS, fileKey, envName, coerce } = require('../../dist/config/schema.js');
const { envLayer, fileLayer, merge, printConfig } = require('../../dist/config/load.js');
const { parseCommandLine } = require('../../dist/config/args.js');
const { ConfigError } = require('../../dist/config/config.js');

const fail = (m) => {
  throw new Error(m);
};

test('every setting has its own flag, file key and environment variable', () => {
  for (const section of ['server', 'log', 'camera']) {
    const keys = SETTINGS.filter((s) => s.section === section).map(fileKey);
    assert.equal(new Set(keys).size, keys.length, `${section}: file keys are unique`);
  }
  const flags = SETTINGS.map((s) => s.flag);
  assert.equal(new Set(flags).size, flags.length, 'flags are unique');
  const envs = SETTINGS.map(envName);
  assert.equal(new Set(envs).size, envs.length, 'variables are unique');
  assert.equal(envName(SETTINGS.find((s) => s.key === 'stallTimeout')), 'MJPGD_STALL_TIMEOUT');
});

test('values are coerced and checked against their kind, naming where they came from', () => {
  const fps = SETTINGS.find((s) => s.key === 'fps' && s.section === 'camera');
  assert.equal(coerce(fps, '15', '--fps'), 15);
  assert.throws(() => coerce(fps, '0', '--fps'), /--fps must be a number from 0.1 to 240/);
  assert.throws(() => coerce(fps, 'fast', 'MJPGD_FPS'), /MJPGD_FPS/);
  const transport = SETTINGS.find((s) => s.key === 'transport');
  assert.equal(coerce(transport, 'uws', '--transport'), 'uws');
  assert.throws(() => coerce(transport, 'h2', '--transport'), /node.*uws|uws.*node/);
});

test('precedence: defaults < file < environment < command line', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mjpgd-settings-'));
  try {
    const file = path.join(dir, 'm.toml');
    fs.writeFileSync(file, '[server]\nport = 9000\nstall_timeout = 20\n[camera.default]\nfps = 10\nwidth = 800\n');
    const env = envLayer({ MJPGD_FPS: '12', MJPGD_STALL_TIMEOUT: '25' });
    const cli = parseCommandLine(['--fps', '15'], '0', fail).layer;
    const c = merge([fileLayer(file), env, cli]);
    assert.equal(c.server.port, 9000, 'file over default');
    assert.equal(c.server.stallTimeout, 25, 'environment over file');
    assert.equal(c.cameras[0].fps, 15, 'command line over environment');
    assert.equal(c.cameras[0].width, 800);
    assert.equal(c.cameras[0].height, 480, 'default');
    assert.equal(c.server.transport, 'node');
    assert.match(printConfig(c), /port = 9000/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad key or value in a file is named with the file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mjpgd-settings-'));
  try {
    const file = path.join(dir, 'bad.toml');
    fs.writeFileSync(file, '[server]\nprot = 1\n');
    assert.throws(() => fileLayer(file), (e) => e instanceof ConfigError && e.message.includes(file) && /unknown key "prot"/.test(e.message));
    fs.writeFileSync(file, '[server]\nbase_path = "a b"\n');
    assert.throws(() => merge([fileLayer(file)]), /base-path/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
