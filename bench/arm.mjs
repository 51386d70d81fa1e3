// `npm run bench -- --arm`: mjpgd and the C floor on an emulated ARMv7 board, costed in counted guest
// instructions (README "ARM figure"). One qemu-system-arm boot (virt machine, TCG, Debian's armmp
// kernel and armhf Node.js, bench/arm/init.sh as /init); the TCG plugin bench/arm/insn-count.c
// counts every guest instruction, user and kernel apart; viewers are bench/native/loadgen on the host
// through qemu's forwarded port. Servers run one after the other in the same boot: first the guest
// alone, then per server 0, 1 and 10 viewers.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { ROOT } from './build.mjs';
import { freePort, sleep } from './processes.mjs';

/** The seed's Python streamer: 12% of a 500 MHz ARMv7 core, 640x480 @ 30 fps, one viewer. */
export const ARM_BUDGET = { corePct: 12, mhz: 500 };
/** Cortex-A7/A8-class in-order cores sustain roughly 0.5-1 instruction per cycle on such code. */
export const IPC_RANGE = [1.0, 0.5];
export const DEFAULT_IPC = 0.75;
/** Guest addresses >= this are the kernel: Debian's armmp kernel is 3G/1G (PAGE_OFFSET 0xC0000000)
 * and its modules (virtio_net here) sit in the 16 MB below it, where user space ends (TASK_SIZE). */
export const KERNEL_BASE = 0xbf000000;
const GUEST_PORT = 8080;
/** qemu -icount shift: the guest's clock advances 2^shift ns per instruction while it runs (2 ns: a
 * 500 MHz core at IPC 1) and at real speed while it sleeps. TCG is several times slower than the
 * board, so in real time the guest would saturate and skip frames; on this clock it does 30 fps. */
export const ICOUNT_SHIFT = 1;

const round = (x, d = 1) => (x == null || !Number.isFinite(x) ? null : Math.round(x * 10 ** d) / 10 ** d);

