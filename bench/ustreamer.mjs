// ustreamer as a bench server: how it is started on an MJPEG V4L2 device, and what its /state tells.
import { getJson } from './http-json.mjs';
import { freePort, sleep, startServer } from './processes.mjs';

/**
 * ustreamer's arguments: the device's own JPEGs passed through (HW encoder), 640x480, on 127.0.0.1, at the
 * device's rate. No --desired-fps: on a device without a settable frame rate (v4l2loopback) ustreamer's own
 * limiter turned a 30 fps feed into ~22 fps delivered; the floor and mjpgd get every frame too.
 */
export function ustreamerArgs({ device, port, width = 640, height = 480 }) {
  return ['--device', device, '--format', 'MJPEG', '--encoder', 'HW', '--resolution', `${width}x${height}`, '--host', '127.0.0.1', '--port', String(port), '--no-log-colors'];
}

/**
 * Starts `ustreamer` ({ bin, env } from ustreamer-fetch.mjs) on `device`; resolves once it listens and
 * its device is online (it opens the device after it listens).
 */
export async function startUstreamer(ustreamer, { device, timeoutMs = 15000 }) {
  const port = await freePort();
  const server = await startServer(ustreamer.bin, ustreamerArgs({ device, port }), {
    ready: /Listening HTTP on \[[^\]]*\]:(\d+)/,
    name: 'ustreamer',
    env: ustreamer.env,
  });
  const until = performance.now() + timeoutMs;
  for (;;) {
    const st = await getJson(`http://127.0.0.1:${server.port}/state`).catch(() => null);
    if (st?.result?.source?.online) return server;
    if (performance.now() > until) {
      await server.stop();
      throw new Error(`ustreamer's device ${device} stayed offline for ${timeoutMs / 1000} s. ustreamer said:\n${server.output().trim()}`);
    }
    await sleep(200);
  }
}

/**
 * Server-side counters in the bench's shape. ustreamer's /state has rates, not totals, so these stay
 * null: the bench counts what the load generator received instead.
 */
export async function ustreamerCounters(server) {
  const st = await getJson(`http://127.0.0.1:${server.port}/state`);
  if (!st.result?.source?.online) throw new Error(`ustreamer's device is offline: ${JSON.stringify(st.result?.source ?? st)}`);
  return {
    framesOut: null,
    partsSent: null,
    skipped: null,
    bytesSent: null,
    bytesCopied: null,
    dropped: null,
    selfCpuUs: null,
  };
}
