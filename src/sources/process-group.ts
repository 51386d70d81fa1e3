// Runs a program in a process group of its own that cannot outlive mjpgd: stopped with SIGTERM,
// then SIGKILL after a grace, and killed as a whole group if mjpgd itself dies (even by SIGKILL,
// when no JS runs to clean up).
//
// How the last part works: the program is started by /bin/sh in a new session (so it leads a new
// process group), and the shell leaves one small background shell in that group, blocked reading a
// pipe from mjpgd that mjpgd never writes. When mjpgd goes away, the kernel closes the pipe, `read`
// returns, and the watcher kills the whole group (the program and anything it started). PR_SET_PDEATHSIG
// would only reach the direct child, not what a shell command or ffmpeg spawns.
import { spawn, type ChildProcess } from 'node:child_process';

/** $0 is a name for ps; "$@" is the program and its arguments. The program gets /dev/null as stdin
 * and not the watcher's pipe (fd 3), so only the watcher holds it. The watcher ignores SIGTERM: a
 * stop signals the whole group, and the watcher must stay to clean up what ignores SIGTERM. */
const LAUNCHER = [
  'exec 3<&0',
  "( trap '' TERM; read -r _ <&3; kill -KILL 0 ) >/dev/null 2>&1 &",
  'exec "$@" 3<&- </dev/null',
].join('\n');

export interface RunningProgram {
  readonly pid: number;
  /** Resolves when the program has exited, with why. */
  readonly exited: Promise<string>;
  /** SIGTERM to the group, SIGKILL after `graceMs` if the program is still there. Resolves once it exited. */
  stop(graceMs: number): Promise<string>;
}

export interface ProgramOutput {
  stdout(chunk: Buffer): void;
  /** The program closed its stdout (it exited, or closed it). */
  stdoutEnd(): void;
  /** One line of the program's stderr (without the line end). */
  stderrLine(line: string): void;
}

const MAX_LINE = 2000;
const DRAIN_MS = 1000;

/** Starts `argv` in its own process group. Throws if it cannot be started at all. */
export function startProgram(argv: string[], output: ProgramOutput): RunningProgram {
  const child: ChildProcess = spawn('/bin/sh', ['-c', LAUNCHER, 'mjpgd-exec', ...argv], {
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) {
    // Only if /bin/sh itself can't run. Node still emits 'error' later: without a listener that
    // would be an uncaught exception.
    child.on('error', () => {});
    throw new Error('cannot run /bin/sh');
  }
  const pid = child.pid;
  let alive = true;

  child.stdout!.on('data', (chunk: Buffer) => output.stdout(chunk));
  child.stdout!.on('end', () => output.stdoutEnd());
  let partial = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (text: string) => {
    // Progress lines (ffmpeg's "frame= …") end with \r: they are lines too.
    const lines = (partial + text).split(/\r\n|\r|\n/);
    partial = lines.pop()!.slice(0, MAX_LINE);
    for (const line of lines) if (line.trim() !== '') output.stderrLine(line.slice(0, MAX_LINE));
  });
  // Nothing is ever written: the pipe only tells the watcher that mjpgd is alive. Errors on it
  // (EPIPE once the group is gone) mean nothing more than that.
  child.stdin!.on('error', () => {});

  const exited = new Promise<string>((resolve) => {
    let reason: string | null = null;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      if (partial.trim() !== '') output.stderrLine(partial);
      partial = '';
      resolve(reason!);
    };
    const ended = (why: string) => {
      if (reason !== null) return;
      reason = why;
      alive = false;
      // The program is gone: closing the pipe lets the watcher kill whatever it left in the group.
      child.stdin!.destroy();
      // Its last stderr lines (the reason it gives) may still be in the pipe: report once the pipes
      // are drained ('close'), or after a second if something outside the group still holds them.
      setTimeout(finish, DRAIN_MS).unref();
    };
    child.on('error', (e) => ended(`could not run: ${e.message}`));
    child.on('exit', (code, signal) => ended(signal ? `killed by ${signal}` : `exited with code ${code}`));
    child.on('close', () => reason !== null && finish());
  });

  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  };

  return {
    pid,
    exited,
    stop(graceMs) {
      if (alive) {
        signalGroup('SIGTERM');
        const killer = setTimeout(() => alive && signalGroup('SIGKILL'), graceMs);
        void exited.then(() => clearTimeout(killer));
      }
      return exited;
    },
  };
}