/** Runs scripts/arm-vm.sh (builds or checks the cache); resolves its KEY=VALUE lines as an object. */
async function prepare(say) {
  say('preparing the ARM guest (scripts/arm-vm.sh: kernel, initramfs, plugin, armv7 addon, floor) ...');
  const child = spawn('bash', [path.join(ROOT, 'scripts', 'arm-vm.sh')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d) => {
    err += d;
    for (const l of d.split('\n')) if (/^(arm-vm|debian|build-addons):/.test(l)) say(`  ${l}`);
  });
  const code = await new Promise((r) => child.on('exit', r));
  if (code !== 0) throw new Error(`scripts/arm-vm.sh failed (exit ${code}):\n${err.split('\n').slice(-30).join('\n')}`);
  return Object.fromEntries(out.trim().split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

/** The production dependencies' folders (npm ls), relative to ROOT. */
function runtimeModules() {
  const out = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out.split('\n').map((l) => path.relative(ROOT, l.trim())).filter((p) => p.startsWith('node_modules'));
}

/** Copies src to dst (files and folders), skipping what `skip(relPath)` refuses. */
function copyTree(src, dst, skip = () => false, rel = '') {
  const st = fs.statSync(src);
  if (st.isDirectory()) {
    fs.mkdirSync(dst, { recursive: true });
    for (const e of fs.readdirSync(src)) {
      const r = rel ? `${rel}/${e}` : e;
      if (!skip(r)) copyTree(path.join(src, e), path.join(dst, e), skip, r);
    }
  } else {
    fs.copyFileSync(src, dst);
  }
}

/**
 * Packs the per-run part of the initramfs: mjpgd (bin, dist, package.json, the armv7 addon and its
 * loader, the runtime node_modules), the recorded frames and the cross-built floor; appends it to a
 * copy of the base cpio (the kernel merges concatenated archives). Returns the file's path.
 */
async function runInitrd(prep, framesDir, runDir) {
  const st = path.join(runDir, 'stage');
  const app = path.join(st, 'opt', 'mjpgd');
  fs.mkdirSync(app, { recursive: true });
  for (const p of ['bin', 'dist', 'package.json']) copyTree(path.join(ROOT, p), path.join(app, p));
  fs.mkdirSync(path.join(app, 'native'));
  fs.copyFileSync(path.join(ROOT, 'native', 'binding.js'), path.join(app, 'native', 'binding.js'));
  fs.copyFileSync(prep.addon, path.join(app, 'native', path.basename(prep.addon)));
  // uWebSockets.js ships binaries for every platform: keep only the 32-bit ARM ones.
  const skipForeign = (r) => /^binaries\/uws_/.test(r) && !/_linux_arm_/.test(r);
  for (const m of runtimeModules()) copyTree(path.join(ROOT, m), path.join(app, m), m.endsWith('uWebSockets.js') ? skipForeign : () => false);
  const frames = path.join(st, 'opt', 'frames');
  fs.mkdirSync(frames, { recursive: true });
  for (const f of fs.readdirSync(framesDir).filter((f) => /\.jpe?g$/i.test(f))) fs.copyFileSync(path.join(framesDir, f), path.join(frames, f));
  fs.copyFileSync(prep.floor, path.join(st, 'opt', 'floor'));
  fs.chmodSync(path.join(st, 'opt', 'floor'), 0o755);

  const initrd = path.join(runDir, 'initrd.cpio');
  fs.copyFileSync(prep.initrd, initrd);
  const list = execFileSync('find', ['.', '-mindepth', '1'], { cwd: st, encoding: 'utf8' }).split('\n').filter(Boolean).sort().join('\n') + '\n';
  const cpio = spawn('cpio', ['-o', '-H', 'newc', '--quiet'], { cwd: st, stdio: ['pipe', 'pipe', 'inherit'] });
  const outFd = fs.openSync(initrd, 'a');
  cpio.stdout.on('data', (d) => fs.writeSync(outFd, d));
  cpio.stdin.end(list);
  const code = await new Promise((r) => cpio.on('close', r));
  fs.closeSync(outFd);
  if (code !== 0) throw new Error(`cpio failed (exit ${code})`);
  fs.rmSync(st, { recursive: true, force: true });
  return initrd;
}

/** Starts loadgen; stop() sends SIGTERM (it then prints its JSON) and resolves { code, signal, stdout, stderr }. */
function startLoad(bin, args) {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
  process.on('exit', () => child.kill('SIGKILL'));
  return {
    async stop() {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10000);
      const e = await exited;
      clearTimeout(t);
      return { ...e, stdout, stderr };
    },
  };
}

/** The booted guest: run(shell line) -> { code, output }, counters() -> plugin snapshot, stop(). */
async function bootGuest({ prep, initrd, runDir, hostPort, cpu, memMb, say, verbose }) {
  const sock = path.join(runDir, 'insn.sock');
  const args = [
    '-M', 'virt', '-cpu', cpu, '-smp', '1', '-m', String(memMb), '-accel', 'tcg', '-icount', `shift=${ICOUNT_SHIFT},align=on`,
    '-nodefaults', '-display', 'none', '-serial', 'stdio', '-monitor', 'none', '-no-reboot',
    '-kernel', prep.kernel, '-initrd', initrd,
    '-append', `console=ttyAMA0 rdinit=/init panic=-1 ${verbose ? '' : 'quiet loglevel=1'}`,
    '-netdev', `user,id=n0,hostfwd=tcp:127.0.0.1:${hostPort}-:${GUEST_PORT}`, '-device', 'virtio-net-device,netdev=n0',
    '-plugin', `${prep.plugin},sock=${sock},kernel=0x${KERNEL_BASE.toString(16)}`,
  ];
  const qemu = spawn('qemu-system-arm', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let exited = null;
  const exitP = new Promise((r) => qemu.on('exit', (code, signal) => r((exited = { code, signal }))));
  process.on('exit', () => qemu.kill('SIGKILL'));
  let stderr = '';
  qemu.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const console_ = [];
  let waiter = null;
  let partial = '';
  qemu.stdout.setEncoding('utf8').on('data', (d) => {
    partial += d;
    let i;
    while ((i = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, i).replace(/\r$/, '');
      partial = partial.slice(i + 1);
      if (verbose) say(`  guest| ${line}`);
      // Kernel messages and qemu's -icount align notes ("The guest is now late by ...") are not output.
      if (/^\[\s*\d+\.\d+\] |^Warning: The guest is now late/.test(line)) continue;
      console_.push(line);
      if (waiter?.match(line)) {
        const w = waiter;
        waiter = null;
        w.resolve(console_.splice(0));
      }
    }
  });
  const waitFor = (re, timeoutMs, what) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiter = null;
        reject(new Error(`the ARM guest: no ${what} within ${timeoutMs / 1000} s. Console:\n${console_.slice(-40).join('\n')}\n${stderr}`));
      }, timeoutMs);
      exitP.then((e) => {
        clearTimeout(timer);
        reject(new Error(`qemu-system-arm exited (${e.signal ?? `code ${e.code}`}) waiting for ${what}:\n${console_.slice(-40).join('\n')}\n${stderr}`));
      });
      waiter = {
        match: (l) => re.test(l),
        resolve: (lines) => {
          clearTimeout(timer);
          resolve(lines);
        },
      };
    });

  const t0 = performance.now();
  const bootLines = await waitFor(/^@@ready/, 300000, 'boot');
  const ready = bootLines.find((l) => l.startsWith('@@ready'));
  const errors = bootLines.filter((l) => l.startsWith('@@error'));
  if (errors.length) throw new Error(`the ARM guest: ${errors.join('; ')}`);

  let ctl = null;
  let ctlBuf = '';
  let ctlWaiter = null;
  async function counters() {
    if (!ctl) {
      ctl = net.connect(sock);
      await new Promise((r, j) => ctl.once('connect', r).once('error', j));
      ctl.setEncoding('utf8').on('data', (d) => {
        ctlBuf += d;
        const i = ctlBuf.indexOf('\n');
        if (i >= 0 && ctlWaiter) {
          const line = ctlBuf.slice(0, i);
          ctlBuf = ctlBuf.slice(i + 1);
          const w = ctlWaiter;
          ctlWaiter = null;
          w(line);
        }
      });
    }
    const line = await new Promise((r) => {
      ctlWaiter = r;
      ctl.write('\n');
    });
    const [user, kernel, ns] = line.trim().split(' ').map(Number);
    return { user, kernel, atS: ns / 1e9 };
  }

  let busy = Promise.resolve();
  /** Runs one shell line in the guest; resolves { code, output } (lines it printed). */
  function run(line, timeoutMs = 120000) {
    const p = busy.then(async () => {
      qemu.stdin.write(`${line}\n`);
      const lines = await waitFor(/^@@done -?\d+$/, timeoutMs, `answer to: ${line}`);
      const done = lines.pop();
      return { code: Number(done.split(' ')[1]), output: lines.filter((l) => l !== line).join('\n') };
    });
    busy = p.catch(() => {});
    return p;
  }

  return {
    bootS: (performance.now() - t0) / 1000,
    ready: ready.replace(/^@@ready\s*/, ''),
    run,
    counters,
    async stop() {
      ctl?.destroy();
      if (!exited) {
        qemu.stdin.write('poweroff -f\n');
        const t = setTimeout(() => qemu.kill('SIGKILL'), 10000);
        await exitP;
        clearTimeout(t);
      }
    },
  };
}

