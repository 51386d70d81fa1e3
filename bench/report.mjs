// The bench's terminal report: two tables (cost, service) with mjpgd/floor ratios, and the budget verdict.

/** The original Python streamer: 12% of one 500 MHz ARMv7 core, 640x480 @ 30 fps, one viewer. */
export const BUDGET = { corePct: 12, mhz: 500, cyclesPerS: 0.12 * 500e6 };

const fmt = (x, d = 1) => (x == null || !Number.isFinite(x) ? '-' : x.toFixed(d));
const mb = (kb) => (kb == null ? '-' : (kb / 1024).toFixed(1));
const ratio = (m, f) => (m == null || f == null || !Number.isFinite(m) || !Number.isFinite(f) || f === 0 ? '' : ` (${(m / f).toFixed(m / f >= 10 ? 0 : 2)}x)`);
const mcyc = (c) => `${(c / 1e6).toFixed(1)} M cycles/s`;

function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i < 3 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Pairs results by scenario: [{ scenario, floor, mjpgd }]. */
export function pairs(results) {
  const by = new Map();
  for (const r of results) {
    if (!by.has(r.scenario)) by.set(r.scenario, { scenario: r.scenario, clients: r.clients, slowClients: r.slowClients });
    by.get(r.scenario)[r.server] = r;
  }
  return [...by.values()];
}

/** One row per server per scenario: scenario, viewers, server, then `cells(result, floorResult)`
 * (the floor's result is given for mjpgd rows, to show ratios). */
function scenarioRows(results, cells) {
  const rows = [];
  for (const p of pairs(results)) {
    const kinds = ['floor', 'mjpgd', ...Object.keys(p).filter((k) => k.startsWith('mjpgd-')).sort()];
    let first = true;
    for (const kind of kinds) {
      const r = p[kind];
      if (!r) continue;
      rows.push([
        first ? p.scenario : '',
        first ? `${p.clients}${p.slowClients ? ` (${p.slowClients} slow)` : ''}` : '',
        kind,
        ...cells(r, kind === 'floor' ? null : p.floor),
      ]);
      first = false;
    }
  }
  return rows;
}

/** Cost table: CPU, memory, copies. */
export function costTable(results) {
  const rows = scenarioRows(results, (r, f) => [
    fmt(r.usPerFrame, 1) + ratio(r.usPerFrame, f?.usPerFrame),
    fmt(r.corePct, 2) + ratio(r.corePct, f?.corePct),
    r.captureCorePct == null ? '-' : fmt(r.captureCorePct, 2),
    fmt(r.usPerFrameExclCapture ?? r.usPerFrame, 1) + ratio(r.usPerFrameExclCapture ?? r.usPerFrame, f?.usPerFrame),
    `${mb(r.rssKb.start)}/${mb(r.rssKb.peak)}/${mb(r.rssKb.end)}` + ratio(r.rssKb.peak, f?.rssKb.peak),
    fmt(r.bytesCopiedPerFrame, 0),
    fmt(r.meanPartBytes / 1024, 1),
  ]);
  return table(['scenario', 'viewers', 'server', 'CPU us/frame', '% of 1 core', 'capture thr %', 'us/frame excl. capture', 'RSS MB start/peak/end', 'copied B/frame', 'KB/part'], rows);
}

/** Service table: what the viewers got. */
export function serviceTable(results) {
  const rows = scenarioRows(results, (r, f) => [
    `${fmt(r.fpsFast.mean, 1)}/${fmt(r.fpsFast.min, 1)}` + ratio(r.fpsFast.mean, f?.fpsFast.mean),
    r.fpsSlow ? `${fmt(r.fpsSlow.mean, 1)} / ${fmt(r.slowSkippedPerS, 1)}` : '-',
    `${fmt(r.latencyMs.fastP50, 2)}/${fmt(r.latencyMs.fastP99, 2)}` + ratio(r.latencyMs.fastP99, f?.latencyMs.fastP99),
    r.fpsSlow ? `${fmt(r.latencyMs.slowP50, 0)}/${fmt(r.latencyMs.slowP99, 0)}` : '-',
    r.parts,
    `${r.load.connected}/${r.clients}`,
    r.load.badParts,
    fmt(r.load.corePct, 1),
  ]);
  return table(
    ['scenario', 'viewers', 'server', 'fps/fast viewer mean/min', 'slow fps / skipped/s', 'fast latency p50/p99 ms', 'slow lat p50/p99', 'parts', 'connected', 'bad', 'loadgen %'],
    rows,
  );
}

