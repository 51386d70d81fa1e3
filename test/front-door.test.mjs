// The front door: every request gets an answer, no request can stop the process. HEAD everywhere,
// malformed heads, HTTP/1.0 on the main port, keep-alive and pipelining, CORS preflight, the next
// boundary right after each JPEG, the stall timeout, a wrong-password flood, mjpg-streamer's URL forms.
// Runs under every Node and transport (test/matrix.mjs); what only the node transport can do (uWS never
// answers HTTP/1.0 or a malformed head) is registered for it alone.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Connection, exchange, RawConnection, responses } from './helpers/http.mjs';
import { jpegSize } from './helpers/jpeg.mjs';
import { boundaryOf, MultipartParser } from './helpers/multipart.mjs';
import { openStream, waitForState } from './helpers/rawstream.mjs';
import { NODE, run, runMjpgd, startMjpgd, TRANSPORT } from './helpers/server.mjs';

const NODE_TRANSPORT = (TRANSPORT ?? 'node') === 'node';
const NODE_MAJOR = Number(spawnSync(NODE, ['-p', 'process.versions.node.split(".")[0]']).stdout.toString());
const HOST = 'Host: 127.0.0.1\r\n';

function isJpeg(b) {
  return b.length > 4 && b[0] === 0xff && b[1] === 0xd8 && b.at(-2) === 0xff && b.at(-1) === 0xd9;
}