/** How each server starts in the guest, and how the guest reads its counters (frames produced, parts
 * written to viewers) as one line "@@c <frames> <parts>". */
const SERVERS = {
  floor: {
    start: `/opt/floor --host 0.0.0.0 --port ${GUEST_PORT} --fps 30 --frames /opt/frames`,
    ready: 'listening',
    counters:
      `n=$(grep -c '"final":false' /tmp/floor.log); kill -USR1 $SP; while [ $(grep -c '"final":false' /tmp/floor.log) = $n ]; do sleep 0.05; done; ` +
      `tail -n1 /tmp/floor.log | sed -n 's/.*"frames_ticked":\\([0-9]*\\).*"parts_sent":\\([0-9]*\\).*/@@c \\1 \\2/p'`,
  },
  mjpgd: {
    start: `node /opt/mjpgd/bin/mjpgd.js --folder /opt/frames --fps 30 --host 0.0.0.0 --port ${GUEST_PORT} --stall-timeout 30`,
    ready: 'listening on',
    counters:
      `wget -qO- http://127.0.0.1:${GUEST_PORT}/state | tr ',{' '\\n\\n' | sed -n 's/^ *"framesPublished": *\\([0-9]*\\).*/P \\1/p; s/^ *"framesSent": *\\([0-9]*\\).*/S \\1/p' | ` +
      // the first framesSent is the stream's total; the ones after it are per viewer
      `awk '$1=="P"&&p==""{p=$2} $1=="S"&&s==""{s=$2} END{print "@@c", p, s}'`,
  },
};

