// Raw HTTP over a socket, for what fetch can't send or see: malformed heads, HTTP/1.0 and 0.9,
// pipelining, keep-alive on one connection, and exactly which bytes came in which read.
import net from 'node:net';

/** Sends `bytes` and collects everything until the server closes, `done(buffer)` is true, or
 * `timeoutMs` passes (then `timedOut` is set: the server stayed silent). */
export function exchange(port, bytes, { done = null, timeoutMs = 3000, host = '127.0.0.1' } = {}) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let settled = false;
    const socket = net.connect(port, host, () => socket.write(bytes));
    const finish = (timedOut) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ data: Buffer.concat(chunks), timedOut, chunks });
    };
    const timer = setTimeout(() => finish(true), timeoutMs);
    socket.on('data', (d) => {
      chunks.push(d);
      if (done?.(Buffer.concat(chunks))) finish(false);
    });
    socket.on('close', () => finish(false));
    socket.on('error', (e) => (settled ? null : e.code === 'ECONNRESET' ? finish(false) : reject(e)));
  });
}

/** Splits complete HTTP responses off the front of `buf` (Content-Length framed; a response without
 * one runs to the end). */
export function responses(buf) {
  const out = [];
  let rest = buf;
  while (rest.length) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const head = rest.subarray(0, end).toString('latin1');
    const [statusLine, ...lines] = head.split('\r\n');
    const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
    const length = headers['content-length'] === undefined ? rest.length - end - 4 : Number(headers['content-length']);
    if (rest.length < end + 4 + length) break;
    out.push({ statusLine, status, headers, body: rest.subarray(end + 4, end + 4 + length) });
    rest = rest.subarray(end + 4 + length);
  }
  return { list: out, rest };
}

/** A keep-alive connection answering one request at a time. */
export class Connection {
  constructor(port) {
    this.socket = net.connect(port, '127.0.0.1');
    this.buf = Buffer.alloc(0);
    this.waiter = null;
    this.closed = new Promise((r) => this.socket.on('close', r));
    this.socket.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.waiter?.();
    });
    this.socket.on('error', () => {});
  }

  /** Sends one request and resolves with its response (rejects after `timeoutMs` of silence). */
  request(text, timeoutMs = 5000) {
    this.socket.write(text);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no response to ${JSON.stringify(text.slice(0, 40))}`)), timeoutMs);
      this.waiter = () => {
        const { list, rest } = responses(this.buf);
        if (!list.length) return;
        clearTimeout(timer);
        this.waiter = null;
        this.buf = rest;
        resolve(list[0]);
      };
      this.waiter();
    });
  }

  close() {
    this.socket.destroy();
    return this.closed;
  }
}

/** A connection for exact byte checks: send, then collect what arrives until `enough(bytes)`. */
export class RawConnection {
  constructor(port) {
    this.socket = net.connect(port, '127.0.0.1');
    this.buf = Buffer.alloc(0);
    this.waiter = null;
    this.socket.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.waiter?.();
    });
    this.socket.on('error', () => {});
  }

  send(text, enough, timeoutMs = 5000) {
    this.buf = Buffer.alloc(0);
    this.socket.write(text);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${JSON.stringify(text.slice(0, 40))}: ${JSON.stringify(this.buf.toString('latin1'))}`)), timeoutMs);
      this.waiter = () => {
        if (!enough(this.buf)) return;
        clearTimeout(timer);
        this.waiter = null;
        // Whatever else arrives in the next moment would be a body that shouldn't be there.
        setTimeout(() => resolve(this.buf), 100);
      };
      this.waiter();
    });
  }

  close() {
    this.socket.destroy();
  }
}
