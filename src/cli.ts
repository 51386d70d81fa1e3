// The `mjpgd` command: parse flags (strictly), start the camera and the server, stop cleanly on signals.
import { Camera } from './camera';
import { parseCommandLine } from './config/args';
import { ConfigError, defaultCamera, type Config } from './config/config';
import { envLayer, fileLayer, merge, printConfig, type Layer } from './config/load';
import { hashPassword } from './http/auth';
import { HttpServer } from './http/server';
import { log } from './log';
import { NativeSource } from './sources/native-source';
import { ResilientSource } from './sources/resilient-source';
import type { FrameSource } from './sources/source';
import { VERSION } from './version';

const EXIT_USAGE = 2;

function usageError(message: string): never {
  process.stderr.write(`mjpgd: ${message}\nRun "mjpgd --help" for the list of flags.\n`);
  process.exit(EXIT_USAGE);
}

/** The merged configuration, or exit 2 with one line naming the bad setting. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): Config & { printConfig: boolean } {
  try {
    const cli = parseCommandLine(argv, VERSION, usageError);
    if (cli.hashPassword !== null) {
      process.stdout.write(`${hashPassword(cli.hashPassword)}\n`);
      process.exit(0);
    }
    const file = cli.configFile ?? env.MJPGD_CONFIG ?? null;
    const layers = [file ? fileLayer(file) : null, envLayer(env), cli.layer].filter((l): l is Layer => l !== null);
    return { ...merge(layers), printConfig: cli.printConfig };
  } catch (e) {
    if (e instanceof ConfigError) usageError(e.message);
    throw e;
  }
}

export async function main(argv: string[]): Promise<void> {
  const config = loadConfig(argv);
  if (config.printConfig) {
    process.stdout.write(printConfig(config));
    process.exit(0);
  }
  log.setLevel(config.log.level);
  if (config.log.file) {
    try {
      log.toFile({ path: config.log.file, maxSize: config.log.maxSize, maxFiles: config.log.maxFiles });
    } catch (e) {
      process.stderr.write(`mjpgd: cannot open log file: ${(e as Error).message}\n`);
      process.exit(1);
    }
  }
  const c = defaultCamera(config);
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
  const camera = new Camera(c.name, source, { stallTimeoutMs: config.server.stallTimeout * 1000 });
  let server: HttpServer;
  try {
    server = new HttpServer(camera, { ...config.server, host: config.server.host[0], version: VERSION, snapshotMaxDelayMs: config.server.snapshotMaxDelay });
    await server.listen();
  } catch (e) {
    log.error((e as Error).message);
    source.stop();
    process.exit(1);
  }
  camera.start();
  const host = config.server.host[0].includes(':') ? `[${config.server.host[0]}]` : config.server.host[0];
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
  // SIGHUP: reopen the log file (after logrotate moved it).
  process.on('SIGHUP', () => {
    log.reopen();
    log.info('SIGHUP: log file reopened');
  });
  if (config.log.showFps) startFpsReport(camera);
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/** --showfps: every 5 s one line with the capture rate, viewers and what each viewer gets. */
function startFpsReport(camera: Camera): void {
  const timer = setInterval(() => {
    const s = camera.state();
    const perClient = s.clients.map((c) => `#${c.id} ${c.fps}`).join(', ');
    log.info(`fps: camera ${camera.name} ${s.source.fps.measured}/${s.source.fps.desired}, ${s.clients.length} viewer(s)${perClient ? `: ${perClient}` : ''}`);
  }, 5000);
  timer.unref();
}
