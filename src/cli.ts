// The `mjpgd` command: parse flags (strictly), start the camera and the server, stop cleanly on signals.
import { orientation } from './transform/orientation';
import { attachControls, CameraControls } from './controls/camera-controls';
import { ControlStore } from './controls/store';
import { Camera } from './camera';
import { parseCommandLine } from './config/args';
import { commandArgv } from './config/command';
import { ConfigError, type CameraConfig, type Config } from './config/config';
import { envLayer, fileLayer, merge, printConfig, type Layer } from './config/load';
import { hashPassword } from './http/auth';
import { serverOptionsFrom } from './embed/server-options';
import { HttpServer } from './http/server';
import { log } from './log';
import { ExecSource } from './sources/exec-source';
import { findProgram } from './sources/find-program';
import { HttpSource } from './sources/http-source';
import { NativeSource } from './sources/native-source';
import { watchPauseFile } from './sources/pause-file';
import type { FrameSource } from './sources/source';
import { Timelapse } from './timelapse/timelapse';
import { VERSION } from './version';

const EXIT_USAGE = 2;
/** A camera failed --max-restarts opens in a row. */
const EXIT_GAVE_UP = 3;

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
  // Signals are handled from here on, so a stop during start-up is a clean stop too (the default
  // action would kill the process between two log lines).
  let cameras: Camera[] = [];
  let timelapses: Timelapse[] = [];
  let server: HttpServer | null = null;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: stopping`);
    server?.close();
    for (const t of timelapses) t.stop();
    // Sources that run a program resolve once it exited (SIGKILL after a grace); the others at once.
    // Everything is closed then; don't wait for sockets the kernel is still tearing down.
    void Promise.allSettled(cameras.map((cam) => cam.stop())).then(() => setImmediate(() => process.exit(0)));
  };
  const giveUp = (reason: string) => {
    if (stopping) return;
    stopping = true;
    log.error(`${reason}: stopping (--max-restarts)`);
    process.stderr.write(`mjpgd: ${reason}\n`);
    server?.close();
    void Promise.allSettled(cameras.map((cam) => cam.stop())).then(() => setImmediate(() => process.exit(EXIT_GAVE_UP)));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // SIGHUP: reopen the log file (after logrotate moved it).
  process.on('SIGHUP', () => {
    log.reopen();
    log.info('SIGHUP: log file reopened');
  });
  try {
    cameras = config.cameras.map(
      (c) =>
        new Camera(c.name, openSource(c, config.server.stateDir), {
          stallTimeoutMs: config.server.stallTimeout * 1000,
          snapshotSize: c.snapshotWidth !== null && c.snapshotHeight !== null ? { width: c.snapshotWidth, height: c.snapshotHeight } : null,
          // --max-restarts: exit non-zero with the reason, so systemd (Restart=on-failure) sees it.
          onGaveUp: (reason) => giveUp(reason),
          dropSameFrames: c.dropSameFrames,
          orientation: orientation(c.rotate, c.flip),
          directWrites: config.server.directWrites,
        }),
    );
    timelapses = config.cameras.flatMap((c, i) =>
      c.timelapseDir ? [new Timelapse(cameras[i], { dir: c.timelapseDir, intervalSeconds: c.timelapseInterval, keep: c.timelapseKeep })] : [],
    );
  } catch (e) {
    if (e instanceof ConfigError) usageError(e.message);
    log.error((e as Error).message);
    process.exit(1);
  }
  const s = config.server;
  let listening: HttpServer;
  try {
    listening = server = new HttpServer(cameras, serverOptionsFrom(config));
    await listening.listen();
  } catch (e) {
    log.error((e as Error).message);
    for (const cam of cameras) cam.source.stop();
    process.exit(1);
  }
  if (stopping) return;
  for (const cam of cameras) cam.start();
  for (const [i, c] of config.cameras.entries()) {
    const cam = cameras[i];
    if (c.pauseFile && cam.controllable) {
      watchPauseFile(c.pauseFile, (present) => {
        log.info(`camera ${cam.name}: pause file ${c.pauseFile} ${present ? 'present: pausing' : 'gone: resuming'}`);
        if (present) cam.pause();
        else cam.resume();
      });
    }
  }
  for (const t of timelapses) t.start();
  for (const cam of cameras) {
    const i = cam.source.info;
    log.info(`mjpgd ${VERSION}: camera ${cam.name}: ${i.kind}${i.device ? ` ${i.device}` : ''} ${i.width}x${i.height} @ ${i.fps} fps`);
  }
  for (const h of s.host) log.info(`listening on ${h.includes(':') ? `[${h}]` : h}:${listening.port}${listening.httpsPort ? ` (HTTPS on ${listening.httpsPort})` : ''}`);
  if (s.http10Port !== null) {
    log.warn(`--http10-port is deprecated: port ${listening.port} serves HTTP/1.0 too; port ${listening.extraPort} serves the same as it`);
    log.info(`HTTP/1.0 clients: port ${listening.extraPort}`);
  }
  if (!isLoopbackOnly(s.host) && s.user === null && s.token === null) {
    log.warn('listening beyond this machine without authentication: anyone who can reach it can watch. Set --user/--password (or a token).');
  }
  const base = listening.urls()[0];
  const others = cameras.filter((c) => c !== listening.router.defaultCamera);
  log.info(`viewer:   ${base}`);
  log.info(`stream:   ${base}stream  (also /?action=stream)`);
  log.info(`snapshot: ${base}snapshot  (also /?action=snapshot)`);
  log.info(`state:    ${base}state`);
  for (const c of others) log.info(`camera ${c.name}: ${base}${c.name}/stream, ${base}${c.name}/snapshot`);

  if (config.log.showFps) for (const cam of cameras) startFpsReport(cam);
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

/** The frame source for one camera: a device or the test pattern, owned by a capture supervisor
 * (reopen with backoff, pause, idle release, stills, max restarts), JPEG files, a program's output,
 * or a relayed stream. Also used by the embeddable server (src/embed/server.ts). */
export function openSource(c: CameraConfig, stateDir: string | null = null): FrameSource {
  if (c.source === 'exec') return new ExecSource({ camera: c.name, argv: execArgv(c), width: c.width, height: c.height, fps: c.fps, frameTimeoutMs: c.frameTimeout * 1000 });
  if (c.source === 'http') return new HttpSource({ url: c.url!, user: c.urlUser, password: c.urlPassword, width: c.width, height: c.height, fps: c.fps });
  // The capture supervisor applies these after every open and stream-on; a set over HTTP updates them.
  const controls = c.source === 'v4l2' ? new CameraControls(c.name, c.device!, c.controls, stateDir ? new ControlStore(stateDir, c.name) : null) : null;
  const source = new NativeSource({
    source: c.source,
    device: (c.source === 'folder' ? c.folder : c.device) ?? undefined,
    format: c.format,
    width: c.width,
    height: c.height,
    fps: c.fps,
    quality: c.quality,
    buffers: c.buffers,
    copyDrivers: c.copyDrivers,
    maxRestarts: c.maxRestarts ?? undefined,
    idleReleaseMs: Math.round(c.idleRelease * 1000),
    warmup: c.stillWarmup,
    controls: controls?.desired(),
  });
  if (controls) {
    controls.onChange((values) => source.setDesiredControls(values));
    attachControls(source, controls);
  }
  return source;
}

/** The exec camera's program, resolved through PATH: a program that isn't there is a bad setting (exit 2). */
function execArgv(c: CameraConfig): string[] {
  const [program, ...args] = commandArgv(c.command!, c.shell);
  const found = findProgram(program);
  if (!found) throw new ConfigError(`camera ${c.name}: command: program ${JSON.stringify(program)} not found${program.includes('/') ? ' (or not executable)' : ' in PATH'} (camera.${c.name}.command)`);
  return [found, ...args];
}

function isLoopbackOnly(hosts: string[]): boolean {
  return hosts.every((h) => h === 'localhost' || h === '::1' || h.startsWith('127.'));
}
