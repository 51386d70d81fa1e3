// The fan-out engine under load: hundreds of viewers, slow and stalled ones, clients that hang up at
// awkward moments, per-client options, the viewer limit. Behaviour, not timing: counts come from
// /state and from what each viewer parsed.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { openStream, rssKiB, state, waitForState } from './helpers/rawstream.mjs';
import { startMjpgd, TRANSPORT } from './helpers/server.mjs';

const hold = (ms) => new Promise((r) => setTimeout(r, ms));

describe('200 viewers: 175 fast, 20 throttled, 5 that never read', () => {
  let server;
  before(async () => {
    server = await startMjpgd(['--width', '320', '--height', '240', '--fps', '15', '--stall-timeout', '2', '--max-clients', '250']);
  });
  after(async () => {
    const { code } = await server.stop();
    assert.equal(code, 0, server.output());
  });

  test('every part intact; fast get nearly all frames; slow fewer; memory bounded; 0 left', async (t) => {
    await waitForState(server.url, (s) => s.cameras[0].stream.framesPublished > 5);
    const rssBefore = await rssKiB(server.child.pid);
    const s0 = await state(server.url);
    const fast = [];
    const slow = [];
    const stalled = [];
    for (let i = 0; i < 200; i++) {
      if (i % 10 === 5) slow.push(openStream(server.port, { rate: 40_000 }));
      else if (i % 40 === 7) stalled.push(openStream(server.port, { neverRead: true }));
      else fast.push(openStream(server.port));
    }
    assert.equal(slow.length, 20);
    assert.equal(stalled.length, 5);
    await hold(5000);
    const s1 = await state(server.url);
    const rssDuring = await rssKiB(server.child.pid);
    const published = s1.cameras[0].stream.framesPublished - s0.cameras[0].stream.framesPublished;
    await Promise.all([...fast, ...slow, ...stalled].map((v) => v.close()));

    // The 5 that never read: at this bitrate the kernel's socket buffers (up to 4 MB, which uWS gives no
    // way to limit) absorb all 5 s, so the engine sees no backpressure from them yet; their closing is
    // the stall test's job below. They must not disturb the others, which the checks below cover.
    for (const v of [...fast, ...slow]) {
      assert.equal(v.error, null, `no framing error: ${v.error?.message}`);
      assert.equal(v.status, 200);
      for (const p of v.parts) assert.deepEqual(p.size, { width: 320, height: 240 });
    }
    const fastParts = fast.map((v) => v.parts.length);
    const slowParts = slow.map((v) => v.parts.length);
    const minFast = Math.min(...fastParts);
    t.diagnostic(`published ${published}; fast min ${minFast}, slow max ${Math.max(...slowParts)}`);
    // A fast viewer may miss a frame or two while 200 connect at once; never more than a few.
    assert.ok(minFast >= published - 5, `fast viewers got nearly every frame: min ${minFast} of ${published}`);
    for (const v of slow) {
      assert.ok(v.parts.length > 0 && v.parts.length < minFast, `slow viewer got fewer (${v.parts.length}) but some`);
    }
    // These slow readers are slow applications, not slow links: what their own kernel buffers holds
    // is beyond the server's reach (the slow-link lag test is in fanout-backpressure.test.mjs).
    const worstLag = Math.max(...slow.flatMap((v) => v.lags));
    t.diagnostic(`slow viewers: worst capture→receive lag ${worstLag.toFixed(2)} s; RSS ${rssBefore} → ${rssDuring} KiB`);
    // Fast viewers are not held back by slow ones: what they get is fresher (a relation, not a time
    // limit: absolute lags depend on the machine's load).
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const fastLag = median(fast.flatMap((v) => v.lags));
    const slowLag = median(slow.flatMap((v) => v.lags));
    t.diagnostic(`median capture→receive lag: fast ${fastLag.toFixed(3)} s, slow ${slowLag.toFixed(3)} s`);
    assert.ok(fastLag < slowLag, `fast viewers see fresher frames than slow ones (${fastLag.toFixed(3)} vs ${slowLag.toFixed(3)} s)`);
    // Frames still being sent to slow viewers are copied out of the pool only when the pool runs short,
    // so the camera never starves: an exception, far below what is sent.
    const copied = s1.cameras[0].stream.bytesCopied;
    t.diagnostic(`bytes copied out of the pool for slow viewers: ${copied} of ${s1.cameras[0].stream.bytesSent} sent`);
    assert.ok(copied < s1.cameras[0].stream.bytesSent / 50, `copies stay the exception: ${copied} bytes`);
    // Bounded: pool + one partial part per viewer, not frames piling up per slow viewer.
    assert.ok(rssDuring - rssBefore < 64 * 1024, `RSS grew ${rssDuring - rssBefore} KiB with 200 viewers`);
    const end = await waitForState(server.url, (s) => s.clients === 0);
    assert.equal(end.clients, 0, 'every viewer gone from /state');
    assert.equal(end.cameras[0].clients.length, 0);
  });
});

