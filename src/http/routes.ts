// Maps a request line onto what mjpgd serves, including the URL forms of mjpg-streamer
// (/?action=stream, OctoPrint's default) and ustreamer (/stream.mjpg-style, /?stream), so mjpgd drops in.
import type { ClientOptions } from '../stream/client';

export type Route = 'stream' | 'snapshot' | 'state' | 'metrics' | 'viewer' | 'not-found';

export interface ParsedRequest {
  route: Route;
  query: URLSearchParams;
}

const PATHS: Record<string, Route> = {
  '/stream': 'stream',
  '/stream.mjpg': 'stream',
  '/stream.mjpeg': 'stream',
  '/video.mjpg': 'stream',
  '/snapshot': 'snapshot',
  '/snapshot.jpg': 'snapshot',
  '/state': 'state',
  '/metrics': 'metrics',
};

const ACTIONS: Record<string, Route> = { stream: 'stream', snapshot: 'snapshot', info: 'state', state: 'state' };

export function parseRequest(url: string, rawQuery: string): ParsedRequest {
  const query = new URLSearchParams(rawQuery);
  const path = url.length > 1 && url.endsWith('/') ? url.slice(0, -1) : url;
  if (path === '/' || path === '/index.html') {
    const action = query.get('action');
    if (action !== null) return { route: ACTIONS[action] ?? 'not-found', query };
    // ustreamer-style bare keys: /?stream, /?snapshot, /?info. Other keys (cache-busters) don't count.
    for (const key of ['stream', 'snapshot', 'info']) if (query.get(key) === '') return { route: ACTIONS[key], query };
    return { route: 'viewer', query };
  }
  return { route: PATHS[path] ?? 'not-found', query };
}

/** Per-client options from the query string; unknown parameters are ignored. Flags take 1/true/yes,
 * as ustreamer's do. */
export function streamOptions(query: URLSearchParams): ClientOptions {
  const fps = Number(query.get('fps') ?? '0');
  return {
    maxFps: Number.isFinite(fps) && fps > 0 ? Math.min(fps, 1000) : 0,
    advanceHeaders: flag(query.get('advance_headers')),
    dualFinalFrames: flag(query.get('dual_final_frames')),
  };
}

function flag(value: string | null): boolean {
  return value !== null && ['1', 'true', 'yes'].includes(value.toLowerCase());
}
