// The library surface (package "main"): the MJPEG client, a server for any frame iterator, and the
// whole mjpgd server for embedding.
//
//   import { MjpegClient, serveMjpeg, startServer } from 'mjpgd';
export { MjpegClient } from './client/client';
export type { MjpegClientOptions, MjpegClientStats, MjpegFrame, ReconnectOptions } from './client/client';
export { serveMjpeg } from './embed/serve-mjpeg';
export type { MjpegServer, ServeMjpegOptions } from './embed/serve-mjpeg';
export { startServer } from './embed/server';
export type { RunningServer } from './embed/server';
export { configFrom } from './embed/config-input';
export type { ConfigInput } from './embed/config-input';
export type { FrameInput } from './sources/iterable-source';
export { ConfigError } from './config/config';
export type { CameraConfig, Config, LogConfig, ServerConfig } from './config/config';
export { VERSION } from './version';