/** The budget verdict as text lines, plus its figures for the JSON. */
export function budgetVerdict(results, machine, perfInfo, { device = null } = {}) {
  const r = results.find((x) => x.server === 'mjpgd' && x.clients === 1 && x.slowClients === 0);
  const head = `Budget: the original Python streamer used ${BUDGET.corePct}% of one ${BUDGET.mhz} MHz ARMv7 core for 640x480 @ 30 fps with one viewer = ${mcyc(BUDGET.cyclesPerS)}.`;
  if (!r) return { text: [head, 'No verdict: the 1-viewer scenario was not run (run without --scenario, or with --scenario 1).'], figures: null };
  const cpuPerS = r.cpu.seconds / r.windowS;
  const captureShare = r.cpu.captureThreadSeconds != null ? r.cpu.captureThreadSeconds / r.windowS : null;
  const lines = [head];
  const isArm = machine.arch === 'arm' || machine.arch === 'arm64';
  if (isArm) {
    lines.push(`mjpgd, 1 viewer, on this ${machine.arch} board (${machine.model}${machine.mhz ? `, ${Math.round(machine.mhz)} MHz` : ''}): ${fmt(100 * cpuPerS, 2)}% of one core` +
      (captureShare != null && !device ? `, of which the test pattern's JPEG encoding (capture thread) ${fmt(100 * captureShare, 2)}%.` : '.'));
    lines.push(`Verdict: ${100 * cpuPerS <= BUDGET.corePct ? 'within' : 'above'} the ${BUDGET.corePct}% of the original (compare directly on a 500 MHz board; scale by clock on faster ones).`);
    return { text: lines, figures: { corePct: 100 * cpuPerS, captureCorePct: captureShare == null ? null : 100 * captureShare } };
  }
  const hz = machine.mhz ? machine.mhz * 1e6 : null;
  if (!hz) {
    lines.push(`mjpgd, 1 viewer: ${fmt(100 * cpuPerS, 2)}% of one core; this kernel reports no clock rate, so no cycle figure.`);
    return { text: lines, figures: { corePct: 100 * cpuPerS } };
  }
  const cycles = cpuPerS * hz;
  const perfCycles = r.cpu.perfCycles != null ? r.cpu.perfCycles / r.windowS : null;
  lines.push(`mjpgd, 1 viewer, this machine (${machine.arch}, ${machine.model}, ${Math.round(machine.mhz)} MHz): ${fmt(100 * cpuPerS, 2)}% of one core = ${mcyc(cycles)} (CPU time x clock).`);
  lines.push(perfCycles != null
    ? `Hardware counters (perf stat -e cycles): ${mcyc(perfCycles)}.`
    : `Hardware counters: not available here (${perfInfo.reason ?? r.cpu.perfNote ?? 'perf stat -e cycles failed'}); cycles are CPU time x clock.`);
  const best = perfCycles ?? cycles;
  const figures = { corePct: 100 * cpuPerS, cyclesPerS: cycles, perfCyclesPerS: perfCycles, budgetCyclesPerS: BUDGET.cyclesPerS, shareOfBudget: best / BUDGET.cyclesPerS };
  // x64 cycles are not ARMv7 cycles: this compares magnitudes only; the ARM figure is `--arm`.
  const verdict = (c) => `${mcyc(c)} of ${machine.arch} = ${Math.round((100 * c) / BUDGET.cyclesPerS)}% of the budget's cycle count (not an ARM figure)`;
  if (captureShare != null && !device) {
    const serve = best * (1 - captureShare / cpuPerS);
    figures.captureCorePct = 100 * captureShare;
    figures.servingCyclesPerS = serve;
    figures.servingShareOfBudget = serve / BUDGET.cyclesPerS;
    lines.push(`Of that, the capture thread (the test pattern's JPEG encoding, which an MJPEG camera does in hardware) used ${fmt(100 * captureShare, 2)}% of one core.`);
    lines.push(`Serving camera JPEGs (all but the capture thread, which here encodes the test pattern): ${verdict(serve)}.`);
    lines.push(`Including the software JPEG encoding of the test pattern: ${verdict(best)}.`);
  } else {
    lines.push(`${verdict(best)}.`);
  }
  lines.push(`Not an ARM verdict: ${machine.arch} cycles are not ARMv7 cycles. The ARM figure is \`npm run bench -- --arm\` (counted instructions of mjpgd and the floor on an emulated ARMv7, README "ARM figure"), or \`npm run bench\` on the board.`);
  return { text: lines, figures };
}
