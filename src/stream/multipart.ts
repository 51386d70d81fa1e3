// The multipart/x-mixed-replace framing every MJPEG client understands .

/** Unquoted on purpose: some clients (older VLC, ffmpeg builds, IP-camera tools) don't unquote it. */
export const BOUNDARY = 'mjpgdframe';
export const STREAM_CONTENT_TYPE = `multipart/x-mixed-replace;boundary=${BOUNDARY}`;
/** Sent once, right after the response head: the first delimiter. */
export const STREAM_PREAMBLE = `--${BOUNDARY}\r\n`;
/** Sent right after each JPEG, in the same write: the next delimiter. Fluidd and Mainsail show a frame
 * only once the next delimiter arrives; sending it with the next frame made every picture one frame late. */
export const PART_TRAILER = `\r\n--${BOUNDARY}\r\n`;

/** X-Timestamp as seconds with microseconds, the form ustreamer uses. */
export function formatTimestamp(timestampUs: number): string {
  const s = Math.floor(timestampUs / 1e6);
  const us = String(timestampUs - s * 1e6).padStart(6, '0');
  return `${s}.${us}`;
}

/** The part headers in front of one JPEG, through the blank line (the delimiter came before). */
export function partHeader(length: number, timestampUs: number): string {
  return `Content-Type: image/jpeg\r\nContent-Length: ${length}\r\nX-Timestamp: ${formatTimestamp(timestampUs)}\r\n\r\n`;
}

const HEAD_A = Buffer.from('Content-Type: image/jpeg\r\nContent-Length: ', 'latin1');
const HEAD_B = Buffer.from('\r\nX-Timestamp: ', 'latin1');
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');

function digits(n: number): number {
  let d = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    d++;
  }
  return d;
}

/** Writes `n` in decimal into `buf` ending just before `end`, zero-padded to `width`. */
function writeDecimal(buf: Buffer, end: number, n: number, width: number): void {
  for (let i = end - 1; i >= end - width; i--) {
    buf[i] = 48 + (n % 10);
    n = Math.floor(n / 10);
  }
}

/** Bytes partHeader(length, timestampUs) takes, computed without building it. */
export function partHeaderLength(length: number, timestampUs: number): number {
  return HEAD_A.length + digits(length) + HEAD_B.length + digits(Math.floor(timestampUs / 1e6)) + 7 + HEAD_END.length;
}

/** Writes partHeader(length, timestampUs) into `buf` at `at` byte by byte (no string per frame);
 * returns the bytes written. */
export function writePartHeader(buf: Buffer, at: number, length: number, timestampUs: number): number {
  let p = at + HEAD_A.copy(buf, at);
  const ld = digits(length);
  writeDecimal(buf, p + ld, length, ld);
  p += ld;
  p += HEAD_B.copy(buf, p);
  const s = Math.floor(timestampUs / 1e6);
  const sd = digits(s);
  writeDecimal(buf, p + sd, s, sd);
  p += sd;
  buf[p++] = 46; // "."
  writeDecimal(buf, p + 6, timestampUs - s * 1e6, 6);
  p += 6;
  p += HEAD_END.copy(buf, p);
  return p - at;
}

/** `?advance_headers=1`: the next part's delimiter and headers, sent right after a JPEG. Browsers that
 * paint a part only once the next part's headers are complete (Chromium) then show each frame at once.
 * The next frame's size and capture time aren't known yet, so this header has no Content-Length and no
 * X-Timestamp: readers find the part's end by the delimiter, as multipart allows. */
export const ADVANCE_HEADER = `Content-Type: image/jpeg\r\n\r\n`;
/** Sent once after the response head in advance_headers mode: the first delimiter and part header. */
export const ADVANCE_PREAMBLE = `${STREAM_PREAMBLE}${ADVANCE_HEADER}`;
/** What follows each JPEG in advance_headers mode: the next delimiter, then the next part's header. */
export const ADVANCE_TRAILER = `${PART_TRAILER}${ADVANCE_HEADER}`;
