// The frames both servers serve: recorded once from mjpgd's own /stream, so the floor sends exactly
// the JPEGs mjpgd sends (same sizes, same content), and kept in bench/.build/frames/<key>/.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { BUILD_DIR } from './build.mjs';
import { getJson } from './http-json.mjs';
import { sleep, startServer } from './processes.mjs';

/**
 * Reads `count` JPEG parts from an MJPEG stream URL; resolves { frames, arrivals (performance.now()
 * per frame) }; rejects on a framing error or after timeoutMs.
 */
export function recordStream(url, count, { timeoutMs = 15000 } = {}) {
  return new Promise((resolve, reject) => {
    const frames = [];
    const arrivals = [];
    let buf = Buffer.alloc(0);
    const req = http.get(url, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return fail(new Error(`${url} answered ${res.statusCode}`));
      }
      res.on('data', (d) => {
        buf = buf.length ? Buffer.concat([buf, d]) : d;
        for (;;) {
          const headEnd = buf.indexOf('\r\n\r\n');
          if (headEnd < 0) return;
          const head = buf.subarray(0, headEnd).toString('latin1');
          const m = /^content-length:\s*(\d+)\s*$/im.exec(head);
          if (!m) return fail(new Error(`a part without Content-Length from ${url}: ${JSON.stringify(head)}`));
          const len = Number(m[1]);
          const start = headEnd + 4;
          if (buf.length < start + len + 2) return;
          const jpeg = Buffer.from(buf.subarray(start, start + len));
          if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8 || jpeg[len - 2] !== 0xff || jpeg[len - 1] !== 0xd9)
            return fail(new Error(`a part from ${url} is not a whole JPEG`));
          frames.push(jpeg);
          arrivals.push(performance.now());
          buf = buf.subarray(start + len + 2);
          if (frames.length === count) {
            clearTimeout(timer);
            req.destroy();
            return resolve({ frames, arrivals });
          }
        }
      });
      res.on('error', () => {});
    });
    const timer = setTimeout(() => fail(new Error(`only ${frames.length} of ${count} frames from ${url} in ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (e) => fail(e));
    function fail(e) {
      clearTimeout(timer);
      req.destroy();
      reject(e);
    }
  });
}

/** Waits until mjpgd's camera is online; throws with mjpgd's own reason if it stays offline. */
export async function waitOnline(port, timeoutMs = 5000) {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const cam = (await getJson(`http://127.0.0.1:${port}/state`)).cameras?.[0];
    if (cam?.online !== false) return;
    if (performance.now() > until) throw Object.assign(new Error(`mjpgd's camera stayed offline for ${timeoutMs / 1000} s: ${cam.error ?? 'no reason given'}`), { offline: true });
    await sleep(200);
  }
}

/**
 * Returns { dir, count, meanBytes, minBytes, maxBytes, fps (as recorded), recorded } for frames recorded from mjpgd started
 * with `mjpgdArgs` (cached by `key`; `fresh` records again, e.g. from a real camera).
 */
export async function ensureFrames({ mjpgdCmd, mjpgdArgs, key, count = 60, fresh = false }) {
  const dir = path.join(BUILD_DIR, 'frames', key);
  const metaPath = path.join(dir, 'meta.json');
  if (!fresh && fs.existsSync(metaPath)) return { dir, ...JSON.parse(fs.readFileSync(metaPath, 'utf8')), recorded: false };

  const server = await startServer(mjpgdCmd[0], [...mjpgdCmd.slice(1), ...mjpgdArgs, '--host', '127.0.0.1', '--port', '0'], {
    ready: /listening on \S+:(\d+)/,
    name: 'mjpgd (recording frames)',
  });
  let frames;
  let fps;
  try {
    await waitOnline(server.port);
    // Skip the first part: it is whatever frame was latest when we connected (and arrives at once).
    const rec = await recordStream(`http://127.0.0.1:${server.port}/stream`, count + 1);
    frames = rec.frames.slice(1);
    const a = rec.arrivals;
    fps = Math.round(((a.length - 2) / ((a[a.length - 1] - a[1]) / 1000)) * 10) / 10; // the source's real rate
  } finally {
    await server.stop();
  }
  // Write under a private name, then swap in: a concurrent bench never sees half a set.
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  frames.forEach((f, i) => fs.writeFileSync(path.join(tmp, `frame-${String(i).padStart(4, '0')}.jpg`), f));
  const sizes = frames.map((f) => f.length);
  const meta = {
    count: frames.length,
    meanBytes: Math.round(sizes.reduce((a, b) => a + b, 0) / sizes.length),
    minBytes: Math.min(...sizes),
    maxBytes: Math.max(...sizes),
    fps,
    from: `mjpgd ${mjpgdArgs.join(' ')}`,
  };
  fs.writeFileSync(path.join(tmp, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
  fs.rmSync(dir, { recursive: true, force: true });
  try {
    fs.renameSync(tmp, dir);
  } catch (e) {
    if (!fs.existsSync(metaPath)) throw e; // another bench won the race: its set is just as good
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return { dir, ...meta, recorded: true };
}
