// What a transport needs from the rest of mjpgd, and what it offers: the Answer for a request comes
// from the router; the transport only reads requests and writes answers.
import type { Camera } from '../../camera';
import type { ClientOptions, ClientSink } from '../../stream/client';
import type { Answer } from '../answer';
import type { Request } from '../request';
import type { StreamHandle } from '../router';
import type { TlsFiles } from '../tls';

export type TransportName = 'node' | 'uws';

export interface TransportContext {
  answer(req: Request, body: Buffer): Promise<Answer>;
  openStream(camera: Camera, sink: ClientSink, remoteAddress: string, transport: string, options: ClientOptions): StreamHandle;
  /** One access-log line (dropped unless --access-log). */
  access(line: string): void;
  /** Socket options (bounded unsent bytes) for one accepted TCP connection, by fd. */
  tuneSocket(fd: number): void;
  /** The same for a listening port whose accepted sockets can't be reached (uWS): they inherit it. */
  tuneListener(port: number): void;
  /** Writes chunks from `skip` on to a TCP socket's fd without queueing; the bytes the kernel took. */
  sendChunks(fd: number, chunks: Buffer[], skip: number): number;
  /** Connections at once; more are refused by the kernel backlog. */
  maxConnections: number;
  /** HTTPS with these files; null for plain HTTP. */
  tls: TlsFiles | null;
}

export interface Transport {
  readonly name: TransportName;
  /** Listens on host:port (0: a free port); resolves to the port. Rejects naming the address. */
  listen(host: string, port: number): Promise<number>;
  listenUnix(path: string): Promise<void>;
  close(): void;
}
