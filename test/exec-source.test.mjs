// The exec source: a program's stdout (concatenated JPEGs or multipart) served as a camera.
// Unit tests for the stream splitter (no processes, no sleeps: bytes in, JPEGs out, at every kind
// of chunk boundary), then end-to-end tests against the real mjpgd running real programs (ffmpeg,
// sh): frames, the offline picture and restart on the same viewer connection, no child left behind
// after mjpgd's SIGTERM or SIGKILL, a missing program, garbage.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { jpegSize } from './helpers/jpeg.mjs';
import { readStream } from './helpers/multipart.mjs';
import { ROOT, runMjpgd, startMjpgd } from './helpers/server.mjs';

const require = createRequire(import.meta.url);
const { MjpegSplitter } = require(path.join(ROOT, 'dist', 'sources', 'mjpeg-splitter.js'));
const { frameFromPieces } = require(path.join(ROOT, 'dist', 'sources', 'exec-source.js'));
const { partOf } = require(path.join(ROOT, 'dist', 'stream', 'part.js'));
const { splitWords, commandArgv } = require(path.join(ROOT, 'dist', 'config', 'command.js'));
const native = require(path.join(ROOT, 'native', 'binding.js'));

/** Real JPEGs (the addon's encoder), different from each other. */
const jpegs = [0, 1, 2].map((k) => native.renderOfflineJpeg(160 + 16 * k, 120, `FRAME ${k}`, `picture ${k}`));

/** A JPEG with an EXIF-style APP1 segment holding a whole thumbnail JPEG (its own FF D8 … FF D9). */
function withThumbnail(jpeg, thumb) {
  const payload = Buffer.concat([Buffer.from('Exif\0\0'), thumb]);
  const app1 = Buffer.alloc(4);
  app1.writeUInt16BE(0xffe1, 0);
  app1.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), app1, payload, jpeg.subarray(2)]);
}

/** Deterministic pseudo-random chunk sizes (xorshift), so a failure can be replayed. */
function chunkings(bytes, runs, maxChunk, seed = 7) {
  let x = seed;
  const rand = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  const out = [];
  for (let r = 0; r < runs; r++) {
    const chunks = [];
    for (let i = 0; i < bytes.length; ) {
      const n = 1 + Math.floor(rand() * maxChunk);
      chunks.push(bytes.subarray(i, i + n));
      i += n;
    }
    out.push(chunks);
  }
  return out;
}

function split(chunks, maxFrameBytes) {
  const found = [];
  const invalid = [];
  const splitter = new MjpegSplitter(
    {
      jpeg: (pieces, length) => {
        const whole = Buffer.concat(pieces);
        assert.equal(whole.length, length, 'the length reported is the length of the pieces');
        assert.ok(pieces.every((p) => p.length > 0), 'no empty pieces');
        found.push({ whole, pieces });
      },
      invalid: (reason) => invalid.push(reason),
    },
    maxFrameBytes,
  );
  for (const c of chunks) splitter.push(c);
  splitter.end();
  return { found, invalid };
}

function multipart(frames, { contentLength }) {
  return Buffer.concat(
    frames.flatMap((f) => [
      Buffer.from(`--ffmpeg\r\nContent-Type: image/jpeg\r\n${contentLength ? `Content-Length: ${f.length}\r\n` : ''}\r\n`),
      f,
      Buffer.from('\r\n'),
    ]),
  );
}

