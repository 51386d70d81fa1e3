// Routes → answers, with fake cameras (no sockets, no processes): what each request gets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Router } = require('../../dist/http/router.js');
const { Auth } = require('../../dist/http/auth.js');
const { Fanout } = require('../../dist/stream/fanout.js');
const { FrameLease } = require('../../dist/sources/lease.js');

function fakeCamera(name) {
  const fanout = new Fanout({ stallTimeoutMs: 10000, maxFramesInPool: 4 });
  return {
    name,
    fanout,
    transforms: { stats: () => ({}) },
    error: null,
    // As Camera.snapshot without a size: a fresh frame or the next one.
    snapshot: async (_size, maxDelayMs) => {
      const frame = await fanout.frameAfter(Date.now() * 1000 - maxDelayMs * 1000, 5000);
      return frame ? { frame } : { status: 503, message: 'no frame within 5 s' };
    },
    state: () => ({ name, source: { kind: 'testpattern', device: null }, stream: { clients: fanout.clientCount } }),
  };
}

function request(method, target, headers = {}, remote = '10.0.0.1') {
  const q = target.indexOf('?');
  return {
    method,
    path: q < 0 ? target : target.slice(0, q),
    query: q < 0 ? '' : target.slice(q + 1),
    version: '1.1',
    headers: new Map(Object.entries({ host: 'cam', ...headers })),
    remote,
  };
}

function router(auth = { user: null, password: null, passwordHash: null, token: null }, cams = [fakeCamera('default'), fakeCamera('front')]) {
  return { r: new Router(cams, { maxClients: 2, snapshotMaxDelayMs: 500, version: 't', auth: new Auth(auth), basePath: '/webcam' }), cams };
}

test('stream forms pick the camera: path name, mjpg-streamer input number, default', async () => {
  const { r, cams } = router();
  for (const [target, cam] of [['/stream', 0], ['/front/stream', 1], ['/?action=stream_1', 1], ['/?action=stream?nonce=3', 0], ['/webcam/stream.mjpg', 0]]) {
    const a = await r.answer(request('GET', target));
    assert.ok('stream' in a, target);
    assert.equal(a.stream.camera, cams[cam], target);
  }
  const a = await r.answer(request('GET', '/stream?fps=5&advance_headers=1'));
  assert.deepEqual(a.stream.options, { maxFps: 5, advanceHeaders: true, dualFinalFrames: false });
  assert.equal((await r.answer(request('GET', '/?action=stream_2'))).status, 404);
  assert.equal((await r.answer(request('GET', '/front'))).status, 301);
  assert.equal((await r.answer(request('GET', '/front'))).headers.Location, '/webcam/front/');
});

test('methods: 405 with Allow, OPTIONS preflight, HEAD like GET', async () => {
  const { r } = router();
  const bad = await r.answer(request('POST', '/snapshot'));
  assert.equal(bad.status, 405);
  assert.equal(bad.headers.Allow, 'GET, HEAD, OPTIONS');
  const pre = await r.answer(request('OPTIONS', '/stream', { 'access-control-request-headers': 'x-a' }));
  assert.equal(pre.status, 204);
  assert.equal(pre.headers['Access-Control-Allow-Headers'], 'x-a');
  assert.equal((await r.answer(request('HEAD', '/state'))).status, 200);
  assert.equal((await r.answer(request('OPTIONS', '*'))).status, 204);
});

test('snapshot: the latest frame if fresh, else the next one', async () => {
  const { r, cams } = router();
  const jpeg = Buffer.from([0xff, 0xd8, 1, 2, 0xff, 0xd9]);
  const pending = r.answer(request('GET', '/snapshot'));
  cams[0].fanout.publish(new FrameLease(1, Date.now() * 1000, Buffer.concat([Buffer.alloc(200), jpeg, Buffer.alloc(100)]), 200, jpeg.length, { release() {} }));
  const a = await pending;
  assert.ok('frame' in a);
  assert.deepEqual(a.frame.jpeg, jpeg);
  a.frame.unref();
});

test('viewer limit: 503 with Retry-After once the limit is reached', async () => {
  const { r, cams } = router();
  const sink = { write: (c, o) => c.length - o, close() {} };
  cams[0].fanout.addClient(sink, { remoteAddress: 'x', transport: 't', options: { maxFps: 0, advanceHeaders: false, dualFinalFrames: false } });
  cams[1].fanout.addClient(sink, { remoteAddress: 'x', transport: 't', options: { maxFps: 0, advanceHeaders: false, dualFinalFrames: false } });
  const a = await r.answer(request('GET', '/stream'));
  assert.equal(a.status, 503);
  assert.equal(a.headers['Retry-After'], '10');
});

test('auth: 401 with a challenge, token and password accepted, an address that keeps failing backs off', async () => {
  const { r } = router({ user: 'u', password: 'p', passwordHash: null, token: 'tok' });
  assert.equal((await r.answer(request('GET', '/state'))).status, 401);
  assert.match((await r.answer(request('GET', '/state'))).headers['WWW-Authenticate'], /^Basic /);
  assert.equal((await r.answer(request('GET', '/state?token=tok'))).status, 200);
  const good = { authorization: `Basic ${Buffer.from('u:p').toString('base64')}` };
  const bad = { authorization: `Basic ${Buffer.from('u:x').toString('base64')}` };
  assert.equal((await r.answer(request('GET', '/state', good))).status, 200);
  const statuses = [];
  for (let i = 0; i < 8; i++) statuses.push((await r.answer(request('GET', '/state', bad, '10.9.9.9'))).status);
  assert.deepEqual(statuses, [401, 401, 401, 401, 401, 401, 429, 429]);
  assert.equal((await r.answer(request('GET', '/state', good, '10.1.1.1'))).status, 200, 'other addresses are not affected');
  assert.equal((await r.answer(request('OPTIONS', '/stream', {}, '10.9.9.9'))).status, 204, 'preflight needs no credentials');
});
