// Where the bench's ustreamer comes from: Debian's package, downloaded and unpacked into bench/.build
// (never installed) with the libraries it needs beside it, for the test VM; or the one on PATH (a board).
import fs from 'node:fs';
import path from 'node:path';
import { BUILD_DIR } from './build.mjs';
import { runToEnd } from './processes.mjs';

/** Packages every Debian system has, and the C library the VM takes from the host: not copied. */
const SYSTEM_PACKAGES = new Set(['libc6', 'libgcc-s1', 'gcc-12-base', 'gcc-13-base', 'gcc-14-base']);
const GLIBC = /^(libc|libm|libpthread|libdl|librt|ld-linux-x86-64|ld-linux-aarch64|ld-linux-armhf)\.so/;

async function run(cmd, args, opts) {
  let r;
  try {
    r = await runToEnd(cmd, args, opts);
  } catch (e) {
    throw new Error(`${cmd} is needed to fetch ustreamer (Debian): ${e.message}`);
  }
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.signal ?? `exit ${r.code}`}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** The package and what it depends on, all the way down, less what every system has. */
async function packageClosure(pkg) {
  const out = await run('apt-cache', ['depends', '--recurse', '--no-recommends', '--no-suggests', '--no-conflicts', '--no-breaks', '--no-replaces', '--no-enhances', pkg]);
  const names = [...new Set(out.split('\n').filter((l) => /^[a-z0-9]/.test(l)).map((l) => l.trim()))];
  return names.filter((n) => !SYSTEM_PACKAGES.has(n) && !n.startsWith('<'));
}

/** Candidate version of a Debian package (apt-cache policy), or null. */
async function candidate(pkg) {
  const out = await run('apt-cache', ['policy', pkg]);
  const v = /Candidate:\s*(\S+)/.exec(out)?.[1];
  return v && v !== '(none)' ? v : null;
}

/**
 * Debian's ustreamer unpacked into bench/.build/ustreamer-<version>/ (cached): { bin, libDir, env, version }.
 * Run it with `env` (LD_LIBRARY_PATH=libDir): its own libraries are there, the C library is the system's.
 */
export async function ensureUstreamer() {
  const version = await candidate('ustreamer');
  if (!version) throw new Error('apt knows no ustreamer package (run apt-get update; it is in Debian 11 and later)');
  const dir = path.join(BUILD_DIR, `ustreamer-${version.replace(/[^\w.+-]/g, '_')}`);
  const bin = path.join(dir, 'ustreamer');
  const libDir = path.join(dir, 'lib');
  const found = { bin, libDir, env: { LD_LIBRARY_PATH: libDir }, version, from: `Debian package ustreamer ${version}` };
  if (fs.existsSync(path.join(dir, '.done'))) return found;

  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(path.join(tmp, 'debs'), { recursive: true });
  try {
    const pkgs = await packageClosure('ustreamer');
    await run('apt-get', ['download', '-o', 'APT::Sandbox::User=root', ...pkgs], { cwd: path.join(tmp, 'debs'), timeoutMs: 120000 });
    const root = path.join(tmp, 'root');
    for (const deb of fs.readdirSync(path.join(tmp, 'debs'))) await run('dpkg-deb', ['-x', path.join(tmp, 'debs', deb), root]);
    const libPath = ['usr/lib/x86_64-linux-gnu', 'lib/x86_64-linux-gnu', 'usr/lib/aarch64-linux-gnu', 'usr/lib/arm-linux-gnueabihf'].map((d) => path.join(root, d)).join(':');
    // Every library the binary loads (its package's, or the system's when the system has it), flat in lib/.
    const ldd = await run('ldd', [path.join(root, 'usr/bin/ustreamer')], { env: { ...process.env, LD_LIBRARY_PATH: libPath } });
    const missing = ldd.split('\n').filter((l) => /not found/.test(l));
    if (missing.length) throw new Error(`ustreamer's libraries are missing: ${missing.map((l) => l.trim()).join('; ')}`);
    const tmpLib = path.join(tmp, 'lib');
    fs.mkdirSync(tmpLib);
    for (const m of ldd.matchAll(/^\s*(\S+) => (\/\S+)/gm)) if (!GLIBC.test(m[1])) fs.copyFileSync(m[2], path.join(tmpLib, m[1]));
    fs.copyFileSync(path.join(root, 'usr/bin/ustreamer'), path.join(tmp, 'ustreamer'));
    fs.chmodSync(path.join(tmp, 'ustreamer'), 0o755);
    fs.rmSync(path.join(tmp, 'debs'), { recursive: true, force: true });
    fs.rmSync(root, { recursive: true, force: true });
    fs.writeFileSync(path.join(tmp, '.done'), `${pkgs.join(' ')}\n`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return found;
}

/** The ustreamer on PATH (a board where it is installed): { bin, env, version, from }, or null. */
export async function installedUstreamer() {
  for (const d of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    const bin = path.join(d, 'ustreamer');
    try {
      fs.accessSync(bin, fs.constants.X_OK);
    } catch {
      continue;
    }
    const r = await runToEnd(bin, ['--version']);
    const version = r.stdout.trim() || null;
    return { bin, env: {}, version, from: `${bin} (installed)` };
  }
  return null;
}
