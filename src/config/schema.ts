// Every setting once: its config-file key, command-line flag, environment variable, type, range and
// help text. The CLI, the TOML loader, the environment loader and --print-config are all built from
// this table, so every flag has a file key and the other way round.

import { parseControlValues } from '../controls/values';

export type Section = 'server' | 'log' | 'camera';

export type Kind =
  | { type: 'int'; min: number; max: number }
  | { type: 'number'; min: number; max: number }
  | { type: 'string' }
  | { type: 'path' }
  | { type: 'bool' }
  | { type: 'enum'; values: readonly string[]; aliases?: Record<string, string> }
  | { type: 'list' }
  /** A program and its arguments: a list of strings, or one string (split into words where it is used). */
  | { type: 'command' }
  /** V4L2 control values: a table (name = value) in a file, "name=value,name=value" on the command line. */
  | { type: 'controls' };

export interface Setting {
  section: Section;
  /** Key in the section (TOML) and in the typed Config. */
  key: string;
  /** Command-line flag without dashes. */
  flag: string;
  kind: Kind;
  default: unknown;
  describe: string;
  /** Old flag names from mjpg-streamer / ustreamer / the Python streamers that mean the same. */
  aliases?: string[];
  /** Hidden from --print-config output (secrets). */
  secret?: boolean;
}

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

