// Runs one server (mjpgd or the C floor) under one scenario's load and measures it.
import { waitOnline } from './frames.mjs';
import { getJson } from './http-json.mjs';
import { cpuDelta, cpuSample, memory } from './procfs.mjs';
import { runToEnd, sleep, startServer } from './processes.mjs';
import { startPerfCycles } from './perf.mjs';
import { SLOW_RATE } from './scenarios.mjs';
import { startUstreamer, ustreamerCounters } from './ustreamer.mjs';

/** The floor prints one JSON line of totals per SIGUSR1. */
function floorSnapshot(server) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error('floor did not answer SIGUSR1 within 5 s'));
    }, 5000);
    const off = server.onLine((line) => {
      if (!line.startsWith('{')) return;
      const j = JSON.parse(line);
      if (j.final) return;
      clearTimeout(timer);
      off();
      resolve(j);
    });
    server.child.kill('SIGUSR1');
  });
}

/** Server-side counters at one instant, in one shape for both servers. */
async function counters(kind, server) {
  if (kind === 'ustreamer') return ustreamerCounters(server);
  if (kind === 'floor') {
    const s = await floorSnapshot(server);
    return { framesOut: s.frames_ticked, partsSent: s.parts_sent, skipped: s.parts_skipped, bytesSent: s.bytes_sent, bytesCopied: 0, dropped: s.ticks_missed, selfCpuUs: s.cpu_us };
  }
  const st = await getJson(`http://127.0.0.1:${server.port}/state`);
  const cam = st.cameras[0];
  return {
    framesOut: cam.stream.framesPublished,
    partsSent: cam.stream.framesSent,
    skipped: cam.stream.framesSkipped,
    bytesSent: cam.stream.bytesSent,
    bytesCopied: (cam.counters.bytesCopied ?? 0) + (cam.stream.bytesCopied ?? 0),
    dropped: cam.counters.dropped ?? 0,
    selfCpuUs: null,
  };
}

const diff = (a, b) => Object.fromEntries(Object.keys(a).map((k) => [k, a[k] == null || b[k] == null ? null : b[k] - a[k]]));
const round = (x, d = 1) => (x == null || !Number.isFinite(x) ? null : Math.round(x * 10 ** d) / 10 ** d);

/** Starts the server of `kind` for `scenario`; resolves once it listens (its port in .port) and its source is online. */
async function start(kind, { scenario, bins, mjpgdCmd, mjpgdArgs, framesDir, fps, device, ustreamer }) {
  if (kind === 'floor') {
    const source = device ? ['--device', device] : ['--fps', String(fps), '--frames', framesDir];
    return startServer(bins.floor, ['--port', '0', ...source], { ready: /^listening (\d+)/, name: 'floor' });
  }
  if (kind === 'ustreamer') return startUstreamer(ustreamer, { device });
  const server = await startServer(mjpgdCmd[0], [...mjpgdCmd.slice(1), ...mjpgdArgs, '--host', '127.0.0.1', '--port', '0', '--max-clients', String(Math.max(200, scenario.clients + 50))], {
    ready: /listening on \S+:(\d+)/,
    name: 'mjpgd',
  });
  try {
    await waitOnline(server.port, 15000); // a camera opens after mjpgd listens
  } catch (e) {
    await server.stop();
    throw e;
  }
  return server;
}

/**
 * kind: 'mjpgd' (or 'mjpgd-<transport>') | 'floor' | 'ustreamer' (with `ustreamer`: { bin, env }). `device`: the
 * MJPEG V4L2 device the floor and ustreamer capture from (else the floor plays `framesDir` at `fps`). Starts the server, runs the load generator for warmup + duration seconds,
 * samples CPU (and perf cycles if `perf`) over exactly the measured window, stops the server, and
 * returns the figures (see README "Benchmark" for their meaning).
 */
