// The `mjpgd` command: parse flags (strictly), start the camera and the server, stop cleanly on signals.
import yargs from 'yargs';
import { Camera } from './camera';
import { ConfigError, DEFAULTS, validate, type Config } from './config/config';
import { HttpServer } from './http/server';
import { log, type LogLevel } from './log';
import { NativeSource } from './sources/native-source';
import { ResilientSource } from './sources/resilient-source';
import type { FrameSource } from './sources/source';
import { VERSION } from './version';

const EXIT_USAGE = 2;

function usageError(message: string): never {
  process.stderr.write(`mjpgd: ${message}\nRun "mjpgd --help" for the list of flags.\n`);
  process.exit(EXIT_USAGE);
}

export function parseArgs(argv: string[]): Config {
  const d = DEFAULTS;
  const args = yargs(argv)
    .scriptName('mjpgd')
    .usage('$0 [options]\n\nStreams a camera (or the built-in test pattern) as MJPEG over HTTP.')
    .version(VERSION)
    .strict()
    .option('source', { type: 'string', describe: 'frame source: testpattern, or v4l2 (the default when --device is given)' })
    .option('device', { type: 'string', describe: 'V4L2 camera device, e.g. /dev/video0' })
    .option('format', { type: 'string', default: d.camera.format, describe: 'camera pixel format: auto (MJPEG if offered), mjpeg, yuyv, nv12' })
    .option('width', { type: 'number', default: d.camera.width, describe: 'frame width (pixels)' })
    .option('height', { type: 'number', default: d.camera.height, describe: 'frame height (pixels)' })
    .option('fps', { type: 'number', default: d.camera.fps, describe: 'frames per second' })
    .option('quality', { type: 'number', default: d.camera.quality, describe: 'JPEG quality of encoded frames (1-100)' })
    .option('buffers', { type: 'number', default: d.camera.buffers, describe: 'frame buffers in the capture pool (2-32)' })
    .option('host', { type: 'string', default: d.server.host, describe: 'address to listen on (0.0.0.0 for all IPv4, :: for all)' })
    .option('port', { alias: 'p', type: 'number', default: d.server.port, describe: 'TCP port (0 picks a free one)' })
    .option('max-clients', { type: 'number', default: d.server.maxClients, describe: 'most stream viewers at once; more get 503' })
    .option('stall-timeout', { type: 'number', default: d.server.stallTimeout, describe: 'seconds a viewer may take nothing before it is closed' })
    .option('snapshot-max-delay', { type: 'number', default: d.server.snapshotMaxDelay, describe: 'ms a snapshot may be old before it waits for a new frame' })
    .option('http10-port', { type: 'number', describe: 'also serve HTTP/1.0 clients on this port (0 picks a free one)' })
    .option('log-level', { type: 'string', default: d.log.level, describe: 'debug, info, warn or error' })
    .help()
    .alias('help', 'h')
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((msg, err) => usageError(err ? err.message : msg))
    .parseSync();
  if (args._.length > 0) usageError(`unexpected argument ${JSON.stringify(String(args._[0]))}`);
  const config: Config = {
    server: {
      host: args.host,
      port: args.port,
      maxClients: args['max-clients'],
      stallTimeout: args['stall-timeout'],
      snapshotMaxDelay: args['snapshot-max-delay'],
      http10Port: args['http10-port'] ?? null,
    },
    camera: {
      source: (args.source ?? (args.device !== undefined ? 'v4l2' : d.camera.source)) as Config['camera']['source'],
      device: args.device ?? (args.source === 'v4l2' ? '/dev/video0' : null),
      format: args.format as Config['camera']['format'],
      width: args.width,
      height: args.height,
      fps: args.fps,
      quality: args.quality,
      buffers: args.buffers,
    },
    log: { level: args['log-level'] as LogLevel },
  };
  try {
    return validate(config);
  } catch (e) {
    if (e instanceof ConfigError) usageError(e.message);
    throw e;
  }
}

export async function main(argv: string[]): Promise<void> {
  const config = parseArgs(argv);
  log.setLevel(config.log.level);
  const c = config.camera;
  const nativeOptions = {
    source: c.source,
    device: c.device ?? undefined,
    format: c.format,
    width: c.width,
    height: c.height,
    fps: c.fps,
    quality: c.quality,
    buffers: c.buffers,
  };
  let source: FrameSource;
  try {
    // A camera may come and go: it gets reopened with backoff. The test pattern can't fail that way.
    source = c.source === 'v4l2' ? new ResilientSource(nativeOptions) : new NativeSource(nativeOptions);
  } catch (e) {
    log.error((e as Error).message);
    process.exit(1);
  }
  const camera = new Camera('default', source, { stallTimeoutMs: config.server.stallTimeout * 1000 });
  let server: HttpServer;
  try {
    server = new HttpServer(camera, { ...config.server, version: VERSION, snapshotMaxDelayMs: config.server.snapshotMaxDelay });
    await server.listen();
  } catch (e) {
    log.error((e as Error).message);
    source.stop();
    process.exit(1);
  }
  camera.start();
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  const base = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${server.port}`;
  log.info(`mjpgd ${VERSION}: ${source.info.kind} ${source.info.width}x${source.info.height} @ ${source.info.fps} fps`);
  log.info(`listening on ${host}:${server.port}`);
  if (server.http10Port) log.info(`HTTP/1.0 clients: port ${server.http10Port}`);
  log.info(`viewer:   ${base}/`);
  log.info(`stream:   ${base}/stream  (also /?action=stream)`);
  log.info(`snapshot: ${base}/snapshot  (also /?action=snapshot)`);
  log.info(`state:    ${base}/state`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: stopping`);
    server.close();
    camera.stop();
    // Everything is closed; don't wait for sockets the kernel is still tearing down.
    setImmediate(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
