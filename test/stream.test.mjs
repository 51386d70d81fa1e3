// End to end: the real mjpgd process, read by fetch, curl, ffprobe and raw sockets.
import assert from 'node:assert/strict';
import net from 'node:net';
import { waitForState } from './helpers/rawstream.mjs';
import { after, before, describe, test } from 'node:test';
import { jpegSize } from './helpers/jpeg.mjs';
import { boundaryOf, MultipartParser, readStream } from './helpers/multipart.mjs';
import { run, startMjpgd } from './helpers/server.mjs';

const W = 640;
const H = 480;
let server;

before(async () => {
  server = await startMjpgd(['--source', 'testpattern', '--width', W, '--height', H, '--fps', '30']);
});

after(async () => {
  const { code } = await server.stop();
  assert.equal(code, 0, `mjpgd exits 0 on SIGTERM\n${server.output()}`);
});

function assertIntactParts(parts, width = W, height = H) {
  assert.ok(parts.length > 0, 'received parts');
  for (const p of parts) {
    assert.deepEqual(p.size, { width, height }, 'SOF dimensions = requested');
    assert.ok(p.timestamp > 1.6e9, `X-Timestamp present: ${p.headers['x-timestamp']}`);
  }
}

describe('/stream', () => {
  test('fetch reads intact, changing 640x480 frames for 2 s', async () => {
    const { status, headers, parts } = await readStream(`${server.url}/stream`, { ms: 2000 });
    assert.equal(status, 200);
    assert.equal(headers.get('content-type'), 'multipart/x-mixed-replace;boundary=mjpgdframe');
    assertIntactParts(parts);
    assert.ok(parts.length >= 20, `about 30 fps for 2 s, got ${parts.length} parts`);
    const distinct = new Set(parts.map((p) => p.body.toString('base64')));
    assert.equal(distinct.size, parts.length, 'every frame differs from the others (frame number, time)');
    const ts = parts.map((p) => p.timestamp);
    assert.ok(ts.every((t, i) => i === 0 || t > ts[i - 1]), 'timestamps increase');
  });

  test('curl reads the same stream', async () => {
    const r = await run('curl', ['-s', '-N', '--max-time', '2', '-D', '-', `${server.url}/stream`], { timeoutMs: 10000 });
    assert.equal(r.code, 28, `curl stopped by its --max-time (exit 28), got ${r.code}: ${r.stderr}`);
    const text = r.stdout;
    const headEnd = text.indexOf('\r\n\r\n');
    const head = text.subarray(0, headEnd).toString();
    assert.match(head, /^HTTP\/1\.1 200 OK/);
    const parser = new MultipartParser(boundaryOf(/content-type: (.*)\r/i.exec(head)[1]));
    parser.feed(text.subarray(headEnd + 4));
    assertIntactParts(parser.parts);
    assert.ok(parser.parts.length >= 20, `got ${parser.parts.length}`);
  });

  test('ffprobe identifies an MJPEG stream of the right size', async () => {
    const r = await run('ffprobe', ['-v', 'error', '-f', 'mpjpeg', '-show_streams', '-of', 'json', `${server.url}/stream`], {
      timeoutMs: 20000,
    });
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout.toString()).streams[0];
    assert.equal(s.codec_name, 'mjpeg');
    assert.equal(s.width, W);
    assert.equal(s.height, H);
  });

  test('mjpg-streamer and ustreamer URL forms stream, extra query parameters ignored', async () => {
    for (const path of ['/?action=stream', '/?action=stream&1595805826022', '/?stream', '/stream.mjpg', '/stream?cacheBuster=12&foo']) {
      const { status, parts } = await readStream(server.url + path, { maxParts: 3, ms: 3000 });
      assert.equal(status, 200, path);
      assert.ok(parts.length >= 3, `${path}: ${parts.length} parts`);
      assertIntactParts(parts);
    }
  });

  test('a newcomer gets a frame at once, not after the next capture', async () => {
    const t0 = Date.now() * 1000;
    const { parts } = await readStream(`${server.url}/stream`, { maxParts: 1, ms: 3000 });
    assert.equal(parts.length, 1);
    assert.ok(parts[0].timestamp * 1e6 <= t0, 'the first part was captured before the request (the latest frame)');
  });

  test('ten concurrent clients all get frames; one leaving mid-stream disturbs nobody', async () => {
    const readers = Array.from({ length: 10 }, () => readStream(`${server.url}/stream`, { ms: 2500 }));
    // An eleventh client that reads a few bytes of a part and hangs up.
    await new Promise((resolve, reject) => {
      const s = net.connect(server.port, '127.0.0.1', () => s.write('GET /stream HTTP/1.1\r\nHost: x\r\n\r\n'));
      let got = 0;
      s.on('data', (d) => {
        got += d.length;
        if (got > 30000) {
          s.destroy();
          resolve();
        }
      });
      s.on('error', reject);
    });
    const results = await Promise.all(readers);
    for (const r of results) {
      assertIntactParts(r.parts);
      assert.ok(r.parts.length >= 30, `each client keeps receiving: ${r.parts.length}`);
    }
    // The readers hung up; the server notices each FIN as it arrives.
    const state = await waitForState(server.url, (s) => s.clients === 0);
    assert.equal(state.clients, 0, 'all clients gone from /state');
  });
});

