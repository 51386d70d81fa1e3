// Direct writes: on the node transport, viewers of a native source that keep up are written by the
// capture thread itself; a viewer that stops reading is handed back to JS mid-part, finished from there,
// and goes direct again once it drains. Every byte of every part must be right across those switches.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openStream, waitForState } from './helpers/rawstream.mjs';
import { startMjpgd, TRANSPORT } from './helpers/server.mjs';

const NODE_TRANSPORT = (TRANSPORT ?? 'node') === 'node';
const ARGS = ['--width', '640', '--height', '480', '--fps', '30', '--quality', '90'];

const directOf = (s) => s.cameras[0].clients.map((c) => c.direct);

function assertInOrder(parts) {
  for (let i = 1; i < parts.length; i++) assert.ok(parts[i].timestamp > parts[i - 1].timestamp, `part ${i} is newer than part ${i - 1}`);
}

test('a viewer that keeps up is written directly (node transport only), and its figures count those frames', async () => {
  const server = await startMjpgd(ARGS);
  try {
    const v = openStream(server.port);
    const s = await waitForState(server.url, (st) => st.cameras[0].clients.length === 1 && st.cameras[0].clients[0].framesSent >= 20);
    const [client] = s.cameras[0].clients;
    assert.equal(client.direct, NODE_TRANSPORT, JSON.stringify(client));
    assert.ok(client.framesSent >= 20 && client.bytesSent > client.framesSent * 1000, JSON.stringify(client));
    assert.ok(s.cameras[0].stream.framesSent >= client.framesSent);
    await v.close();
    assert.equal(v.error, null, String(v.error));
    assert.ok(v.parts.length >= 20);
    assertInOrder(v.parts);
    for (const p of v.parts) assert.deepEqual(p.size, { width: 640, height: 480 });
  } finally {
    await server.stop();
  }
});

test('a viewer that stops reading is handed back mid-part, finished from JS, and direct again after it drains', async () => {
  const server = await startMjpgd([...ARGS, '--stall-timeout', '30']);
  try {
    const v = openStream(server.port);
    await waitForState(server.url, (st) => st.cameras[0].clients[0]?.framesSent >= 10);
    v.socket.pause();
    // The kernel's buffers fill within a few frames; then the capture thread can't write a part whole.
    const stuck = await waitForState(server.url, (st) => st.cameras[0].clients[0]?.sending === true, 10000);
    assert.deepEqual(directOf(stuck), [false], 'handed back to JS while it pushes back');
    const skipping = await waitForState(server.url, (st) => st.cameras[0].clients[0]?.framesSkipped >= 5);
    assert.ok(skipping.cameras[0].clients[0].sending, 'frames skipped while it is stuck, not queued');
    const before = v.parts.length;
    v.socket.resume();
    const again = await waitForState(server.url, (st) => st.cameras[0].clients[0]?.sending === false && st.cameras[0].clients[0]?.direct === NODE_TRANSPORT, 10000);
    assert.deepEqual(directOf(again), [NODE_TRANSPORT]);
    await waitForState(server.url, () => v.parts.length >= before + 20, 10000);
    await v.close();
    assert.equal(v.error, null, `every part intact across the switches: ${v.error}`);
    assertInOrder(v.parts);
  } finally {
    await server.stop();
  }
});

test('--no-direct-writes: every part is written from JS, intact', async () => {
  const server = await startMjpgd([...ARGS, '--no-direct-writes']);
  try {
    const v = openStream(server.port);
    const s = await waitForState(server.url, (st) => st.cameras[0].clients[0]?.framesSent >= 15);
    assert.deepEqual(directOf(s), [false]);
    await v.close();
    assert.equal(v.error, null, String(v.error));
    assertInOrder(v.parts);
  } finally {
    await server.stop();
  }
});
