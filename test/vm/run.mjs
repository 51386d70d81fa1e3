#!/usr/bin/env node
// Runs one command inside a throw-away qemu VM with Debian's kernel and real V4L2 drivers
// (vivid, v4l2loopback); see README.md. Streams the command's output, exits with its exit code.
//   node test/vm/run.mjs [--timeout SEC] [--mem MB] [-e NAME=VALUE]... [--verbose] [--no-setup] [-- <command...>]
// Without a command it runs the VM suite: node --test test/vm/suite/*.test.mjs.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const project = path.resolve(here, '../..');
const cache = process.env.MJPGD_VM_CACHE || path.join(os.homedir(), '.cache/mjpgd-vm');

function usage(msg) {
  if (msg) console.error(`run.mjs: ${msg}`);
  console.error('usage: node test/vm/run.mjs [--timeout SEC] [--mem MB] [-e NAME=VALUE]... [--verbose] [--no-setup] [-- <command...>]');
  process.exit(2);
}

// --- arguments ---
const opts = { timeout: 600, mem: 1024, env: [], verbose: false, setup: true };
const args = process.argv.slice(2);
let command = null;
while (args.length) {
  const a = args.shift();
  if (a === '--') { command = args.splice(0); break; }
  else if (a === '--timeout') opts.timeout = Number(args.shift());
  else if (a === '--mem') opts.mem = Number(args.shift());
  else if (a === '-e') opts.env.push(args.shift() ?? '');
  else if (a === '--verbose') opts.verbose = true;
  else if (a === '--no-setup') opts.setup = false;
  else usage(`unknown option ${a}`);
}
if (!command) {
  const suite = path.join(here, 'suite');
  const files = fs.existsSync(suite) ? fs.readdirSync(suite).filter((f) => f.endsWith('.test.mjs')).sort() : [];
  if (!files.length) usage(`no command, and no ${suite}/*.test.mjs`);
  command = ['node', '--test', '--test-concurrency=1', ...files.map((f) => path.join(suite, f))];
}
if (!command.length) usage('no command');
if (!(opts.timeout > 0) || !(opts.mem >= 256)) usage('bad --timeout or --mem');
for (const kv of opts.env) if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(kv)) usage(`bad -e ${kv}`);

// --- the cached kernel and base initramfs (setup.sh is quick when they're up to date) ---
if (opts.setup) {
  const r = spawnSync('bash', [path.join(here, 'setup.sh')], { stdio: ['ignore', 2, 2] });
  if (r.status !== 0) { console.error('run.mjs: setup.sh failed'); process.exit(125); }
}
const kernel = path.join(cache, 'vmlinux');
const baseCpio = path.join(cache, 'base.cpio');
if (!fs.existsSync(kernel) || !fs.existsSync(baseCpio)) usage(`no VM image in ${cache}: run test/vm/setup.sh`);

// The host folder shared into the VM at the same path; the command starts in the current
// directory when it's inside that folder.
const share = path.resolve(process.env.MJPGD_VM_SHARE || project);
const cwd = process.cwd() === share || process.cwd().startsWith(share + '/') ? process.cwd() : share;

