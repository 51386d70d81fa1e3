// The one typed configuration. Its settings, defaults, flags and checks are in schema.ts; the sources
// (file, environment, command line) are merged by load.ts.
import type { LogLevel } from '../log';

export interface CameraConfig {
  /** Path segment for this camera's URLs (/<name>/stream); the first or "default" camera is also at /stream. */
  name: string;
  source: 'testpattern' | 'v4l2' | 'folder' | 'exec' | 'http';
  device: string | null;
  /** JPEG files to play (source "folder"). */
  folder: string | null;
  /** The program of source "exec": an argument list, or a command line (split into words, or run by /bin/sh with `shell`). */
  command: string | string[] | null;
  shell: boolean;
  /** Seconds an exec program may write no frame before it is restarted. */
  frameTimeout: number;
  /** MJPEG stream to relay (source "http"), and its basic-auth credentials. */
  url: string | null;
  urlUser: string | null;
  urlPassword: string | null;
  format: 'auto' | 'mjpeg' | 'yuyv' | 'nv12';
  width: number;
  height: number;
  fps: number;
  quality: number;
  buffers: number;
  /** Drivers whose frames are copied at dequeue (besides v4l2loopback). */
  copyDrivers: string[];
  /** Failed opens in a row before mjpgd exits non-zero; null: forever. */
  maxRestarts: number | null;
  pauseFile: string | null;
  /** Seconds without demand before the device is closed; 0: never. */
  idleRelease: number;
  stillWarmup: number;
  snapshotWidth: number | null;
  snapshotHeight: number | null;
  /** V4L2 control values by name (as v4l2-ctl spells them) or numeric id. */
  controls: Record<string, number>;
  /** Skip frames identical to the previous one, sending at least every Nth (0: off). */
  dropSameFrames: number;
  /** Clockwise quarter turns (0, 90, 180, 270) and a mirror after them, applied to every frame. */
  rotate: 0 | 90 | 180 | 270;
  flip: 'none' | 'h' | 'v';
  /** Timelapse stills: folder (null: off), seconds between stills, how many to keep (0: all). */
  timelapseDir: string | null;
  timelapseInterval: number;
  timelapseKeep: number;
}

export interface ServerConfig {
  host: string[];
  port: number;
  unixSocket: string | null;
  transport: 'node' | 'uws';
  /** "" or "/prefix" (normalised: leading slash, no trailing one). */
  basePath: string;
  http10Port: number | null;
  maxClients: number;
  stallTimeout: number;
  directWrites: boolean;
  snapshotMaxDelay: number;
  unsentLimit: number;
  sendBuffer: number;
  tlsCert: string | null;
  tlsKey: string | null;
  tlsPassphrase: string | null;
  httpsPort: number | null;
  redirectHttp: boolean;
  user: string | null;
  password: string | null;
  passwordHash: string | null;
  token: string | null;
  /** Where per-camera state (controls set over HTTP) is kept; null: nothing is remembered. */
  stateDir: string | null;
  /** Send "Server: MJPG-Streamer" (Octolapse enables its camera controls only for that). */
  mjpgStreamerServerHeader: boolean;
}

export interface LogConfig {
  level: LogLevel;
  file: string | null;
  maxSize: number;
  maxFiles: number;
  access: boolean;
  showFps: boolean;
}

export interface Config {
  server: ServerConfig;
  log: LogConfig;
  /** At least one; the first (or the one named "default") is the default camera. */
  cameras: CameraConfig[];
}

/** A bad setting: the message names where it came from (flag, variable or file and key) and what is allowed. */
export class ConfigError extends Error {}

export function defaultCamera(c: Config): CameraConfig {
  return c.cameras.find((cam) => cam.name === 'default') ?? c.cameras[0];
}