describe('splitter: stream bytes in, whole JPEGs out', () => {
  const cases = {
    'concatenated JPEGs': Buffer.concat(jpegs),
    'multipart with Content-Length': multipart(jpegs, { contentLength: true }),
    'multipart without Content-Length': multipart(jpegs, { contentLength: false }),
  };
  for (const [name, bytes] of Object.entries(cases)) {
    test(`${name}: the same JPEGs however the reads cut the stream`, () => {
      const runs = [[bytes], Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)), ...chunkings(bytes, 40, 3000), ...chunkings(bytes, 40, 40, 11)];
      for (const chunks of runs) {
        const { found, invalid } = split(chunks);
        assert.deepEqual(invalid, []);
        assert.equal(found.length, jpegs.length);
        found.forEach((f, k) => assert.ok(f.whole.equals(jpegs[k]), `JPEG ${k} byte for byte (${chunks.length} chunks)`));
      }
    });
  }

  test('a JPEG that arrived in one read is reported as that read\'s own memory (no copy)', () => {
    const bytes = Buffer.concat(jpegs);
    const { found } = split([bytes]);
    for (const f of found) {
      assert.equal(f.pieces.length, 1);
      assert.equal(f.pieces[0].buffer, bytes.buffer, 'a slice of the read buffer');
    }
  });

  test('an EXIF thumbnail (its own FF D9 inside APP1) does not end the JPEG early', () => {
    const big = withThumbnail(jpegs[1], jpegs[0]);
    for (const chunks of [[Buffer.concat([big, jpegs[2]])], ...chunkings(Buffer.concat([big, jpegs[2]]), 20, 500)]) {
      const { found, invalid } = split(chunks);
      assert.deepEqual(invalid, []);
      assert.equal(found.length, 2);
      assert.ok(found[0].whole.equals(big));
      assert.ok(found[1].whole.equals(jpegs[2]));
    }
  });

  test('garbage between JPEGs: each run counted once as invalid, the JPEGs still found', () => {
    const text = Buffer.from('Warning: this is not a picture\nnor is this\n');
    const bytes = Buffer.concat([text, jpegs[0], text, jpegs[1], Buffer.from([0x00, 0x01, 0xff, 0x00]), jpegs[2]]);
    for (const chunks of [[bytes], ...chunkings(bytes, 20, 100)]) {
      const { found, invalid } = split(chunks);
      assert.equal(found.length, 3);
      found.forEach((f, k) => assert.ok(f.whole.equals(jpegs[k])));
      assert.equal(invalid.length, 3, invalid.join('; '));
    }
  });

  test('a JPEG cut short by the next one: one invalid, the next one kept', () => {
    const cut = jpegs[0].subarray(0, Math.floor(jpegs[0].length / 2));
    const { found, invalid } = split([Buffer.concat([cut, jpegs[1]])]);
    assert.equal(found.length, 1);
    assert.ok(found[0].whole.equals(jpegs[1]));
    assert.equal(invalid.length, 1);
  });

  test('a multipart part whose body is not a JPEG is invalid; the parts around it are served', () => {
    const bad = Buffer.from('not a jpeg at all');
    const bytes = multipart([jpegs[0], bad, jpegs[1]], { contentLength: true });
    const { found, invalid } = split([bytes]);
    assert.equal(found.length, 2);
    assert.ok(found[1].whole.equals(jpegs[1]));
    assert.equal(invalid.length, 1);
  });

  test('random bytes: no crash, no frame from them, invalid counted', () => {
    const noise = Buffer.alloc(200000);
    let x = 12345;
    for (let i = 0; i < noise.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      noise[i] = x >>> 24;
    }
    const { found, invalid } = split(chunkings(noise, 1, 65536)[0]);
    assert.ok(invalid.length > 0);
    for (const f of found) assert.ok(f.whole[0] === 0xff && f.whole[1] === 0xd8 && f.whole.at(-1) === 0xd9, 'anything reported is SOI…EOI');
  });

  test('a frame over the size limit is invalid, not buffered without end', () => {
    const { found, invalid } = split(chunkings(Buffer.concat(jpegs), 1, 500)[0], jpegs[1].length - 1);
    assert.ok(invalid.length >= 1);
    assert.ok(found.every((f) => f.whole.length <= jpegs[1].length - 1));
  });

  test('a stream that ends inside a frame counts it as invalid', () => {
    const { found, invalid } = split([jpegs[0], jpegs[1].subarray(0, 100)]);
    assert.equal(found.length, 1);
    assert.deepEqual(invalid, ['stream ended inside a frame']);
  });
});