export const SETTINGS: readonly Setting[] = [
  // [server]
  { section: 'server', key: 'host', flag: 'host', kind: { type: 'list' }, default: ['127.0.0.1'], describe: 'addresses to listen on, comma-separated: 0.0.0.0 (all IPv4), :: (all IPv6), 127.0.0.1, ::1 ...' },
  { section: 'server', key: 'port', flag: 'port', kind: { type: 'int', min: 0, max: 65535 }, default: 8080, describe: 'TCP port (0 picks a free one)' },
  { section: 'server', key: 'unixSocket', flag: 'unix-socket', kind: { type: 'path' }, default: null, describe: 'also listen on this unix socket path' },
  { section: 'server', key: 'transport', flag: 'transport', kind: { type: 'enum', values: ['node', 'uws'] }, default: 'node', describe: "HTTP transport: node (Node's net/tls: every Node version, HTTP/1.0 and 1.1) or uws (uWebSockets.js, Node <= 20, HTTP/1.1 only)" },
  { section: 'server', key: 'basePath', flag: 'base-path', kind: { type: 'string' }, default: '', describe: 'URL prefix a proxy may forward, e.g. /webcam (URLs work with and without it)' },
  { section: 'server', key: 'http10Port', flag: 'http10-port', kind: { type: 'int', min: 0, max: 65535 }, default: null, describe: 'deprecated: the main port serves HTTP/1.0 now; this only adds one more port serving everything' },
  { section: 'server', key: 'maxClients', flag: 'max-clients', kind: { type: 'int', min: 1, max: 100000 }, default: 200, describe: 'most stream viewers at once; more get 503' },
  { section: 'server', key: 'stallTimeout', flag: 'stall-timeout', kind: { type: 'number', min: 0.1, max: 3600 }, default: 10, describe: 'seconds a viewer may take nothing before it is closed' },
  { section: 'server', key: 'snapshotMaxDelay', flag: 'snapshot-max-delay', kind: { type: 'int', min: 0, max: 60000 }, default: 500, describe: 'ms a snapshot may be old before it waits for a new frame' },
  { section: 'server', key: 'unsentLimit', flag: 'unsent-limit', kind: { type: 'int', min: 0, max: 64 * 1024 * 1024 }, default: 16384, describe: 'bytes a viewer connection may hold unsent in the kernel (TCP_NOTSENT_LOWAT; 0: kernel default): small keeps slow viewers close to live' },
  { section: 'server', key: 'sendBuffer', flag: 'send-buffer', kind: { type: 'int', min: 0, max: 64 * 1024 * 1024 }, default: 0, describe: 'socket send buffer per viewer connection (SO_SNDBUF; 0: kernel autotuning)' },
  { section: 'server', key: 'tlsCert', flag: 'tls-cert', kind: { type: 'path' }, default: null, describe: 'TLS certificate (PEM): serve HTTPS' },
  { section: 'server', key: 'tlsKey', flag: 'tls-key', kind: { type: 'path' }, default: null, describe: 'TLS private key (PEM)' },
  { section: 'server', key: 'tlsPassphrase', flag: 'tls-passphrase', kind: { type: 'string' }, default: null, describe: 'passphrase of the TLS key', secret: true },
  { section: 'server', key: 'httpsPort', flag: 'https-port', kind: { type: 'int', min: 0, max: 65535 }, default: null, describe: 'with TLS: HTTPS on this port and plain HTTP stays on --port (default: HTTPS on --port only)' },
  { section: 'server', key: 'directWrites', flag: 'direct-writes', kind: { type: 'bool' }, default: true, describe: 'let the capture thread write each frame to viewers that keep up (plain HTTP, native sources), waking JS only for the others; --no-direct-writes: every write from JS' },
  { section: 'server', key: 'redirectHttp', flag: 'redirect-http', kind: { type: 'bool' }, default: false, describe: 'with --https-port: answer plain HTTP with a redirect to HTTPS' },
  { section: 'server', key: 'user', flag: 'user', kind: { type: 'string' }, default: null, describe: 'basic-auth user name (with --password or password_hash)' },
  { section: 'server', key: 'password', flag: 'password', kind: { type: 'string' }, default: null, describe: 'basic-auth password', secret: true },
  { section: 'server', key: 'passwordHash', flag: 'password-hash', kind: { type: 'string' }, default: null, describe: 'basic-auth password as scrypt$<salt-hex>$<hash-hex> (see mjpgd --hash-password)', secret: true },
  { section: 'server', key: 'stateDir', flag: 'state-dir', kind: { type: 'path' }, default: null, describe: 'folder where mjpgd keeps what it must remember across restarts (camera controls set over HTTP: one small file per camera)' },
  { section: 'server', key: 'mjpgStreamerServerHeader', flag: 'mjpg-streamer-server-header', kind: { type: 'bool' }, default: false, describe: 'send "Server: MJPG-Streamer" so clients that check it (Octolapse camera controls) treat mjpgd as mjpg-streamer' },
  { section: 'server', key: 'token', flag: 'token', kind: { type: 'string' }, default: null, describe: 'read-only access token accepted as ?token= (for <img> embedding)', secret: true },
  // [log]
  { section: 'log', key: 'level', flag: 'log-level', kind: { type: 'enum', values: LOG_LEVELS, aliases: { d: 'debug', i: 'info', w: 'warn', e: 'error', c: 'error', warning: 'warn', critical: 'error' } }, default: 'info', describe: 'debug, info, warn, error (or D, I, W, E, C)', aliases: ['d'] },
  { section: 'log', key: 'file', flag: 'log-file', kind: { type: 'path' }, default: null, describe: 'write the log to this file instead of stdout (reopened on SIGHUP)' },
  { section: 'log', key: 'maxSize', flag: 'log-max-size', kind: { type: 'int', min: 0, max: 2 ** 40 }, default: 10 * 1024 * 1024, describe: 'rotate the log file at this many bytes (0: never)' },
  { section: 'log', key: 'maxFiles', flag: 'log-max-files', kind: { type: 'int', min: 1, max: 100 }, default: 3, describe: 'rotated log files to keep' },
  { section: 'log', key: 'access', flag: 'access-log', kind: { type: 'bool' }, default: false, describe: 'log every HTTP request' },
  { section: 'log', key: 'showFps', flag: 'showfps', kind: { type: 'bool' }, default: false, describe: 'log capture fps, clients and per-client fps every few seconds' },
  // [camera.<name>]
  { section: 'camera', key: 'source', flag: 'source', kind: { type: 'enum', values: ['testpattern', 'v4l2', 'folder', 'exec', 'http'] }, default: 'testpattern', describe: 'frame source: testpattern, v4l2 (the default when a device is set), folder (JPEG files played in a loop), exec (JPEGs a program writes to stdout), or http (relay the MJPEG stream at --url)' },
  { section: 'camera', key: 'device', flag: 'device', kind: { type: 'path' }, default: null, describe: 'V4L2 camera device, e.g. /dev/video0' },
  { section: 'camera', key: 'folder', flag: 'folder', kind: { type: 'path' }, default: null, describe: 'folder of .jpg files (or one file) to play in name order, looping (implies --source folder)' },
  { section: 'camera', key: 'command', flag: 'command', kind: { type: 'command' }, default: null, describe: 'program that writes JPEGs or a multipart stream to stdout, e.g. "rpicam-vid -t 0 --codec mjpeg -o -" (implies --source exec); a string is split into words with shell quoting but nothing expanded; in a file also a list ["prog", "arg", ...]' },
  { section: 'camera', key: 'shell', flag: 'shell', kind: { type: 'bool' }, default: false, describe: 'run --command with /bin/sh -c (pipes, variables)' },
  { section: 'camera', key: 'frameTimeout', flag: 'frame-timeout', kind: { type: 'number', min: 0.5, max: 3600 }, default: 10, describe: 'exec: seconds without a frame before the program is restarted' },
  { section: 'camera', key: 'url', flag: 'url', kind: { type: 'string' }, default: null, describe: 'MJPEG stream to relay, http:// or https:// (another mjpgd, mjpg-streamer, ustreamer, an IP camera; implies --source http)' },
  { section: 'camera', key: 'urlUser', flag: 'url-user', kind: { type: 'string' }, default: null, describe: 'user name for --url (basic or digest auth)' },
  { section: 'camera', key: 'urlPassword', flag: 'url-password', kind: { type: 'string' }, default: null, describe: 'password for --url (basic or digest auth)', secret: true },
  { section: 'camera', key: 'format', flag: 'format', kind: { type: 'enum', values: ['auto', 'mjpeg', 'yuyv', 'nv12'] }, default: 'auto', describe: 'camera pixel format: auto (MJPEG if offered), mjpeg, yuyv, nv12' },
  { section: 'camera', key: 'width', flag: 'width', kind: { type: 'int', min: 16, max: 8192 }, default: 640, describe: 'frame width (pixels)' },
  { section: 'camera', key: 'height', flag: 'height', kind: { type: 'int', min: 16, max: 8192 }, default: 480, describe: 'frame height (pixels)' },
  { section: 'camera', key: 'fps', flag: 'fps', kind: { type: 'number', min: 0.1, max: 240 }, default: 30, describe: 'frames per second' },
  { section: 'camera', key: 'quality', flag: 'quality', kind: { type: 'int', min: 1, max: 100 }, default: 80, describe: 'JPEG quality of encoded frames (1-100)' },
  { section: 'camera', key: 'buffers', flag: 'buffers', kind: { type: 'int', min: 2, max: 32 }, default: 4, describe: 'frame buffers in the capture pool (2-32)' },
  { section: 'camera', key: 'copyDrivers', flag: 'copy-drivers', kind: { type: 'list' }, default: [], describe: 'V4L2 drivers (names as v4l2-ctl --info shows) whose frames are copied once at dequeue because they overwrite buffers a reader holds; v4l2loopback always is' },
  { section: 'camera', key: 'maxRestarts', flag: 'max-restarts', kind: { type: 'int', min: 1, max: 1_000_000 }, default: null, describe: 'give up after this many failed attempts to open the camera in a row and exit non-zero with the reason (for systemd; default: retry forever)' },
  { section: 'camera', key: 'pauseFile', flag: 'pause-file', kind: { type: 'path' }, default: null, describe: 'while this file exists the camera is paused: the device is closed (another program may use it) and viewers see a "paused" picture' },
  { section: 'camera', key: 'idleRelease', flag: 'idle-release', kind: { type: 'number', min: 0, max: 86400 }, default: 0, describe: 'close the device after this many seconds without viewers or snapshots; the next request reopens it (0: never)' },
  { section: 'camera', key: 'stillWarmup', flag: 'still-warmup', kind: { type: 'int', min: 0, max: 100 }, default: 3, describe: 'frames skipped after the camera is (re)opened for a still or after idle release, so exposure settles' },
  { section: 'camera', key: 'snapshotWidth', flag: 'snapshot-width', kind: { type: 'int', min: 16, max: 8192 }, default: null, describe: 'plain /snapshot is a still at this width (with snapshot_height) while the stream keeps its size' },
  { section: 'camera', key: 'snapshotHeight', flag: 'snapshot-height', kind: { type: 'int', min: 16, max: 8192 }, default: null, describe: 'plain /snapshot is a still at this height (with snapshot_width)' },
  { section: 'camera', key: 'controls', flag: 'controls', kind: { type: 'controls' }, default: {}, describe: 'V4L2 controls applied at start, after stream-on and after every reopen: brightness=120,focus_automatic_continuous=0 (names as v4l2-ctl spells them, or numeric ids); in a file a table [camera.<name>.controls]; values set over HTTP (saved in --state-dir) take precedence' },
  { section: 'camera', key: 'dropSameFrames', flag: 'drop-same-frames', kind: { type: 'int', min: 0, max: 1000000 }, default: 0, describe: 'skip a frame identical to the previous one, but send at least every Nth so viewers do not time out (0: off)' },
  { section: 'camera', key: 'rotate', flag: 'rotate', kind: { type: 'int', min: 0, max: 270 }, default: 0, describe: 'turn every frame clockwise by 0, 90, 180 or 270 degrees (lossless, no re-encoding; viewers may also ask with ?rotate=)' },
  { section: 'camera', key: 'flip', flag: 'flip', kind: { type: 'enum', values: ['none', 'h', 'v'] }, default: 'none', describe: 'mirror every frame after --rotate: h (left-right), v (top-bottom) or none (lossless; also ?flip=)' },
  { section: 'camera', key: 'timelapseDir', flag: 'timelapse-dir', kind: { type: 'path' }, default: null, describe: 'save a still into this folder every --timelapse-interval seconds (and on POST /<name>/timelapse/frame)' },
  { section: 'camera', key: 'timelapseInterval', flag: 'timelapse-interval', kind: { type: 'number', min: 0.1, max: 86400 }, default: 60, describe: 'seconds between timelapse stills' },
  { section: 'camera', key: 'timelapseKeep', flag: 'timelapse-keep', kind: { type: 'int', min: 0, max: 10000000 }, default: 0, describe: 'timelapse stills to keep; older ones are deleted (0: keep all)' },
];

