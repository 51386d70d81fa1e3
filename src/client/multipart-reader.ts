// Incremental multipart/x-mixed-replace reader: bytes in (split anywhere), whole parts out. No I/O,
// so it is tested by feeding the same stream cut at every possible place.
//
// What real MJPEG servers send, and what this accepts:
// - parts with Content-Length (mjpgd, mjpg-streamer, ustreamer): the body is read by length, so a
//   JPEG that happens to contain the boundary text is still whole;
// - parts without it (many IP cameras, advance_headers): the body ends at the next delimiter line;
// - `boundary=--foo` (cameras that put the dashes into the parameter) with delimiter lines of either
//   `--foo` or `----foo`: a delimiter line is any run of dashes followed by the boundary's core;
// - LF instead of CRLF, blank lines or junk before the first delimiter and between parts.

export interface Part {
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: Buffer;
}

export type ReaderEvent = { kind: 'part'; part: Part } | { kind: 'discarded'; bytes: number };

export class MultipartFormatError extends Error {}

/** Part headers longer than this are not MJPEG: the stream is broken or not multipart at all. */
const MAX_HEADER_BYTES = 16 * 1024;

type State =
  | { name: 'seek' }
  | { name: 'headers' }
  | { name: 'length'; headers: Record<string, string>; length: number }
  | { name: 'skip'; remaining: number; total: number }
  | { name: 'scan'; headers: Record<string, string>; searched: number; discarding: boolean; dropped: number };

/** The boundary without quotes and without the leading dashes some cameras put into the parameter. */
export function boundaryCore(boundary: string): string {
  const unquoted = boundary.trim().replace(/^"(.*)"$/, '$1');
  return unquoted.replace(/^-+/, '');
}

/** The boundary parameter of a multipart Content-Type (quoted or not), or null. */
export function boundaryOf(contentType: string): string | null {
  if (!/^\s*multipart\//i.test(contentType)) return null;
  const m = /;\s*boundary\s*=\s*("([^"]*)"|[^;\s]+)/i.exec(contentType);
  if (!m) return null;
  const value = m[2] ?? m[1];
  return value === '' ? null : value;
}

export class MultipartReader {
  private buf: Buffer = Buffer.alloc(0);
  private state: State = { name: 'seek' };
  private readonly core: Buffer;

  /** `maxPartBytes`: bodies larger than this are skipped (not buffered) and reported as discarded. */
  constructor(
    boundary: string,
    private readonly maxPartBytes: number,
  ) {
    const core = boundaryCore(boundary);
    if (core === '') throw new MultipartFormatError(`unusable boundary ${JSON.stringify(boundary)}`);
    this.core = Buffer.from(core, 'latin1');
  }

  feed(chunk: Buffer): ReaderEvent[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: ReaderEvent[] = [];
    while (this.step(out)) {
      // Each step consumes input or changes state; it returns false when it needs more bytes.
    }
    return out;
  }

  /** The stream ended. A boundary-only part has no delimiter after it then: it is handed on if it is
   * a whole JPEG (ends with EOI), and dropped if the connection broke in the middle of it. */
  end(): ReaderEvent[] {
    const s = this.state;
    this.state = { name: 'seek' };
    if (s.name !== 'scan' || s.discarding) return [];
    let end = this.buf.length;
    while (end > 0 && (this.buf[end - 1] === 0x0a || this.buf[end - 1] === 0x0d)) end--;
    const body = this.buf.subarray(0, end);
    this.buf = Buffer.alloc(0);
    if (body.length < 4 || body[body.length - 2] !== 0xff || body[body.length - 1] !== 0xd9) return [];
    return [{ kind: 'part', part: { headers: s.headers, body: Buffer.from(body) } }];
  }

  private step(out: ReaderEvent[]): boolean {
    const s = this.state;
    switch (s.name) {
      case 'seek':
        return this.seekDelimiter();
      case 'headers':
        return this.readHeaders();
      case 'length': {
        if (this.buf.length < s.length) return false;
        // A copy: the consumer may keep the frame while this buffer is reused for the next bytes.
        const body = Buffer.from(this.buf.subarray(0, s.length));
        this.buf = this.buf.subarray(s.length);
        out.push({ kind: 'part', part: { headers: s.headers, body } });
        this.state = { name: 'seek' };
        return true;
      }
      case 'skip': {
        const n = Math.min(s.remaining, this.buf.length);
        this.buf = this.buf.subarray(n);
        s.remaining -= n;
        if (s.remaining > 0) return false;
        out.push({ kind: 'discarded', bytes: s.total });
        this.state = { name: 'seek' };
        return true;
      }
      case 'scan':
        return this.scanBody(s, out);
    }
  }

  /** Skips to the end of the next delimiter line. */
  private seekDelimiter(): boolean {
    for (;;) {
      const nl = this.buf.indexOf(0x0a);
      if (nl < 0) {
        // Keep a possible partial delimiter line; junk before it can go.
        if (this.buf.length > MAX_HEADER_BYTES) this.buf = this.buf.subarray(this.buf.length - this.core.length - 64);
        return false;
      }
      const line = this.buf.subarray(0, nl);
      this.buf = this.buf.subarray(nl + 1);
      if (this.isDelimiter(line)) {
        this.state = { name: 'headers' };
        return true;
      }
    }
  }

