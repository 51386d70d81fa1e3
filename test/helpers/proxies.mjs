// Real nginx and HAProxy for the relay-tier tests: each runs in the foreground from a temporary folder,
// on a free 127.0.0.1 port, with the shipped example config (config/*-relay.*) adapted to the test's
// ports, and is stopped by the test.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** A port that was free a moment ago. */
export async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

/** Replaces `from` (which must occur exactly once) by `to`: the test fails loudly if the example changes shape. */
export function replaceOnce(text, from, to) {
  const n = text.split(from).length - 1;
  if (n !== 1) throw new Error(`expected ${JSON.stringify(from)} once in the example config, found it ${n} times`);
  return text.replace(from, to);
}

async function waitForPort(port, child, output, ms = 10000) {
  for (let waited = 0; waited < ms; waited += 50) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}:\n${output()}`);
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`not listening on ${port} after ${ms} ms:\n${output()}`);
}

function launch(cmd, args, port) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise((r) => child.on('close', r));
  const handle = {
    port,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(killer);
      }
    },
  };
  return { child, handle, output: () => out };
}

/** nginx with `site` (an http{}-level file such as config/nginx-relay.conf) included. */
export async function startNginx(dir, site, port) {
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'site.conf'), site);
  const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${path.join(dir, t)};`).join('\n  ');
  fs.writeFileSync(
    path.join(dir, 'nginx.conf'),
    `pid ${path.join(dir, 'nginx.pid')};\nerror_log stderr warn;\nworker_processes 1;\nevents { worker_connections 1024; }\n` +
      `http {\n  access_log off;\n  ${temps}\n  include ${path.join(dir, 'site.conf')};\n}\n`,
  );
  const { child, handle, output } = launch('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'], port);
  await waitForPort(port, child, output).catch(async (e) => {
    await handle.stop();
    throw e;
  });
  return handle;
}

/** HAProxy in the foreground with the config text `cfg`. */
export async function startHaproxy(dir, cfg, port) {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(file, cfg);
  const { child, handle, output } = launch('haproxy', ['-db', '-f', file], port);
  await waitForPort(port, child, output).catch(async (e) => {
    await handle.stop();
    throw e;
  });
  return handle;
}
