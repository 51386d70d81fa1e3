// `npm run bench -- --peers`, the host half: where the peers run happens. Without --device, in the
// test VM (test/vm: Debian's kernel, v4l2loopback fed with the recorded JPEGs), one boot for all
// servers; with --device on a board, right here on the camera, with the installed ustreamer.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BUILD_DIR, ROOT } from './build.mjs';
import { runPeers } from './peers-run.mjs';
import { machine } from './procfs.mjs';
import { ensureUstreamer, installedUstreamer } from './ustreamer-fetch.mjs';

/** Viewer counts of a peers run (the loads a printer cam sees); --smoke runs the first only. */
export const PEER_VIEWERS = [1, 10];

/**
 * The ustreamer a peers run uses: with --device (a board), the installed one (an error saying how to
 * install it if there is none); in the VM, Debian's package unpacked into bench/.build.
 */
export async function peersUstreamer(opt) {
  if (!opt.device) return ensureUstreamer();
  const ustreamer = await installedUstreamer();
  if (!ustreamer) throw new Error('--device with --peers needs ustreamer installed (Debian: apt-get install ustreamer)');
  return ustreamer;
}

/**
 * Runs the peers set. opt: { device, viewers, warmup, duration, verbose }; ustreamer: peersUstreamer's; frames: ensureFrames's set
 * (played by the floor, and fed into v4l2loopback in the VM); bins: { floor, loadgen }; fps: the rate
 * the device runs at. Resolves { where, machine, ustreamer, feeder, results }.
 */
export async function runPeersBench({ opt, ustreamer, frames, bins, fps, mjpgdCmd, mjpgdArgs, say }) {
  if (opt.device) {
    say(`peers on ${opt.device}, here (no VM): ustreamer ${ustreamer.version ?? '?'} from ${ustreamer.bin}`);
    const results = await runPeers({ device: opt.device, viewers: opt.viewers, warmup: opt.warmup, duration: opt.duration, fps, bins, ustreamer, mjpgdCmd, mjpgdArgs: [...mjpgdArgs, '--format', 'mjpeg'], framesDir: frames.dir, say });
    return { where: 'host', machine: machine(), device: opt.device, ustreamer: { version: ustreamer.version, from: ustreamer.from }, feeder: null, results };
  }
  say(`ustreamer: ${ustreamer.from}, unpacked in ${path.relative(ROOT, path.dirname(ustreamer.bin))}`);
  const out = path.join(BUILD_DIR, 'peers', `guest-${process.pid}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.rmSync(out, { force: true });
  const scenarios = opt.viewers.length * 3;
  const timeoutS = Math.ceil(120 + scenarios * (opt.warmup + opt.duration + 30));
  const guestArgs = ['--frames', frames.dir, '--fps', String(fps), '--viewers', opt.viewers.join(','), '--warmup', String(opt.warmup), '--duration', String(opt.duration),
    '--floor', bins.floor, '--loadgen', bins.loadgen, '--ustreamer', ustreamer.bin, '--ustreamer-lib', ustreamer.libDir, '--out', out];
  say(`booting the test VM (test/vm, qemu TCG) for ${scenarios} runs; time limit ${timeoutS} s`);
  const rc = await new Promise((resolve, reject) => {
    const vm = spawn(process.execPath, [path.join(ROOT, 'test', 'vm', 'run.mjs'), '--timeout', String(timeoutS), ...(opt.verbose ? ['--verbose'] : []), '--',
      'node', path.join(ROOT, 'bench', 'peers-guest.mjs'), ...guestArgs], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    const stop = () => vm.kill('SIGTERM'); // run.mjs then kills its VM
    process.once('exit', stop);
    vm.on('error', reject);
    vm.on('exit', (code, signal) => {
      process.off('exit', stop);
      resolve(code ?? signal);
    });
  });
  if (rc !== 0 || !fs.existsSync(out)) throw new Error(`the peers run in the test VM failed (test/vm/run.mjs: ${rc}; its output is above)`);
  const guest = JSON.parse(fs.readFileSync(out, 'utf8'));
  fs.rmSync(out, { force: true });
  return { where: 'vm', machine: guest.machine, kernel: guest.kernel, node: guest.node, device: guest.device, ustreamer: { version: ustreamer.version, from: ustreamer.from }, feeder: guest.feeder, results: guest.results };
}
