// HTTP/1.0 clients (relays, recorders, NVRs, curl -0): uWS never answers them, so mjpgd serves them on
// --http10-port from the same fan-out engine. Checked with raw requests and curl -0.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { boundaryOf, MultipartParser } from './helpers/multipart.mjs';
import { openStream, waitForState } from './helpers/rawstream.mjs';
import { run, startMjpgd } from './helpers/server.mjs';

let server;
let port10;

before(async () => {
  server = await startMjpgd(['--http10-port', '0', '--max-clients', '3']);
  port10 = Number((await server.match(/HTTP\/1\.0 clients: port (\d+)/))[1]);
});

after(async () => {
  const { code } = await server.stop();
  assert.equal(code, 0, server.output());
});

test('a raw HTTP/1.0 request without Host gets an HTTP/1.0 multipart stream, no chunked encoding', async () => {
  for (const path of ['/stream', '/?action=stream&1595805826022', '/stream?advance_headers=1']) {
    const v = openStream(port10, { path, version: '1.0', delimiterParsing: path.includes('advance'), onPart: (p, v) => v.parts.length >= 5 && v.close() });
    await v.closed;
    assert.equal(v.error, null, `${path}: ${v.error?.message}`);
    assert.match(v.head, /^HTTP\/1\.0 200 OK\r\n/);
    assert.match(v.head, /\r\nContent-Type: multipart\/x-mixed-replace;boundary=mjpgdframe/);
    assert.doesNotMatch(v.head, /Transfer-Encoding/i);
    assert.doesNotMatch(v.head, /Content-Length/i);
    assert.ok(v.parts.length >= 5, path);
  }
  const s = await waitForState(server.url, (st) => st.clients === 0);
  assert.equal(s.clients, 0);
});

test('curl -0 reads the stream and a snapshot', async () => {
  const r = await run('curl', ['-0', '-s', '-N', '--max-time', '2', '-D', '-', `http://127.0.0.1:${port10}/stream`], { timeoutMs: 10000 });
  assert.equal(r.code, 28, `stopped by --max-time: ${r.stderr}`);
  const end = r.stdout.indexOf('\r\n\r\n');
  const head = r.stdout.subarray(0, end).toString();
  assert.match(head, /^HTTP\/1\.0 200 OK/);
  const parser = new MultipartParser(boundaryOf(/content-type: (.*)\r/i.exec(head)[1]));
  parser.feed(r.stdout.subarray(end + 4));
  assert.ok(parser.parts.length >= 20, `${parser.parts.length} parts in 2 s`);
  const snap = await run('curl', ['-0', '-s', '-D', '-', `http://127.0.0.1:${port10}/snapshot`], { timeoutMs: 10000 });
  assert.equal(snap.code, 0);
  const sEnd = snap.stdout.indexOf('\r\n\r\n');
  assert.match(snap.stdout.subarray(0, sEnd).toString(), /^HTTP\/1\.0 200 OK\r\nContent-Type: image\/jpeg\r\nContent-Length: \d+/);
  const jpeg = snap.stdout.subarray(sEnd + 4);
  assert.equal(jpeg.readUInt16BE(0), 0xffd8);
  assert.equal(jpeg.readUInt16BE(jpeg.length - 2), 0xffd9);
});

test('/state and /metrics over HTTP/1.0; both listeners share one viewer limit; 503 there too', async () => {
  const state = await run('curl', ['-0', '-s', `http://127.0.0.1:${port10}/state`]);
  assert.equal(JSON.parse(state.stdout.toString()).version, '0.1.0');
  // curl's viewer from the test before is gone once the server's next write to it fails.
  assert.equal((await waitForState(server.url, (st) => st.clients === 0)).clients, 0);
  const viewers = [openStream(server.port), openStream(port10, { version: '1.0' }), openStream(port10, { version: '1.0' })];
  const s = await waitForState(server.url, (st) => st.clients === 3);
  assert.deepEqual(s.cameras[0].clients.map((c) => c.transport).sort(), ['http10', 'http10', 'uws']);
  const extra = openStream(port10, { version: '1.0' });
  await extra.closed;
  assert.match(extra.head, /^HTTP\/1\.0 503 /);
  assert.match(extra.head, /\r\nRetry-After: \d+/);
  assert.equal(extra.parts.length, 0);
  await Promise.all(viewers.map((v) => v.close()));
  assert.equal((await waitForState(server.url, (st) => st.clients === 0)).clients, 0);
});
