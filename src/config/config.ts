// The one typed configuration, its defaults, and validation with messages that name the setting.
import type { LogLevel } from '../log';

export interface CameraConfig {
  /** "testpattern" for the built-in moving picture, "v4l2" for a camera device. */
  source: 'testpattern' | 'v4l2';
  /** V4L2 device path; setting it selects the v4l2 source. */
  device: string | null;
  /** Pixel format to take from the camera: auto prefers MJPEG (passed through), else YUYV/NV12 (encoded). */
  format: 'auto' | 'mjpeg' | 'yuyv' | 'nv12';
  width: number;
  height: number;
  fps: number;
  /** JPEG quality for encoded frames (test pattern, raw cameras), 1..100. */
  quality: number;
  /** Frame buffers in the capture pool. */
  buffers: number;
}

export interface ServerConfig {
  host: string;
  port: number;
  maxClients: number;
  /** Seconds without progress after which a stream client is closed. */
  stallTimeout: number;
  /** Milliseconds a snapshot may be old before a request waits for a fresh frame. */
  snapshotMaxDelay: number;
  /** Port of the extra listener for HTTP/1.0 clients (uWS can't serve them); null: none, 0: any free. */
  http10Port: number | null;
}

export interface Config {
  server: ServerConfig;
  camera: CameraConfig;
  log: { level: LogLevel };
}

export const DEFAULTS: Config = {
  server: { host: '127.0.0.1', port: 8080, maxClients: 200, stallTimeout: 10, snapshotMaxDelay: 500, http10Port: null },
  camera: { source: 'testpattern', device: null, format: 'auto', width: 640, height: 480, fps: 30, quality: 80, buffers: 4 },
  log: { level: 'info' },
};

export class ConfigError extends Error {}

type Check = { key: string; value: unknown };

function integer({ key, value }: Check, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${key} must be a whole number from ${min} to ${max} (got ${JSON.stringify(value)})`);
  }
}

function number({ key, value }: Check, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new ConfigError(`${key} must be a number from ${min} to ${max} (got ${JSON.stringify(value)})`);
  }
}

function oneOf({ key, value }: Check, allowed: readonly string[]): void {
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw new ConfigError(`${key} must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`);
  }
}

/** Throws ConfigError naming the first bad setting (as its command-line flag). */
export function validate(c: Config): Config {
  oneOf({ key: '--source', value: c.camera.source }, ['testpattern', 'v4l2']);
  oneOf({ key: '--format', value: c.camera.format }, ['auto', 'mjpeg', 'yuyv', 'nv12']);
  if (c.camera.device !== null && (typeof c.camera.device !== 'string' || !c.camera.device.startsWith('/'))) {
    throw new ConfigError(`--device must be an absolute device path such as /dev/video0 (got ${JSON.stringify(c.camera.device)})`);
  }
  integer({ key: '--width', value: c.camera.width }, 16, 8192);
  integer({ key: '--height', value: c.camera.height }, 16, 8192);
  number({ key: '--fps', value: c.camera.fps }, 0.1, 240);
  integer({ key: '--quality', value: c.camera.quality }, 1, 100);
  integer({ key: '--buffers', value: c.camera.buffers }, 2, 32);
  integer({ key: '--port', value: c.server.port }, 0, 65535);
  if (typeof c.server.host !== 'string' || c.server.host.length === 0) throw new ConfigError('--host must be an IP address or host name');
  integer({ key: '--max-clients', value: c.server.maxClients }, 1, 100000);
  number({ key: '--stall-timeout', value: c.server.stallTimeout }, 0.1, 3600);
  integer({ key: '--snapshot-max-delay', value: c.server.snapshotMaxDelay }, 0, 60000);
  if (c.server.http10Port !== null) integer({ key: '--http10-port', value: c.server.http10Port }, 0, 65535);
  oneOf({ key: '--log-level', value: c.log.level }, ['debug', 'info', 'warn', 'error']);
  return c;
}