describe('one server', () => {
  let server;
  before(async () => {
    server = await startMjpgd(['--base-path', '/webcam']);
  });
  after(async () => {
    const { code } = await server.stop();
    assert.equal(code, 0, server.output());
  });

  test('HEAD on every route: status and headers, no body, and the process lives', async () => {
    const routes = [
      ['/', 200, /^text\/html/],
      ['/state', 200, /^application\/json/],
      ['/metrics', 200, /^text\/plain; version=0\.0\.4/],
      ['/snapshot', 200, /^image\/jpeg$/],
      ['/?action=snapshot', 200, /^image\/jpeg$/],
      ['/nowhere', 404, /^text\/plain/],
    ];
    for (const [path, status, type] of routes) {
      // HEAD, then a GET on the same connection: the GET's answer must follow the HEAD's head directly.
      const c = new RawConnection(server.port);
      const head = (await c.send(`HEAD ${path} HTTP/1.1\r\n${HOST}\r\n`, (b) => b.includes('\r\n\r\n'))).toString('latin1');
      assert.match(head, new RegExp(`^HTTP/1\\.1 ${status} `), `${path}: ${head}`);
      assert.match(/\r\ncontent-type: ([^\r]*)/i.exec(head)[1], type, path);
      assert.ok(head.endsWith('\r\n\r\n'), `${path}: nothing after the head`);
      if (NODE_TRANSPORT) {
        const next = await c.send(`GET /state HTTP/1.1\r\n${HOST}\r\n`, (b) => b.length >= 15);
        assert.match(next.toString('latin1', 0, 15), /^HTTP\/1\.1 200 /, `${path}: no body after the HEAD answer`);
      } else {
        // uWS can't keep a connection after HEAD: it says Connection: close and closes.
        assert.match(head, /\r\nConnection: close\r\n/i, path);
      }
      c.close();
    }
    for (const path of ['/stream', '/?action=stream']) {
      const { data, timedOut } = await exchange(server.port, `HEAD ${path} HTTP/1.1\r\n${HOST}\r\n`, { done: (b) => b.includes('\r\n\r\n') && !NODE_TRANSPORT });
      assert.equal(timedOut, false);
      const text = data.toString('latin1');
      assert.match(text, /^HTTP\/1\.1 200 /);
      assert.match(text, /\r\nContent-Type: multipart\/x-mixed-replace;boundary=mjpgdframe\r\n/i);
      if (NODE_TRANSPORT) assert.ok(text.endsWith('\r\n\r\n'), `${path}: the head and nothing else, then the connection ends`);
    }
    assert.equal((await fetch(`${server.url}/state`)).status, 200, 'still serving');
  });

  test('streams: no fake Content-Length, X-Accel-Buffering off, CORS open', async () => {
    const v = openStream(server.port, { onPart: (_, v) => v.parts.length >= 2 && v.close() });
    await v.closed;
    assert.equal(v.error, null);
    assert.match(v.head, /\r\nX-Accel-Buffering: no/i);
    assert.match(v.head, /\r\nAccess-Control-Allow-Origin: \*/i);
    if (NODE_TRANSPORT) {
      assert.doesNotMatch(v.head, /Content-Length|Transfer-Encoding/i);
      assert.match(v.head, /\r\nConnection: close/i);
    }
  });

  test('CORS preflight: OPTIONS /stream is answered with what a browser needs, before auth', async () => {
    const r = await fetch(`${server.url}/stream`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://mainsail.local', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' },
    });
    assert.equal(r.status, 204);
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
    assert.match(r.headers.get('access-control-allow-methods'), /\bGET\b/);
    assert.equal(r.headers.get('access-control-allow-headers'), 'authorization');
    const bad = await fetch(`${server.url}/snapshot`, { method: 'DELETE' });
    assert.equal(bad.status, 405);
    assert.equal(bad.headers.get('allow'), 'GET, HEAD, OPTIONS');
  });

  test('the next boundary arrives with the last byte of each JPEG (Fluidd/Mainsail draw a frame then)', async () => {
    const trailer = Buffer.from('\r\n--mjpgdframe\r\n');
    let together = 0;
    let parts = 0;
    let pending = Buffer.alloc(0);
    let headDone = false;
    const socket = net.connect(server.port, '127.0.0.1', () => socket.write(`GET /stream HTTP/1.1\r\n${HOST}\r\n`));
    await new Promise((resolve, reject) => {
      socket.on('error', reject);
      socket.on('data', (chunk) => {
        // Each read: does every JPEG end in it come with the delimiter right behind it?
        pending = Buffer.concat([pending, chunk]);
        if (!headDone) {
          const end = pending.indexOf('\r\n\r\n');
          if (end < 0) return;
          pending = pending.subarray(end + 4);
          headDone = true;
        }
        if (pending.length > 4 << 20) reject(new Error('4 MB without finding the parts'));
        let at = pending.indexOf(Buffer.from([0xff, 0xd9]));
        while (at >= 0 && parts < 60) {
          const lenMatch = /Content-Length: (\d+)\r\n/.exec(pending.toString('latin1', 0, Math.min(pending.length, 400)));
          if (!lenMatch) break;
          const bodyStart = pending.indexOf('\r\n\r\n', pending.indexOf('Content-Length')) + 4;
          const bodyEnd = bodyStart + Number(lenMatch[1]);
          if (pending.length < bodyEnd) break;
          parts++;
          if (pending.subarray(bodyEnd, bodyEnd + trailer.length).equals(trailer)) together++;
          pending = pending.subarray(bodyEnd);
          at = pending.indexOf(Buffer.from([0xff, 0xd9]));
        }
        if (parts >= 60) {
          socket.destroy();
          resolve();
        }
      });
    });
    assert.ok(together >= 55, `${together} of ${parts} JPEGs arrived together with the next delimiter`);
  });

  test('mjpg-streamer and OctoPi URL forms', async () => {
    for (const path of ['/?action=snapshot?nonce=123', '/?action=snapshot_0', '/webcam/?action=snapshot', '/webcam/snapshot', '/?action=snapshot&bypassCache=17']) {
      const r = await fetch(`${server.url}${path}`);
      assert.equal(r.status, 200, path);
      assert.ok(isJpeg(Buffer.from(await r.arrayBuffer())), path);
    }
    for (const path of ['/?action=stream?nonce=123', '/?action=stream_0', '/webcam/?action=stream&1595805826022']) {
      const v = openStream(server.port, { path, onPart: (_, v) => v.parts.length >= 2 && v.close() });
      await v.closed;
      assert.equal(v.error, null, path);
      assert.ok(v.parts.length >= 2, path);
    }
    assert.equal((await fetch(`${server.url}/?action=snapshot_1`)).status, 404, 'there is no input 1');
  });

  test('keep-alive: 100 snapshots on one connection (Mainsail adaptive mode)', async () => {
    const c = new Connection(server.port);
    let last = 0;
    for (let i = 0; i < 100; i++) {
      const r = await c.request(`GET /?action=snapshot&bypassCache=${i} HTTP/1.1\r\n${HOST}\r\n`);
      assert.equal(r.status, 200);
      assert.equal(Number(r.headers['content-length']), r.body.length);
      assert.ok(isJpeg(r.body), `snapshot ${i}`);
      const ts = Number(r.headers['x-timestamp']);
      assert.ok(ts >= last, 'never older than the one before');
      last = ts;
    }
    await c.close();
  });

  test('pipelined requests are answered in order', async () => {
    const reqs = ['GET /state', 'GET /snapshot', 'GET /metrics', 'GET /nowhere', 'GET /?action=snapshot'].map((r) => `${r} HTTP/1.1\r\n${HOST}\r\n`);
    const { data } = await exchange(server.port, reqs.join('') + `GET /state HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`);
    const list = responses(data).list;
    assert.deepEqual(list.map((r) => r.status), [200, 200, 200, 404, 200, 200]);
    assert.match(list[0].headers['content-type'], /json/);
    assert.ok(isJpeg(list[1].body));
    assert.match(list[2].headers['content-type'], /version=0\.0\.4/);
    assert.ok(isJpeg(list[4].body));
    assert.match(list[5].headers['content-type'], /json/);
  });
});