  /** `line` (without its LF) is a delimiter: dashes, the boundary core, maybe the closing `--`, maybe CR. */
  private isDelimiter(line: Buffer): boolean {
    let end = line.length;
    if (end > 0 && line[end - 1] === 0x0d) end--;
    // Transport padding after the boundary is allowed by RFC 2046.
    while (end > 0 && (line[end - 1] === 0x20 || line[end - 1] === 0x09)) end--;
    let start = 0;
    while (start < end && line[start] === 0x2d) start++;
    if (start === 0) return false;
    const rest = line.subarray(start, end);
    if (rest.equals(this.core)) return true;
    // The closing delimiter `--boundary--`: a server that ends the stream; the next part (if any) follows.
    return rest.length === this.core.length + 2 && rest.subarray(0, this.core.length).equals(this.core) && rest[rest.length - 1] === 0x2d && rest[rest.length - 2] === 0x2d;
  }

  private readHeaders(): boolean {
    const end = findHeaderEnd(this.buf);
    if (end === null) {
      if (this.buf.length > MAX_HEADER_BYTES) throw new MultipartFormatError(`part header longer than ${MAX_HEADER_BYTES} bytes`);
      return false;
    }
    const headers: Record<string, string> = {};
    for (const raw of this.buf.subarray(0, end.at).toString('latin1').split('\n')) {
      const line = raw.replace(/\r$/, '');
      const colon = line.indexOf(':');
      if (colon <= 0) continue; // tolerate junk lines rather than lose the stream
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    this.buf = this.buf.subarray(end.at + end.length);
    const declared = headers['content-length'];
    const length = declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : null;
    if (length === null) {
      this.state = { name: 'scan', headers, searched: 0, discarding: false, dropped: 0 };
    } else if (length > this.maxPartBytes) {
      this.state = { name: 'skip', remaining: length, total: length };
    } else if (length === 0) {
      // An empty part carries no picture; nothing to hand on.
      this.state = { name: 'seek' };
    } else {
      this.state = { name: 'length', headers, length };
    }
    return true;
  }

  /** A body without Content-Length: it ends right before the line break in front of the next delimiter. */
  private scanBody(s: Extract<State, { name: 'scan' }>, out: ReaderEvent[]): boolean {
    const hit = this.findDelimiterLine(s.searched);
    if (hit === null) {
      // Next search starts where a delimiter could still begin (it may be cut at the end of the chunk).
      const keepFrom = Math.max(0, this.buf.length - (this.core.length + 16));
      s.searched = keepFrom;
      if (!s.discarding && this.buf.length > this.maxPartBytes) s.discarding = true;
      if (s.discarding && keepFrom > 0) {
        // Too big to hand on: drop what was read, keep only the tail where a delimiter may start.
        s.dropped += keepFrom;
        this.buf = this.buf.subarray(keepFrom);
        s.searched = 0;
      }
      return false;
    }
    const bodyEnd = hit.lineStart >= 2 && this.buf[hit.lineStart - 2] === 0x0d ? hit.lineStart - 2 : hit.lineStart - 1;
    if (s.discarding || bodyEnd > this.maxPartBytes) {
      out.push({ kind: 'discarded', bytes: s.dropped + Math.max(0, bodyEnd) });
    } else if (bodyEnd > 0) {
      out.push({ kind: 'part', part: { headers: s.headers, body: Buffer.from(this.buf.subarray(0, bodyEnd)) } });
    }
    this.buf = this.buf.subarray(hit.lineEnd);
    this.state = { name: 'headers' };
    return true;
  }

  /** The first complete delimiter line that starts after a line break, from `from` on. */
  private findDelimiterLine(from: number): { lineStart: number; lineEnd: number } | null {
    let i = from;
    for (;;) {
      const at = this.buf.indexOf(this.core, i);
      if (at < 0) return null;
      let start = at;
      while (start > 0 && this.buf[start - 1] === 0x2d) start--;
      const nl = this.buf.indexOf(0x0a, at + this.core.length);
      if (nl < 0) return null; // the line isn't complete yet: look again with more bytes
      if (start < at && start > 0 && this.buf[start - 1] === 0x0a && this.isDelimiter(this.buf.subarray(start, nl))) {
        return { lineStart: start, lineEnd: nl + 1 };
      }
      i = at + 1;
    }
  }
}

/** Where the header block ends: the first empty line (CRLF CRLF, or bare LF LF). */
export function findHeaderEnd(buf: Buffer): { at: number; length: number } | null {
  // The header block may be empty: the delimiter line followed at once by a blank line.
  if (buf.length >= 2 && buf[0] === 0x0d && buf[1] === 0x0a) return { at: 0, length: 2 };
  if (buf.length >= 1 && buf[0] === 0x0a) return { at: 0, length: 1 };
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf <= lf)) return { at: crlf, length: 4 };
  if (lf >= 0) return { at: lf, length: 2 };
  return null;
}