describe('/snapshot', () => {
  for (const path of ['/snapshot', '/snapshot.jpg', '/?action=snapshot', '/?action=snapshot&1595805826022', '/?snapshot']) {
    test(`${path} is one fresh JPEG of the right size`, async () => {
      const requested = Date.now() / 1000;
      const res = await fetch(server.url + path);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'image/jpeg');
      const body = Buffer.from(await res.arrayBuffer());
      assert.equal(body[0], 0xff);
      assert.equal(body[1], 0xd8);
      assert.equal(body.at(-2), 0xff);
      assert.equal(body.at(-1), 0xd9);
      assert.deepEqual(jpegSize(body), { width: W, height: H });
      const ts = Number(res.headers.get('x-timestamp'));
      assert.ok(requested - ts < 1, `captured within a second of the request (${requested - ts} s)`);
    });
  }
});

describe('/state', () => {
  test('reports source, rates, clients, frames, uptime and version', async () => {
    const res = await fetch(`${server.url}/state`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    const s = await res.json();
    assert.equal(s.version, '0.1.0');
    assert.equal(typeof s.uptimeSeconds, 'number');
    assert.equal(typeof s.clients, 'number');
    const cam = s.cameras[0];
    assert.equal(cam.source.kind, 'testpattern');
    assert.equal(cam.source.width, W);
    assert.equal(cam.source.height, H);
    assert.equal(cam.source.fps.desired, 30);
    // The measured rate is a figure (it depends on the machine's load); that it is measured is the behaviour.
    assert.ok(cam.source.fps.measured > 0 && cam.source.fps.measured <= 40, `measured ${cam.source.fps.measured}`);
    assert.ok(cam.counters.captured > 0);
    assert.equal(cam.counters.bytesCopied, 0, 'no JPEG bytes copied on the way to JS');
    const info = await (await fetch(`${server.url}/?info`)).json();
    assert.equal(info.cameras[0].source.kind, 'testpattern');
  });

  test('the viewer page embeds the stream', async () => {
    const res = await fetch(`${server.url}/`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /<img[^>]+src="stream"/);
  });

  test('unknown paths get 404, other methods 405, and the server keeps going', async () => {
    assert.equal((await fetch(`${server.url}/nope`)).status, 404);
    assert.equal((await fetch(`${server.url}/?action=nope`)).status, 404);
    assert.equal((await fetch(`${server.url}/stream`, { method: 'POST', body: 'x' })).status, 405);
    assert.equal((await fetch(`${server.url}/state`)).status, 200);
  });
});

describe('bad requests', () => {
  /** Sends raw bytes and returns what came back before the server closed (or 2 s passed). */
  function raw(bytes) {
    return new Promise((resolve) => {
      const s = net.connect(server.port, '127.0.0.1', () => s.write(bytes));
      const chunks = [];
      const timer = setTimeout(() => s.destroy(), 2000);
      s.on('data', (d) => chunks.push(d));
      s.on('error', () => {});
      s.on('close', () => {
        clearTimeout(timer);
        resolve(Buffer.concat(chunks).toString('latin1'));
      });
    });
  }

  test('garbage, oversized heads and bad methods get an error or a close, never a crash', async () => {
    const answers = await Promise.all([
      raw('GARBAGE\r\n\r\n'),
      raw(`GET /stream HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(1024 * 1024)}\r\n\r\n`),
      raw('GET /\x00\x01 HTTP/1.1\r\nHost: x\r\n\r\n'),
      raw('DELETE /stream HTTP/1.1\r\nHost: x\r\n\r\n'),
    ]);
    for (const a of answers) assert.ok(a === '' || /^HTTP\/1\.1 4\d\d/.test(a), `an error status or a close, got ${JSON.stringify(a.slice(0, 40))}`);
    assert.match(answers[3], /^HTTP\/1\.1 405/);
    assert.ok(!answers.some((a) => a.includes('\xff\xd8')), 'no frame bytes for bad requests');
    const state = await (await fetch(`${server.url}/state`)).json();
    assert.equal(state.clients, 0);
    const { parts } = await readStream(`${server.url}/stream`, { maxParts: 1, ms: 3000 });
    assert.equal(parts.length, 1, 'still streaming');
  });

  test('a hundred connections that send nothing do not stop others from streaming', async () => {
    const idle = await Promise.all(Array.from({ length: 100 }, () => new Promise((r) => { const s = net.connect(server.port, '127.0.0.1', () => r(s)); s.on('error', () => {}); })));
    try {
      const { parts } = await readStream(`${server.url}/stream`, { maxParts: 3, ms: 3000 });
      assert.equal(parts.length, 3);
    } finally {
      for (const s of idle) s.destroy();
    }
  });
});
