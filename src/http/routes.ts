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

/** mjpg-streamer's control API (Octolapse uses it): `?action=command&plugin=N...` sets a control of
 * input N, `/input_N.json` lists them. Served by the action registered as COMMAND_ACTION / "/input.json". */
export const COMMAND_ACTION = '?action=command';
const INPUT_JSON = /^\/input(?:_(\d{1,3}))?\.json$/;

function inputIndex(raw: string | null | undefined): number | null {
  return raw !== null && raw !== undefined && /^\d{1,3}$/.test(raw) ? Number(raw) : null;
}

function routeOf(path: string, query: URLSearchParams, actionPaths: readonly string[]): { route: Route; index: number | null; actionPath?: string } {
  if (path === '/' || path === '/index.html') {
    const action = query.get('action');
    if (action?.startsWith('command') && actionPaths.includes(COMMAND_ACTION)) {
      return { route: 'action', index: inputIndex(query.get('plugin')), actionPath: COMMAND_ACTION };
    }
    if (action !== null) return actionOf(action);
    // ustreamer-style bare keys: /?stream, /?snapshot, /?info. Other keys (cache-busters) don't count.
    for (const key of ['stream', 'snapshot', 'info']) if (query.get(key) === '') return { route: ACTIONS[key], index: null };
    return { route: 'viewer', index: null };
  }
  const input = INPUT_JSON.exec(path);
  if (input && actionPaths.includes('/input.json')) return { route: 'action', index: inputIndex(input[1]), actionPath: '/input.json' };
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
    const { route, index, actionPath } = routeOf(path, query, table.actionPaths);
    // Under /<name>/ the name picks the camera; an input number there is not another camera.
    return { route, camera: first, cameraIndex: actionPath ? null : index, actionPath: route === 'action' ? (actionPath ?? path) : null, query };
  }
  const path = url.length > 1 && url.endsWith('/') ? url.slice(0, -1) : url;
  const { route, index, actionPath } = routeOf(path, query, table.actionPaths);
  return { route, camera: null, cameraIndex: index, actionPath: route === 'action' ? (actionPath ?? path) : null, query };
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
