// The HTTP server's options from the settings: one mapping, so the command line and an embedding
// program start the same server from the same Config.
import type { Config } from '../config/config';
import type { ServerOptions } from '../http/server';
import { VERSION } from '../version';

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
    // Octolapse enables camera controls only when this starts with "MJPG-Streamer".
    serverHeader: s.mjpgStreamerServerHeader ? 'MJPG-Streamer/0.2 (mjpgd)' : null,
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
