// The multipart/x-mixed-replace framing every MJPEG client understands (DESIGN §3).

/** Unquoted on purpose: some clients (older VLC, ffmpeg builds, IP-camera tools) don't unquote it. */
export const BOUNDARY = 'mjpgdframe';
export const STREAM_CONTENT_TYPE = `multipart/x-mixed-replace;boundary=${BOUNDARY}`;
export const PART_TRAILER = '\r\n';

/** X-Timestamp as seconds with microseconds, the form ustreamer uses. */
export function formatTimestamp(timestampUs: number): string {
  const s = Math.floor(timestampUs / 1e6);
  const us = String(timestampUs - s * 1e6).padStart(6, '0');
  return `${s}.${us}`;
}

/** The lines in front of one JPEG, from the boundary through the blank line. */
export function partHeader(length: number, timestampUs: number): string {
  return (
    `--${BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: ${length}\r\n` +
    `X-Timestamp: ${formatTimestamp(timestampUs)}\r\n\r\n`
  );
}

/** `?advance_headers=1`: the next part's delimiter and headers, sent right after a JPEG. Browsers that
 * paint a part only once the next part's headers are complete (Chromium) then show each frame at once.
 * The next frame's size and capture time aren't known yet, so this header has no Content-Length and no
 * X-Timestamp: readers find the part's end by the delimiter, as multipart allows. */
export const ADVANCE_HEADER = `--${BOUNDARY}\r\nContent-Type: image/jpeg\r\n\r\n`;
/** What follows each JPEG in advance_headers mode: CRLF, then the next part's header. */
export const ADVANCE_TRAILER = `\r\n${ADVANCE_HEADER}`;