test('viewers that take nothing are closed after --stall-timeout; the others keep streaming', async () => {
  // Big frames fill the never-reading viewers' socket buffers (up to 4 MB in the kernel) within a second or two.
  const server = await startMjpgd(['--width', '1280', '--height', '720', '--quality', '95', '--fps', '30', '--stall-timeout', '1']);
  try {
    const stalled = Array.from({ length: 3 }, () => openStream(server.port, { neverRead: true }));
    const reader = openStream(server.port, { path: '/stream?fps=2' });
    const s = await waitForState(server.url, (st) => st.cameras[0].stream.stalledClosed >= 3, 20000);
    assert.equal(s.cameras[0].stream.stalledClosed, 3, 'all three closed as stalled');
    assert.equal(s.clients, 1, 'the reading viewer is still there');
    await waitForState(server.url, () => reader.parts.length >= 2, 3000);
    assert.ok(reader.parts.length >= 2);
    assert.equal(reader.error, null);
    await Promise.all([...stalled, reader].map((v) => v.close()));
  } finally {
    await server.stop();
  }
});

describe('one server for the per-client cases', () => {
  let server;
  before(async () => {
    server = await startMjpgd(['--fps', '30', '--max-clients', '40']);
  });
  after(async () => {
    const { code } = await server.stop();
    assert.equal(code, 0, server.output());
  });

  test('viewers hanging up before the first frame, mid-header, mid-part, or with a reset: no crash, no leak', async () => {
    const rssBefore = await rssKiB(server.child.pid);
    for (let round = 0; round < 10; round++) {
      const viewers = [
        // before the request is complete
        new Promise((resolve) => {
          const s = net.connect(server.port, '127.0.0.1', () => {
            s.write('GET /stream HTTP/1.1\r\nHo');
            s.destroy();
          });
          s.on('close', resolve);
          s.on('error', () => {});
        }),
        // right after the response head, or at whatever point of a part the first read ended
        openStream(server.port, { hangUpAfter: (v) => v.status === 200 }).closed,
        openStream(server.port, { hangUpAfter: (v) => v.bodyBytes > 0 }).closed,
        // while the server is mid-part: never read, so its write is pending, then hang up
        (async () => {
          const v = openStream(server.port, { neverRead: true });
          await waitForState(server.url, (st) => st.cameras[0].clients.some((c) => c.sending), 3000);
          return v.close();
        })(),
        // after a few parts, with a TCP reset instead of a FIN
        (() => {
          const v = openStream(server.port, {
            onPart: (_p, v) => v.parts.length === 3 && v.socket.resetAndDestroy(),
          });
          return v.closed;
        })(),
      ];
      await Promise.all(viewers);
    }
    const s = await waitForState(server.url, (st) => st.clients === 0);
    assert.equal(s.clients, 0, 'no viewer left behind in /state');
    // The server still streams.
    const v = openStream(server.port, { onPart: (_p, v) => v.parts.length >= 3 && v.close() });
    await v.closed;
    assert.ok(v.parts.length >= 3);
    assert.ok((await rssKiB(server.child.pid)) - rssBefore < 32 * 1024, 'memory did not grow per aborted viewer');
  });

  test('?fps=5 gets about 5 frames per second of capture time', async () => {
    const v = openStream(server.port, { path: '/stream?fps=5&cacheBuster=123' });
    await waitForState(server.url, () => v.parts.length >= 11, 5000);
    await v.close();
    const ts = v.parts.map((p) => p.timestamp);
    const rate = (ts.length - 1) / (ts.at(-1) - ts[0]);
    assert.ok(rate > 4 && rate < 6, `capped at ~5 fps: ${rate.toFixed(2)}`);
  });

  test('?advance_headers=1: each JPEG is followed at once by the next part header; strict framing holds', async () => {
    const chunksEndingInHeader = [];
    const v = openStream(server.port, { path: '/stream?advance_headers=1&foo=bar', delimiterParsing: true });
    v.socket.on('data', (d) => chunksEndingInHeader.push(d.subarray(-4).toString('latin1') === '\r\n\r\n'));
    await waitForState(server.url, () => v.parts.length >= 20, 5000);
    await v.close();
    assert.equal(v.error, null, v.error?.message);
    assert.ok(v.parts.length >= 20);
    for (const p of v.parts) assert.deepEqual(p.size, { width: 640, height: 480 });
    // A part's header arrives with the previous JPEG, not with its own: reads end on a header.
    assert.ok(chunksEndingInHeader.filter(Boolean).length >= 10, 'reads end with the next part header');
  });

  test('?dual_final_frames=1: each frame of a slow source is sent a second time; framing stays valid', async () => {
    const slowServer = await startMjpgd(['--fps', '2']);
    try {
      const v = openStream(slowServer.port, { path: '/stream?dual_final_frames=1' });
      await waitForState(slowServer.url, () => v.parts.length >= 6, 8000);
      const s = await state(slowServer.url);
      await v.close();
      assert.equal(v.error, null);
      const ts = v.parts.map((p) => p.timestamp);
      const pairs = ts.slice(1).filter((t, i) => t === ts[i]).length;
      assert.ok(pairs >= 2, `frames repeated: ${ts.join(' ')}`);
      assert.ok(s.cameras[0].clients[0].framesRepeated >= 2);
      const plain = openStream(slowServer.port, {});
      await waitForState(slowServer.url, () => plain.parts.length >= 3, 8000);
      await plain.close();
      const pts = plain.parts.map((p) => p.timestamp);
      assert.ok(pts.every((t, i) => i === 0 || t > pts[i - 1]), 'without the option, no repeats');
    } finally {
      await slowServer.stop();
    }
  });

  test('over --max-clients: 503 with Retry-After and not a byte of a frame', async () => {
    const viewers = Array.from({ length: 40 }, () => openStream(server.port));
    await waitForState(server.url, (s) => s.clients === 40);
    const extra = openStream(server.port);
    await waitForState(server.url, () => extra.status !== 0, 3000);
    await extra.close();
    await Promise.all(viewers.map((v) => v.close()));
    assert.equal(extra.status, 503);
    assert.match(extra.head, /\r\nRetry-After: \d+/i);
    assert.equal(extra.parts.length, 0);
    assert.equal((extra.body ?? Buffer.alloc(0)).indexOf(Buffer.from([0xff, 0xd8])), -1, 'no JPEG bytes');
    await waitForState(server.url, (s) => s.clients === 0);
  });

  test('/state lists each viewer; /metrics has the same figures as Prometheus text', async () => {
    const v = openStream(server.port, { path: '/stream?fps=10&advance_headers=1', delimiterParsing: true });
    await waitForState(server.url, (s) => s.cameras[0].clients.some((c) => c.framesSent >= 5));
    const s = await state(server.url);
    const c = s.cameras[0].clients[0];
    assert.equal(s.clients, 1);
    assert.equal(c.remoteAddress, '127.0.0.1');
    assert.equal(c.transport, TRANSPORT ?? 'node');
    assert.deepEqual(c.options, { maxFps: 10, advanceHeaders: true, dualFinalFrames: false });
    for (const k of ['id', 'fps', 'framesSent', 'framesSkipped', 'bytesSent']) assert.equal(typeof c[k], 'number', k);
    const res = await fetch(`${server.url}/metrics?clients=1`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    await v.close();
    for (const name of ['mjpgd_stream_clients', 'mjpgd_frames_captured_total', 'mjpgd_frames_sent_total', 'mjpgd_frames_skipped_total', 'mjpgd_bytes_sent_total', 'mjpgd_client_frames_sent_total']) {
      assert.match(text, new RegExp(`^# TYPE ${name} (counter|gauge)$`, 'm'), name);
    }
    assert.match(text, /^mjpgd_stream_clients\{camera="default"\} 1$/m);
    assert.match(text, new RegExp(`^mjpgd_client_frames_sent_total\\{camera="default",client="${c.id}",remote="127.0.0.1",transport="${TRANSPORT ?? 'node'}"\\} \\d+$`, 'm'));
    // Every sample line is `name{labels} number`.
    for (const line of text.trim().split('\n').filter((l) => !l.startsWith('#'))) assert.match(line, /^[a-z_]+(\{[^}]*\})? -?\d+(\.\d+)?$/, line);
  });
});
