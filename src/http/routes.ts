// Maps a request path and query onto what mjpgd serves, including the URL forms of mjpg-streamer
// (/?action=stream, OctoPrint's default; ?action=stream_1 for input 1) and ustreamer (/stream.mjpg-style,
// /?stream), so mjpgd drops in. With several cameras, each is also under /<name>/ (stream, snapshot, ...).
import type { ClientOptions } from '../stream/client';

export type Route = 'stream' | 'snapshot' | 'state' | 'metrics' | 'viewer' | 'action' | 'redirect-slash' | 'not-found';

export interface ParsedRequest {
  route: Route;
  /** The camera named in the path (/<name>/...), or null for the default camera / all cameras. */
  camera: string | null;
  /** mjpg-streamer's input number (?action=stream_1): the camera at that place, 0 being the default. */
  cameraIndex: number | null;
  /** For route "action": the path under the camera ("/pause", "/controls", ...). */
  actionPath: string | null;
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

export interface RouteTable {
  cameraNames: readonly string[];
  /** Paths under a camera served by actions (actions.ts), e.g. "/pause". */
  actionPaths: readonly string[];
  /** A prefix a proxy may or may not forward, e.g. "/webcam" ("" for none). */
  basePath: string;
}

/** mjpg-streamer matches `action=` by prefix (OctoPrint plugins send "?action=stream?nonce=1") and
 * reads an input number after "_" ("stream_0"). */
function actionOf(value: string): { route: Route; index: number | null } {
  const m = /^(stream|snapshot|info|state)(?:_(\d{1,3}))?/.exec(value);
  if (!m) return { route: 'not-found', index: null };
  return { route: ACTIONS[m[1]], index: m[2] === undefined ? null : Number(m[2]) };
}

function routeOf(path: string, query: URLSearchParams, actionPaths: readonly string[]): { route: Route; index: number | null } {
  if (path === '/' || path === '/index.html') {
    const action = query.get('action');
    if (action !== null) return actionOf(action);
    // ustreamer-style bare keys: /?stream, /?snapshot, /?info. Other keys (cache-busters) don't count.
    for (const key of ['stream', 'snapshot', 'info']) if (query.get(key) === '') return { route: ACTIONS[key], index: null };
    return { route: 'viewer', index: null };
  }
  if (actionPaths.includes(path)) return { route: 'action', index: null };
  return { route: PATHS[path] ?? 'not-found', index: null };
}

/** Decodes the path once (so /snap%73hot is /snapshot); a path that doesn't decode is not found. */
function decodePath(path: string): string | null {
  try {
    return decodeURIComponent(path);
  } catch {
    return null;
  }
}

export function parseRequest(rawPath: string, rawQuery: string, table: RouteTable): ParsedRequest {
  const query = new URLSearchParams(rawQuery);
  const none = { camera: null, cameraIndex: null, actionPath: null, query };
  let url = decodePath(rawPath);
  if (url === null || !url.startsWith('/')) return { route: 'not-found', ...none };
  const base = table.basePath;
  if (base && (url === base || url.startsWith(`${base}/`))) url = url.slice(base.length) || '/';
  const slash = url.indexOf('/', 1);
  const first = slash < 0 ? url.slice(1) : url.slice(1, slash);
  if (first !== '' && table.cameraNames.includes(first)) {
    // "/front" → "/front/", so the page's relative links (stream, snapshot) resolve under it.
    if (slash < 0) return { route: 'redirect-slash', ...none, camera: first };
    const rest = url.slice(slash);
    const path = rest.length > 1 && rest.endsWith('/') ? rest.slice(0, -1) : rest;
    const { route, index } = routeOf(path, query, table.actionPaths);
    return { route, camera: first, cameraIndex: index, actionPath: route === 'action' ? path : null, query };
  }
  const path = url.length > 1 && url.endsWith('/') ? url.slice(0, -1) : url;
  const { route, index } = routeOf(path, query, table.actionPaths);
  return { route, camera: null, cameraIndex: index, actionPath: route === 'action' ? path : null, query };
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
