// The whole mjpgd server inside another program: cameras from a Config (or a plain object checked like
// the config file), the HTTP server, timelapses, all stopped by close().
//
//   const mjpgd = await startServer({ server: { port: 8080 }, cameras: [{ name: 'front', device: '/dev/video0' }] });
//   console.log(mjpgd.urls);   // ... await mjpgd.close();
import { orientation } from '../transform/orientation';
import { Camera } from '../camera';
import { openSource } from '../cli';
import type { Config } from '../config/config';
import { HttpServer } from '../http/server';
import { log } from '../log';
import { Timelapse } from '../timelapse/timelapse';
import { configFrom, type ConfigInput } from './config-input';
import { serverOptionsFrom } from './server-options';

export interface RunningServer {
  /** The main port (0 in the config picks a free one). */
  port: number;
  urls: string[];
  cameras: Camera[];
  config: Config;
  /** The figures /state answers. */
  state(): unknown;
  close(): Promise<void>;
}

function isConfig(c: Config | ConfigInput): c is Config {
  const cams = (c as Config).cameras;
  return Array.isArray(cams) && cams.length > 0 && typeof (c as Config).server?.maxClients === 'number';
}

export async function startServer(config: Config | ConfigInput = {}): Promise<RunningServer> {
  const c = isConfig(config) ? config : configFrom(config);
  log.setLevel(c.log.level);
  const cameras = c.cameras.map((cam) => new Camera(cam.name, openSource(cam, c.server.stateDir), { stallTimeoutMs: c.server.stallTimeout * 1000, dropSameFrames: cam.dropSameFrames, orientation: orientation(cam.rotate, cam.flip), directWrites: c.server.directWrites }));
  let server: HttpServer | null = null;
  let timelapses: Timelapse[] = [];
  try {
    timelapses = c.cameras.flatMap((cam, i) =>
      cam.timelapseDir ? [new Timelapse(cameras[i], { dir: cam.timelapseDir, intervalSeconds: cam.timelapseInterval, keep: cam.timelapseKeep })] : [],
    );
    server = new HttpServer(cameras, serverOptionsFrom(c));
    await server.listen();
  } catch (e) {
    for (const t of timelapses) t.stop();
    for (const cam of cameras) cam.stop();
    throw e;
  }
  for (const cam of cameras) cam.start();
  for (const t of timelapses) t.start();
  const listening = server;
  return {
    port: listening.port,
    urls: listening.urls(),
    cameras,
    config: c,
    state: () => listening.router.state(),
    async close() {
      listening.close();
      for (const t of timelapses) t.stop();
      // Sources that run a program resolve once it has exited.
      await Promise.allSettled(cameras.map((cam) => cam.stop()));
    },
  };
}
