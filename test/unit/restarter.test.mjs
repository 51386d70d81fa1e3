// The one restart/backoff schedule (exec source, MJPEG client and so the HTTP relay), on fake timers:
// no process, no waiting.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';

const require = createRequire(import.meta.url);
const { Restarter } = require('../../dist/restarter.js');

/** Timers that fire only when the test says so. */
function fakeTimers() {
  const pending = new Map();
  let next = 1;
  return {
    pending,
    set(fn, ms) {
      const id = next++;
      pending.set(id, { fn, ms });
      return id;
    },
    clear(id) {
      pending.delete(id);
    },
    /** Fires the one pending timer; returns its wait. */
    fire() {
      assert.equal(pending.size, 1, 'one timer pending');
      const [[id, { fn, ms }]] = pending;
      pending.delete(id);
      fn();
      return ms;
    },
  };
}

function restarter(firstMs = 500, maxMs = 4000) {
  const timers = fakeTimers();
  const runs = [];
  const r = new Restarter(() => runs.push(r.restarts), { firstMs, maxMs, timers });
  return { r, timers, runs };
}

test('waits double from the first to the cap; each restart runs once and is counted', () => {
  const { r, timers, runs } = restarter(500, 4000);
  const expected = [500, 1000, 2000, 4000, 4000, 4000];
  const waits = [];
  for (let i = 0; i < expected.length; i++) {
    assert.equal(r.nextDelayMs, expected[i]);
    assert.equal(r.schedule(), expected[i]);
    assert.equal(runs.length, i, 'nothing runs before its timer fires');
    waits.push(timers.fire());
  }
  assert.deepEqual(waits, expected, 'the timers were set with those waits');
  assert.deepEqual(runs, [1, 2, 3, 4, 5, 6], 'the count includes the run being started');
  assert.equal(r.restarts, 6);
});

test('reset: after a run that worked, the next failure waits the first wait again', () => {
  const { r, timers } = restarter(250, 5000);
  r.schedule();
  timers.fire();
  r.schedule();
  timers.fire();
  assert.equal(r.nextDelayMs, 1000);
  r.reset();
  assert.equal(r.schedule(), 250);
  assert.equal(timers.fire(), 250);
});

test('one restart pending at a time: scheduling again meanwhile changes nothing', () => {
  const { r, timers, runs } = restarter(500, 4000);
  assert.equal(r.schedule(), 500);
  assert.equal(r.schedule(), null);
  assert.equal(timers.pending.size, 1);
  assert.equal(r.nextDelayMs, 1000, 'the ignored call did not double the wait');
  timers.fire();
  assert.equal(runs.length, 1);
  assert.equal(r.pending, false);
});

test('stop cancels a pending restart and no later schedule starts one', () => {
  const { r, timers, runs } = restarter(500, 4000);
  r.schedule();
  assert.equal(r.pending, true);
  r.stop();
  assert.equal(timers.pending.size, 0, 'the timer is cleared');
  assert.equal(r.pending, false);
  assert.equal(r.schedule(), null);
  assert.equal(timers.pending.size, 0);
  assert.deepEqual(runs, []);
  assert.equal(r.restarts, 0);
});

test('a timer that fires after stop (already queued) starts nothing', () => {
  const timers = fakeTimers();
  let runs = 0;
  // A clear that comes too late: the timer still fires.
  const r = new Restarter(() => runs++, { firstMs: 100, maxMs: 100, timers: { set: timers.set, clear() {} } });
  r.schedule();
  r.stop();
  timers.fire();
  assert.equal(runs, 0);
  assert.equal(r.restarts, 0);
});

test('a run that fails at once can schedule the next from inside itself', () => {
  const timers = fakeTimers();
  const waits = [];
  const r = new Restarter(() => waits.push(r.schedule()), { firstMs: 100, maxMs: 800, timers });
  r.schedule();
  for (let i = 0; i < 4; i++) timers.fire();
  assert.deepEqual(waits, [200, 400, 800, 800]);
  assert.equal(r.restarts, 4);
});
