// Builds the one typed Config from its sources, in rising precedence:
// built-in defaults < config file (TOML) < environment (MJPGD_*) < command line.
import fs from 'node:fs';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { coerce, envName, fileKey, SETTINGS, type Section, type Setting } from './schema';
import type { CameraConfig, Config } from './config';
import { ConfigError } from './config';
import { commandArgv } from './command';

type Values = Record<string, unknown>;

/** One source's values, already checked against the schema. */
export interface Layer {
  server: Values;
  log: Values;
  /** Cameras by name, in file order. */
  cameras: Map<string, Values>;
  /** Camera values that apply to the default camera (environment, command line). */
  defaultCamera: Values;
}

const RESERVED_NAMES = new Set(['stream', 'snapshot', 'state', 'metrics', 'index.html']);

export function emptyLayer(): Layer {
  return { server: {}, log: {}, cameras: new Map(), defaultCamera: {} };
}

function settingsOf(section: Section): Setting[] {
  return SETTINGS.filter((s) => s.section === section);
}

function describeKeys(section: Section): string {
  return settingsOf(section).map(fileKey).join(', ');
}

function readSection(section: Section, table: unknown, where: string, into: Values): void {
  if (typeof table !== 'object' || table === null || Array.isArray(table)) {
    throw new ConfigError(`${where} must be a table of settings`);
  }
  for (const [key, raw] of Object.entries(table)) {
    const s = settingsOf(section).find((x) => fileKey(x) === key);
    if (!s) throw new ConfigError(`${where}: unknown key "${key}" (allowed: ${describeKeys(section)})`);
    try {
      into[s.key] = coerce(s, raw, `${where} ${key}`);
    } catch (e) {
      throw new ConfigError((e as Error).message);
    }
  }
}

/** Reads a TOML config file: [server], [log], [camera.<name>]... */
export function fileLayer(path: string): Layer {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError(`${path}: not valid TOML: ${(e as Error).message.split('\n')[0]}`);
  }
  const layer = emptyLayer();
  for (const [section, table] of Object.entries(doc)) {
    if (section === 'server' || section === 'log') {
      readSection(section, table, `${path}: [${section}]`, layer[section]);
    } else if (section === 'camera') {
      if (typeof table !== 'object' || table === null) throw new ConfigError(`${path}: [camera] must hold [camera.<name>] tables`);
      for (const [name, cam] of Object.entries(table)) {
        checkCameraName(name, `${path}: [camera.${name}]`);
        const values: Values = {};
        readSection('camera', cam, `${path}: [camera.${name}]`, values);
        layer.cameras.set(name, values);
      }
    } else {
      throw new ConfigError(`${path}: unknown section [${section}] (allowed: [server], [log], [camera.<name>])`);
    }
  }
  return layer;
}

function checkCameraName(name: string, where: string): void {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name) || RESERVED_NAMES.has(name)) {
    throw new ConfigError(`${where}: a camera name is 1-64 letters, digits, _ or - and not one of ${[...RESERVED_NAMES].join(', ')}`);
  }
}

/** MJPGD_<KEY> for every setting (camera keys apply to the default camera) and
 * MJPGD_CAMERA_<NAME>_<KEY> for a named camera. */
export function envLayer(env: NodeJS.ProcessEnv): Layer {
  const layer = emptyLayer();
  for (const s of SETTINGS) {
    const raw = env[envName(s)];
    if (raw === undefined) continue;
    const target = s.section === 'camera' ? layer.defaultCamera : layer[s.section];
    try {
      target[s.key] = coerce(s, raw, envName(s));
    } catch (e) {
      throw new ConfigError((e as Error).message);
    }
  }
  for (const [name, raw] of Object.entries(env)) {
    const m = /^MJPGD_CAMERA_([A-Za-z0-9-]+)_([A-Z_]+)$/.exec(name);
    if (!m || raw === undefined) continue;
    const s = settingsOf('camera').find((x) => fileKey(x).toUpperCase() === m[2]);
    if (!s) throw new ConfigError(`${name}: unknown camera setting ${m[2]} (allowed: ${describeKeys('camera').toUpperCase()})`);
    const cam = m[1].toLowerCase();
    const values = layer.cameras.get(cam) ?? {};
    try {
      values[s.key] = coerce(s, raw, name);
    } catch (e) {
      throw new ConfigError((e as Error).message);
    }
    layer.cameras.set(cam, values);
  }
  return layer;
}

/** Merges layers (later wins) over the defaults and checks settings that depend on each other. */
export function merge(layers: Layer[]): Config {
  const defaults = (section: Section): Values => Object.fromEntries(settingsOf(section).map((s) => [s.key, s.default]));
  const server = Object.assign(defaults('server'), ...layers.map((l) => l.server));
  const log = Object.assign(defaults('log'), ...layers.map((l) => l.log));
  const names: string[] = [];
  for (const l of layers) for (const n of l.cameras.keys()) if (!names.includes(n)) names.push(n);
  if (names.length === 0) names.push('default');
  const defaultName = names.includes('default') ? 'default' : names[0];
  const cameras = names.map((name) => {
    const explicit: Values = Object.assign({}, ...layers.flatMap((l) => [l.cameras.get(name) ?? {}, name === defaultName ? l.defaultCamera : {}]));
    const cam = { ...defaults('camera'), ...explicit, name } as CameraConfig;
    // A device given without a source means that camera.
    if (explicit.device !== undefined && explicit.source === undefined) cam.source = 'v4l2';
    if (explicit.folder !== undefined && explicit.source === undefined) cam.source = 'folder';
    if (explicit.command !== undefined && explicit.source === undefined) cam.source = 'exec';
    if (explicit.url !== undefined && explicit.source === undefined) cam.source = 'http';
    if (cam.source === 'v4l2' && cam.device === null) cam.device = '/dev/video0';
    return cam;
  });
  const config = { server, log, cameras } as unknown as Config;
  checkTogether(config);
  return config;
}