/** TOML key for a setting: snake_case of its Config key. */
export function fileKey(s: Setting): string {
  return s.key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Environment variable for a setting, named after its flag (cameras: the default camera). */
export function envName(s: Setting): string {
  return `MJPGD_${s.flag.replace(/-/g, '_').toUpperCase()}`;
}

export function allowed(kind: Kind): string {
  switch (kind.type) {
    case 'int':
      return `a whole number from ${kind.min} to ${kind.max}`;
    case 'number':
      return `a number from ${kind.min} to ${kind.max}`;
    case 'bool':
      return 'true or false';
    case 'enum':
      return `one of ${kind.values.join(', ')}`;
    case 'list':
      return 'a comma-separated list';
    case 'command':
      return 'a command line or a list of strings';
    case 'controls':
      return 'control values: name=integer,name=integer (a table of name = integer in a file)';
    default:
      return 'a string';
  }
}

/** Parses and checks one raw value (from a flag, the environment or a file). Throws a message
 * naming `where` (e.g. "--fps", "MJPGD_FPS", "mjpgd.toml: [camera.front] fps") and what is allowed. */
export function coerce(s: Setting, raw: unknown, where: string): unknown {
  const bad = () => new Error(`${where} must be ${allowed(s.kind)} (got ${JSON.stringify(raw)})`);
  const k = s.kind;
  switch (k.type) {
    case 'int':
    case 'number': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      if (!Number.isFinite(n) || n < k.min || n > k.max || (k.type === 'int' && !Number.isInteger(n))) throw bad();
      return n;
    }
    case 'bool': {
      if (typeof raw === 'boolean') return raw;
      if (typeof raw === 'string' && /^(1|true|yes|on)$/i.test(raw)) return true;
      if (typeof raw === 'string' && /^(0|false|no|off)$/i.test(raw)) return false;
      throw bad();
    }
    case 'enum': {
      const v = typeof raw === 'string' ? raw.trim().toLowerCase() : raw;
      const resolved = typeof v === 'string' ? (k.aliases?.[v] ?? v) : v;
      if (typeof resolved !== 'string' || !k.values.includes(resolved)) throw bad();
      return resolved;
    }
    case 'list': {
      const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : null;
      if (!items || items.length === 0 || items.some((i) => typeof i !== 'string' || i.trim() === '')) throw bad();
      return items.map((i: string) => i.trim());
    }
    case 'command': {
      // Splitting a string needs to know whether a shell runs it: merge() checks it once the
      // shell setting is known.
      if (typeof raw === 'string' && raw.trim() !== '') return raw;
      if (Array.isArray(raw) && raw.length > 0 && raw.every((a) => typeof a === 'string') && raw[0] !== '') return raw;
      throw bad();
    }
    case 'controls':
      try {
        return parseControlValues(raw);
      } catch (e) {
        throw new Error(`${where}: ${(e as Error).message}`);
      }
    case 'path':
      if (typeof raw !== 'string' || raw === '') throw bad();
      return raw;
    default:
      if (typeof raw !== 'string') throw bad();
      return raw;
  }
}
