// Small MJPEG servers with the habits of real cameras, for the client and relay tests: boundary-only
// parts, chunked coding, HTTP/1.0, quoted or dashed boundaries, connections dropped after N frames.
// Raw sockets, so every byte of the response is what the test says.
import crypto from 'node:crypto';
import net from 'node:net';

/** A fake JPEG: SOI, `n - 4` bytes of `fill`, EOI. */
export function fakeJpeg(n, fill) {
  const b = Buffer.alloc(n, fill);
  b[0] = 0xff; b[1] = 0xd8; b[n - 2] = 0xff; b[n - 1] = 0xd9;
  return b;
}

/**
 * Starts a server on 127.0.0.1 that answers every request with a stream of `frames` (Buffers, cycled).
 * style: { version: '1.0'|'1.1', chunked, contentLength, boundaryParam, delimiter, dropAfter, intervalMs,
 *          digest: { user, password } — Digest auth (MD5, qop=auth, a new nonce on every 401) as IP cameras do }
 * Returns { port, connections (count), requests (heads received), close() }.
 */
export async function startOddOrigin(frames, style = {}) {
  const s = { version: '1.1', chunked: false, contentLength: true, boundaryParam: 'frame', delimiter: null, dropAfter: Infinity, intervalMs: 10, ...style };
  const delimiter = s.delimiter ?? `--${s.boundaryParam.replace(/^"|"$/g, '')}`;
  const sockets = new Set();
  const state = { connections: 0, requests: [], nonces: new Set() };
  const server = net.createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let head = '';
    let started = false;
    socket.on('data', (d) => {
      if (started) return;
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      started = true;
      state.requests.push(head);
      if (s.digest && !digestOk(head, s.digest, state.nonces)) {
        const nonce = crypto.randomBytes(12).toString('hex');
        state.nonces.add(nonce);
        socket.end(`HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="cam", Digest realm="cam", qop="auth", nonce="${nonce}", opaque="op1"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
        return;
      }
      const lines = [`HTTP/${s.version} 200 OK`, `Content-Type: multipart/x-mixed-replace; boundary=${s.boundaryParam}`];
      if (s.chunked) lines.push('Transfer-Encoding: chunked');
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      let sent = 0;
      const send = () => {
        if (socket.destroyed) return;
        if (sent >= s.dropAfter) {
          socket.destroy();
          return;
        }
        const jpeg = frames[sent % frames.length];
        const header = `${delimiter}\r\nContent-Type: image/jpeg\r\n${s.contentLength ? `Content-Length: ${jpeg.length}\r\n` : ''}\r\n`;
        const part = Buffer.concat([Buffer.from(header, 'latin1'), jpeg, Buffer.from('\r\n')]);
        sent++;
        if (s.chunked) {
          // Chunks cut across the part, as a proxy would: the client must not rely on alignment.
          const cut = Math.floor(part.length / 3);
          for (const piece of [part.subarray(0, cut), part.subarray(cut)]) socket.write(Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]));
        } else {
          socket.write(part);
        }
        timer = setTimeout(send, s.intervalMs);
      };
      let timer = setTimeout(send, 0);
      socket.on('close', () => clearTimeout(timer));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    url: `http://127.0.0.1:${server.address().port}/stream`,
    get connections() {
      return state.connections;
    },
    requests: state.requests,
    async close() {
      for (const so of sockets) so.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Checks a Digest Authorization header the way a camera does (MD5, qop=auth), computed here apart
 * from the client's code. */
function digestOk(head, { user, password }, nonces) {
  const line = /\r\nAuthorization: Digest (.*)\r\n/i.exec(head)?.[1];
  if (!line) return false;
  const p = {};
  for (const m of line.matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]+))/g)) p[m[1]] = m[2] ?? m[3];
  const md5 = (x) => crypto.createHash('md5').update(x).digest('hex');
  const uri = /^GET (\S+) /.exec(head)[1];
  const expected = md5(`${md5(`${user}:cam:${password}`)}:${p.nonce}:${p.nc}:${p.cnonce}:auth:${md5(`GET:${uri}`)}`);
  return nonces.has(p.nonce) && p.username === user && p.uri === uri && p.opaque === 'op1' && p.qop === 'auth' && p.response === expected;
}
