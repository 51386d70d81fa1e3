// Raw-socket stream viewers for the fan-out tests: any HTTP version, throttled or never reading,
// hanging up at chosen points. Every part is checked by a strict multipart parser as it arrives.
import net from 'node:net';
import { boundaryOf, MultipartError, MultipartParser } from './multipart.mjs';
import { jpegSize } from './jpeg.mjs';

/** Parses multipart by delimiter, not Content-Length (advance_headers parts have none), strictly:
 * every part needs Content-Type image/jpeg, a body FFD8…FFD9, and CRLF before the next delimiter. */
export class DelimiterParser {
  constructor(boundary) {
    this.delimiter = Buffer.from(`--${boundary}\r\n`);
    this.next = Buffer.from(`\r\n--${boundary}\r\n`);
    this.buf = Buffer.alloc(0);
    this.parts = [];
    this.started = false;
  }

  feed(chunk) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out = [];
    if (!this.started) {
      if (this.buf.length < this.delimiter.length) return out;
      if (!this.buf.subarray(0, this.delimiter.length).equals(this.delimiter)) {
        throw new MultipartError(`stream does not start with the delimiter: ${JSON.stringify(this.buf.subarray(0, 40).toString('latin1'))}`);
      }
      this.buf = this.buf.subarray(this.delimiter.length);
      this.started = true;
    }
    for (;;) {
      const headEnd = this.buf.indexOf('\r\n\r\n');
      if (headEnd < 0) {
        if (this.buf.length > 4096) throw new MultipartError('part header longer than 4 KiB');
        break;
      }
      const end = this.buf.indexOf(this.next, headEnd + 4);
      if (end < 0) break;
      const headers = {};
      for (const line of this.buf.subarray(0, headEnd).toString('latin1').split('\r\n')) {
        const i = line.indexOf(':');
        if (i <= 0) throw new MultipartError(`bad header line ${JSON.stringify(line)}`);
        headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      if (headers['content-type'] !== 'image/jpeg') throw new MultipartError(`part Content-Type ${headers['content-type']}`);
      const body = Buffer.from(this.buf.subarray(headEnd + 4, end));
      if (body[0] !== 0xff || body[1] !== 0xd8 || body.at(-2) !== 0xff || body.at(-1) !== 0xd9) {
        throw new MultipartError(`part body is not one whole JPEG (${body.length} bytes)`);
      }
      if (headers['content-length'] !== undefined && Number(headers['content-length']) !== body.length) {
        throw new MultipartError(`Content-Length ${headers['content-length']} but ${body.length} bytes before the next delimiter`);
      }
      const part = { headers, body, size: jpegSize(body), timestamp: Number(headers['x-timestamp']) };
      out.push(part);
      this.parts.push(part);
      this.buf = this.buf.subarray(end + this.next.length);
    }
    return out;
  }
}

/**
 * Opens a stream with a raw request and parses it as it comes.
 * - rate: bytes per second this viewer reads (token bucket with pause/resume); Infinity = at once.
 * - neverRead: send the request, then never read a byte.
 * - delimiterParsing: parse by delimiter (advance_headers streams) instead of Content-Length.
 * - hangUpAfter(bytesOfBody) → true to destroy the socket at that point.
 */
export function openStream(port, opts = {}) {
  const {
    path = '/stream',
    version = '1.1',
    rate = Infinity,
    neverRead = false,
    delimiterParsing = false,
    hangUpAfter = null,
    headers = version === '1.1' ? 'Host: 127.0.0.1\r\n' : '',
  } = opts;
  const v = {
    status: 0,
    head: '',
    parts: [],
    /** receive time (s) − X-Timestamp of each part, for freshness checks */
    lags: [],
    bodyBytes: 0,
    error: null,
    closedByServer: false,
  };
  let headBuf = Buffer.alloc(0);
  let parser = null;
  let tokens = Number.isFinite(rate) ? rate / 100 : Infinity;
  let refill = null;
  const socket = net.connect(port, '127.0.0.1', () => socket.write(`GET ${path} HTTP/${version}\r\n${headers}\r\n`));
  if (neverRead) socket.pause();
  let closing = false;
  v.closed = new Promise((resolve) => socket.on('close', resolve));
  socket.on('error', (e) => {
    if (!closing) v.error ??= e;
  });
  socket.on('end', () => {
    if (!closing) v.closedByServer = true;
  });
  const consume = (chunk) => {
    if (!parser) {
      headBuf = Buffer.concat([headBuf, chunk]);
      const end = headBuf.indexOf('\r\n\r\n');
      if (end < 0) return;
      v.head = headBuf.subarray(0, end).toString('latin1');
      v.status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(v.head)?.[1] ?? 0);
      const ct = /\r\ncontent-type: *([^\r]*)/i.exec(v.head)?.[1];
      const rest = headBuf.subarray(end + 4);
      if (v.status !== 200) {
        v.body = rest;
        parser = {
          feed: (d) => {
            v.body = Buffer.concat([v.body, d]);
            return [];
          },
        };
        return;
      }
      parser = delimiterParsing ? new DelimiterParser(boundaryOf(ct)) : new MultipartParser(boundaryOf(ct));
      chunk = rest;
      if (!chunk.length) return;
    }
    v.bodyBytes += chunk.length;
    try {
      const now = Date.now() / 1000;
      for (const p of parser.feed(chunk)) {
        v.parts.push(p);
        if (p.timestamp) v.lags.push(now - p.timestamp);
        opts.onPart?.(p, v);
      }
    } catch (e) {
      v.error ??= e;
      v.close();
    }
    if (hangUpAfter?.(v)) v.close();
  };
  socket.on('data', (chunk) => {
    consume(chunk);
    if (tokens !== Infinity) {
      tokens -= chunk.length;
      if (tokens < 0 && !refill) {
        socket.pause();
        refill = setTimeout(() => {
          refill = null;
          // The pause paid the debt back; the extra 10 ms earned a little credit.
          tokens = rate / 100;
          if (!closing) socket.resume();
        }, (-tokens / rate) * 1000 + 10);
      }
    }
  });
  v.close = () => {
    closing = true;
    if (refill) clearTimeout(refill);
    socket.destroy();
    return v.closed;
  };
  v.socket = socket;
  return v;
}

/** /state of a running server. */
export async function state(url) {
  return (await fetch(`${url}/state`)).json();
}

/** Polls /state until `check(state)` holds (up to `ms`); returns the last state either way. */
export async function waitForState(url, check, ms = 5000) {
  const deadline = Date.now() + ms;
  let s = await state(url);
  while (!check(s) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    s = await state(url);
  }
  return s;
}

/** Resident memory of a process in KiB (VmRSS from /proc). */
export async function rssKiB(pid) {
  const { readFile } = await import('node:fs/promises');
  return Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))[1]);
}