// --- per-run cpio: /mjpgd/run.env (read by /init) and /mjpgd/cmd (the command) ---
const q = (s) => `'${String(s).replaceAll("'", `'\\''`)}'`;
const runEnv = `SHARE=${q(share)}\nCWD=${q(cwd)}\n`;
const cmd = opts.env.map((kv) => `export ${kv.slice(0, kv.indexOf('='))}=${q(kv.slice(kv.indexOf('=') + 1))}\n`).join('')
  + `exec ${command.map(q).join(' ')}\n`;

// newc format: 110-byte ASCII header, name, data, each padded to 4 bytes. The kernel merges it
// with the base archive it's appended to.
function cpio(entries) {
  const pad = (b) => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
  const parts = [];
  let ino = 1;
  for (const [name, mode, data] of [...entries, ['TRAILER!!!', 0, '']]) {
    const body = Buffer.from(data);
    const f = [ino++, mode, 0, 0, 1, 0, body.length, 0, 0, 0, 0, name.length + 1, 0];
    const head = '070701' + f.map((n) => n.toString(16).padStart(8, '0')).join('');
    parts.push(pad(Buffer.from(head + name + '\0')), pad(body));
  }
  return Buffer.concat(parts);
}
// Per-run files live in the cache (the initrd is base + ~1 KB, so ~100 MB: not for a small /tmp);
// directories left by runs that were killed are removed here.
const runs = path.join(cache, 'runs');
fs.mkdirSync(runs, { recursive: true });
for (const pid of fs.readdirSync(runs)) {
  try { process.kill(Number(pid), 0); } catch { fs.rmSync(path.join(runs, pid), { recursive: true, force: true }); }
}
const tmp = path.join(runs, String(process.pid));
fs.rmSync(tmp, { recursive: true, force: true });
fs.mkdirSync(tmp);
const initrd = path.join(tmp, 'initrd.cpio');
fs.copyFileSync(baseCpio, initrd);
fs.appendFileSync(initrd, cpio([
  ['mjpgd', 0o40755, ''],
  ['mjpgd/run.env', 0o100644, runEnv],
  ['mjpgd/cmd', 0o100644, cmd],
]));
const consoleLog = path.join(tmp, 'console.log');

// --- boot ---
// ttyS0: kernel console + /init's status lines, to a file; ttyS1: the command's output, to stdout.
const qemuArgs = [
  '-accel', 'tcg', '-m', String(opts.mem), '-smp', '2', '-nodefaults', '-nographic', '-no-reboot',
  '-kernel', kernel, '-initrd', initrd,
  // printk.devkmsg=on: /init's status lines must never be rate-limited away.
  '-append', `console=ttyS0 panic=-1 printk.devkmsg=on${opts.verbose ? '' : ' quiet'}`,
  '-chardev', `file,id=con,path=${consoleLog}`, '-serial', 'chardev:con',
  '-chardev', 'stdio,id=out,signal=off', '-serial', 'chardev:out',
  '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04',
  '-fsdev', `local,id=share,path=${share},security_model=none`,
  '-device', 'virtio-9p-pci,fsdev=share,mount_tag=share',
  '-device', 'virtio-rng-pci',
];
const started = Date.now();
const qemu = spawn('qemu-system-x86_64', qemuArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
let qemuErr = '';
qemu.stdout.pipe(process.stdout);
qemu.stderr.on('data', (d) => { qemuErr += d; });

let stopped = ''; // why run.mjs ended the VM itself
const stop = (why) => { stopped ||= why; qemu.kill('SIGKILL'); };
const timer = setTimeout(() => stop(`timed out after ${opts.timeout} s`), opts.timeout * 1000);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => stop(`stopped by ${sig}`));
process.on('exit', () => qemu.kill('SIGKILL')); // never leave a VM behind

qemu.on('error', (e) => console.error(`run.mjs: can't start qemu: ${e.message}`));
qemu.on('close', (code, signal) => {
  clearTimeout(timer);
  const log = fs.existsSync(consoleLog) ? fs.readFileSync(consoleLog, 'utf8').replaceAll('\r', '') : '';
  fs.rmSync(tmp, { recursive: true, force: true });
  // The exit code comes from /init's last status line only: qemu's own exit status can't tell
  // isa-debug-exit's "1" (rc 0) from qemu failing, and loses codes >= 128.
  const exit = [...log.matchAll(/mjpgd-vm: exit=(\d+)/g)].pop();
  const error = log.match(/mjpgd-vm: error: .*/);
  let rc;
  let why = stopped || error?.[0] || '';
  if (stopped) rc = stopped.startsWith('timed out') ? 124 : 130;
  else if (exit) rc = Number(exit[1]);
  else { rc = 125; why ||= `the VM stopped without reporting an exit code (qemu ${signal ?? code})`; }
  if (why || opts.verbose) {
    if (qemuErr) process.stderr.write(qemuErr);
    const tail = opts.verbose ? log : log.split('\n').slice(-30).join('\n');
    process.stderr.write(`--- VM console ---\n${tail}\n---\n`);
  }
  if (why) console.error(`run.mjs: ${why}`);
  if (opts.verbose) console.error(`run.mjs: exit ${rc} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exitCode = rc;
});