/** Instructions over a window, less what the guest alone executes in as long (its own idle work);
 * seconds are the guest's (its clock, see ICOUNT_SHIFT). */
function windowFigures(w, guestRate) {
  const s = w.guestS;
  const user = w.b.user - w.a.user - (guestRate ? guestRate.user * s : 0);
  const kernel = w.b.kernel - w.a.kernel - (guestRate ? guestRate.kernel * s : 0);
  return { seconds: s, user, kernel, total: user + kernel };
}

/**
 * Runs the ARM bench; returns { text (lines), json }. `frames` from ensureFrames, `bins` from
 * buildNative (the host's loadgen).
 */
export async function runArm({ frames, bins, quick, smoke, duration, warmup, ipc = DEFAULT_IPC, cpu = 'cortex-a7', verbose = false, say }) {
  const started = performance.now();
  const prep = await prepare(say);
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mjpgd-arm-bench-'));
  const hostPort = await freePort();
  const window = duration;
  const viewersList = smoke ? [1] : [1, 10];
  let guest;
  try {
    const initrd = await runInitrd(prep, frames.dir, runDir);
    say(`booting qemu-system-arm (virt, ${cpu}, 1 vCPU, TCG; ${path.basename(prep.kernel)} ${prep.kver}; initramfs ${(fs.statSync(initrd).size / 1048576).toFixed(0)} MB) ...`);
    guest = await bootGuest({ prep, initrd, runDir, hostPort, cpu, memMb: 1024, say, verbose });
    const nodeVersion = (await guest.run('node --version')).output.trim();
    say(`guest up in ${guest.bootS.toFixed(1)} s: kernel ${guest.ready}; node ${nodeVersion}; guest port ${GUEST_PORT} on 127.0.0.1:${hostPort}`);

    // The guest alone: what its kernel does with nothing to serve (subtracted from every window below).
    await sleep(1000);
    /** One guest command at a window's edge: the server's counters and the guest's uptime, the
     * uptime nearer the window; resolves { up, frames, parts }. */
    const edge = async (counters, opening) => {
      const up = 'echo "@@u $(cat /proc/uptime)"';
      const r = await guest.run(!counters ? up : opening ? `${counters}; ${up}` : `${up}; ${counters}`, 60000);
      const u = /@@u (\d+\.\d+)/.exec(r.output);
      const c = /@@c (\d+) (\d+)/.exec(r.output);
      if (!u || (counters && !c)) throw new Error(`the ARM guest did not report its counters: ${r.output}`);
      return { up: Number(u[1]), frames: c ? Number(c[1]) : null, parts: c ? Number(c[2]) : null };
    };
    /** A measured window: instruction snapshots inside the two edges (whose own work is outside). */
    const measure = async (body, counters = null) => {
      const e0 = await edge(counters, true);
      const a = await guest.counters();
      // Five snapshots inside the window show whether its cost is steady or comes in bursts.
      const subs = [];
      const sampler = (async () => {
        for (let i = 1; i < 5; i++) {
          await sleep((window * 1000) / 5);
          subs.push(await guest.counters());
        }
      })();
      await body();
      await sampler;
      const b = await guest.counters();
      const e1 = await edge(counters, false);
      const pts = [a, ...subs, b];
      const fifths = pts.slice(1).map((p, i) => ({ user: p.user - pts[i].user, kernel: p.kernel - pts[i].kernel, hostS: p.atS - pts[i].atS }));
      return { a, b, fifths, guestS: e1.up - e0.up, hostS: b.atS - a.atS, frames: counters && e1.frames - e0.frames, parts: counters && e1.parts - e0.parts };
    };
    const g = await measure(() => sleep(window * 1000));
    const guestRate = { user: (g.b.user - g.a.user) / g.guestS, kernel: (g.b.kernel - g.a.kernel) / g.guestS };
    say(`guest alone: ${fmtM(guestRate.user + guestRate.kernel)} M instructions/s (user ${fmtM(guestRate.user)}, kernel ${fmtM(guestRate.kernel)}); subtracted below`);

    const results = [];
    for (const name of ['floor', 'mjpgd']) {
      const srv = SERVERS[name];
      const c0 = await guest.counters();
      const st = await guest.run(
        `${srv.start} </dev/null >/tmp/${name}.log 2>&1 & SP=$!; i=0; ok=0; ` +
          `while [ $i -lt 1500 ]; do grep -q '${srv.ready}' /tmp/${name}.log && { ok=1; break; }; kill -0 $SP 2>/dev/null || break; i=$((i+1)); sleep 0.2; done; ` +
          `[ $ok = 1 ] || { cat /tmp/${name}.log; false; }`,
        600000,
      );
      const c1 = await guest.counters();
      if (st.code !== 0) throw new Error(`${name} did not start in the ARM guest:\n${st.output}`);
      const startup = { seconds: round(c1.atS - c0.atS, 1), instructions: c1.user + c1.kernel - c0.user - c0.kernel };
      say(`${name} started in the guest: ${fmtM(startup.instructions, 0)} M instructions (${startup.seconds} s under TCG)`);
      // Warm-up: V8 compiles the serving paths the first time viewers come (hundreds of K
      // instructions a frame at first); a server that runs for days doesn't pay that, so 10 viewers
      // come and go before anything is measured (the floor gets the same). Then a pause for the GC.
      const warm = startLoad(bins.loadgen, ['--port', String(hostPort), '--clients', String(smoke ? 1 : 10), '--duration', '3600']);
      await sleep((smoke ? 2 : quick ? 5 : 10) * 1000);
      // The windows' edges read the server's counters (mjpgd: /state, with its viewer list); their
      // first run compiles code too, which is the bench's cost, not serving's: run them once here.
      await edge(srv.counters, true);
      await warm.stop();
      await sleep((smoke ? 1 : 2) * 1000);

      for (const viewers of [0, ...viewersList]) {
        const label = `${name}, ${viewers} viewer${viewers === 1 ? '' : 's'}`;
        let win, lg = null;
        if (viewers === 0) {
          win = await measure(() => sleep(window * 1000), srv.counters);
        } else {
          // The viewers stay connected from before the window opens until after it closes; the
          // window's viewer-frames are the server's own count (parts written), its seconds the guest's.
          // loadgen reports on SIGTERM: it runs until the window's far edge has been read.
          const load = startLoad(bins.loadgen, ['--port', String(hostPort), '--clients', String(viewers), '--warmup', String(warmup), '--duration', '3600']);
          await sleep(warmup * 1000);
          win = await measure(() => sleep(window * 1000), srv.counters);
          const lr = await load.stop();
          if (lr.code !== 0) throw new Error(`loadgen failed against ${label} (${lr.signal ?? `code ${lr.code}`}): ${lr.stderr}`);
          lg = JSON.parse(lr.stdout);
          if (lg.connected !== viewers) throw new Error(`only ${lg.connected} of ${viewers} viewers connected to ${label}`);
        }
        const w = windowFigures(win, guestRate);
        const parts = win.parts;
        const r = {
          server: name,
          viewers,
          windowS: round(w.seconds, 3),
          instructionsPerS: { user: Math.round(w.user / w.seconds), kernel: Math.round(w.kernel / w.seconds), total: Math.round(w.total / w.seconds) },
          viewerFrames: parts,
          instructionsPerViewerFrame: parts ? Math.round(w.total / parts) : null,
          userPerViewerFrame: parts ? Math.round(w.user / parts) : null,
          kernelPerViewerFrame: parts ? Math.round(w.kernel / parts) : null,
          hostS: round(win.hostS, 3),
          // The window in five parts (host-clock seconds: the guest's clock is read only at the edges),
          // M instructions per second each: a burst (a GC, a compilation) shows as one high fifth.
          fifthsUserMPerS: win.fifths.map((f) => round(f.user / f.hostS / 1e6, 2)),
          fifthsKernelMPerS: win.fifths.map((f) => round(f.kernel / f.hostS / 1e6, 2)),
          sourceFps: round(win.frames / w.seconds, 1),
          fpsPerViewer: viewers ? round(parts / viewers / w.seconds, 1) : null,
          connected: lg ? lg.connected : null,
          badParts: lg ? lg.bad_parts : null,
          loadgen: lg ? { parts: lg.fast.parts, fpsHostClock: lg.fast.fps_mean, closedByServer: lg.closed_by_server, failed: lg.failed } : null,
        };
        results.push(r);
        say(`  ${label}: ${fmtM(r.instructionsPerS.total)} M instr/s (user ${fmtM(r.instructionsPerS.user)}, kernel ${fmtM(r.instructionsPerS.kernel)})` +
          `, source ${r.sourceFps} fps` + (parts ? `, ${fmtK(r.instructionsPerViewerFrame)} K instr/viewer-frame, ${r.fpsPerViewer} fps/viewer` : '') +
          ` (guest ${r.windowS} s = host ${r.hostS} s; user M/s by fifths of the window, host clock: ${r.fifthsUserMPerS.join(' ')})`);
      }
      const rss = await guest.run(`grep VmHWM /proc/$SP/status; kill $SP; wait $SP`);
      const m = /VmHWM:\s*(\d+)/.exec(rss.output);
      for (const r of results) if (r.server === name) r.peakRssKb = m ? Number(m[1]) : null;
      results.find((r) => r.server === name).startup = startup;
    }
    await guest.stop();

    const json = armJson({ results, guestRate, ipc, cpu, prep, nodeVersion, window, warmup, guest, frames });
    json.elapsedS = round((performance.now() - started) / 1000, 1);
    return { text: armText(json), json };
  } finally {
    await guest?.stop().catch(() => {});
    fs.rmSync(runDir, { recursive: true, force: true });
  }
}

