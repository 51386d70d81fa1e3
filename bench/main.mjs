#!/usr/bin/env node
// `npm run bench`: mjpgd against the C reference floor, same frames, same load, same run.
// See README "Benchmark" for how to read the figures.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { BENCH_DIR, ROOT, buildNative } from './build.mjs';
import { ensureFrames } from './frames.mjs';
import { machine as readMachine } from './procfs.mjs';
import { perfCyclesAvailable } from './perf.mjs';
import { runScenario } from './run-scenario.mjs';
import { SCENARIOS, SLOW_RATE, selectScenarios } from './scenarios.mjs';
import { budgetVerdict, costTable, serviceTable } from './report.mjs';
import { chartSvg } from './chart.mjs';
import { DEFAULT_IPC, runArm } from './arm.mjs';
import { PEER_VIEWERS, peersUstreamer, runPeersBench } from './peers.mjs';
import { peersFigures, peersSummary, peersTable } from './peers-report.mjs';

const USAGE = `usage: npm run bench -- [options]

  --quick             short run: ${'~'}2 s measured per scenario (under a minute in all)
  --smoke             minimal run for tests: 1 viewer, 1 s
  --scenario NAMES    comma-separated, of: ${SCENARIOS.map((s) => s.name).join(', ')} (default: all)
  --clients N         viewers (alone: one scenario of N fast viewers; overrides --scenario's count)
  --duration SEC      measured seconds per scenario and server (default 10, --quick 2)
  --warmup SEC        seconds to connect and settle before measuring (default 2, --quick 1)
  --settle SEC        seconds each server runs before its viewers come (default 10, --smoke 0): V8
                      collects its start-up garbage then (once; a long-running server doesn't pay it per frame)
  --quality Q         JPEG quality of the test pattern (default 95: ~40 KB frames at 640x480)
  --device PATH       run mjpgd on a camera (passed to mjpgd as --device) instead of the recorded frames
  --pattern           mjpgd encodes its test pattern live instead of serving the recorded frames
  --transports LIST   mjpgd's HTTP transports to run, comma-separated: node, uws (default: both where
                      uWS loads on this Node, else node)
  --arm               the ARM figure instead: mjpgd and the floor in an emulated ARMv7 guest (qemu-system-arm,
                      TCG), costed in counted instructions; 0, 1 and 10 viewers (README "ARM figure")
  --ipc X             instructions per cycle assumed for the ARM line (default ${DEFAULT_IPC}; range shown: 1.0-0.5)
  --arm-cpu NAME      qemu CPU model of the ARM guest (default cortex-a7)
  --peers             the peers instead: the C floor, ustreamer (Debian's package) and mjpgd one after another
                      on one v4l2loopback MJPEG device in the test VM (test/vm, one boot), at ${PEER_VIEWERS.join(' and ')}
                      viewers, ${'~'}5 s each; with --device, on that camera here (ustreamer must be installed)
  --verbose           with --arm or --peers: show the guest's console
  --json FILE         where to write the JSON (default bench/results/bench-<date>.json; the .svg and
                      .txt land next to it)
  --help`;

function fail(msg, code = 2) {
  console.error(`bench: ${msg}`);
  process.exit(code);
}

