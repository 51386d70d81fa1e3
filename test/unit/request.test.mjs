// The request-head parser: limits and the status each malformed head gets (no sockets).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { parseHead, headEnd, checkPartialHead, wantsKeepAlive, bodyLength, BadRequest } = require('../../dist/http/request.js');

const parse = (text) => parseHead(Buffer.from(text, 'latin1'), '127.0.0.1');
const statusOf = (f) => {
  try {
    f();
  } catch (e) {
    if (e instanceof BadRequest) return e.status;
    throw e;
  }
  return 0;
};

test('a plain GET: method, path, query, version, headers by lower-case name', () => {
  const r = parse('GET /stream?fps=5&x HTTP/1.1\r\nHost: cam\r\nX-Many: a\r\nx-many: b\r\n\r\n');
  assert.equal(r.method, 'GET');
  assert.equal(r.path, '/stream');
  assert.equal(r.query, 'fps=5&x');
  assert.equal(r.version, '1.1');
  assert.equal(r.headers.get('host'), 'cam');
  assert.equal(r.headers.get('x-many'), 'a, b');
});

test('absolute-form and OPTIONS * targets', () => {
  assert.deepEqual([parse('GET http://h:1/state?a=1 HTTP/1.1\r\nHost: h\r\n\r\n')].map((r) => [r.path, r.query]), [['/state', 'a=1']]);
  assert.equal(parse('GET http://h HTTP/1.1\r\nHost: h\r\n\r\n').path, '/');
  assert.equal(parse('OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n').path, '*');
  assert.equal(statusOf(() => parse('GET * HTTP/1.1\r\nHost: h\r\n\r\n')), 400);
});

test('each malformed head class gets its status', () => {
  const cases = [
    ['GET / HTTP/2.0\r\n\r\n', 505],
    ['GET / HTTP/1.1\r\n\r\n', 400], // no Host
    ['GET / HTTP/1.0\r\n\r\n', 0], // HTTP/1.0 needs none
    ['GET /a\0b HTTP/1.1\r\nHost: h\r\n\r\n', 400],
    ['GET / HTTP/1.1\r\nHost: h\r\nBad Header: x\r\n\r\n', 400],
    ['GET / HTTP/1.1\r\nHost: h\r\nHost: i\r\n\r\n', 400],
    ['GET / HTTP/1.1\r\nHost: h\r\nX: a\x01b\r\n\r\n', 400],
    [`GET /${'a'.repeat(9000)} HTTP/1.1\r\nHost: h\r\n\r\n`, 414],
    [`GET / HTTP/1.1\r\nHost: h\r\n${'A: b\r\n'.repeat(101)}\r\n`, 431],
    ['GET / HTTP/1.1\nHost: h\n\n', 400],
  ];
  for (const [text, status] of cases) assert.equal(statusOf(() => parse(text)), status, JSON.stringify(text.slice(0, 50)));
});

test('partial heads: HTTP/0.9, LF-only and overlong lines are refused before the head completes', () => {
  const partial = (t) => statusOf(() => checkPartialHead(Buffer.from(t, 'latin1')));
  assert.equal(partial('GET /\r\n'), 400);
  assert.equal(partial('GET / HTTP/1.1\nHo'), 400);
  assert.equal(partial('GET / HTTP/1.1\r\nHo'), 0);
  assert.equal(partial('GET /'), 0);
  assert.equal(partial(`GET /${'a'.repeat(9000)}`), 414);
  assert.equal(partial(`GET / HTTP/1.1\r\nX: ${'a'.repeat(17000)}`), 431);
});

test('headEnd finds CRLF CRLF and bare LF LF, across reads', () => {
  assert.equal(headEnd(Buffer.from('GET / HTTP/1.1\r\nHost: h\r\n\r\nrest')), 27);
  assert.equal(headEnd(Buffer.from('GET / HTTP/1.1\r\nHost: h\r\n')), -1);
  assert.equal(headEnd(Buffer.from('GET / HTTP/1.1\nHost: h\n\n')), 24);
});

test('keep-alive and body length rules', () => {
  assert.equal(wantsKeepAlive(parse('GET / HTTP/1.1\r\nHost: h\r\n\r\n')), true);
  assert.equal(wantsKeepAlive(parse('GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n')), false);
  assert.equal(wantsKeepAlive(parse('GET / HTTP/1.0\r\n\r\n')), false);
  assert.equal(wantsKeepAlive(parse('GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n')), true);
  assert.equal(bodyLength(parse('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 12\r\n\r\n')), 12);
  assert.equal(statusOf(() => bodyLength(parse('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1e3\r\n\r\n'))), 400);
  assert.equal(statusOf(() => bodyLength(parse('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 9999999\r\n\r\n'))), 413);
  assert.equal(statusOf(() => bodyLength(parse('POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n'))), 411);
});