export async function runScenario({ kind, scenario, warmup, duration, settle = 0, bins, mjpgdCmd, mjpgdArgs, framesDir, fps, device = null, ustreamer = null, perf = false }) {
  const server = await start(kind, { scenario, bins, mjpgdCmd, mjpgdArgs, framesDir, fps, device, ustreamer });
  const pid = server.pid;
  try {
    // `settle`: the server runs alone first (V8's memory reducer collects the start-up garbage some
    // seconds after start, ~40 ms of CPU once); then the source's rhythm settles before anything is counted.
    await sleep(settle * 1000 + 300);
    const rssStart = memory(pid);
    const loadArgs = ['--port', String(server.port), '--clients', String(scenario.clients), '--slow', String(scenario.slow), '--slow-rate', String(SLOW_RATE), '--warmup', String(warmup), '--duration', String(duration)];
    const t0 = performance.now();
    const load = runToEnd(bins.loadgen, loadArgs, { timeoutMs: (warmup + duration + 30) * 1000 });

    let peakRssKb = rssStart?.rssKb ?? 0;
    const rssTimer = setInterval(() => {
      const m = memory(pid);
      if (m) peakRssKb = Math.max(peakRssKb, m.rssKb);
    }, 100);

    await sleep(t0 + warmup * 1000 - performance.now());
    const cA = await counters(kind, server);
    const cpuA = cpuSample(pid);
    const perfRun = perf ? startPerfCycles(pid) : null;
    await sleep(t0 + (warmup + duration) * 1000 - performance.now());
    const cpuB = cpuSample(pid);
    const perfResult = perfRun ? await perfRun.stop() : null;
    const cB = await counters(kind, server);

    const lr = await load;
    clearInterval(rssTimer);
    if (lr.code !== 0) throw new Error(`loadgen failed (${lr.signal ?? `code ${lr.code}`}): ${lr.stderr}`);
    const lg = JSON.parse(lr.stdout);
    const mem = memory(pid);
    const exit = await server.stop();

    const cpu = cpuDelta(cpuA, cpuB);
    const windowS = (cpuB.at - cpuA.at) / 1000;
    const srv = diff(cA, cB);
    const parts = lg.fast.parts + lg.slow.parts;
    const captureS = cpu.threads ? cpu.threads['mjpgd-capture'] ?? null : null;
    const serverFps = srv.framesOut / windowS;
    return {
      server: kind,
      scenario: scenario.name,
      clients: scenario.clients,
      slowClients: scenario.slow,
      exit,
      windowS: round(windowS, 3),
      cpu: {
        seconds: round(cpu.seconds, 6),
        method: cpu.method,
        statSeconds: round(cpu.statSeconds, 3),
        selfReportedSeconds: srv.selfCpuUs == null ? null : round(srv.selfCpuUs / 1e6, 6),
        threads: cpu.threads && Object.fromEntries(Object.entries(cpu.threads).map(([k, v]) => [k, round(v, 6)])),
        captureThreadSeconds: captureS == null ? null : round(captureS, 6),
        perfCycles: perfResult?.cycles ?? null,
        perfNote: perfResult?.reason ?? null,
      },
      usPerFrame: parts > 0 ? round((cpu.seconds * 1e6) / parts, 2) : null,
      // Without the capture thread: what the fan-out costs, comparable with the floor (which has no source).
      usPerFrameExclCapture: captureS == null || parts === 0 ? null : round(((cpu.seconds - captureS) * 1e6) / parts, 2),
      corePct: round((100 * cpu.seconds) / windowS, 2),
      captureCorePct: captureS == null ? null : round((100 * captureS) / windowS, 2),
      parts,
      serverFps: round(serverFps, 2),
      fpsFast: { mean: lg.fast.fps_mean, min: lg.fast.fps_min, max: lg.fast.fps_max },
      fpsSlow: lg.slow.clients ? { mean: lg.slow.fps_mean, min: lg.slow.fps_min, max: lg.slow.fps_max } : null,
      // Frames a slow viewer missed per second: what the server produced minus what it received.
      slowSkippedPerS: lg.slow.clients ? round(serverFps - lg.slow.fps_mean, 2) : null,
      serverSkipped: srv.skipped,
      latencyMs: {
        p50: round(lg.latency_us.p50 / 1000, 2),
        p99: round(lg.latency_us.p99 / 1000, 2),
        max: round(lg.latency_us.max / 1000, 2),
        fastP50: round(lg.fast.latency_us.p50 / 1000, 2),
        fastP99: round(lg.fast.latency_us.p99 / 1000, 2),
        slowP50: lg.slow.clients ? round(lg.slow.latency_us.p50 / 1000, 2) : null,
        slowP99: lg.slow.clients ? round(lg.slow.latency_us.p99 / 1000, 2) : null,
      },
      rssKb: { start: rssStart?.rssKb ?? null, peak: Math.max(peakRssKb, mem?.hwmKb ?? 0) || null, end: mem?.rssKb ?? null },
      bytesCopied: srv.bytesCopied,
      bytesCopiedPerFrame: srv.partsSent > 0 ? round(srv.bytesCopied / srv.partsSent, 1) : null,
      meanPartBytes: srv.partsSent > 0 ? Math.round(srv.bytesSent / srv.partsSent) : null,
      serverCounters: srv,
      load: {
        connected: lg.connected,
        failed: lg.failed,
        closedByServer: lg.closed_by_server,
        badParts: lg.bad_parts,
        corePct: round((100 * lg.cpu_us) / 1e6 / (warmup + duration), 1),
        raw: lg,
      },
    };
  } finally {
    await server.stop();
  }
}
