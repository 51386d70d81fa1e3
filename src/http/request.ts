// The request head as mjpgd reads it off a socket: a strict parser with limits, so every malformed,
// oversized or unsupported request gets its status code at once instead of silence.

/** A parsed request, transport-neutral. Header names are lower-case. */
export interface Request {
  method: string;
  /** The path part of the target, still percent-encoded as sent. */
  path: string;
  /** The raw query string without "?" ("" when none). */
  query: string;
  /** "1.0" or "1.1". */
  version: '1.0' | '1.1';
  headers: Map<string, string>;
  /** The client's address ("unix" on a unix socket). */
  remote: string;
}

export const LIMITS = {
  /** Request line + headers. Beyond: 431 (or 414 when the request line alone is too long). */
  headBytes: 16 * 1024,
  /** The request line alone. Beyond: 414. */
  lineBytes: 8 * 1024,
  headers: 100,
  /** A request body (POST /controls and friends). Beyond: 413. */
  bodyBytes: 64 * 1024,
};

/** Why a head can't be served, with the status to answer. */
export class BadRequest extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Printable ASCII and obs-text; no controls, no NUL, no space.
const TARGET = /^[\x21-\x7e\x80-\xff]+$/;

/** Where the head ends in `buf` (the index just past CRLF CRLF), or -1 if not complete yet. Bare LF
 * line ends are found too so they can be answered (400) rather than waited on. */
export function headEnd(buf: Buffer, from = 0): number {
  let i = buf.indexOf(10, Math.max(0, from - 3));
  while (i >= 0) {
    if (buf[i + 1] === 10) return i + 2;
    if (buf[i + 1] === 13 && buf[i + 2] === 10) return i + 3;
    i = buf.indexOf(10, i + 1);
  }
  return -1;
}

/** Throws BadRequest if what arrived so far can never become a servable head (too long, not HTTP,
 * HTTP/0.9 — whose one-line requests never end with a blank line). */
export function checkPartialHead(buf: Buffer): void {
  const lineEnd = buf.indexOf(10);
  if (lineEnd < 0) {
    if (buf.length > LIMITS.lineBytes) throw new BadRequest(414, 'request line too long');
    return;
  }
  if (buf[lineEnd - 1] !== 13) throw new BadRequest(400, 'lines must end with CRLF');
  checkRequestLine(buf.subarray(0, lineEnd - 1).toString('latin1'));
  if (buf.length > LIMITS.headBytes) throw new BadRequest(431, 'request head too large');
}

/** Splits and checks a request line: method, target, version. */
function checkRequestLine(line: string): { method: string; target: string; version: '1.0' | '1.1' } {
  if (line.length > LIMITS.lineBytes) throw new BadRequest(414, 'request line too long');
  const parts = line.split(' ');
  if (parts.length === 2 && TOKEN.test(parts[0])) throw new BadRequest(400, 'HTTP/0.9 requests are not served');
  if (parts.length !== 3) throw new BadRequest(400, 'bad request line');
  const [method, target, proto] = parts;
  if (!TOKEN.test(method)) throw new BadRequest(400, 'bad method');
  const m = /^HTTP\/(\d)\.(\d)$/.exec(proto);
  if (!m) throw new BadRequest(400, 'bad HTTP version');
  if (m[1] !== '1') throw new BadRequest(505, `HTTP/${m[1]}.${m[2]} is not supported; use HTTP/1.1 or HTTP/1.0`);
  if (!TARGET.test(target)) throw new BadRequest(400, 'bad request target');
  return { method, target, version: m[2] === '0' ? '1.0' : '1.1' };
}

/** Parses a complete head (request line + headers, as found by headEnd). */
export function parseHead(head: Buffer, remote: string): Request {
  if (head.length > LIMITS.headBytes) throw new BadRequest(431, 'request head too large');
  const text = head.toString('latin1');
  const lines = text.split('\r\n');
  // split leaves the two empty strings after the final CRLF CRLF.
  if (lines.length < 3 || lines[lines.length - 1] !== '' || lines[lines.length - 2] !== '' || lines.some((l) => l.includes('\n'))) {
    throw new BadRequest(400, 'lines must end with CRLF');
  }
  const { method, target, version } = checkRequestLine(lines[0]);
  const headers = new Map<string, string>();
  const fieldLines = lines.slice(1, -2);
  if (fieldLines.length > LIMITS.headers) throw new BadRequest(431, `more than ${LIMITS.headers} headers`);
  for (const field of fieldLines) {
    const colon = field.indexOf(':');
    const name = field.slice(0, colon);
    if (colon <= 0 || !TOKEN.test(name)) throw new BadRequest(400, 'bad header line');
    const value = field.slice(colon + 1).trim();
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(value)) throw new BadRequest(400, 'control character in a header');
    const key = name.toLowerCase();
    const previous = headers.get(key);
    if (previous !== undefined && (key === 'content-length' || key === 'host')) throw new BadRequest(400, `repeated ${name}`);
    headers.set(key, previous === undefined ? value : `${previous}, ${value}`);
  }
  if (version === '1.1' && !headers.has('host')) throw new BadRequest(400, 'HTTP/1.1 request without Host');
  return { method, ...splitTarget(method, target), version, headers, remote };
}

/** Origin form (/path?query), absolute form (http://host/path?query), or `*` (OPTIONS only). */
function splitTarget(method: string, target: string): { path: string; query: string } {
  let rest = target;
  if (target === '*') {
    if (method !== 'OPTIONS') throw new BadRequest(400, '"*" is only a target for OPTIONS');
    return { path: '*', query: '' };
  }
  const absolute = /^https?:\/\/[^/?#]*/i.exec(target);
  if (absolute) rest = target.slice(absolute[0].length) || '/';
  if (!rest.startsWith('/')) throw new BadRequest(400, 'bad request target');
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  return q < 0 ? { path: rest, query: '' } : { path: rest.slice(0, q), query: rest.slice(q + 1) };
}

/** Whether the connection stays open after this request's answer (non-stream answers only). */
export function wantsKeepAlive(req: Request): boolean {
  const connection = (req.headers.get('connection') ?? '').toLowerCase();
  if (req.version === '1.0') return /\bkeep-alive\b/.test(connection);
  return !/\bclose\b/.test(connection);
}

/** The declared body length: 0 when none, throws for chunked bodies and bad lengths. */
export function bodyLength(req: Request): number {
  if (req.headers.has('transfer-encoding')) throw new BadRequest(411, 'send the body with a Content-Length');
  const raw = req.headers.get('content-length');
  if (raw === undefined) return 0;
  if (!/^\d{1,12}$/.test(raw)) throw new BadRequest(400, 'bad Content-Length');
  const n = Number(raw);
  if (n > LIMITS.bodyBytes) throw new BadRequest(413, `request body over ${LIMITS.bodyBytes} bytes`);
  return n;
}
