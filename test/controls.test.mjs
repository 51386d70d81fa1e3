// The controls endpoints through the real server on each transport (the VM suite sets real
// controls on vivid): POST bodies reach the action, answers name the problem, and a camera that is
// not there yet is a 503 naming its device, not a crash.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startMjpgd } from './helpers/server.mjs';

const post = (url, body) => fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });

test('POST /controls: the body is read (a bad value is named), a missing device is a 503 naming it, a test pattern has none', async () => {
  const server = await startMjpgd(['--device', '/dev/mjpgd-test-no-such-video', '--mjpg-streamer-server-header']);
  try {
    let r = await post(`${server.url}/controls`, '{"brightness": "bright"}');
    assert.equal(r.status, 400);
    assert.match((await r.json()).error, /control brightness: value must be a 32-bit integer, true or false \(got "bright"\)/);
    r = await post(`${server.url}/controls`, '{"brightness": 120}');
    assert.equal(r.status, 503);
    assert.match((await r.json()).error, /\/dev\/mjpgd-test-no-such-video does not exist/);
    assert.match(r.headers.get('server'), /^MJPG-Streamer/);
    r = await fetch(`${server.url}/?action=command&id=-1`);
    assert.equal(r.status, 200);
    assert.equal((await fetch(`${server.url}/controls`, { method: 'HEAD' })).status, 503);
  } finally {
    await server.stop();
  }
  const pattern = await startMjpgd(['--source', 'testpattern']);
  try {
    assert.deepEqual(await (await fetch(`${pattern.url}/controls`)).json(), { controls: [] });
    const r = await post(`${pattern.url}/default/controls`, '{"brightness": 1}');
    assert.equal(r.status, 409);
    assert.equal(r.headers.get('server'), null, 'no Server header unless asked for');
  } finally {
    await pattern.stop();
  }
});
