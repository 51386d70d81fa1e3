// Running mjpgd as a daemon: TLS, auth, several cameras, IPv6, a unix socket, the access log.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { jpegSize } from './helpers/jpeg.mjs';
import { boundaryOf, MultipartParser, readStream } from './helpers/multipart.mjs';
import { run, runMjpgd, startMjpgd } from './helpers/server.mjs';
import { makeTestCa } from './helpers/tls.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mjpgd-daemon-'));
let tls;
before(() => {
  tls = makeTestCa(dir);
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** GET over HTTPS trusting only the test CA; resolves with status, headers and the body (up to `ms`). */
function httpsGet(url, { ms = 3000, throttle = false, onChunk } = {}) {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca: fs.readFileSync(tls.ca) }, (res) => {
      const chunks = [];
      const timer = setTimeout(() => req.destroy(), ms);
      res.on('data', (d) => {
        chunks.push(d);
        onChunk?.(d);
        if (throttle) {
          // Read in bursts so the server meets backpressure over TLS.
          res.pause();
          setTimeout(() => res.resume(), 50);
        }
      });
      const done = () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) });
      };
      res.on('end', done);
      res.on('close', done);
      res.on('error', done);
    });
    req.on('error', (e) => (e.code === 'ECONNRESET' ? null : reject(e)));
  });
}

