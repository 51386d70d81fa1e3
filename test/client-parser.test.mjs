// The MJPEG client's pure readers (multipart parts, HTTP head, chunked coding), fed the same bytes cut
// at every place: the parts that come out must not depend on how the network split the stream.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boundaryCore, boundaryOf, MultipartReader } from '../dist/client/multipart-reader.js';
import { ChunkedDecoder, parseHead } from '../dist/client/http-response.js';

/** A fake JPEG of `n` bytes whose body holds `extra` (e.g. boundary text, to trip a careless reader). */
function jpeg(n, fill, extra = '') {
  const b = Buffer.alloc(n, fill);
  b[0] = 0xff; b[1] = 0xd8; b[n - 2] = 0xff; b[n - 1] = 0xd9;
  if (extra) b.write(extra, 10, 'latin1');
  return b;
}

/** Feeds `bytes` cut at `cuts` (sorted offsets) and returns the events. */
function feedCut(reader, bytes, cuts) {
  const events = [];
  let from = 0;
  for (const at of [...cuts, bytes.length]) {
    events.push(...reader.feed(bytes.subarray(from, at)));
    from = at;
  }
  return events;
}

/** Every single cut and a sample of double cuts give the same parts as feeding it whole. */
function assertSplitInvariant(boundary, bytes, expected, maxPartBytes = 1 << 20) {
  const whole = new MultipartReader(boundary, maxPartBytes).feed(bytes);
  assert.deepEqual(summary(whole), expected);
  for (let i = 1; i < bytes.length; i++) {
    assert.deepEqual(summary(feedCut(new MultipartReader(boundary, maxPartBytes), bytes, [i])), expected, `cut at ${i}`);
  }
  for (let i = 1; i < bytes.length; i += 7) {
    for (let j = i + 1; j < bytes.length; j += 13) {
      assert.deepEqual(summary(feedCut(new MultipartReader(boundary, maxPartBytes), bytes, [i, j])), expected, `cuts at ${i}, ${j}`);
    }
  }
  // One byte at a time.
  assert.deepEqual(summary(feedCut(new MultipartReader(boundary, maxPartBytes), bytes, [...Array(bytes.length - 1).keys()].map((k) => k + 1))), expected, 'byte by byte');
}

function summary(events) {
  return events.map((e) => (e.kind === 'part' ? { part: e.part.body.toString('hex'), type: e.part.headers['content-type'] ?? null } : { discarded: e.bytes }));
}

const A = jpeg(40, 0x11, '--frame\r\n');
const B = jpeg(33, 0x22);
const C = jpeg(50, 0x33);

test('boundary parameter: quoted, unquoted, with dashes, with more parameters', () => {
  assert.equal(boundaryOf('multipart/x-mixed-replace;boundary=frame'), 'frame');
  assert.equal(boundaryOf('multipart/x-mixed-replace; boundary="my frame"; charset=x'), 'my frame');
  assert.equal(boundaryOf('Multipart/X-Mixed-Replace; Boundary=--myboundary'), '--myboundary');
  assert.equal(boundaryOf('image/jpeg'), null);
  assert.equal(boundaryOf('multipart/x-mixed-replace'), null);
  assert.equal(boundaryCore('--myboundary'), 'myboundary');
  assert.equal(boundaryCore('"ab"'), 'ab');
});

test('Content-Length parts, a body containing the boundary text, split anywhere', () => {
  const part = (j) => Buffer.concat([Buffer.from(`--frame\r\nContent-Type: image/jpeg\r\nContent-Length: ${j.length}\r\n\r\n`), j, Buffer.from('\r\n')]);
  const bytes = Buffer.concat([part(A), part(B), part(C)]);
  assertSplitInvariant('frame', bytes, [A, B, C].map((j) => ({ part: j.toString('hex'), type: 'image/jpeg' })));
});

test('boundary-only parts (no Content-Length), LF line ends, preamble, split anywhere', () => {
  const bytes = Buffer.concat([
    Buffer.from('junk before\r\n\r\n--cam\nContent-Type: image/jpeg\n\n'), B,
    Buffer.from('\n--cam\r\nContent-Type: image/jpeg\r\n\r\n'), C,
    Buffer.from('\r\n--cam\r\n'),
  ]);
  assertSplitInvariant('cam', bytes, [B, C].map((j) => ({ part: j.toString('hex'), type: 'image/jpeg' })));
});

test('a boundary parameter starting with -- matches delimiter lines with and without the extra dashes', () => {
  for (const dashes of ['--', '----']) {
    const bytes = Buffer.concat([
      Buffer.from(`${dashes}myboundary\r\nContent-Type: image/jpeg\r\nContent-Length: ${B.length}\r\n\r\n`), B,
      Buffer.from(`\r\n${dashes}myboundary\r\nContent-Type: image/jpeg\r\n\r\n`), C,
      Buffer.from(`\r\n${dashes}myboundary\r\n`),
    ]);
    assertSplitInvariant('--myboundary', bytes, [B, C].map((j) => ({ part: j.toString('hex'), type: 'image/jpeg' })));
  }
});

