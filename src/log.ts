// Levelled logger: one line per event, to stdout/stderr or to a file rotated by size.
import fs from 'node:fs';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LogFileOptions {
  path: string;
  /** Rotate when the file reaches this many bytes (0: never). */
  maxSize: number;
  /** Rotated files kept: path.1 (newest) .. path.N. */
  maxFiles: number;
}

export class Logger {
  private file: (LogFileOptions & { fd: number; size: number }) | null = null;

  constructor(private level: LogLevel = 'info') {}

  setLevel(level: LogLevel): void {
    this.level = level;
  }

  enabled(level: LogLevel): boolean {
    return ORDER[level] >= ORDER[this.level];
  }

  /** Sends the log to a file from now on. Throws (with the path) if it can't be opened. */
  toFile(options: LogFileOptions): void {
    this.close();
    const fd = fs.openSync(options.path, 'a', 0o640);
    this.file = { ...options, fd, size: fs.fstatSync(fd).size };
  }

  /** Reopens the log file (SIGHUP), so an external logrotate can move it away. */
  reopen(): void {
    if (this.file) this.toFile(this.file);
  }

  close(): void {
    if (this.file) fs.closeSync(this.file.fd);
    this.file = null;
  }

  debug(msg: string): void { this.write('debug', msg); }
  info(msg: string): void { this.write('info', msg); }
  warn(msg: string): void { this.write('warn', msg); }
  error(msg: string): void { this.write('error', msg); }

  private write(level: LogLevel, msg: string): void {
    if (!this.enabled(level)) return;
    const line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${msg}\n`;
    if (!this.file) {
      (level === 'error' ? process.stderr : process.stdout).write(line);
      return;
    }
    try {
      if (this.file.maxSize > 0 && this.file.size + line.length > this.file.maxSize) this.rotate();
      this.file.size += fs.writeSync(this.file.fd, line);
    } catch (e) {
      // A full disk must not take the streamer down: fall back to stderr.
      process.stderr.write(`log file ${this.file?.path}: ${(e as Error).message}\n${line}`);
    }
  }

  private rotate(): void {
    const f = this.file!;
    fs.closeSync(f.fd);
    for (let i = f.maxFiles - 1; i >= 1; i--) {
      if (fs.existsSync(`${f.path}.${i}`)) fs.renameSync(`${f.path}.${i}`, `${f.path}.${i + 1}`);
    }
    fs.renameSync(f.path, `${f.path}.1`);
    f.fd = fs.openSync(f.path, 'a', 0o640);
    f.size = 0;
  }
}

export const log = new Logger();
