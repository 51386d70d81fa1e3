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

/** `?advance_headers=1`: the next part's delimiter and headers, sent right after a JPEG. Browsers that
 * paint a part only once the next part's headers are complete (Chromium) then show each frame at once.
 * The next frame's size and capture time aren't known yet, so this header has no Content-Length and no
 * X-Timestamp: readers find the part's end by the delimiter, as multipart allows. */
export const ADVANCE_HEADER = `Content-Type: image/jpeg\r\n\r\n`;
/** Sent once after the response head in advance_headers mode: the first delimiter and part header. */
export const ADVANCE_PREAMBLE = `${STREAM_PREAMBLE}${ADVANCE_HEADER}`;
/** What follows each JPEG in advance_headers mode: the next delimiter, then the next part's header. */
export const ADVANCE_TRAILER = `${PART_TRAILER}${ADVANCE_HEADER}`;