const fmtM = (x, d = 2) => (x == null ? '-' : (x / 1e6).toFixed(d));
const fmtK = (x, d = 1) => (x == null ? '-' : (x / 1e3).toFixed(d));
const pct = (instrPerS, ipc) => (100 * instrPerS) / (ipc * ARM_BUDGET.mhz * 1e6);

/** The figures of one run, as the bench JSON's `arm` member. */
function armJson({ results, guestRate, ipc, cpu, prep, nodeVersion, window, warmup, guest, frames }) {
  const at = (server, viewers) => results.find((r) => r.server === server && r.viewers === viewers) ?? null;
  const marginal = (server) => {
    const one = at(server, 1);
    const ten = at(server, 10);
    if (!one || !ten || ten.viewerFrames <= one.viewerFrames) return null;
    return Math.round(((ten.instructionsPerS.total * ten.windowS - one.instructionsPerS.total * one.windowS) / (ten.viewerFrames - one.viewerFrames)));
  };
  const m1 = at('mjpgd', 1);
  const f1 = at('floor', 1);
  const share = m1 && {
    ipc,
    mjpgdPct: round(pct(m1.instructionsPerS.total, ipc), 2),
    mjpgdPctRange: IPC_RANGE.map((i) => round(pct(m1.instructionsPerS.total, i), 2)),
    floorPct: f1 ? round(pct(f1.instructionsPerS.total, ipc), 2) : null,
    floorPctRange: f1 ? IPC_RANGE.map((i) => round(pct(f1.instructionsPerS.total, i), 2)) : null,
    budgetPct: ARM_BUDGET.corePct,
    mhz: ARM_BUDGET.mhz,
  };
  const line = share
    ? `ARMv7: ${share.mjpgdPct.toFixed(1)}% of a ${ARM_BUDGET.mhz} MHz core at IPC ${ipc} (range ${share.mjpgdPctRange[0].toFixed(1)}–${share.mjpgdPctRange[1].toFixed(1)}% for IPC ${IPC_RANGE[0].toFixed(1)}–${IPC_RANGE[1]}); floor ${share.floorPct?.toFixed(1) ?? '-'}%; seed budget ${ARM_BUDGET.corePct}%`
    : null;
  return {
    method: {
      machine: `qemu-system-arm -M virt -cpu ${cpu} -smp 1, TCG, -icount shift=${ICOUNT_SHIFT},align=on`,
      clock: `guest seconds: ${2 ** ICOUNT_SHIFT} ns per instruction while running, real time while idle`,
      qemu: prep.qemu,
      kernel: `Debian ${prep.kver} (${guest.ready})`,
      node: `Debian armhf nodejs ${nodeVersion}`,
      counter: `bench/arm/insn-count.c (plugin header from ${prep.plugin_header_from}); kernel = address >= 0x${KERNEL_BASE.toString(16)}`,
      viewers: 'bench/native/loadgen on the host through qemu user networking (hostfwd)',
      source: `--folder of ${frames.count} recorded 640x480 JPEGs (mean ${(frames.meanBytes / 1024).toFixed(1)} KB), 30 fps`,
      windowS: window,
      warmupS: warmup,
      guestAloneSubtracted: true,
    },
    guestAlone: { user: Math.round(guestRate.user), kernel: Math.round(guestRate.kernel), total: Math.round(guestRate.user + guestRate.kernel) },
    results,
    marginalPerViewerFrame: { floor: marginal('floor'), mjpgd: marginal('mjpgd') },
    ratios: Object.fromEntries(
      [0, 1, 10].map((v) => {
        const m = at('mjpgd', v);
        const f = at('floor', v);
        return [String(v), m && f && f.instructionsPerS.total > 0 ? round(m.instructionsPerS.total / f.instructionsPerS.total, 2) : null];
      }),
    ),
    share,
    line,
  };
}