function options() {
  let v;
  try {
    v = parseArgs({
      options: {
        quick: { type: 'boolean' },
        smoke: { type: 'boolean' },
        scenario: { type: 'string' },
        clients: { type: 'string' },
        duration: { type: 'string' },
        warmup: { type: 'string' },
        settle: { type: 'string' },
        quality: { type: 'string' },
        device: { type: 'string' },
        pattern: { type: 'boolean' },
        transports: { type: 'string' },
        json: { type: 'string' },
        arm: { type: 'boolean' },
        peers: { type: 'boolean' },
        ipc: { type: 'string' },
        'arm-cpu': { type: 'string' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (e) {
    fail(`${e.message}\n${USAGE}`);
  }
  if (v.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const num = (key, min, max) => {
    if (v[key] == null) return null;
    const n = Number(v[key]);
    if (!Number.isFinite(n) || n < min || n > max) fail(`--${key} must be a number from ${min} to ${max}, got ${JSON.stringify(v[key])}`);
    return n;
  };
  const clients = num('clients', 1, 20000);
  if (clients != null && !Number.isInteger(clients)) fail(`--clients must be a whole number, got ${v.clients}`);
  const quality = num('quality', 1, 100) ?? 95;
  let scenarios;
  try {
    scenarios = selectScenarios(v.smoke && !v.scenario ? '1' : v.scenario ?? null, clients);
  } catch (e) {
    fail(e.message);
  }
  const short = v.quick || v.smoke;
  if (v.peers) {
    const clash = ['arm', 'pattern', 'transports', 'scenario', 'clients'].filter((k) => v[k] != null);
    if (clash.length) fail(`--peers runs mjpgd's default transport at ${PEER_VIEWERS.join(' and ')} viewers on a V4L2 device; it does not take ${clash.map((k) => `--${k}`).join(', ')}`);
  }
  const transports = (v.transports ?? (uwsLoads() ? 'node,uws' : 'node')).split(',').map((t) => t.trim()).filter(Boolean);
  for (const t of transports) if (!['node', 'uws'].includes(t)) fail(`--transports: unknown ${t}; allowed: node, uws`);
  if (transports.includes('uws') && !uwsLoads()) fail(`--transports uws: uWebSockets.js does not load on Node ${process.version}`);
  return {
    transports,
    pattern: !!v.pattern,
    quick: !!v.quick,
    smoke: !!v.smoke,
    scenarios,
    duration: num('duration', 0.5, 3600) ?? (v.smoke ? 1 : v.peers ? (v.quick ? 3 : 5) : short ? 2 : 10),
    warmup: num('warmup', 0.2, 600) ?? (v.smoke ? (v.peers ? 1 : 0.5) : v.peers ? (v.quick ? 1 : 2) : short ? 1 : 2),
    settle: num('settle', 0, 600) ?? (v.smoke ? 0 : 10),
    quality,
    device: v.device ?? null,
    json: v.json ?? null,
    arm: !!v.arm,
    peers: !!v.peers,
    viewers: v.smoke ? PEER_VIEWERS.slice(0, 1) : PEER_VIEWERS,
    ipc: num('ipc', 0.05, 4) ?? DEFAULT_IPC,
    armCpu: v['arm-cpu'] ?? 'cortex-a7',
    verbose: !!v.verbose,
  };
}

/** Whether uWebSockets.js's binary loads on this Node (it ships for Node <= 20). */
function uwsLoads() {
  try {
    const dir = path.dirname(createRequire(import.meta.url).resolve('uWebSockets.js/package.json'));
    return fs.existsSync(path.join(dir, 'binaries', `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`));
  } catch {
    return false;
  }
}

/** What every bench JSON starts with: which bench, when, which commit, which machine. */
function reportHead(mach) {
  return { bench: 'mjpgd', schema: 1, date: new Date().toISOString(), commit: gitCommit(), machine: mach };
}

const stamp = () => new Date().toISOString().replace(/\..*$/, '').replace(/:/g, '-');

function gitCommit() {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'crates'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${head}+uncommitted` : head;
  } catch {
    return null;
  }
}

async function main() {
  const opt = options();
  const started = Date.now();
  const mach = readMachine();
  const FPS = 30;
  const say = (s) => console.log(s);
  say(`mjpgd bench: ${mach.arch}, ${mach.model}, ${mach.cores ?? '?'} cores${mach.mhz ? ` @ ${Math.round(mach.mhz)} MHz` : ''}, node ${process.version}`);

  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.js'))) fail('dist/ is missing: run `npm run build` first (npm run bench does)');
  say('building bench/native (floor, loadgen) ...');
  const bins = await buildNative();
  // --peers: which ustreamer, before anything is recorded (a board without one is told at once).
  let ustreamer = null;
  if (opt.peers) {
    try {
      ustreamer = await peersUstreamer(opt);
    } catch (e) {
      fail(e.message, 1);
    }
  }

  // MJPGD_BENCH_NODE_FLAGS: V8/Node flags to try on mjpgd (e.g. "--max-semi-space-size=4").
  const nodeFlags = (process.env.MJPGD_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const mjpgdCmd = [process.execPath, ...nodeFlags, path.join(ROOT, 'bin', 'mjpgd.js')];
  const common = ['--width', '640', '--height', '480', '--fps', String(FPS), '--quality', String(opt.quality), '--stall-timeout', '30'];
  const mjpgdArgs = opt.device ? ['--device', opt.device, ...common] : ['--source', 'testpattern', ...common];

  let frames;
  try {
    frames = await ensureFrames({
      mjpgdCmd,
      mjpgdArgs,
      key: opt.device ? `device-${path.basename(opt.device)}` : `testpattern-640x480-q${opt.quality}`,
      fresh: !!opt.device,
    });
  } catch (e) {
    if (opt.device && e.exitCode != null)
      fail(`mjpgd did not start with --device ${opt.device} (exit code ${e.exitCode}); this mjpgd may not have a camera source yet, or the device failed. mjpgd said:\n${e.output.trim()}`, 1);
    if (opt.device && e.offline) fail(`no bench on ${opt.device}: ${e.message}`, 1);
    throw e;
  }
  // The floor plays the frames at the rate mjpgd's source really delivers (a camera may not do 30 fps).
  const floorFps = opt.device ? frames.fps : FPS;
  say(`frames: ${frames.count} JPEGs recorded from mjpgd's own /stream (${frames.from}), mean ${(frames.meanBytes / 1024).toFixed(1)} KB (${(frames.minBytes / 1024).toFixed(1)}-${(frames.maxBytes / 1024).toFixed(1)} KB)${frames.recorded ? '' : ', cached'} in ${path.relative(ROOT, frames.dir)}${opt.device ? `; camera rate ${frames.fps} fps${opt.peers ? '' : ', the floor plays them at that rate'}` : ''}`);

  if (opt.arm) return mainArm(opt, { frames, bins, mach, started, say });
  if (opt.peers) return mainPeers(opt, { ustreamer, frames, bins, mach, started, say, fps: FPS, mjpgdCmd, mjpgdArgs });

  const perfInfo = await perfCyclesAvailable();
  say(`perf stat -e cycles: ${perfInfo.available ? 'available, counting mjpgd in the 1-viewer scenario' : `not available (${perfInfo.reason})`}`);
  say(`scenarios: ${opt.scenarios.map((s) => `${s.name}${s.slow ? ` (${s.clients} viewers, ${s.slow} slow)` : ''}`).join(', ')}; ${opt.settle ? `each server runs ${opt.settle} s alone, then ` : ''}${opt.warmup} s warm-up + ${opt.duration} s measured, each for floor then mjpgd`);

  // mjpgd serves what the floor serves: the recorded JPEGs from memory (like a camera's MJPEG passthrough),
  // unless --pattern (live encoding) or --device.
  const serveArgs = opt.device || opt.pattern ? mjpgdArgs : ['--folder', frames.dir, '--fps', String(FPS), '--stall-timeout', '30'];
  const kinds = ['floor', ...opt.transports.map((t) => (t === 'node' ? 'mjpgd' : `mjpgd-${t}`))];
  say(`mjpgd source: ${opt.device ? opt.device : opt.pattern ? 'test pattern, encoded live' : 'the recorded JPEGs (folder source)'}; transports: ${opt.transports.join(', ')}`);
  const results = [];
  const total = opt.scenarios.length * kinds.length;
  let n = 0;
  for (const scenario of opt.scenarios) {
    for (const kind of kinds) {
      n++;
      const label = `[${n}/${total}] ${scenario.clients} viewer${scenario.clients > 1 ? 's' : ''}${scenario.slow ? ` (${scenario.slow} slow)` : ''}, ${kind}`;
      process.stdout.write(`${label} ... `);
      const r = await runScenario({
        kind,
        scenario,
        warmup: opt.warmup,
        settle: opt.settle,
        duration: opt.duration,
        bins,
        mjpgdCmd,
        mjpgdArgs: kind === 'mjpgd' ? serveArgs : [...serveArgs, '--transport', kind.slice('mjpgd-'.length)],
        framesDir: frames.dir,
        fps: floorFps,
        perf: perfInfo.available && kind === 'mjpgd' && scenario.clients === 1 && scenario.slow === 0,
      });
      results.push(r);
      say(`${r.usPerFrame ?? '-'} us/frame, ${r.corePct}% core, ${r.fpsFast.mean} fps/viewer, ${r.parts} parts${r.load.badParts ? `, ${r.load.badParts} BAD` : ''}`);
    }
  }

  const budget = budgetVerdict(results, mach, perfInfo, { device: opt.device });
  const problems = [];
  for (const r of results) {
    if (r.parts === 0) problems.push(`${r.server} delivered no frames in scenario ${r.scenario}`);
    if (r.load.badParts) problems.push(`${r.server} sent ${r.load.badParts} malformed parts in scenario ${r.scenario}`);
    if (r.load.failed) problems.push(`${r.load.failed} viewers of ${r.server} failed in scenario ${r.scenario}`);
    if (r.server.startsWith('mjpgd') && r.exit.code !== 0) problems.push(`mjpgd exited with ${r.exit.signal ?? `code ${r.exit.code}`} on SIGTERM in scenario ${r.scenario}`);
  }
  const notes = [
    `Frames: ${frames.count} JPEGs, 640x480, mean ${(frames.meanBytes / 1024).toFixed(1)} KB, recorded from mjpgd's /stream; the floor loops them from memory${opt.device ? '' : opt.pattern ? ', mjpgd encodes its test pattern live (same pattern, so KB/part differs by a few %)' : ', and so does mjpgd (its folder source, native: read once, each frame copied into a pool slot on the capture thread)'}.`,
    `Latency: receive time - X-Timestamp; mjpgd stamps the capture time (so its figure includes ${opt.device ? 'the capture path' : opt.pattern ? 'the JPEG encoding' : 'its source\'s timer'}), the floor its send tick.`,
    `CPU: ${results[0]?.cpu.method === 'schedstat' ? 'exact per-thread on-CPU time (/proc/<pid>/task/*/schedstat)' : 'utime+stime from /proc/<pid>/stat'} over the measured window, divided by the parts the load generator received.`,
    ...(opt.settle ? [`Settle: every server ran ${opt.settle} s alone before its viewers came, so the window measures serving, not start-up: in its first ~10 s mjpgd's V8 collects its start-up garbage once (about 40 ms of CPU here; --settle 0 puts it in the window).`] : []),
    `Load generator and servers share this machine's ${mach.cores ?? '?'} cores (see "loadgen %"); slow viewers read ${SLOW_RATE / 1000} KB/s each.`,
    'Ratios in parentheses are mjpgd / floor, measured in this run. "mjpgd" is the default (node) transport, "mjpgd-uws" uWebSockets.js.',
  ];

  const out = [
    '',
    'Cost (server process; ratios = mjpgd / floor)',
    costTable(results),
    '',
    'Service (what the viewers received)',
    serviceTable(results),
    '',
    ...budget.text,
    '',
    ...notes.map((s) => `Note: ${s}`),
    ...problems.map((p) => `PROBLEM: ${p}`),
  ].join('\n');
  say(out);

  const jsonPath = path.resolve(opt.json ?? path.join(BENCH_DIR, 'results', `bench-${stamp()}.json`));
  const base = jsonPath.replace(/\.json$/, '');
  fs.mkdirSync(path.dirname(jsonPath), { recursive: true });
  const scenarios = opt.scenarios.map((s) => {
    const floor = results.find((r) => r.scenario === s.name && r.server === 'floor') ?? null;
    const mjpgd = results.find((r) => r.scenario === s.name && r.server === 'mjpgd') ?? null;
    const uws = results.find((r) => r.scenario === s.name && r.server === 'mjpgd-uws') ?? null;
    const q = (get) => {
      const a = mjpgd && get(mjpgd);
      const b = floor && get(floor);
      return a != null && b ? Math.round((a / b) * 100) / 100 : null;
    };
    return {
      name: s.name,
      clients: s.clients,
      slowClients: s.slow,
      floor,
      mjpgd,
      mjpgdUws: uws,
      uwsRatioUsPerFrame: uws && floor?.usPerFrame ? Math.round((uws.usPerFrame / floor.usPerFrame) * 100) / 100 : null,
      ratios: {
        usPerFrame: q((r) => r.usPerFrame),
        corePct: q((r) => r.corePct),
        fpsFastMean: q((r) => r.fpsFast.mean),
        latencyP50: q((r) => r.latencyMs.fastP50),
        latencyP99: q((r) => r.latencyMs.fastP99),
        rssPeak: q((r) => r.rssKb.peak),
      },
    };
  });
  const report = {
    ...reportHead(mach),
    options: { transports: opt.transports, source: opt.device ? 'device' : opt.pattern ? 'testpattern' : 'folder', quick: opt.quick, smoke: opt.smoke, duration: opt.duration, warmup: opt.warmup, settle: opt.settle, width: 640, height: 480, fps: FPS, quality: opt.quality, device: opt.device, slowRate: SLOW_RATE },
    frames: { count: frames.count, meanBytes: frames.meanBytes, minBytes: frames.minBytes, maxBytes: frames.maxBytes, fps: frames.fps ?? null, floorFps, from: frames.from },
    perf: perfInfo,
    scenarios,
    budget: { text: budget.text.join('\n'), ...budget.figures },
    notes,
    problems,
    elapsedS: Math.round((Date.now() - started) / 100) / 10,
  };
  fs.writeFileSync(jsonPath, JSON.stringify(report, null, 2) + '\n');
  fs.writeFileSync(`${base}.svg`, chartSvg(results, { title: `mjpgd vs C floor, 640x480 @ ${FPS} fps, ${(frames.meanBytes / 1024).toFixed(0)} KB frames (${mach.arch}, ${mach.cores} cores)` }));
  fs.writeFileSync(`${base}.txt`, out.trimStart() + '\n');
  say(`\nwrote ${path.relative(process.cwd(), jsonPath)}, ${path.relative(process.cwd(), `${base}.svg`)}, ${path.relative(process.cwd(), `${base}.txt`)} (${report.elapsedS} s)`);
  if (problems.length) process.exit(1);
}

/** --peers: the floor, ustreamer and mjpgd on one MJPEG device (bench/peers.mjs); prints the table, writes the bench JSON. */
async function mainPeers(opt, { ustreamer, frames, bins, mach, started, say, fps, mjpgdCmd, mjpgdArgs }) {
  const run = await runPeersBench({ opt, ustreamer, frames, bins, fps, mjpgdCmd, mjpgdArgs, say });
  const figures = peersFigures(run.results);
  const summary = peersSummary(figures);
  const where = run.where === 'vm'
    ? `in the test VM (qemu TCG, ${run.machine.cores} vCPUs, kernel ${run.kernel}, node ${run.node}), on v4l2loopback ${run.device} fed ${run.feeder.fps} fps (achieved ${run.feeder.achievedFps}) with ${run.feeder.frames} recorded JPEGs`
    : `on ${run.device}, this machine`;
  const notes = [
    `Where: ${where}; the servers ran one after another in one ${run.where === 'vm' ? 'boot' : 'run'}; ustreamer: ${run.ustreamer.from} (--format MJPEG --encoder HW: the device's JPEGs passed through, as mjpgd does; no --desired-fps, so it runs at the device's rate).`,
    `All three capture from the same device: the floor (bench/native/floor.c --device) dequeues each MMAP buffer, copies its JPEG out once, requeues it and fans the copy out with one writev per viewer; ${run.where === 'vm' ? `the device carries the bench's ${frames.count} recorded JPEGs (mean ${(frames.meanBytes / 1024).toFixed(1)} KB)` : 'the camera\'s own JPEGs'}.`,
    'CPU: the server process\'s on-CPU time from /proc over the measured window (schedstat, else utime+stime), divided by the parts the C load generator received (us/frame).',
    ...(run.where === 'vm' ? ['TCG emulates the CPU: absolute figures are slow and noisy; compare the ratios within this run. The load generator shares the guest\'s CPUs.'] : []),
  ];
  const problems = [];
  for (const r of run.results) {
    if (r.parts === 0) problems.push(`${r.server} delivered no frames to ${r.clients} viewers`);
    if (r.load.badParts) problems.push(`${r.server} sent ${r.load.badParts} malformed parts to ${r.clients} viewers`);
    if (r.load.failed) problems.push(`${r.load.failed} viewers of ${r.server} failed (${r.clients} viewers)`);
    if (r.server === 'mjpgd' && r.exit.code !== 0) problems.push(`mjpgd exited with ${r.exit.signal ?? `code ${r.exit.code}`} on SIGTERM (${r.clients} viewers)`);
  }
  const out = ['', 'Peers: server CPU per delivered frame; ratios = mjpgd / this server, same run', peersTable(figures), '', ...summary, '', ...notes.map((s) => `Note: ${s}`), ...problems.map((p) => `PROBLEM: ${p}`)].join('\n');
  say(out);
  const jsonPath = path.resolve(opt.json ?? path.join(BENCH_DIR, 'results', `bench-peers-${stamp()}.json`));
  fs.mkdirSync(path.dirname(jsonPath), { recursive: true });
  const report = {
    ...reportHead(mach),
    options: { peers: true, quick: opt.quick, smoke: opt.smoke, duration: opt.duration, warmup: opt.warmup, width: 640, height: 480, fps, device: opt.device, viewers: opt.viewers },
    frames: { count: frames.count, meanBytes: frames.meanBytes, minBytes: frames.minBytes, maxBytes: frames.maxBytes, from: frames.from },
    peers: { where: run.where, machine: run.machine, kernel: run.kernel ?? null, node: run.node ?? process.version, device: run.device, ustreamer: run.ustreamer, feeder: run.feeder, figures, summary },
    results: run.results,
    notes,
    problems,
    elapsedS: Math.round((Date.now() - started) / 100) / 10,
  };
  writeReport(jsonPath, report, out);
}

/** --arm: the emulated ARMv7 run (bench/arm.mjs); prints its report and writes the bench JSON. */
async function mainArm(opt, { frames, bins, mach, started, say }) {
  if (opt.device) fail('--arm serves the recorded frames (folder source); --device is not supported with it');
  const arm = await runArm({ frames, bins, quick: opt.quick, smoke: opt.smoke, duration: opt.duration, warmup: opt.warmup, ipc: opt.ipc, cpu: opt.armCpu, verbose: opt.verbose, say });
  const out = ['', ...arm.text].join('\n');
  say(out);
  const problems = [];
  for (const r of arm.json.results) {
    if (r.viewers > 0 && r.viewerFrames === 0) problems.push(`${r.server} delivered no frames to ${r.viewers} viewers in the ARM guest`);
    if (r.badParts) problems.push(`${r.server} sent ${r.badParts} malformed parts in the ARM guest`);
  }
  for (const p of problems) say(`PROBLEM: ${p}`);
  const jsonPath = path.resolve(opt.json ?? path.join(BENCH_DIR, 'results', `bench-arm-${stamp()}.json`));
  fs.mkdirSync(path.dirname(jsonPath), { recursive: true });
  const report = {
    ...reportHead(mach),
    options: { arm: true, quick: opt.quick, smoke: opt.smoke, duration: opt.duration, warmup: opt.warmup, width: 640, height: 480, fps: 30, ipc: opt.ipc, armCpu: opt.armCpu },
    frames: { count: frames.count, meanBytes: frames.meanBytes, minBytes: frames.minBytes, maxBytes: frames.maxBytes, from: frames.from },
    arm: arm.json,
    budget: { text: arm.json.line, ...arm.json.share },
    problems,
    elapsedS: Math.round((Date.now() - started) / 100) / 10,
  };
  writeReport(jsonPath, report, out);
}

main().catch((e) => {
  console.error(`bench: ${e.stack ?? e}`);
  process.exit(1);
});

/** The JSON and the text tables of a peers or ARM run; exit 1 when it found problems. */
function writeReport(jsonPath, report, text) {
  fs.writeFileSync(jsonPath, JSON.stringify(report, null, 2) + '\n');
  fs.writeFileSync(jsonPath.replace(/\.json$/, '.txt'), text.trimStart() + '\n');
  console.log(`\nwrote ${path.relative(process.cwd(), jsonPath)} (${report.elapsedS} s)`);
  if (report.problems.length) process.exit(1);
}