function checkTogether(c: Config): void {
  const s = c.server;
  if ((s.tlsCert === null) !== (s.tlsKey === null)) throw new ConfigError('--tls-cert and --tls-key go together (server.tls_cert, server.tls_key)');
  if (s.httpsPort !== null && s.tlsCert === null) throw new ConfigError('--https-port needs --tls-cert and --tls-key');
  if (s.redirectHttp && s.httpsPort === null) throw new ConfigError('--redirect-http needs --https-port (plain HTTP on --port, HTTPS on --https-port)');
  if (s.basePath !== '') {
    const base = `/${s.basePath.replace(/^\/+|\/+$/g, '')}`;
    if (!/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]+$/.test(base) || base.includes('//')) {
      throw new ConfigError(`--base-path (server.base_path) must be a URL path such as /webcam (got ${JSON.stringify(s.basePath)})`);
    }
    s.basePath = base === '/' ? '' : base;
  }
  if (s.user !== null && s.password === null && s.passwordHash === null) throw new ConfigError('--user needs --password or server.password_hash');
  if ((s.password !== null || s.passwordHash !== null) && s.user === null) throw new ConfigError('--password / password_hash need --user');
  if (s.passwordHash !== null && !/^scrypt\$[0-9a-f]{16,}\$[0-9a-f]{64}$/.test(s.passwordHash)) {
    throw new ConfigError('server.password_hash must look like scrypt$<salt hex>$<64 hex digits> (make one with mjpgd --hash-password)');
  }
  for (const cam of c.cameras) {
    if (cam.source === 'folder' && cam.folder === null) throw new ConfigError(`camera ${cam.name}: source folder needs --folder (camera.${cam.name}.folder)`);
    if (cam.source === 'exec') {
      if (cam.command === null) throw new ConfigError(`camera ${cam.name}: source exec needs --command (camera.${cam.name}.command)`);
      try {
        commandArgv(cam.command, cam.shell);
      } catch (e) {
        throw new ConfigError(`camera ${cam.name}: command: ${(e as Error).message} (camera.${cam.name}.command)`);
      }
    }
    if (cam.source === 'http' && cam.url === null) throw new ConfigError(`camera ${cam.name}: source http needs --url (camera.${cam.name}.url)`);
    if (cam.url !== null && !/^https?:\/\/[^/]/i.test(cam.url)) {
      throw new ConfigError(`camera ${cam.name}: url must be an http:// or https:// URL (got ${JSON.stringify(cam.url)})`);
    }
    if ((cam.urlUser === null) !== (cam.urlPassword === null)) throw new ConfigError(`camera ${cam.name}: --url-user and --url-password go together`);
    if (![0, 90, 180, 270].includes(cam.rotate)) throw new ConfigError(`camera ${cam.name}: rotate must be 0, 90, 180 or 270 (got ${cam.rotate}) (camera.${cam.name}.rotate)`);
    if (cam.device !== null && !cam.device.startsWith('/')) {
      throw new ConfigError(`camera ${cam.name}: device must be an absolute path such as /dev/video0 (got ${JSON.stringify(cam.device)})`);
    }
    if ((cam.snapshotWidth === null) !== (cam.snapshotHeight === null)) {
      throw new ConfigError(`camera ${cam.name}: --snapshot-width and --snapshot-height go together (camera.${cam.name}.snapshot_width, snapshot_height)`);
    }
  }
}

/** A password inside a URL (http://user:password@host/) is a secret too. */
function maskUrlPassword(value: unknown): unknown {
  return typeof value === 'string' ? value.replace(/^(https?:\/\/[^/@:]*:)[^/@]*@/i, '$1********@') : value;
}

/** The merged configuration as TOML, secrets masked. */
export function printConfig(c: Config): string {
  const section = (sec: Section, values: Values) =>
    Object.fromEntries(
      settingsOf(sec)
        // An empty table (no controls) would print as an empty [camera.<name>.controls] section.
        .filter((s) => values[s.key] !== null && values[s.key] !== undefined && !(s.kind.type === 'controls' && Object.keys(values[s.key] as object).length === 0))
        .map((s) => [fileKey(s), s.secret ? '********' : maskUrlPassword(values[s.key])]),
    );
  const doc = {
    server: section('server', c.server as unknown as Values),
    log: section('log', c.log as unknown as Values),
    camera: Object.fromEntries(c.cameras.map((cam) => [cam.name, section('camera', cam as unknown as Values)])),
  };
  return stringifyToml(doc) + '\n';
}
