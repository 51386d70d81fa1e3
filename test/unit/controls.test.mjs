// Controls without a device or a process: value parsing, the saved file, the routes of the control
// API (mjpgd's own and mjpg-streamer's) and their answers for cameras that have no controls.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { parseControlValues, mergeControlValues } = require('../../dist/controls/values.js');
const { ControlStore } = require('../../dist/controls/store.js');
const { CameraControls, attachControls } = require('../../dist/controls/camera-controls.js');
const { parseRequest } = require('../../dist/http/routes.js');
const { ACTIONS } = require('../../dist/http/actions.js');
const { Router } = require('../../dist/http/router.js');
const { Auth } = require('../../dist/http/auth.js');
const { Fanout } = require('../../dist/stream/fanout.js');

test('control values from a flag, a table or a JSON body; bad entries named', () => {
  assert.deepEqual(parseControlValues('brightness=120, focus_automatic_continuous=0,9963776=-3'), { brightness: 120, focus_automatic_continuous: 0, 9963776: -3 });
  assert.deepEqual(parseControlValues({ brightness: '7', exposure_dynamic_framerate: true, auto: false }), { brightness: 7, exposure_dynamic_framerate: 1, auto: 0 });
  assert.deepEqual(parseControlValues(''), {});
  assert.throws(() => parseControlValues('brightness'), /expected name=value, got "brightness"/);
  assert.throws(() => parseControlValues({ brightness: 1.5 }), /control brightness: value must be a 32-bit integer/);
  assert.throws(() => parseControlValues({ gain: 2 ** 31 }), /control gain/);
  assert.throws(() => parseControlValues({ '': 1 }), /control name "" must be/);
  assert.throws(() => parseControlValues([1, 2]), /expected a table/);
});

test('merging: later tables win and two spellings of one control are one entry', () => {
  assert.deepEqual(mergeControlValues({ Brightness: 1, contrast: 2 }, { brightness: 3 }), { contrast: 2, brightness: 3 });
});

test('the saved file: missing is empty, written atomically (no temporary left), unreadable named', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mjpgd-store-'));
  const store = new ControlStore(path.join(dir, 'sub'), 'front');
  assert.deepEqual(store.load(), {});
  store.save({ brightness: 9 });
  store.save({ brightness: 10, hue: 1 });
  assert.deepEqual(store.load(), { brightness: 10, hue: 1 });
  assert.deepEqual(fs.readdirSync(path.join(dir, 'sub')), ['controls-front.json']);
  fs.writeFileSync(store.file, '{"brightness": "high"}');
  assert.throws(() => store.load(), /controls-front\.json is not a table of control values .*fix or delete it/);
  assert.throws(() => new CameraControls('front', '/dev/video0', {}, store), /camera front: .*controls-front\.json/);
});

test('desired controls: the config first, the saved values over it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mjpgd-store-'));
  const store = new ControlStore(dir, 'default');
  store.save({ brightness: 50 });
  const c = new CameraControls('default', '/dev/video0', { Brightness: 10, contrast: 3 }, store);
  assert.deepEqual(c.desired(), [{ name: 'contrast', value: 3 }, { name: 'brightness', value: 50 }]);
});

const table = { cameraNames: ['front'], actionPaths: Object.keys(ACTIONS), basePath: '' };

test('mjpg-streamer control URLs route to the control actions and pick the input', () => {
  const p = (target) => {
    const q = target.indexOf('?');
    const r = parseRequest(q < 0 ? target : target.slice(0, q), q < 0 ? '' : target.slice(q + 1), table);
    return [r.route, r.actionPath, r.camera, r.cameraIndex];
  };
  assert.deepEqual(p('/?action=command&id=-1'), ['action', '?action=command', null, null]);
  assert.deepEqual(p('/?action=command&dest=0&plugin=1&id=9963776&group=1&value=3'), ['action', '?action=command', null, 1]);
  assert.deepEqual(p('/input.json'), ['action', '/input.json', null, null]);
  assert.deepEqual(p('/input_1.json'), ['action', '/input.json', null, 1]);
  assert.deepEqual(p('/front/input_0.json'), ['action', '/input.json', 'front', null]);
  assert.deepEqual(p('/program.json'), ['action', '/program.json', null, null]);
  assert.deepEqual(p('/front/controls'), ['action', '/controls', 'front', null]);
  assert.deepEqual(p('/?action=stream'), ['stream', null, null, null]);
});

