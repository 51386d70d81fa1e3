// Runs inside the test VM (test/vm/run.mjs): camera controls over HTTP against vivid's real V4L2
// controls, read back with v4l2-ctl (a separate program, so what the driver holds is what counts).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { readStream } from '../../helpers/multipart.mjs';
import { startMjpgd } from '../../helpers/server.mjs';
import { until } from '../../helpers/wait.mjs';

const VIVID = process.env.MJPGD_VM_VIVID;
assert.ok(VIVID, 'run inside the VM: node test/vm/run.mjs -- ...');
const CAMERA = ['--device', VIVID, '--width', '640', '--height', '480', '--fps', '10'];

/** The value the driver holds, as v4l2-ctl -C reads it. */
function driverValue(name) {
  const r = spawnSync('v4l2-ctl', ['-d', VIVID, '-C', name], { encoding: 'utf8' });
  assert.equal(r.status, 0, `v4l2-ctl -C ${name}: ${r.stderr}`);
  const m = new RegExp(`^${name}: (-?\\d+)`, 'm').exec(r.stdout);
  assert.ok(m, `v4l2-ctl said ${JSON.stringify(r.stdout)}`);
  return Number(m[1]);
}

function setWithV4l2Ctl(name, value) {
  const r = spawnSync('v4l2-ctl', ['-d', VIVID, '-c', `${name}=${value}`], { encoding: 'utf8' });
  assert.equal(r.status, 0, `v4l2-ctl -c: ${r.stderr}`);
}

const firstFrame = (server) => until('first frame', async () => (await (await fetch(`${server.url}/state`)).json()).cameras[0].counters.captured > 0);

