// A small HTTP response reader for the MJPEG client: the status line and headers, then the body with
// chunked transfer coding removed. No I/O. Own code rather than node:http so that HTTP/1.0 servers,
// cameras with sloppy heads (bare LF, no reason phrase, duplicate headers) and endless bodies all work.
import { findHeaderEnd } from './multipart-reader';

export interface ResponseHead {
  /** "1.0", "1.1" */
  version: string;
  status: number;
  reason: string;
  /** Header names in lower case; repeated headers joined with ", ". */
  headers: Record<string, string>;
}

export class HttpFormatError extends Error {}

const MAX_HEAD_BYTES = 32 * 1024;

/** Parses the head once it is complete; returns it and the body bytes that came with it, or null. */
export function parseHead(buf: Buffer): { head: ResponseHead; rest: Buffer } | null {
  const end = findHeaderEnd(buf);
  if (end === null || end.at === 0) {
    if (buf.length > MAX_HEAD_BYTES) throw new HttpFormatError(`response head longer than ${MAX_HEAD_BYTES} bytes`);
    if (end?.at === 0) throw new HttpFormatError('response starts with a blank line');
    return null;
  }
  const lines = buf.subarray(0, end.at).toString('latin1').split('\n').map((l) => l.replace(/\r$/, ''));
  const m = /^HTTP\/(\d\.\d)\s+(\d{3})(?:\s+(.*))?$/.exec(lines[0]);
  if (!m) throw new HttpFormatError(`not an HTTP response: ${JSON.stringify(lines[0].slice(0, 80))}`);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { head: { version: m[1], status: Number(m[2]), reason: m[3] ?? '', headers }, rest: buf.subarray(end.at + end.length) };
}

/** Removes chunked transfer coding, incrementally: any split of the input gives the same output. */
export class ChunkedDecoder {
  private buf: Buffer = Buffer.alloc(0);
  /** Bytes left in the current chunk's data; -1: reading a size line; -2: the CRLF after data. */
  private remaining = -1;
  /** The zero-size chunk arrived: the body is over. */
  done = false;

  feed(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: Buffer[] = [];
    while (!this.done && this.buf.length > 0) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, this.buf.length);
        out.push(this.buf.subarray(0, n));
        this.buf = this.buf.subarray(n);
        this.remaining -= n;
        if (this.remaining === 0) this.remaining = -2;
      } else if (this.remaining === -2) {
        const nl = this.buf.indexOf(0x0a);
        if (nl < 0) {
          if (this.buf.length > 2) throw new HttpFormatError('chunk data not followed by CRLF');
          break;
        }
        this.buf = this.buf.subarray(nl + 1);
        this.remaining = -1;
      } else {
        const nl = this.buf.indexOf(0x0a);
        if (nl < 0) {
          if (this.buf.length > 1024) throw new HttpFormatError('chunk size line longer than 1 KiB');
          break;
        }
        // The size, then maybe ";extensions", which carry nothing for us.
        const text = this.buf.subarray(0, nl).toString('latin1').replace(/\r$/, '').split(';')[0].trim();
        if (!/^[0-9a-fA-F]+$/.test(text)) throw new HttpFormatError(`bad chunk size ${JSON.stringify(text)}`);
        const size = parseInt(text, 16);
        this.buf = this.buf.subarray(nl + 1);
        if (size === 0) this.done = true;
        else this.remaining = size;
      }
    }
    return out;
  }
}
