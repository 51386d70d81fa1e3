// A strict multipart/x-mixed-replace reader for tests: every part is checked as it arrives.
import { jpegSize } from './jpeg.mjs';

export class MultipartError extends Error {}

/** Incremental parser: feed() bytes, get complete parts; throws MultipartError on any framing fault. */
export class MultipartParser {
  constructor(boundary) {
    this.delimiter = Buffer.from(`--${boundary}`);
    this.buf = Buffer.alloc(0);
    this.parts = [];
  }

  feed(chunk) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out = [];
    for (;;) {
      const part = this.next();
      if (!part) break;
      out.push(part);
      this.parts.push(part);
    }
    return out;
  }

  next() {
    const b = this.buf;
    // Tolerate blank lines between parts (some servers send CRLF before the delimiter).
    let start = 0;
    while (b.length - start >= 2 && b[start] === 13 && b[start + 1] === 10) start += 2;
    if (b.length - start < this.delimiter.length + 2) return null;
    if (!b.subarray(start, start + this.delimiter.length).equals(this.delimiter)) {
      throw new MultipartError(`expected boundary, got ${JSON.stringify(b.subarray(start, start + 40).toString('latin1'))}`);
    }
    const headEnd = b.indexOf('\r\n\r\n', start);
    if (headEnd < 0) {
      if (b.length - start > 4096) throw new MultipartError('part header longer than 4 KiB');
      return null;
    }
    const lines = b.subarray(start, headEnd).toString('latin1').split('\r\n');
    if (lines[0] !== this.delimiter.toString()) throw new MultipartError(`bad delimiter line ${JSON.stringify(lines[0])}`);
    const headers = {};
    for (const line of lines.slice(1)) {
      const i = line.indexOf(':');
      if (i <= 0) throw new MultipartError(`bad header line ${JSON.stringify(line)}`);
      headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    const length = Number(headers['content-length']);
    if (!Number.isInteger(length) || length <= 0) throw new MultipartError(`bad Content-Length ${headers['content-length']}`);
    const bodyStart = headEnd + 4;
    if (b.length < bodyStart + length + 2) return null;
    const body = Buffer.from(b.subarray(bodyStart, bodyStart + length));
    if (b[bodyStart + length] !== 13 || b[bodyStart + length + 1] !== 10) throw new MultipartError('part body not followed by CRLF');
    if (body[0] !== 0xff || body[1] !== 0xd8) throw new MultipartError('part body does not start with FFD8');
    if (body[length - 2] !== 0xff || body[length - 1] !== 0xd9) throw new MultipartError('part body does not end with FFD9');
    if (headers['content-type'] !== 'image/jpeg') throw new MultipartError(`part Content-Type ${headers['content-type']}`);
    this.buf = b.subarray(bodyStart + length + 2);
    return { headers, body, size: jpegSize(body), timestamp: Number(headers['x-timestamp']) };
  }
}

export function boundaryOf(contentType) {
  const m = /^multipart\/x-mixed-replace;\s*boundary="?([^";]+)"?/i.exec(contentType ?? '');
  if (!m) throw new MultipartError(`not a multipart stream: ${contentType}`);
  return m[1];
}

/** Reads a stream URL with fetch for `ms` milliseconds (or `maxParts` parts); returns the parts. */
export async function readStream(url, { ms = 2000, maxParts = Infinity, onPart } = {}) {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), ms);
  const res = await fetch(url, { signal: ac.signal });
  const parser = new MultipartParser(boundaryOf(res.headers.get('content-type')));
  let closedByServer = false;
  try {
    for await (const chunk of res.body) {
      for (const p of parser.feed(Buffer.from(chunk))) onPart?.(p);
      if (parser.parts.length >= maxParts) break;
    }
  } catch (e) {
    if (e instanceof MultipartError) throw e;
    // undici reports a connection the server closed as TypeError('terminated').
    if (e.name !== 'AbortError' && e.message !== 'terminated') throw e;
    closedByServer = e.message === 'terminated';
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  // One read may carry more parts than asked for: the caller gets what it asked for.
  return { status: res.status, headers: res.headers, parts: parser.parts.slice(0, maxParts), closedByServer };
}
