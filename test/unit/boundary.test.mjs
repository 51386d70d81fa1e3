// The addon's boundary types, without a process or a device: errors carry their kind as `code` (the
// message is the reason alone), and SourceInfo is the core's struct with its typed memory kind.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';

const require = createRequire(import.meta.url);
const native = require('../../native/binding.js');
const { describeError, errorKindOf } = require('../../dist/native/binding.js');
const { CameraControls } = require('../../dist/controls/camera-controls.js');

function thrown(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  assert.fail('expected a throw');
}

test('an addon error has its kind as code and the reason as message; describeError joins them as before', () => {
  const missing = thrown(() => native.listControls('/dev/mjpgd-no-such-device'));
  assert.equal(missing.code, 'not_found');
  assert.match(missing.message, /^\/dev\/mjpgd-no-such-device does not exist/);
  assert.equal(errorKindOf(missing), 'not_found');
  assert.equal(describeError(missing), `not_found: ${missing.message}`);

  const op = thrown(() => native.transformJpeg(Buffer.from('not a jpeg'), 'spin'));
  assert.equal(op.code, 'invalid_argument');
  assert.equal(op.message, 'unknown transform "spin"');

  const kind = thrown(() => new native.Camera({ source: 'bogus', width: 64, height: 48, fps: 5, quality: 80, buffers: 2 }));
  assert.equal(kind.code, 'invalid_argument');
  assert.equal(kind.message, 'unknown source kind "bogus"');
});

test('errors that are not the addon\'s have no kind and read as their message', () => {
  assert.equal(errorKindOf(new Error('plain')), undefined);
  assert.equal(errorKindOf(null), undefined);
  assert.equal(describeError(new Error('plain')), 'plain');
});

test('the controls of a missing device answer 503 with "<kind>: <reason>", read from the code', () => {
  const controls = new CameraControls('cam', '/dev/mjpgd-no-such-device', {}, null);
  const e = thrown(() => controls.list());
  assert.equal(e.status, 503);
  assert.match(e.message, /^not_found: \/dev\/mjpgd-no-such-device does not exist/);
  const set = thrown(() => controls.set({ brightness: 1 }));
  assert.equal(set.status, 503);
});

test('SourceInfo before the first open: what was asked, no memory kind yet (absent, not a "" sentinel)', () => {
  const camera = new native.Camera({ source: 'testpattern', width: 64, height: 48, fps: 5, quality: 80, buffers: 3 });
  const info = camera.info();
  assert.deepEqual(info, { kind: 'testpattern', width: 64, height: 48, fps: 5, format: 'auto', notes: [], offered: [], poolSize: 3, copied: false });
  assert.equal('buffers' in info, false);
  camera.stop();
});
