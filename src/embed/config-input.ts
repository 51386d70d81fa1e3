// A Config from a plain object, for embedding: the same table, checks and defaults as the command
// line and the config file, so `{ cameras: [{ name: 'front', device: '/dev/video0' }] }` means what
// the TOML [camera.front] device = "/dev/video0" means.
import { ConfigError, type CameraConfig, type Config, type LogConfig, type ServerConfig } from '../config/config';
import { emptyLayer, merge } from '../config/load';
import { coerce, SETTINGS, type Section } from '../config/schema';

export interface ConfigInput {
  server?: Partial<ServerConfig>;
  log?: Partial<LogConfig>;
  /** At least one (default: one test-pattern camera named "default"); `name` defaults to "default". */
  cameras?: Array<Partial<CameraConfig>>;
}

function checked(section: Section, values: Record<string, unknown>, where: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(values)) {
    if (raw === undefined || (section === 'camera' && key === 'name')) continue;
    const s = SETTINGS.find((x) => x.section === section && x.key === key);
    if (!s) throw new ConfigError(`${where}: unknown setting "${key}" (allowed: ${SETTINGS.filter((x) => x.section === section).map((x) => x.key).join(', ')})`);
    // null switches an optional setting off, as leaving it out does.
    if (raw === null && s.default === null) continue;
    try {
      out[key] = coerce(s, raw, `${where}.${key}`);
    } catch (e) {
      throw new ConfigError((e as Error).message);
    }
  }
  return out;
}

/** Throws ConfigError naming the setting (e.g. "cameras[0].fps must be a number from 0.1 to 240"). */
export function configFrom(input: ConfigInput = {}): Config {
  const layer = emptyLayer();
  layer.server = checked('server', (input.server ?? {}) as Record<string, unknown>, 'server');
  layer.log = checked('log', (input.log ?? {}) as Record<string, unknown>, 'log');
  (input.cameras ?? []).forEach((cam, i) => {
    const name = cam.name ?? 'default';
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw new ConfigError(`cameras[${i}].name must be 1-64 letters, digits, _ or -`);
    if (layer.cameras.has(name)) throw new ConfigError(`cameras[${i}]: a second camera named ${name}`);
    layer.cameras.set(name, checked('camera', cam as Record<string, unknown>, `cameras[${i}]`));
  });
  return merge([layer]);
}
