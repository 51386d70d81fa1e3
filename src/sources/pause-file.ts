// --pause-file: the camera is paused while the file exists. Watched with inotify on its folder (a
// file that doesn't exist yet can't be watched itself), checked once a second as well so a folder
// created later, or a filesystem without inotify, still works.
import fs from 'node:fs';
import path from 'node:path';

const RECHECK_MS = 1000;

/** Calls `onChange(present)` now if the file exists, then on every change. Returns a stop function. */
export function watchPauseFile(file: string, onChange: (present: boolean) => void): () => void {
  let present = false;
  const check = () => {
    const now = fs.existsSync(file);
    if (now !== present) {
      present = now;
      onChange(now);
    }
  };
  let watcher: fs.FSWatcher | null = null;
  const watch = () => {
    if (watcher) return;
    try {
      watcher = fs.watch(path.dirname(file), { persistent: false }, check);
      watcher.on('error', () => {
        watcher?.close();
        watcher = null;
      });
    } catch {
      // The folder isn't there (yet): the timer keeps checking, and watches once it is.
    }
  };
  watch();
  const timer = setInterval(() => {
    watch();
    check();
  }, RECHECK_MS);
  timer.unref();
  check();
  return () => {
    clearInterval(timer);
    watcher?.close();
  };
}