describe('TLS', () => {
  test('HTTPS: state, snapshot and an intact stream with node https and curl', async () => {
    const server = await startMjpgd(['--tls-cert', tls.cert, '--tls-key', tls.key, '--width', '320', '--height', '240']);
    try {
      const base = `https://127.0.0.1:${server.port}`;
      const state = await httpsGet(`${base}/state`);
      assert.equal(state.status, 200);
      assert.equal(JSON.parse(state.body).cameras[0].source.width, 320);
      const curl = await run('curl', ['-s', '--cacert', tls.ca, '-o', '-', '-w', '%{http_code}', `${base}/snapshot`]);
      assert.equal(curl.stdout.subarray(-3).toString(), '200');
      assert.deepEqual(jpegSize(curl.stdout.subarray(0, -3)), { width: 320, height: 240 });
      const stream = await httpsGet(`${base}/stream`, { ms: 2000 });
      const parser = new MultipartParser(boundaryOf(stream.headers['content-type']));
      parser.feed(stream.body);
      assert.ok(parser.parts.length > 20, `${parser.parts.length} intact parts over TLS`);
      const plain = await run('curl', ['-s', '-m', '3', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${server.port}/state`]);
      assert.notEqual(plain.stdout.toString(), '200', 'the TLS port does not answer plain HTTP');
    } finally {
      await server.stop();
    }
  });

  test('multipart integrity under backpressure over TLS (big parts, readers that pause)', async () => {
    const server = await startMjpgd(['--tls-cert', tls.cert, '--tls-key', tls.key, '--width', '1280', '--height', '720', '--quality', '95', '--fps', '30']);
    try {
      const readers = Array.from({ length: 6 }, (_, i) => httpsGet(`https://127.0.0.1:${server.port}/stream`, { ms: 4000, throttle: i < 4 }));
      const results = await Promise.all(readers);
      for (const [i, r] of results.entries()) {
        const parser = new MultipartParser(boundaryOf(r.headers['content-type']));
        parser.feed(r.body); // throws on the first broken part
        assert.ok(parser.parts.length > 0, `reader ${i}: ${parser.parts.length} parts`);
        for (const p of parser.parts) assert.deepEqual(p.size, { width: 1280, height: 720 });
      }
      const state = await httpsGet(`https://127.0.0.1:${server.port}/state`);
      assert.ok(JSON.parse(state.body).cameras[0].stream.framesSkipped > 0, 'the paused readers skipped frames');
    } finally {
      await server.stop();
    }
  });

  test('HTTP and HTTPS on two ports at once, and HTTP redirected to HTTPS', async () => {
    const both = await startMjpgd(['--tls-cert', tls.cert, '--tls-key', tls.key, '--https-port', '0']);
    try {
      const httpsPort = Number(/HTTPS on (\d+)/.exec(both.output())[1]);
      assert.equal((await fetch(`${both.url}/state`)).status, 200, 'plain HTTP on --port');
      assert.equal((await httpsGet(`https://127.0.0.1:${httpsPort}/state`)).status, 200, 'HTTPS on --https-port');
    } finally {
      await both.stop();
    }
    const redirecting = await startMjpgd(['--tls-cert', tls.cert, '--tls-key', tls.key, '--https-port', '0', '--redirect-http']);
    try {
      const httpsPort = Number(/HTTPS on (\d+)/.exec(redirecting.output())[1]);
      const res = await fetch(`${redirecting.url}/stream?fps=2`, { redirect: 'manual' });
      assert.equal(res.status, 301);
      assert.equal(res.headers.get('location'), `https://127.0.0.1:${httpsPort}/stream?fps=2`);
    } finally {
      await redirecting.stop();
    }
  });

  for (const [what, args, message] of [
    ['missing certificate', () => ['--tls-cert', path.join(dir, 'none.pem'), '--tls-key', tls.key], /TLS certificate .*none\.pem: cannot read it \(ENOENT\)/],
    ['key of another certificate', () => ['--tls-cert', tls.cert, '--tls-key', tls.otherKey], /TLS key .*other\.key does not belong to the certificate/],
    ['encrypted key, no passphrase', () => ['--tls-cert', tls.cert, '--tls-key', tls.encryptedKey], /TLS key .*server-enc\.key can't be used \(encrypted: give the right --tls-passphrase\)/],
    ['not a certificate', () => ['--tls-cert', tls.key, '--tls-key', tls.key], /is not a PEM certificate/],
  ]) {
    test(`TLS start-up error: ${what}`, async () => {
      const r = await runMjpgd(['--host', '127.0.0.1', '--port', '0', ...args()]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, message);
    });
  }

  test('an encrypted key with its passphrase works', async () => {
    const server = await startMjpgd(['--tls-cert', tls.cert, '--tls-key', tls.encryptedKey, '--tls-passphrase', 'sesame']);
    try {
      assert.equal((await httpsGet(`https://127.0.0.1:${server.port}/state`)).status, 200);
    } finally {
      await server.stop();
    }
  });
});

describe('basic auth and token', () => {
  let server;
  let http10Port;
  before(async () => {
    server = await startMjpgd(['--user', 'octo', '--password', 'pr1nt', '--token', 'tok3n', '--http10-port', '0']);
    http10Port = Number((await server.match(/HTTP\/1\.0 clients: port (\d+)/))[1]);
  });
  after(() => server.stop());
  const basic = (u, p) => ({ Authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });

  test('no or wrong credentials: 401 with WWW-Authenticate and no frame bytes', async () => {
    for (const [path, headers] of [['/stream', {}], ['/snapshot', {}], ['/?action=stream', basic('octo', 'wrong')], ['/state', basic('x', 'pr1nt')], ['/stream?token=nope', {}]]) {
      const res = await fetch(server.url + path, { headers });
      assert.equal(res.status, 401, path);
      assert.equal(res.headers.get('www-authenticate'), 'Basic realm="mjpgd", charset="UTF-8"');
      const body = Buffer.from(await res.arrayBuffer());
      assert.equal(body.indexOf(Buffer.from([0xff, 0xd8])), -1, `${path}: no JPEG bytes in the 401 body`);
    }
  });

  test('right credentials stream; the token works for <img>-style URLs', async () => {
    const withAuth = await fetch(`${server.url}/snapshot`, { headers: basic('octo', 'pr1nt') });
    assert.equal(withAuth.status, 200);
    const { status, parts } = await readStream(`${server.url}/stream?token=tok3n`, { maxParts: 3, ms: 3000 });
    assert.equal(status, 200);
    assert.equal(parts.length, 3);
  });

  test('the HTTP/1.0 listener asks for the same credentials', async () => {
    const ask = (extra) =>
      new Promise((resolve) => {
        const s = net.connect(http10Port, '127.0.0.1', () => s.write(`GET /snapshot HTTP/1.0\r\n${extra}\r\n`));
        const chunks = [];
        s.on('data', (d) => chunks.push(d));
        s.on('close', () => resolve(Buffer.concat(chunks)));
      });
    assert.match((await ask('')).toString('latin1'), /^HTTP\/1\.0 401 Unauthorized\r\n[\s\S]*WWW-Authenticate: Basic/);
    const ok = await ask(`Authorization: Basic ${Buffer.from('octo:pr1nt').toString('base64')}\r\n`);
    assert.match(ok.toString('latin1'), /^HTTP\/1\.0 200 OK\r\n/);
  });

  test('a password hash from the config file', async () => {
    const hash = (await runMjpgd(['--hash-password', 'h4sh'])).stdout.trim();
    const file = path.join(dir, 'auth.toml');
    fs.writeFileSync(file, `[server]\nuser = "u"\npassword_hash = "${hash}"\n`);
    const s2 = await startMjpgd(['--config', file]);
    try {
      assert.equal((await fetch(`${s2.url}/state`, { headers: basic('u', 'h4sh') })).status, 200);
      assert.equal((await fetch(`${s2.url}/state`, { headers: basic('u', 'h4sx') })).status, 401);
    } finally {
      await s2.stop();
    }
  });
});

test('listening beyond loopback without auth gets a warning; with auth it does not', async () => {
  const open = await startMjpgd(['--host', '0.0.0.0']);
  try {
    await open.match(/WARN .*listening beyond this machine without authentication/);
  } finally {
    await open.stop();
  }
  const guarded = await startMjpgd(['--host', '0.0.0.0', '--user', 'a', '--password', 'b']);
  await guarded.stop();
  assert.doesNotMatch(guarded.output(), /without authentication/);
});

test('two cameras: each on /<name>/..., the default also on /stream; /state lists both', async () => {
  const file = path.join(dir, 'two.toml');
  fs.writeFileSync(file, '[camera.front]\nwidth = 320\nheight = 240\nfps = 10\n[camera.back]\nwidth = 160\nheight = 120\nfps = 5\n');
  const server = await startMjpgd(['--config', file]);
  try {
    const front = await readStream(`${server.url}/front/stream`, { maxParts: 2, ms: 3000 });
    assert.deepEqual(front.parts[0].size, { width: 320, height: 240 });
    const back = await readStream(`${server.url}/back/stream`, { maxParts: 2, ms: 3000 });
    assert.deepEqual(back.parts[0].size, { width: 160, height: 120 });
    const dflt = await readStream(`${server.url}/stream`, { maxParts: 1, ms: 3000 });
    assert.deepEqual(dflt.parts[0].size, { width: 320, height: 240 }, 'the first camera is the default');
    const snap = Buffer.from(await (await fetch(`${server.url}/back/snapshot`)).arrayBuffer());
    assert.deepEqual(jpegSize(snap), { width: 160, height: 120 });
    const state = await (await fetch(`${server.url}/state`)).json();
    assert.deepEqual(state.cameras.map((c) => c.name), ['front', 'back']);
    const backState = await (await fetch(`${server.url}/back/state`)).json();
    assert.equal(backState.name, 'back');
    assert.equal(backState.source.fps.desired, 5);
    const page = await (await fetch(`${server.url}/`)).text();
    assert.match(page, /src="stream"/);
    assert.match(page, /src="back\/stream"/);
    const redirect = await fetch(`${server.url}/back`, { redirect: 'manual' });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get('location'), '/back/');
  } finally {
    await server.stop();
  }
});

test('IPv6 loopback', async () => {
  const server = await startMjpgd(['--host', '::1']);
  try {
    const port = Number(/listening on \[::1\]:(\d+)/.exec(server.output())[1]);
    const { parts } = await readStream(`http://[::1]:${port}/stream`, { maxParts: 2, ms: 3000 });
    assert.equal(parts.length, 2);
  } finally {
    await server.stop();
  }
});

test('IPv4 and IPv6 at once, and a unix socket, with the access log', async () => {
  const sock = path.join(dir, 'mjpgd.sock');
  const server = await startMjpgd(['--host', '127.0.0.1,::1', '--unix-socket', sock, '--access-log']);
  try {
    assert.equal((await fetch(`http://[::1]:${server.port}/state`)).status, 200);
    assert.equal((await fetch(`http://127.0.0.1:${server.port}/state`)).status, 200);
    const r = await run('curl', ['-s', '--unix-socket', sock, '-o', '-', '-w', '%{http_code}', 'http://localhost/snapshot']);
    assert.equal(r.stdout.subarray(-3).toString(), '200');
    assert.deepEqual(jpegSize(r.stdout.subarray(0, -3)), { width: 640, height: 480 });
    await server.match(/INFO {2}access: ::1 "GET \/state HTTP\/1\.1" 200/);
    await server.match(/access: .* "GET \/snapshot HTTP\/1\.1" 200/);
  } finally {
    await server.stop();
  }
});