test('parts over the limit are discarded (with and without Content-Length) and the next part is read', () => {
  const big = jpeg(300, 0x44);
  const bytes = Buffer.concat([
    Buffer.from(`--f\r\nContent-Type: image/jpeg\r\nContent-Length: ${big.length}\r\n\r\n`), big,
    Buffer.from(`\r\n--f\r\nContent-Type: image/jpeg\r\nContent-Length: ${B.length}\r\n\r\n`), B,
    Buffer.from('\r\n--f\r\nContent-Type: image/jpeg\r\n\r\n'), big,
    Buffer.from('\r\n--f\r\nContent-Type: image/jpeg\r\n\r\n'), C,
    Buffer.from('\r\n--f\r\n'),
  ]);
  const events = new MultipartReader('f', 100).feed(bytes);
  assert.deepEqual(summary(events), [{ discarded: 300 }, { part: B.toString('hex'), type: 'image/jpeg' }, { discarded: 300 }, { part: C.toString('hex'), type: 'image/jpeg' }]);
  // Cut anywhere, the same two parts survive and two are discarded (the count of bytes may differ
  // for boundary-only parts, where what was dropped is known only in pieces).
  for (let i = 1; i < bytes.length; i += 3) {
    const ev = feedCut(new MultipartReader('f', 100), bytes, [i]);
    assert.deepEqual(ev.filter((e) => e.kind === 'part').map((e) => e.part.body.toString('hex')), [B, C].map((j) => j.toString('hex')), `cut at ${i}`);
    assert.equal(ev.filter((e) => e.kind === 'discarded').length, 2, `cut at ${i}`);
  }
});

test('a discarding boundary-only reader keeps bounded memory', () => {
  const reader = new MultipartReader('f', 1000);
  reader.feed(Buffer.from('--f\r\nContent-Type: image/jpeg\r\n\r\n'));
  for (let i = 0; i < 200; i++) reader.feed(Buffer.alloc(10000, 0x55));
  assert.ok(reader.buf.length < 2000, `buffered ${reader.buf.length}`);
  const ev = reader.feed(Buffer.concat([Buffer.from('\r\n--f\r\nContent-Type: image/jpeg\r\n\r\n'), B, Buffer.from('\r\n--f\r\n')]));
  assert.deepEqual(summary(ev), [{ discarded: 2000000 }, { part: B.toString('hex'), type: 'image/jpeg' }]);
});

test('response head: HTTP/1.0, bare LF, no reason phrase, repeated headers', () => {
  const r = parseHead(Buffer.from('HTTP/1.0 200\nContent-Type: multipart/x-mixed-replace;boundary=x\nX-A: 1\nX-A: 2\n\nBODY'));
  assert.equal(r.head.version, '1.0');
  assert.equal(r.head.status, 200);
  assert.equal(r.head.headers['x-a'], '1, 2');
  assert.equal(r.rest.toString(), 'BODY');
  assert.equal(parseHead(Buffer.from('HTTP/1.1 200 OK\r\nA: b\r\n')), null);
  assert.throws(() => parseHead(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n')), /not an HTTP response/);
});

test('chunked decoding, split anywhere, with extensions and the final chunk', () => {
  const body = Buffer.from('hello, multipart world: --frame\r\n and more');
  const pieces = [body.subarray(0, 5), body.subarray(5, 6), body.subarray(6)];
  const coded = Buffer.concat([
    ...pieces.flatMap((p, i) => [Buffer.from(`${p.length.toString(16)}${i === 1 ? ';ext=1' : ''}\r\n`), p, Buffer.from('\r\n')]),
    Buffer.from('0\r\n\r\n'),
  ]);
  for (let i = 0; i <= coded.length; i++) {
    for (const j of [i, Math.min(coded.length, i + 3)]) {
      const d = new ChunkedDecoder();
      const out = [...d.feed(coded.subarray(0, i)), ...d.feed(coded.subarray(i, j)), ...d.feed(coded.subarray(j))];
      assert.equal(Buffer.concat(out).toString(), body.toString(), `cut at ${i}, ${j}`);
      assert.equal(d.done, true);
    }
  }
  assert.throws(() => new ChunkedDecoder().feed(Buffer.from('zz\r\n')), /bad chunk size/);
});

test('at the end of the stream a last boundary-only part is handed on only when it is a whole JPEG', () => {
  const head = Buffer.from('--f\r\nContent-Type: image/jpeg\r\n\r\n');
  const whole = new MultipartReader('f', 1000);
  assert.deepEqual(summary(whole.feed(Buffer.concat([head, B, Buffer.from('\r\n')]))), []);
  assert.deepEqual(summary(whole.end()), [{ part: B.toString('hex'), type: 'image/jpeg' }]);
  const broken = new MultipartReader('f', 1000);
  broken.feed(Buffer.concat([head, B.subarray(0, 20)]));
  assert.deepEqual(summary(broken.end()), []);
});

test('digest: the challenge is read beside other schemes; the answer matches RFC 2617\'s worked example', async () => {
  const { parseDigestChallenge, digestAuthorization } = await import('../dist/client/digest.js');
  const c = parseDigestChallenge('Basic realm="x", Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"');
  assert.deepEqual(c, { realm: 'testrealm@host.com', nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', opaque: '5ccc069c403ebaf9f0171e9517f40e41', algorithm: 'MD5', qop: 'auth' });
  const h = digestAuthorization(c, 'Mufasa', 'Circle Of Life', 'GET', '/dir/index.html', 1, '0a4f113b');
  assert.match(h, /response="6629fae49393a05397450978507c4ef1"/);
  assert.match(h, /nc=00000001, cnonce="0a4f113b"/);
  assert.equal(parseDigestChallenge('Basic realm="cam"'), null);
  assert.equal(digestAuthorization({ ...c, algorithm: 'SHA-512-256' }, 'a', 'b', 'GET', '/'), null);
});