describe('frames from the pieces: at most one copy', () => {
  test('one piece: the frame is that memory, nothing copied, nothing written around it', () => {
    const read = Buffer.concat([Buffer.from('xx'), jpegs[0], Buffer.from('yy')]);
    const before = Buffer.from(read);
    const piece = read.subarray(2, 2 + jpegs[0].length);
    const { frame, copied } = frameFromPieces(1, 1e12, [piece], piece.length);
    assert.equal(copied, 0);
    assert.equal(frame.jpeg.buffer, read.buffer);
    assert.ok(read.equals(before), 'the bytes next to the JPEG in the read buffer are untouched');
  });

  test('several pieces: joined once, the part leaves as one chunk', () => {
    const j = jpegs[2];
    const pieces = [j.subarray(0, 10), j.subarray(10, 500), j.subarray(500)];
    const { frame, copied } = frameFromPieces(1, 1e12, pieces, j.length);
    assert.equal(copied, j.length);
    assert.ok(frame.jpeg.equals(j));
    assert.equal(partOf(frame).list.length, 1, 'header, JPEG and CRLF in one buffer');
  });
});

describe('the command line of --command', () => {
  test('split into words with shell quoting, nothing expanded', () => {
    assert.deepEqual(splitWords(`ffmpeg  -vf 'scale=640:-2, hflip' -metadata "title=\\"a b\\"" a\\ b $HOME *.jpg`), [
      'ffmpeg',
      '-vf',
      'scale=640:-2, hflip',
      '-metadata',
      'title="a b"',
      'a b',
      '$HOME',
      '*.jpg',
    ]);
    assert.deepEqual(splitWords("x '' y"), ['x', '', 'y'], 'an empty quoted word is a word');
    assert.throws(() => splitWords('a "b'), /unbalanced double quote/);
    assert.throws(() => splitWords('   '), /empty command/);
  });

  test('--shell hands the string to /bin/sh -c unchanged; a list stays a list', () => {
    assert.deepEqual(commandArgv('a | b "$X"', true), ['/bin/sh', '-c', 'a | b "$X"']);
    assert.deepEqual(commandArgv(['a b', 'c'], false), ['a b', 'c']);
    assert.throws(() => commandArgv(['a'], true), /one string/);
  });
});

// ---------------------------------------------------------------------------------------------
// End to end: the real mjpgd running real programs.

const FFMPEG = (format) => `ffmpeg -hide_banner -loglevel error -nostdin -re -f lavfi -i testsrc2=size=640x480:rate=15 -f ${format} -`;

async function camState(server) {
  return (await (await fetch(`${server.url}/state`)).json()).cameras[0];
}

async function until(what, fn, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Pids of the processes in process group `pgid` (from /proc). */
function groupMembers(pgid) {
  const out = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // After the command: state, ppid, pgrp. A zombie is already dead: only its parent has to reap it.
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') out.push(Number(name));
    } catch {
      // Gone while we looked.
    }
  }
  return out;
}

