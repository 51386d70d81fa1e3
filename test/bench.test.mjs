// Smoke test of `npm run bench`: runs it at minimal size and checks what it reports, not how fast.
import { test } from 'node:test';
import { runBench } from './helpers/bench.mjs';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';



test('bench --smoke: floor and mjpgd both deliver whole frames, JSON + SVG written', { timeout: 90000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mjpgd-bench-'));
  try {
    const json = path.join(dir, 'bench.json');
    const r = await runBench(['--smoke', '--json', json], 60000);
    assert.equal(r.code, 0, `bench exited with ${r.signal ?? r.code}:\n${r.out}`);
    assert.match(r.out, /CPU us\/frame/);
    assert.match(r.out, /Budget: /);

    const report = JSON.parse(fs.readFileSync(json, 'utf8'));
    assert.equal(report.schema, 1);
    assert.equal(typeof report.machine.arch, 'string');
    assert.ok(report.frames.count > 0 && report.frames.meanBytes > 1000, 'frames were recorded');
    assert.equal(typeof report.budget.text, 'string');
    assert.deepEqual(report.problems, []);
    assert.equal(report.scenarios.length, 1);
    const s = report.scenarios[0];
    assert.equal(s.clients, 1);
    for (const kind of ['floor', 'mjpgd']) {
      const m = s[kind];
      assert.ok(m, `${kind} ran`);
      assert.equal(m.server, kind);
      assert.ok(m.parts > 0, `${kind} delivered frames`);
      assert.equal(m.load.badParts, 0, `${kind} sent only well-formed parts`);
      assert.equal(m.load.connected, 1);
      for (const key of ['usPerFrame', 'corePct', 'windowS']) assert.equal(typeof m[key], 'number', `${kind}.${key}`);
      assert.ok(m.cpu.seconds >= 0);
      for (const key of ['mean', 'min', 'max']) assert.equal(typeof m.fpsFast[key], 'number', `${kind}.fpsFast.${key}`);
      for (const key of ['p50', 'p99']) assert.equal(typeof m.latencyMs[key], 'number', `${kind}.latencyMs.${key}`);
      for (const key of ['start', 'peak', 'end']) assert.ok(m.rssKb[key] > 0, `${kind}.rssKb.${key}`);
      assert.equal(typeof m.bytesCopied, 'number');
    }
    assert.equal(s.mjpgd.exit.code, 0, 'mjpgd exits 0 on SIGTERM');
    for (const key of ['usPerFrame', 'corePct', 'fpsFastMean', 'latencyP99', 'rssPeak']) assert.ok(key in s.ratios, `ratios.${key}`);
    const svg = fs.readFileSync(json.replace(/\.json$/, '.svg'), 'utf8');
    assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(svg, /mjpgd/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('bench rejects an unknown scenario with exit code 2 and names the allowed ones', { timeout: 30000 }, async () => {
  const r = await runBench(['--scenario', 'nope'], 20000);
  assert.equal(r.code, 2, r.out);
  assert.match(r.out, /--scenario: unknown nope; allowed: 1, 10, 100, 500, mix/);
});
