// `--peers`' report: per viewer count, each server's CPU per delivered frame and delivered fps, and
// mjpgd's ratio to each peer (the floor, ustreamer), all from the same run.
import { PEER_SERVERS } from './peers-run.mjs';

const r2 = (x) => (x == null || !Number.isFinite(x) ? null : Math.round(x * 100) / 100);
const fmt = (x, d = 1) => (x == null || !Number.isFinite(x) ? '-' : x.toFixed(d));
const times = (x) => (x == null ? '-' : `${x.toFixed(2)}x`);

/** mjpgd / peer, of µs per frame; null when either is missing or the peer's is 0. */
export function ratio(mjpgd, peer) {
  return mjpgd == null || !peer || !Number.isFinite(mjpgd) || !Number.isFinite(peer) ? null : r2(mjpgd / peer);
}

/**
 * From runScenario results (server: floor | ustreamer | mjpgd): one entry per viewer count,
 * { viewers, servers: { <server>: { usPerFrame, corePct, fps, parts, badParts, rssPeakKb } }, ratios: { floor, ustreamer } }
 * where ratios are mjpgd's µs per frame over the peer's.
 */
export function peersFigures(results) {
  const viewers = [...new Set(results.map((r) => r.clients))].sort((a, b) => a - b);
  return viewers.map((n) => {
    const servers = {};
    for (const kind of PEER_SERVERS) {
      const r = results.find((x) => x.clients === n && x.server === kind);
      servers[kind] = r
        ? { usPerFrame: r.usPerFrame, corePct: r.corePct, fps: r.fpsFast.mean, parts: r.parts, badParts: r.load.badParts, rssPeakKb: r.rssKb.peak }
        : null;
    }
    const us = (k) => servers[k]?.usPerFrame ?? null;
    return { viewers: n, servers, ratios: { floor: ratio(us('mjpgd'), us('floor')), ustreamer: ratio(us('mjpgd'), us('ustreamer')) } };
  });
}

/** The table: viewers, server, µs/frame, % of one core, fps per viewer, parts, bad parts, RSS, mjpgd / this. */
export function peersTable(figures) {
  const headers = ['viewers', 'server', 'CPU us/frame', '% of 1 core', 'fps/viewer', 'parts', 'bad', 'RSS MB peak', 'mjpgd / this'];
  const rows = [];
  for (const f of figures) {
    let first = true;
    for (const kind of PEER_SERVERS) {
      const s = f.servers[kind];
      if (!s) continue;
      rows.push([first ? String(f.viewers) : '', kind, fmt(s.usPerFrame, 1), fmt(s.corePct, 2), fmt(s.fps, 1), String(s.parts), String(s.badParts),
        s.rssPeakKb == null ? '-' : (s.rssPeakKb / 1024).toFixed(1), kind === 'mjpgd' ? '' : times(f.ratios[kind])]);
      first = false;
    }
  }
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** One line per viewer count: `1 viewer: mjpgd 2.80x the floor, 2.13x ustreamer (µs of server CPU per delivered frame)`. */
export function peersSummary(figures) {
  return figures.map((f) => `${f.viewers} viewer${f.viewers === 1 ? '' : 's'}: mjpgd ${times(f.ratios.floor)} the floor, ${times(f.ratios.ustreamer)} ustreamer (us of server CPU per delivered frame)`);
}