function fakeCamera(name, kind) {
  const fanout = new Fanout({ stallTimeoutMs: 10000, maxFramesInPool: 4 });
  const source = { info: { kind, width: 640, height: 480, fps: 10, format: 'MJPG', device: kind === 'v4l2' ? '/dev/mjpgd-no-such-video' : undefined } };
  return { name, fanout, source, transforms: { stats: () => ({}) }, error: null, state: () => ({ name, source: source.info, stream: { clients: 0 } }) };
}

function request(method, target) {
  const q = target.indexOf('?');
  return { method, path: q < 0 ? target : target.slice(0, q), query: q < 0 ? '' : target.slice(q + 1), version: '1.1', headers: new Map([['host', 'cam']]), remote: '10.0.0.1' };
}

function router(serverHeader = null) {
  const cams = [fakeCamera('default', 'testpattern'), fakeCamera('gone', 'v4l2')];
  attachControls(cams[1].source, new CameraControls('gone', cams[1].source.info.device, {}, null));
  const auth = new Auth({ user: null, password: null, passwordHash: null, token: null });
  return new Router(cams, { maxClients: 2, snapshotMaxDelayMs: 500, version: 't', auth, basePath: '', serverHeader });
}

test('answers: no controls for a non-V4L2 camera, 400 for a bad body before the device is touched, 503 naming a missing device', async () => {
  const r = router();
  const body = async (a) => JSON.parse(String(a.body));
  assert.deepEqual(await body(await r.answer(request('GET', '/controls'))), { controls: [] });
  const noDevice = await r.answer(request('POST', '/controls'), Buffer.from('{"brightness": 1}'));
  assert.equal(noDevice.status, 409);
  assert.match((await body(noDevice)).error, /camera default is not a V4L2 device/);
  const badJson = await r.answer(request('POST', '/gone/controls'), Buffer.from('{brightness'));
  assert.equal(badJson.status, 400);
  const empty = await r.answer(request('POST', '/gone/controls'), Buffer.from('{}'));
  assert.equal(empty.status, 400);
  assert.match((await body(empty)).error, /no controls given/);
  const missing = await r.answer(request('POST', '/gone/controls'), Buffer.from('{"brightness": 1}'));
  assert.equal(missing.status, 503);
  assert.match((await body(missing)).error, /\/dev\/mjpgd-no-such-video does not exist/);
  assert.equal((await r.answer(request('GET', '/gone/controls'))).status, 503);
  assert.equal((await r.answer(request('PUT', '/controls'))).status, 405);
});

test('mjpg-streamer answers: id=-1 probe, group other than V4L2 refused, input.json and program.json shapes, Server header on request', async () => {
  const plain = router();
  const probe = await plain.answer(request('GET', '/?action=command&id=-1'));
  assert.equal(probe.status, 200);
  assert.equal(probe.headers?.Server, undefined, 'no Server header unless asked for');
  const posing = router('MJPG-Streamer/0.2 (mjpgd)');
  assert.equal((await posing.answer(request('GET', '/?action=command&id=-1'))).headers.Server, 'MJPG-Streamer/0.2 (mjpgd)');
  assert.equal((await posing.answer(request('GET', '/stream'))).headers.Server, 'MJPG-Streamer/0.2 (mjpgd)', 'streams carry it too');
  assert.equal((await plain.answer(request('GET', '/?action=command&plugin=1&id=9963776&group=2&value=1'))).status, 400);
  assert.equal((await plain.answer(request('GET', '/?action=command&plugin=1&id=9963776&group=1'))).status, 400);
  assert.equal((await plain.answer(request('GET', '/?action=command&plugin=0&id=9963776&group=1&value=1'))).status, 409);
  const input = JSON.parse(String((await plain.answer(request('GET', '/input.json'))).body));
  assert.deepEqual(input, { controls: [], formats: [{ id: '0', name: 'MJPG', compressed: 'true', emulated: 'false', current: 'true', resolutions: { 0: '640x480' }, currentResolution: '0' }] });
  const program = JSON.parse(String((await plain.answer(request('GET', '/program.json'))).body));
  assert.equal(program.outputs[0].plugin, 'output_http.so');
});
