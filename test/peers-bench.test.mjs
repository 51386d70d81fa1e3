// `npm run bench -- --peers`: the report from given figures, the argument handling, and a smoke run at
// minimal size in the test VM (one boot: the floor, ustreamer and mjpgd at 1 viewer, 1 s windows; ~30 s
// here, the first run also unpacks Debian's ustreamer into bench/.build). Checks what it reports, never
// how much: figures live in the bench.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { peersFigures, peersSummary, peersTable, ratio } from '../bench/peers-report.mjs';
import { runBench } from './helpers/bench.mjs';

/** A runScenario result with only what the peers report reads. */
const result = (server, clients, usPerFrame, fps = 30) => ({
  server,
  clients,
  usPerFrame,
  corePct: 1.25,
  fpsFast: { mean: fps },
  parts: 150 * clients,
  load: { badParts: 0 },
  rssKb: { peak: 10240 },
});

describe('peers report', () => {
  const results = [
    result('floor', 1, 141),
    result('ustreamer', 1, 188, 24),
    result('mjpgd', 1, 423),
    result('floor', 10, 21.7),
    result('ustreamer', 10, 39.8),
    result('mjpgd', 10, 57.5),
  ];

  test('ratios are mjpgd over each peer, per viewer count', () => {
    const f = peersFigures(results);
    assert.deepEqual(f.map((x) => x.viewers), [1, 10]);
    assert.deepEqual(f[0].ratios, { floor: 3, ustreamer: 2.25 });
    assert.deepEqual(f[1].ratios, { floor: 2.65, ustreamer: 1.44 });
    assert.deepEqual(f[0].servers.ustreamer, { usPerFrame: 188, corePct: 1.25, fps: 24, parts: 150, badParts: 0, rssPeakKb: 10240 });
  });

  test('a missing or zero figure gives no ratio rather than a wrong one', () => {
    assert.equal(ratio(100, 0), null);
    assert.equal(ratio(null, 50), null);
    assert.equal(ratio(100, null), null);
    const f = peersFigures([result('floor', 1, 100), result('mjpgd', 1, 150)]);
    assert.equal(f[0].servers.ustreamer, null);
    assert.deepEqual(f[0].ratios, { floor: 1.5, ustreamer: null });
    assert.match(peersSummary(f)[0], /^1 viewer: mjpgd 1\.50x the floor, - ustreamer/);
  });

  test('the table has a row per server with its ratio, and the summary a line per viewer count', () => {
    const f = peersFigures(results);
    const rows = peersTable(f).split('\n');
    assert.match(rows[0], /^viewers\s+server\s+CPU us\/frame\s+% of 1 core\s+fps\/viewer\s+parts\s+bad\s+RSS MB peak\s+mjpgd \/ this$/);
    assert.match(rows[2], /^1\s+floor\s+141\.0\s+1\.25\s+30\.0\s+150\s+0\s+10\.0\s+3\.00x$/);
    assert.match(rows[3], /^\s+ustreamer\s+188\.0\s+1\.25\s+24\.0\s+150\s+0\s+10\.0\s+2\.25x$/);
    assert.match(rows[4], /^\s+mjpgd\s+423\.0\s+1\.25\s+30\.0\s+150\s+0\s+10\.0$/);
    assert.match(rows[5], /^10\s+floor\s+21\.7/);
    assert.deepEqual(peersSummary(f), [
      '1 viewer: mjpgd 3.00x the floor, 2.25x ustreamer (us of server CPU per delivered frame)',
      '10 viewers: mjpgd 2.65x the floor, 1.44x ustreamer (us of server CPU per delivered frame)',
    ]);
  });
});

describe('bench --peers arguments', () => {
  test('options that do not apply are refused with exit code 2', { timeout: 30000 }, async () => {
    const r = await runBench(['--peers', '--scenario', '10', '--transports', 'node'], 20000);
    assert.equal(r.code, 2, r.out);
    assert.match(r.out, /--peers runs mjpgd's default transport at 1 and 10 viewers on a V4L2 device; it does not take --transports, --scenario/);
  });

  test('--device without an installed ustreamer says how to install it, before recording anything', { timeout: 60000 }, async () => {
    // A PATH without ustreamer, whether or not this machine has one installed.
    const dirs = (process.env.PATH ?? '').split(':').filter((d) => d && !fs.existsSync(path.join(d, 'ustreamer')));
    const r = await runBench(['--peers', '--device', '/dev/null'], 50000, { ...process.env, PATH: dirs.join(':') });
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /--device with --peers needs ustreamer installed \(Debian: apt-get install ustreamer\)/);
    assert.doesNotMatch(r.out, /^frames: /m);
  });
});

test('bench --peers --smoke: floor, ustreamer and mjpgd serve whole frames from one v4l2loopback device in one VM boot', { timeout: 300000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mjpgd-peers-'));
  try {
    const json = path.join(dir, 'peers.json');
    const r = await runBench(['--peers', '--smoke', '--json', json], 280000);
    assert.equal(r.code, 0, `bench exited with ${r.signal ?? r.code}:\n${r.out}`);
    assert.match(r.out, /^1 viewer: mjpgd [\d.]+x the floor, [\d.]+x ustreamer \(us of server CPU per delivered frame\)$/m);

    const report = JSON.parse(fs.readFileSync(json, 'utf8'));
    assert.equal(report.schema, 1);
    assert.equal(report.options.peers, true);
    assert.deepEqual(report.problems, []);
    const p = report.peers;
    assert.equal(p.where, 'vm');
    assert.match(p.ustreamer.from, /^Debian package ustreamer /);
    assert.ok(p.feeder.achievedFps > 0, 'the feeder wrote frames');
    assert.equal(p.figures.length, 1);
    const f = p.figures[0];
    assert.equal(f.viewers, 1);
    for (const server of ['floor', 'ustreamer', 'mjpgd']) {
      const s = f.servers[server];
      assert.ok(s, `${server} ran`);
      assert.ok(s.parts > 0, `${server} delivered frames`);
      assert.equal(s.badParts, 0, `${server} sent only whole parts`);
      assert.ok(s.usPerFrame > 0 && s.fps > 0, `${server}: CPU per frame and fps measured`);
    }
    assert.ok(f.ratios.floor > 0 && f.ratios.ustreamer > 0, 'mjpgd has a ratio to each peer');
    assert.deepEqual(report.results.map((x) => x.server), ['floor', 'ustreamer', 'mjpgd']);
    assert.equal(report.results.find((x) => x.server === 'mjpgd').exit.code, 0, 'mjpgd exits 0 on SIGTERM');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
