// Feeds a v4l2loopback device inside the test VM: sets its output format to MJPEG once, then writes
// one JPEG per tick, cycling through `frames`. Used by the VM suites and by `npm run bench -- --peers`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * Writes JPEGs into a v4l2loopback `device` at `fps`, cycling through `frames` (Buffers).
 * Returns { pause(), resume(), close(), written() }. Throws if v4l2-ctl can't set the format.
 */
export function loopbackWriter(device, frames, fps = 25, { width = 640, height = 480 } = {}) {
  const r = spawnSync('v4l2-ctl', ['-d', device, '-c', 'keep_format=1', `--set-fmt-video-out=width=${width},height=${height},pixelformat=MJPG`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`v4l2-ctl on ${device} failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr}`);
  const fd = fs.openSync(device, 'w');
  let i = 0;
  let paused = false;
  const timer = setInterval(() => {
    if (!paused) fs.writeSync(fd, frames[i++ % frames.length]);
  }, 1000 / fps);
  return {
    pause: () => (paused = true),
    resume: () => (paused = false),
    /** Frames written so far. */
    written: () => i,
    close() {
      clearInterval(timer);
      fs.closeSync(fd);
    },
  };
}