/** The terminal report of the ARM bench. */
export function armText(j) {
  const rows = j.results.map((r) => {
    const f = j.results.find((x) => x.server === 'floor' && x.viewers === r.viewers);
    const ratio = r.server !== 'floor' && f && f.instructionsPerS.total > 0 ? ` (${(r.instructionsPerS.total / f.instructionsPerS.total).toFixed(1)}x)` : '';
    return [
      String(r.viewers),
      r.server,
      fmtM(r.instructionsPerS.total) + ratio,
      fmtM(r.instructionsPerS.user),
      fmtM(r.instructionsPerS.kernel),
      r.instructionsPerViewerFrame == null ? '-' : `${fmtK(r.instructionsPerViewerFrame)} (${fmtK(r.userPerViewerFrame)}+${fmtK(r.kernelPerViewerFrame)})`,
      r.fpsPerViewer == null ? `${r.sourceFps}/-` : `${r.sourceFps}/${r.fpsPerViewer}`,
      String(r.viewerFrames),
      r.badParts ? `${r.badParts} BAD` : r.badParts == null ? '-' : '0',
      r.peakRssKb ? (r.peakRssKb / 1024).toFixed(1) : '-',
    ];
  });
  const headers = ['viewers', 'server', 'M instr/s', 'user', 'kernel', 'K instr/viewer-frame (user+kernel)', 'fps source/viewer', 'viewer-frames', 'bad', 'peak RSS MB'];
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmtRow = (c) => c.map((x, i) => (i < 2 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
  const mg = j.marginalPerViewerFrame;
  return [
    `ARM (${j.method.machine}; ${j.method.kernel}; ${j.method.node})`,
    `Counted guest instructions per guest second of the measured window (${j.method.windowS} s), user + kernel, less the guest alone (${fmtM(j.guestAlone.total)} M/s); ratios = mjpgd / floor.`,
    'viewer-frames and fps: the server\'s own counts (parts written, frames produced) in the window, on the guest\'s clock.',
    fmtRow(headers),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(fmtRow),
    mg.floor != null || mg.mjpgd != null ? `Marginal cost of a viewer-frame (10 viewers minus 1): floor ${fmtK(mg.floor)} K, mjpgd ${fmtK(mg.mjpgd)} K instructions.` : '',
    ...j.results.filter((r) => r.startup).map((r) => `${r.server} start-up: ${fmtM(r.startup.instructions, 0)} M instructions.`),
    j.line ?? 'ARMv7: no 1-viewer figure',
    `Assumption: a ${ARM_BUDGET.mhz} MHz in-order ARMv7 core (Cortex-A7/A8 class) retires ${IPC_RANGE[1]}–${IPC_RANGE[0]} instructions per cycle on this code; the line states IPC ${j.share?.ipc ?? DEFAULT_IPC} (--ipc). Wall-clock time under TCG means nothing; counts do.`,
  ].filter((l) => l !== '');
}
