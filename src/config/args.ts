// The command line as a config layer: yargs options generated from the settings table, values
// checked by the same rules as the file and the environment.
import yargs from 'yargs';
import { ConfigError } from './config';
import { emptyLayer, type Layer } from './load';
import { allowed, coerce, fileKey, SETTINGS } from './schema';

export interface CommandLine {
  layer: Layer;
  configFile: string | null;
  printConfig: boolean;
  hashPassword: string | null;
}

export function parseCommandLine(argv: string[], version: string, onError: (message: string) => never): CommandLine {
  let y = yargs(argv)
    .scriptName('mjpgd')
    .usage(
      '$0 [options]\n\nStreams a camera (or the built-in test pattern) as MJPEG over HTTP.\n' +
        'Settings come from defaults < --config file < MJPGD_* environment < these flags.\n' +
        'As a systemd service: $0 install-service [--instance NAME] [--config FILE] [--user NAME] (--help).',
    )
    .version(version)
    .strict()
    .option('config', { alias: 'c', type: 'string', describe: 'TOML config file ([server], [log], [camera.<name>])' })
    .option('print-config', { type: 'boolean', describe: 'print the merged configuration as TOML and exit' })
    .option('hash-password', { type: 'string', describe: 'print a password_hash for the config file and exit' })
    .option('v4bindaddress', { type: 'string', describe: 'IPv4 address to listen on (mjpg-streamer style; adds to --host)' })
    .option('v6bindaddress', { type: 'string', describe: 'IPv6 address to listen on (adds to --host)' });
  for (const s of SETTINGS) {
    const type = s.kind.type === 'bool' ? 'boolean' : 'string';
    const def = s.default === null ? '' : ` [default: ${Array.isArray(s.default) ? s.default.join(',') : s.default}]`;
    const where = s.section === 'camera' ? `camera.<name>.${fileKey(s)}` : `${s.section}.${fileKey(s)}`;
    const range = ['string', 'path', 'list', 'command'].includes(s.kind.type) ? '' : `; ${allowed(s.kind)}`;
    y = y.option(s.flag, { type, alias: s.aliases, describe: `${s.describe}${range} (${where})${def}` });
  }
  const args = y
    .alias('help', 'h')
    .alias('port', 'p')
    .wrap(Math.min(120, process.stdout.columns || 120))
    .fail((msg, err) => onError(err ? err.message : msg))
    .parseSync() as Record<string, unknown>;
  if ((args._ as unknown[]).length > 0) onError(`unexpected argument ${JSON.stringify(String((args._ as unknown[])[0]))}`);

  const layer = emptyLayer();
  for (const s of SETTINGS) {
    let raw = args[s.flag];
    if (raw === undefined) continue;
    // A flag given twice: the list kinds keep all values, the others the last.
    if (Array.isArray(raw)) raw = s.kind.type === 'list' ? raw.join(',') : raw[raw.length - 1];
    const target = s.section === 'camera' ? layer.defaultCamera : layer[s.section];
    try {
      target[s.key] = coerce(s, raw, `--${s.flag}`);
    } catch (e) {
      throw new ConfigError((e as Error).message);
    }
  }
  const binds = [args.v4bindaddress, args.v6bindaddress].flat().filter((b): b is string => typeof b === 'string');
  if (binds.length) layer.server.host = [...((layer.server.host as string[] | undefined) ?? []), ...binds];
  return {
    layer,
    configFile: typeof args.config === 'string' ? args.config : null,
    printConfig: args['print-config'] === true,
    hashPassword: typeof args['hash-password'] === 'string' ? args['hash-password'] : null,
  };
}