function post(server, body, camPath = '') {
  return fetch(`${server.url}${camPath}/controls`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

/** A value for `name` other than its current one. */
const other = (name, a, b) => (driverValue(name) === a ? b : a);

describe('camera controls over HTTP (vivid)', () => {
  test('GET /controls lists them with ranges; POST sets one and v4l2-ctl reads it; answers the new value', async () => {
    const server = await startMjpgd(CAMERA);
    try {
      await firstFrame(server);
      const { controls } = await (await fetch(`${server.url}/controls`)).json();
      const brightness = controls.find((c) => c.name === 'brightness');
      assert.deepEqual({ ...brightness, value: 0 }, { name: 'brightness', label: 'Brightness', id: 0x00980900, type: 'integer', min: 0, max: 255, step: 1, default: 128, value: 0 });
      const menu = controls.find((c) => c.type === 'menu');
      assert.ok(menu?.menu && Object.keys(menu.menu).length > 1, `a menu control lists its items: ${JSON.stringify(menu)}`);
      const target = other('brightness', 200, 100);
      const r = await post(server, { brightness: target });
      assert.equal(r.status, 200, await r.clone().text());
      assert.deepEqual((await r.json()).controls, [{ name: 'brightness', id: 0x00980900, value: target }]);
      assert.equal(driverValue('brightness'), target);
      // By numeric id too, and in the same request as another control.
      const contrast = other('contrast', 50, 60);
      assert.equal((await post(server, { 9963777: contrast, brightness: target + 1 })).status, 200);
      assert.equal(driverValue('contrast'), contrast);
      assert.equal(driverValue('brightness'), target + 1);
    } finally {
      await server.stop();
    }
  });

  test('unknown name or out of range: 400 naming the control and its range, and nothing of the request is set', async () => {
    const server = await startMjpgd(CAMERA);
    try {
      const before = driverValue('brightness');
      let r = await post(server, { brightness: 300 });
      assert.equal(r.status, 400);
      assert.match((await r.json()).error, /brightness must be an integer from 0 to 255 \(got 300\)/);
      r = await post(server, { brightness: before === 10 ? 11 : 10, no_such_control: 1 });
      assert.equal(r.status, 400);
      assert.match((await r.json()).error, /no control "no_such_control" \(it has: .*brightness/);
      assert.equal(driverValue('brightness'), before, 'the valid control of a refused request was not set');
      r = await post(server, '{"brightness": ');
      assert.equal(r.status, 400);
      r = await post(server, { brightness: 1.5 });
      assert.equal(r.status, 400);
      assert.match((await r.json()).error, /brightness: value must be a 32-bit integer/);
      assert.equal((await fetch(`${server.url}/controls`, { method: 'DELETE' })).status, 405);
    } finally {
      await server.stop();
    }
  });

  test("Octolapse's mjpg-streamer forms: Server header, id=-1 probe, input.json lists controls, command sets one", async () => {
    const server = await startMjpgd([...CAMERA, '--mjpg-streamer-server-header']);
    try {
      const probe = await fetch(`${server.url}/?action=command&id=-1`);
      assert.equal(probe.status, 200);
      assert.match(probe.headers.get('server'), /^MJPG-Streamer/);
      for (const p of ['/input.json', '/input_0.json']) {
        const input = await (await fetch(`${server.url}${p}`)).json();
        const b = input.controls.find((c) => c.name === 'Brightness');
        assert.deepEqual([b.id, b.min, b.max, b.group, b.dest], [String(0x00980900), '0', '255', '1', '0'], p);
        assert.equal(input.formats[0].resolutions['0'], '640x480');
      }
      const program = await (await fetch(`${server.url}/program.json`)).json();
      assert.equal(program.inputs[0].plugin, 'input_uvc.so');
      const target = other('saturation', 90, 91);
      const r = await fetch(`${server.url}/?action=command&dest=0&plugin=0&id=${0x00980902}&group=1&value=${target}`);
      assert.equal(r.status, 200, await r.clone().text());
      assert.equal((await r.text()).trim(), String(target));
      assert.equal(driverValue('saturation'), target);
      const bad = await fetch(`${server.url}/?action=command&dest=0&plugin=0&id=${0x00980902}&group=1&value=999`);
      assert.equal(bad.status, 400);
      assert.match(await bad.text(), /saturation must be an integer from 0 to 255/);
      assert.equal((await fetch(`${server.url}/?action=command&dest=0&plugin=5&id=${0x00980902}&group=1&value=1`)).status, 404, 'input 5 does not exist');
    } finally {
      await server.stop();
    }
  });

  test('a value set over HTTP is saved in --state-dir and applied again after a restart', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mjpgd-state-'));
    const target = other('hue', 10, 20);
    let server = await startMjpgd([...CAMERA, '--state-dir', dir]);
    try {
      assert.equal((await post(server, { hue: target })).status, 200);
    } finally {
      await server.stop();
    }
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'controls-default.json'), 'utf8')), { hue: target });
    setWithV4l2Ctl('hue', 0);
    server = await startMjpgd([...CAMERA, '--state-dir', dir]);
    try {
      await firstFrame(server);
      assert.equal(driverValue('hue'), target, 'the saved value was applied at start');
    } finally {
      await server.stop();
    }
  });

  test('controls from the config file are applied at start', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mjpgd-conf-'));
    const file = path.join(dir, 'mjpgd.toml');
    const target = other('contrast', 70, 71);
    fs.writeFileSync(file, `[camera.front]\ndevice = "${VIVID}"\nwidth = 640\nheight = 480\nfps = 10\n\n[camera.front.controls]\ncontrast = ${target}\n`);
    const server = await startMjpgd(['--config', file]);
    try {
      await firstFrame(server);
      assert.equal(driverValue('contrast'), target);
      // The per-camera path serves the same controls.
      const { controls } = await (await fetch(`${server.url}/front/controls`)).json();
      assert.equal(controls.find((c) => c.name === 'contrast').value, target);
    } finally {
      await server.stop();
    }
  });

  test('after a pause (device closed, another program changes the control) the resumed camera gets the value set over HTTP again', async () => {
    const server = await startMjpgd(CAMERA);
    try {
      await firstFrame(server);
      const target = other('saturation', 33, 34);
      assert.equal((await post(server, { saturation: target })).status, 200);
      const state = async () => (await (await fetch(`${server.url}/state`)).json()).cameras[0];
      assert.equal((await fetch(`${server.url}/pause`, { method: 'POST' })).status, 202);
      await until('paused', async () => (await state()).state === 'paused');
      setWithV4l2Ctl('saturation', 0);
      assert.equal(driverValue('saturation'), 0);
      const captured = (await state()).counters.captured;
      assert.equal((await fetch(`${server.url}/resume`, { method: 'POST' })).status, 202);
      await until('frames after resume', async () => (await state()).counters.captured > captured + 2);
      assert.equal(driverValue('saturation'), target, 'the supervisor re-applied it after reopening');
    } finally {
      await server.stop();
    }
  });

  test('after an unplug and replug (vivid disconnect, driver reloaded) the value set over HTTP is applied again', async () => {
    const server = await startMjpgd(CAMERA);
    try {
      await firstFrame(server);
      // Not vivid's default (128), which a reloaded driver comes back with.
      assert.equal((await post(server, { brightness: 77 })).status, 200);
      const state = async () => (await (await fetch(`${server.url}/state`)).json()).cameras[0];
      assert.equal(spawnSync('v4l2-ctl', ['-d', VIVID, '-c', 'disconnect=1']).status, 0);
      await until('unplug detected', async () => (await state()).errors.count > 0);
      const args = 'n_devs=1 node_types=0x1 vid_cap_nr=0 num_inputs=1 input_types=0'.split(' ');
      let reloaded = false;
      await until('frames again', async () => {
        const s = await state();
        if (reloaded && s.online) return true;
        if (spawnSync('rmmod', ['vivid']).status === 0) {
          assert.equal(spawnSync('modprobe', ['vivid', ...args]).status, 0);
          reloaded = true;
        }
        return false;
      }, 60000);
      const { parts } = await readStream(`${server.url}/stream`, { maxParts: 2, ms: 5000 });
      assert.ok(parts.length >= 2, `${parts.length} parts after the replug`);
      assert.equal(driverValue('brightness'), 77);
    } finally {
      await server.stop();
    }
  });
});
