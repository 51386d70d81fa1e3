// The one Answer model: the router decides what a request gets, as a value; the transports (node
// `net`, uWebSockets.js) only put it on the wire. Every status line and header is decided here once.
import type { Camera } from '../camera';
import type { ClientOptions } from '../stream/client';
import type { FrameLease } from '../sources/lease';
import { formatTimestamp, STREAM_CONTENT_TYPE } from '../stream/multipart';
import type { BodyAnswer } from './actions';

export type { BodyAnswer } from './actions';

/** A multipart stream of one camera's frames. */
export interface StreamAnswer {
  stream: { camera: Camera; options: ClientOptions };
  /** Extra response headers (e.g. Server when mjpgd poses as mjpg-streamer). */
  headers?: Record<string, string>;
}

/** One JPEG (a snapshot). The transport owns a reference to the frame and lets go when written. */
export interface FrameAnswer {
  frame: FrameLease;
  headers?: Record<string, string>;
}

export type Answer = BodyAnswer | StreamAnswer | FrameAnswer;

export const NO_CACHE = 'no-cache, no-store, must-revalidate, max-age=0';

const REASONS: Record<number, string> = {
  200: 'OK', 204: 'No Content', 301: 'Moved Permanently', 400: 'Bad Request', 401: 'Unauthorized',
  404: 'Not Found', 405: 'Method Not Allowed', 408: 'Request Timeout', 411: 'Length Required',
  413: 'Content Too Large', 414: 'URI Too Long', 429: 'Too Many Requests', 431: 'Request Header Fields Too Large',
  500: 'Internal Server Error', 503: 'Service Unavailable', 505: 'HTTP Version Not Supported',
};

export function statusLine(status: number): string {
  return `${status} ${REASONS[status] ?? 'Unknown'}`;
}

/** Status and headers of an answer, without Content-Length and Connection (each transport frames
 * the body its own way). */
export function headOf(a: Answer, extra: readonly [string, string][] = []): { status: number; headers: [string, string][] } {
  // Cross-origin readers (Mainsail's and Fluidd's fetch workers) may read everything mjpgd serves.
  const common: [string, string][] = [['Cache-Control', NO_CACHE], ['Access-Control-Allow-Origin', '*'], ...extra];
  const own = Object.entries(a.headers ?? {});
  if ('stream' in a) {
    return {
      status: 200,
      headers: [
        ['Content-Type', STREAM_CONTENT_TYPE],
        ...common,
        ['Pragma', 'no-cache'],
        // nginx passes the stream on as it comes instead of buffering it.
        ['X-Accel-Buffering', 'no'],
        ...own,
      ],
    };
  }
  if ('frame' in a) {
    return { status: 200, headers: [['Content-Type', 'image/jpeg'], ...common, ['X-Timestamp', formatTimestamp(a.frame.timestampUs)], ...own] };
  }
  return { status: a.status, headers: [['Content-Type', a.type], ...common, ...own] };
}

/** Length of an answer's body (streams have none: they end with the connection). */
export function bodyBytes(a: BodyAnswer | FrameAnswer): Buffer {
  if ('frame' in a) return a.frame.jpeg;
  return typeof a.body === 'string' ? Buffer.from(a.body) : a.body;
}

export function errorAnswer(status: number, message: string, headers?: Record<string, string>): BodyAnswer {
  return { status, type: 'text/plain; charset=utf-8', body: `${message}\n`, headers };
}

/** Lets go of a frame answer's frame exactly once (after the write, or when the connection died). */
export function releaser(a: Answer): () => void {
  if (!('frame' in a)) return () => {};
  let held = true;
  return () => {
    if (held) {
      held = false;
      a.frame.unref();
    }
  };
}
