// Maps a request line onto what mjpgd serves, including the URL forms of mjpg-streamer
// (/?action=stream, OctoPrint's default) and ustreamer (/stream.mjpg-style, /?stream), so mjpgd drops in.
// With several cameras, each is also under /<name>/ (stream, snapshot, state, ...).
import type { ClientOptions } from '../stream/client';

export type Route = 'stream' | 'snapshot' | 'state' | 'metrics' | 'viewer' | 'redirect-slash' | 'not-found';

export interface ParsedRequest {
  route: Route;
  /** The camera named in the path (/<name>/...), or null for the default camera / all cameras. */
  camera: string | null;
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

function routeOf(path: string, query: URLSearchParams): Route {
  if (path === '/' || path === '/index.html') {
    const action = query.get('action');
    if (action !== null) return ACTIONS[action] ?? 'not-found';
    // ustreamer-style bare keys: /?stream, /?snapshot, /?info. Other keys (cache-busters) don't count.
    for (const key of ['stream', 'snapshot', 'info']) if (query.get(key) === '') return ACTIONS[key];
    return 'viewer';
  }
  return PATHS[path] ?? 'not-found';
}

export function parseRequest(url: string, rawQuery: string, cameraNames: readonly string[] = []): ParsedRequest {
  const query = new URLSearchParams(rawQuery);
  const slash = url.indexOf('/', 1);
  const first = slash < 0 ? url.slice(1) : url.slice(1, slash);
  if (first !== '' && cameraNames.includes(first)) {
    // "/front" → "/front/", so the page's relative links (stream, snapshot) resolve under it.
    if (slash < 0) return { route: 'redirect-slash', camera: first, query };
    return { route: routeOf(url.slice(slash), query), camera: first, query };
  }
  const path = url.length > 1 && url.endsWith('/') ? url.slice(0, -1) : url;
  return { route: routeOf(path, query), camera: null, query };
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