if (NODE_TRANSPORT) {
  describe('node transport: every malformed or unusual request gets its status at once', () => {
    let server;
    before(async () => {
      server = await startMjpgd([]);
    });
    after(async () => {
      const { code } = await server.stop();
      assert.equal(code, 0, server.output());
    });

    const cases = [
      ['HTTP/0.9', 'GET /\r\n', 400],
      ['HTTP/2.0', 'GET / HTTP/2.0\r\nHost: x\r\n\r\n', 505],
      ['HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 505],
      ['HTTP/1.1 without Host', 'GET /state HTTP/1.1\r\n\r\n', 400],
      ['LF-only line ends', 'GET /state HTTP/1.1\nHost: x\n\n', 400],
      ['NUL in the path', 'GET /sta\0te HTTP/1.1\r\nHost: x\r\n\r\n', 400],
      ['a space too many', 'GET /state  HTTP/1.1\r\nHost: x\r\n\r\n', 400],
      ['bad method token', 'G@T / HTTP/1.1\r\nHost: x\r\n\r\n', 400],
      ['unknown method', 'BREW /stream HTTP/1.1\r\nHost: x\r\n\r\n', 405],
      ['POST on a read-only route', 'POST /snapshot HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n', 405],
      ['header without colon', 'GET / HTTP/1.1\r\nHost: x\r\nnonsense\r\n\r\n', 400],
      ['two Content-Lengths', 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n', 400],
      ['chunked body', 'POST /state HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 411],
      ['URI too long', `GET /${'a'.repeat(9000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414],
      ['too many headers', `GET / HTTP/1.1\r\nHost: x\r\n${'X-A: b\r\n'.repeat(150)}\r\n`, 431],
      ['head too large', `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20000)}\r\n\r\n`, 431],
      ['a TLS hello on the plain port', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n', 400],
      ['OPTIONS *', 'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n', 204],
      ['absolute-form target', 'GET http://127.0.0.1/state HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 200],
      ['HTTP/1.0 without Host', 'GET /state HTTP/1.0\r\n\r\n', 200],
    ];
    for (const [name, request, status] of cases) {
      test(`${name} → ${status}`, async () => {
        const { data, timedOut } = await exchange(server.port, Buffer.from(request, 'latin1'), {
          done: (b) => responses(b).list.length > 0,
          timeoutMs: 1500,
        });
        assert.equal(timedOut, false, `${name}: answered, not left in silence (${JSON.stringify(data.toString('latin1').slice(0, 60))})`);
        const [r] = responses(data).list;
        assert.equal(r?.status, status, `${name}: ${data.toString('latin1').slice(0, 80)}`);
        if (status === 405) assert.ok(r.headers.allow, 'Allow says what is allowed');
      });
    }

    test('after all of that, and 50 connections that hang up mid-head, it still streams', async () => {
      await Promise.all(
        Array.from({ length: 50 }, () => exchange(server.port, 'GET /stream HTTP/1.1\r\nHo', { timeoutMs: 50 })),
      );
      const v = openStream(server.port, { onPart: (_, v) => v.parts.length >= 3 && v.close() });
      await v.closed;
      assert.ok(v.parts.length >= 3);
    });

    test('HTTP/1.0 on the main port: raw stream and snapshot, and curl -0', async () => {
      const v = openStream(server.port, { path: '/?action=stream', version: '1.0', onPart: (_, v) => v.parts.length >= 5 && v.close() });
      await v.closed;
      assert.equal(v.error, null);
      assert.match(v.head, /^HTTP\/1\.0 200 OK\r\n/);
      assert.doesNotMatch(v.head, /Content-Length|Transfer-Encoding/i);
      assert.ok(v.parts.length >= 5);
      const snap = await exchange(server.port, 'GET /snapshot HTTP/1.0\r\n\r\n');
      const [r] = responses(snap.data).list;
      assert.equal(r.statusLine, 'HTTP/1.0 200 OK');
      assert.equal(r.headers.connection, 'close');
      assert.ok(isJpeg(r.body));
      const c = await run('curl', ['-0', '-s', '-N', '--max-time', '2', '-D', '-', `${server.url}/stream`], { timeoutMs: 10000 });
      assert.equal(c.code, 28, `stopped by --max-time: ${c.stderr}`);
      const end = c.stdout.indexOf('\r\n\r\n');
      const head = c.stdout.subarray(0, end).toString();
      assert.match(head, /^HTTP\/1\.0 200 OK/);
      const parser = new MultipartParser(boundaryOf(/content-type: (.*)\r/i.exec(head)[1]));
      parser.feed(c.stdout.subarray(end + 4));
      assert.ok(parser.parts.length >= 10, `${parser.parts.length} parts`);
      assert.deepEqual(jpegSize(parser.parts[0].body), { width: 640, height: 480 });
      const s = await run('curl', ['-0', '-s', '-o', '-', '-w', '%{http_code}', `${server.url}/snapshot`]);
      assert.equal(s.stdout.subarray(-3).toString(), '200');
      assert.ok(isJpeg(s.stdout.subarray(0, -3)));
    });

    test('--http10-port still works, deprecated: one more port serving the same', async () => {
      const old = await startMjpgd(['--http10-port', '0']);
      try {
        const port = Number((await old.match(/HTTP\/1\.0 clients: port (\d+)/))[1]);
        await old.match(/--http10-port is deprecated/);
        const [r] = responses((await exchange(port, 'GET /snapshot HTTP/1.0\r\n\r\n')).data).list;
        assert.equal(r.status, 200);
        assert.ok(isJpeg(r.body));
      } finally {
        await old.stop();
      }
    });
  });
}

test('--stall-timeout 3: a viewer that takes nothing is closed after about 3 s and counted', async () => {
  const server = await startMjpgd(['--stall-timeout', '3', '--width', '1280', '--height', '720', '--quality', '95']);
  try {
    const started = Date.now();
    const socket = net.connect(server.port, '127.0.0.1', () => socket.write(`GET /stream HTTP/1.1\r\n${HOST}\r\n`));
    socket.setRecvBufferSize?.(4096);
    socket.pause();
    socket.on('error', () => {});
    const closed = new Promise((r) => socket.on('close', r));
    const s = await waitForState(server.url, (st) => st.cameras[0].stream.stalledClosed >= 1, 15000);
    const elapsed = (Date.now() - started) / 1000;
    assert.equal(s.cameras[0].stream.stalledClosed, 1, 'counted once');
    assert.equal(s.clients, 0);
    assert.ok(elapsed >= 3 && elapsed < 8, `closed after ${elapsed.toFixed(1)} s, not before the timeout nor at uWS's 10 s`);
    socket.resume();
    await closed;
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /^mjpgd_clients_stalled_closed_total\{camera="default"\} 1$/m);
  } finally {
    await server.stop();
  }
});

test('a wrong-password flood against a scrypt hash: token viewers keep their frames, the flood backs off', async () => {
  const hash = (await runMjpgd(['--hash-password', 'right'])).stdout.trim();
  const dir = (await import('node:fs')).mkdtempSync(`${(await import('node:os')).tmpdir()}/mjpgd-auth-`);
  const config = `${dir}/auth.toml`;
  (await import('node:fs')).writeFileSync(config, `[server]\nuser = "octo"\npassword_hash = "${hash}"\ntoken = "t0ken"\n`);
  const server = await startMjpgd(['--config', config]);
  try {
    const seen = new Map();
    let stop = false;
    const wrong = `Basic ${Buffer.from('octo:wrong').toString('base64')}`;
    const flood = Array.from({ length: 4 }, async (_, i) => {
      const c = new Connection(server.port);
      while (!stop) {
        const r = await c.request(`GET /state?x=${i} HTTP/1.1\r\n${HOST}Authorization: ${wrong}\r\n\r\n`);
        seen.set(r.status, (seen.get(r.status) ?? 0) + 1);
      }
      await c.close();
    });
    const viewer = openStream(server.port, { path: '/stream?token=t0ken' });
    await new Promise((r) => setTimeout(r, 3000));
    stop = true;
    await Promise.all(flood);
    const frames = viewer.parts.length;
    await viewer.close();
    assert.equal(viewer.error, null);
    assert.ok(frames >= 75, `the token viewer got ${frames} frames in 3 s beside the flood (>= 25 fps)`);
    assert.equal(seen.get(200), undefined, 'no wrong password got in');
    assert.ok((seen.get(429) ?? 0) > 0, `the flooding address was told to back off: ${JSON.stringify([...seen])}`);
    const right = await fetch(`${server.url}/state`, { headers: { Authorization: `Basic ${Buffer.from('octo:right').toString('base64')}` } });
    assert.ok([200, 429].includes(right.status), 'the right password from the same address works once the backoff ends');
  } finally {
    await server.stop();
    (await import('node:fs')).rmSync(dir, { recursive: true, force: true });
  }
});

// Where uWS loads (Node <= 20) the suite itself runs on it (MJPGD_TEST_TRANSPORT=uws).
if (NODE_MAJOR >= 22) {
  test('--transport uws says why its binary does not load on this Node, and exits', async () => {
    const r = await runMjpgd(['--transport', 'uws', '--port', '0']);
    assert.equal(r.code, 1);
    assert.match(r.stdout + r.stderr, /--transport uws: cannot load uWebSockets\.js's binary .*use --transport node \(the default\)/);
  });
}

test('HEAD over HTTPS with auth: 401 without credentials, headers with them, and the process lives', async () => {
  const fs = await import('node:fs');
  const https = await import('node:https');
  const os = await import('node:os');
  const { makeTestCa } = await import('./helpers/tls.mjs');
  const dir = fs.mkdtempSync(`${os.tmpdir()}/mjpgd-head-`);
  const tls = makeTestCa(dir);
  const server = await startMjpgd(['--tls-cert', tls.cert, '--tls-key', tls.key, '--user', 'octo', '--password', 'pr1nt']);
  const head = (path, auth) =>
    new Promise((resolve, reject) => {
      const req = https.request(`https://127.0.0.1:${server.port}${path}`, { method: 'HEAD', ca: fs.readFileSync(tls.ca), auth }, (res) => {
        let body = 0;
        res.on('data', (d) => (body += d.length));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    });
  try {
    for (const path of ['/', '/stream', '/snapshot', '/state', '/metrics', '/?action=stream', '/nowhere']) {
      const denied = await head(path);
      assert.equal(denied.status, path === '/nowhere' ? 404 : 401, path);
      if (path !== '/nowhere') assert.match(denied.headers['www-authenticate'], /^Basic /);
      const r = await head(path, 'octo:pr1nt');
      assert.equal(r.status, path === '/nowhere' ? 404 : 200, path);
      assert.equal(r.body, 0, `${path}: no body`);
    }
    const s = await head('/snapshot', 'octo:pr1nt');
    assert.equal(s.headers['content-type'], 'image/jpeg');
    assert.ok(Number(s.headers['content-length']) > 1000, 'the length the GET would send');
  } finally {
    const { code } = await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal(code, 0, server.output());
  }
});