let tmp;
let frameFile;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mjpgd-exec-'));
  frameFile = path.join(tmp, 'frame.jpg');
  fs.writeFileSync(frameFile, native.renderOfflineJpeg(320, 240, 'FROM A SHELL', 'a JPEG written by cat'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('exec source with ffmpeg', () => {
  for (const format of ['mjpeg', 'mpjpeg']) {
    test(`ffmpeg -f ${format}: valid, changing frames on /stream and /snapshot`, async () => {
      const server = await startMjpgd(['--source', 'exec', '--command', FFMPEG(format)]);
      try {
        const { status, parts } = await readStream(`${server.url}/stream`, { maxParts: 6, ms: 20000 });
        assert.equal(status, 200);
        assert.equal(parts.length, 6, server.output());
        for (const p of parts) assert.deepEqual(p.size, { width: 640, height: 480 });
        assert.ok(new Set(parts.map((p) => p.body.toString('base64'))).size > 1, 'the frames change');
        const snap = Buffer.from(await (await fetch(`${server.url}/snapshot`)).arrayBuffer());
        assert.deepEqual(jpegSize(snap), { width: 640, height: 480 });
        assert.ok(snap.at(-2) === 0xff && snap.at(-1) === 0xd9);
        const cam = await camState(server);
        assert.equal(cam.source.kind, 'exec');
        assert.equal(cam.online, true);
        assert.equal(cam.counters.invalid, 0);
        assert.equal(cam.counters.restarts, 0);
        assert.ok(cam.counters.captured >= 6);
      } finally {
        assert.equal((await server.stop()).code, 0);
      }
    });
  }

  test('the program killed mid-stream: offline picture, restart, frames resume on the same connection', async () => {
    const server = await startMjpgd(['--command', FFMPEG('mjpeg')]);
    try {
      const bodies = [];
      let ended = false;
      const reading = readStream(`${server.url}/stream`, { ms: 60000, onPart: (p) => bodies.push(p.body) }).finally(() => (ended = true));
      await until('frames', () => bodies.length >= 3);
      const first = await camState(server);
      process.kill(first.counters.pid, 'SIGKILL');
      const down = await until('the exit noticed', async () => {
        const s = await camState(server);
        return s.counters.lastExit ? s : null;
      });
      assert.match(down.counters.lastExit, /killed by SIGKILL/);
      assert.equal(down.errors.last, down.counters.lastExit);
      // The offline picture is rendered from the reason: the test can tell it apart byte for byte.
      const offline = native.renderOfflineJpeg(640, 480, 'CAMERA OFFLINE', `ffmpeg: ${down.counters.lastExit}`);
      const firstOffline = () => bodies.findIndex((b) => b.equals(offline));
      await until('the offline picture on the open stream', () => firstOffline() >= 0);
      await until('frames again on the same connection', () => bodies.slice(firstOffline()).filter((b) => !b.equals(offline)).length >= 3);
      const again = await camState(server);
      assert.equal(again.online, true);
      assert.ok(again.counters.restarts >= 1);
      assert.notEqual(again.counters.pid, first.counters.pid);
      assert.equal(ended, false, 'the viewer never lost its connection');
      void reading;
    } finally {
      assert.equal((await server.stop()).code, 0);
    }
  });
});

describe('never orphaned', () => {
  test('SIGTERM to mjpgd: the program and everything it started are gone when mjpgd has exited', async () => {
    // A shell pipeline: sh, ffmpeg and cat, all in the program's process group.
    const server = await startMjpgd(['--shell', '--command', `${FFMPEG('mjpeg')} | cat`]);
    const cam = await until('frames', async () => {
      const s = await camState(server);
      return s.counters.captured > 0 ? s : null;
    });
    const pgid = cam.counters.pid;
    assert.ok(groupMembers(pgid).length >= 3, `sh, ffmpeg, cat and the watcher: ${groupMembers(pgid)}`);
    assert.equal((await server.stop()).code, 0);
    await until('no process left in the group', () => groupMembers(pgid).length === 0, 10000);
  });

  test('a program that ignores SIGTERM gets SIGKILL after the grace, and mjpgd still exits 0', async () => {
    const script = `trap '' TERM; while :; do cat ${frameFile}; sleep 0.2; done`;
    const server = await startMjpgd(['--shell', '--command', script]);
    const cam = await until('frames', async () => {
      const s = await camState(server);
      return s.counters.captured > 0 ? s : null;
    });
    const pgid = cam.counters.pid;
    assert.equal((await server.stop()).code, 0);
    await until('no process left in the group', () => groupMembers(pgid).length === 0, 10000);
  });

  test('SIGKILL to mjpgd (no JS runs to clean up): a silent program is killed with its group', async () => {
    // After one frame the program only sleeps: it never writes again, so no SIGPIPE would end it.
    const server = await startMjpgd(['--frame-timeout', '600', '--shell', '--command', `cat ${frameFile}; exec sleep 600`]);
    const cam = await until('the frame', async () => {
      const s = await camState(server);
      return s.counters.captured > 0 ? s : null;
    });
    const pgid = cam.counters.pid;
    assert.ok(groupMembers(pgid).length >= 1);
    server.child.kill('SIGKILL');
    await server.exited;
    await until('no process left in the group', () => groupMembers(pgid).length === 0, 10000);
  });
});

describe('bad programs', () => {
  test('a program that does not exist: a clear error at start-up, exit 2', async () => {
    const r = await runMjpgd(['--command', 'no-such-program-mjpgd --flag']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /camera default: command: program "no-such-program-mjpgd" not found in PATH \(camera\.default\.command\)/);
    const r2 = await runMjpgd(['--command', '/nonexistent/prog']);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /program "\/nonexistent\/prog" not found \(or not executable\)/);
  });

  test('a command line with an unbalanced quote, or a list with --shell: exit 2 naming the key', async () => {
    const r = await runMjpgd(['--command', "ffmpeg -vf 'scale=1"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /command: unbalanced single quote \(camera\.default\.command\)/);
    const conf = path.join(tmp, 'list-shell.toml');
    fs.writeFileSync(conf, '[camera.default]\ncommand = ["ffmpeg", "-i", "x"]\nshell = true\n');
    const r2 = await runMjpgd(['--config', conf]);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /with shell = true the command is one string/);
  });

  test('a config file list is the argument list, quotes and all', async () => {
    const conf = path.join(tmp, 'list.toml');
    fs.writeFileSync(conf, `[camera.default]\ncommand = ["sh", "-c", "cat '${frameFile}'; exec sleep 600"]\nframe_timeout = 600\n`);
    const server = await startMjpgd(['--config', conf]);
    try {
      const { parts } = await readStream(`${server.url}/stream`, { maxParts: 1, ms: 10000 });
      assert.deepEqual(parts[0]?.size, { width: 320, height: 240 });
    } finally {
      assert.equal((await server.stop()).code, 0);
    }
  });

  test('garbage on stdout: counted as invalid, no crash, the JPEGs between it still served', async () => {
    const script = `while :; do echo 'progress: not a picture'; head -c 3000 /dev/urandom; echo; cat ${frameFile}; sleep 0.1; done`;
    const server = await startMjpgd(['--shell', '--command', script]);
    try {
      const cam = await until('frames and invalid ones', async () => {
        const s = await camState(server);
        return s.counters.captured >= 3 && s.counters.invalid >= 3 ? s : null;
      });
      assert.equal(cam.counters.restarts, 0, 'the program was not restarted for writing garbage');
      const { parts } = await readStream(`${server.url}/stream`, { maxParts: 3, ms: 10000 });
      assert.equal(parts.length, 3);
      for (const p of parts) assert.deepEqual(p.size, { width: 320, height: 240 });
    } finally {
      assert.equal((await server.stop()).code, 0, server.output());
    }
  });

  test('a program that goes silent is restarted after --frame-timeout, with the reason', async () => {
    const server = await startMjpgd(['--frame-timeout', '1', '--shell', '--command', `cat ${frameFile}; exec sleep 600`]);
    try {
      const cam = await until('a restart', async () => {
        const s = await camState(server);
        return s.counters.restarts >= 1 ? s : null;
      });
      assert.equal(cam.counters.lastExit, 'no frame for 1 s');
      assert.match(server.output(), /sh: no frame for 1 s; stopping it/);
    } finally {
      assert.equal((await server.stop()).code, 0);
    }
  });

  test('a program that exits at once: offline with its last stderr line, retried', async () => {
    const server = await startMjpgd(['--shell', '--command', 'echo "camera not found" >&2; exit 3']);
    try {
      const cam = await until('a retry', async () => {
        const s = await camState(server);
        return s.counters.restarts >= 1 ? s : null;
      });
      assert.equal(cam.online, false);
      assert.equal(cam.counters.lastExit, 'exited with code 3: camera not found');
      assert.match(server.output(), /camera default: sh: camera not found/);
      const { parts } = await readStream(`${server.url}/stream`, { maxParts: 1, ms: 5000 });
      assert.deepEqual(parts[0]?.size, { width: 640, height: 480 }, 'the offline picture at the configured size');
    } finally {
      assert.equal((await server.stop()).code, 0);
    }
  });
});
