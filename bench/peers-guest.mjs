#!/usr/bin/env node
// `--peers` inside the test VM (started by bench/peers.mjs through test/vm/run.mjs): feeds the recorded
// JPEGs into a v4l2loopback device for the whole run, runs the floor, ustreamer and mjpgd against it
// (bench/peers-run.mjs) and writes the results to --out (a file in the shared project folder).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loopbackWriter } from '../test/vm/loopback-writer.mjs';
import { ROOT } from './build.mjs';
import { runPeers } from './peers-run.mjs';
import { sleep } from './processes.mjs';
import { machine } from './procfs.mjs';

const { values: v } = parseArgs({
  options: {
    device: { type: 'string' },
    frames: { type: 'string' },
    fps: { type: 'string' },
    viewers: { type: 'string' },
    warmup: { type: 'string' },
    duration: { type: 'string' },
    floor: { type: 'string' },
    loadgen: { type: 'string' },
    ustreamer: { type: 'string' },
    'ustreamer-lib': { type: 'string' },
    out: { type: 'string' },
  },
});
const device = v.device ?? process.env.MJPGD_VM_LOOPBACK;
for (const [k, x] of Object.entries({ device, frames: v.frames, floor: v.floor, loadgen: v.loadgen, ustreamer: v.ustreamer, out: v.out }))
  if (!x) throw new Error(`peers-guest: --${k} is required (run through npm run bench -- --peers)`);
const fps = Number(v.fps ?? 30);
const viewers = (v.viewers ?? '1,10').split(',').map(Number);

const frames = fs.readdirSync(v.frames).filter((f) => /\.jpe?g$/i.test(f)).sort().map((f) => fs.readFileSync(path.join(v.frames, f)));
if (!frames.length) throw new Error(`peers-guest: no JPEGs in ${v.frames}`);
const say = (s) => console.log(s);
say(`guest: ${os.release()}, ${machine().cores} CPUs, node ${process.version}; feeding ${frames.length} JPEGs into ${device} at ${fps} fps`);

const writer = loopbackWriter(device, frames, fps);
const started = performance.now();
try {
  await sleep(1500); // v4l2loopback offers its capture side once the writer streams
  const results = await runPeers({
    device,
    viewers,
    warmup: Number(v.warmup ?? 2),
    duration: Number(v.duration ?? 5),
    fps,
    bins: { floor: v.floor, loadgen: v.loadgen },
    ustreamer: { bin: v.ustreamer, env: v['ustreamer-lib'] ? { LD_LIBRARY_PATH: v['ustreamer-lib'] } : {} },
    mjpgdCmd: [process.execPath, path.join(ROOT, 'bin', 'mjpgd.js')],
    mjpgdArgs: ['--device', device, '--format', 'mjpeg', '--width', '640', '--height', '480', '--fps', String(fps), '--stall-timeout', '30'],
    framesDir: v.frames,
    say,
  });
  const feederFps = Math.round((writer.written() / ((performance.now() - started) / 1000)) * 10) / 10;
  fs.writeFileSync(v.out, `${JSON.stringify({ machine: machine(), kernel: os.release(), node: process.version, device, feeder: { fps, achievedFps: feederFps, frames: frames.length }, results }, null, 2)}\n`);
  say(`guest: done; the feeder wrote ${feederFps} fps on average`);
} finally {
  writer.close();
}
