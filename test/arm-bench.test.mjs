// Smoke test of `npm run bench -- --arm`: the emulated ARMv7 run at minimal size (one boot, the floor
// and mjpgd at 0 and 1 viewer, 1 s windows). Checks what it reports, never how much: figures live in
// the bench. About a minute here (boot ~25 s, mjpgd's start-up under TCG ~15 s); the first run also
// fetches and builds the guest (scripts/arm-vm.sh, cached in ~/.cache/mjpgd-armvm).
import { test } from 'node:test';
import { runBench } from './helpers/bench.mjs';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';



test('bench --arm --smoke: floor and mjpgd serve whole frames in the ARMv7 guest; counts and the ARMv7 line reported', { timeout: 900000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mjpgd-arm-smoke-'));
  try {
    const json = path.join(dir, 'arm.json');
    const r = await runBench(['--arm', '--smoke', '--json', json], 840000);
    assert.equal(r.code, 0, `bench exited with ${r.signal ?? r.code}:\n${r.out}`);
    assert.match(r.out, /^ARMv7: [\d.]+% of a 500 MHz core at IPC [\d.]+ \(range [\d.]+–[\d.]+% for IPC 1\.0–0\.5\); floor [\d.]+%; seed budget 12%$/m);

    const report = JSON.parse(fs.readFileSync(json, 'utf8'));
    const arm = report.arm;
    assert.match(arm.method.node, /nodejs v\d+/);
    assert.equal(report.budget.text, arm.line);
    for (const server of ['floor', 'mjpgd']) {
      for (const viewers of [0, 1]) {
        const x = arm.results.find((y) => y.server === server && y.viewers === viewers);
        assert.ok(x, `${server} with ${viewers} viewers was measured`);
        assert.ok(x.instructionsPerS.user > 0 && x.instructionsPerS.kernel > 0, `${server}/${viewers}: user and kernel instructions counted`);
        assert.ok(x.windowS > 0 && x.sourceFps > 0, `${server}/${viewers}: the source produced frames in the window`);
        if (viewers) {
          assert.ok(x.viewerFrames > 0, `${server} delivered frames to its viewer`);
          assert.equal(x.badParts, 0, `${server} sent only whole parts`);
          assert.ok(x.instructionsPerViewerFrame > 0);
        }
      }
    }
    assert.ok(arm.share.mjpgdPct > 0 && arm.share.floorPct > 0);
    assert.ok(arm.share.mjpgdPctRange[0] < arm.share.mjpgdPctRange[1], 'IPC 1.0 costs less of the core than IPC 0.5');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
