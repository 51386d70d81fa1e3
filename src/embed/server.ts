// The whole mjpgd server inside another program: cameras from a Config (or a plain object checked like
// the config file), the HTTP server, timelapses, all stopped by close().
//
//   const mjpgd = await startServer({ server: { port: 8080 }, cameras: [{ name: 'front', device: '/dev/video0' }] });
//   console.log(mjpgd.urls);   // ... await mjpgd.close();
import { Camera } from '../camera';
import { openSource } from '../cli';
import type { Config } from '../config/config';
import { HttpServer, type ServerOptions } from '../http/server';
import { log } from '../log';
import { Timelapse } from '../timelapse/timelapse';
import { VERSION } from '../version';
import { configFrom, type ConfigInput } from './config-input';

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

/** The HTTP server's options from the settings (the command line and embedding start it alike). */
export function serverOptionsFrom(c: Config): ServerOptions {
  const s = c.server;
  return {
    transport: s.transport,
    hosts: s.host,
    port: s.port,
    unixSocket: s.unixSocket,
    extraPort: s.http10Port,
    maxClients: s.maxClients,
    snapshotMaxDelayMs: s.snapshotMaxDelay,
    stallTimeoutMs: s.stallTimeout * 1000,
    basePath: s.basePath,
    version: VERSION,
    tls: s.tlsCert && s.tlsKey ? { cert: s.tlsCert, key: s.tlsKey, passphrase: s.tlsPassphrase } : null,
    httpsPort: s.httpsPort,
    redirectHttp: s.redirectHttp,
    auth: { user: s.user, password: s.password, passwordHash: s.passwordHash, token: s.token },
    accessLog: c.log.access,
    unsentLimit: s.unsentLimit,
    sendBuffer: s.sendBuffer,
  };
}

function isConfig(c: Config | ConfigInput): c is Config {
  const cams = (c as Config).cameras;
  return Array.isArray(cams) && cams.length > 0 && typeof (c as Config).server?.maxClients === 'number';
}

export async function startServer(config: Config | ConfigInput = {}): Promise<RunningServer> {
  const c = isConfig(config) ? config : configFrom(config);
  log.setLevel(c.log.level);
  const cameras = c.cameras.map((cam) => new Camera(cam.name, openSource(cam), { stallTimeoutMs: c.server.stallTimeout * 1000 }));
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
      for (const cam of cameras) cam.stop();
    },
  };
}
