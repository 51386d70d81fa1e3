// `--peers`, the measuring half: the C floor, ustreamer and mjpgd, one after another on one MJPEG V4L2
// device, each at each viewer count, measured by runScenario. Runs inside the test VM (bench/peers-guest.mjs)
// or on a board with a camera (bench/peers.mjs).
import { runScenario } from './run-scenario.mjs';

/** The servers of a peers run, in the order they run in each scenario. */
export const PEER_SERVERS = ['floor', 'ustreamer', 'mjpgd'];

/**
 * Runs every server at every viewer count (viewers-major: floor, ustreamer, mjpgd at 1, then at 10 ...).
 * device: the MJPEG V4L2 device all three capture from (the floor's --device: copy out, fan out; `fps` is the
 * rate it runs at; `framesDir` is unused). mjpgdCmd: node and bin/mjpgd.js; mjpgdArgs: its source
 * arguments (--device ...). ustreamer: { bin, env }. Returns runScenario's results, each with .server.
 */
export async function runPeers({ device, viewers, warmup, duration, fps, bins, ustreamer, mjpgdCmd, mjpgdArgs, framesDir, say = () => {} }) {
  const results = [];
  const total = viewers.length * PEER_SERVERS.length;
  let n = 0;
  for (const clients of viewers) {
    const scenario = { name: String(clients), clients, slow: 0 };
    for (const kind of PEER_SERVERS) {
      n++;
      const t0 = performance.now();
      const r = await runScenario({ kind, scenario, warmup, duration, bins, mjpgdCmd, mjpgdArgs, framesDir, fps, device, ustreamer });
      results.push(r);
      say(`[${n}/${total}] ${clients} viewer${clients > 1 ? 's' : ''}, ${kind}: ${r.usPerFrame ?? '-'} us/frame, ${r.corePct}% core, ${r.fpsFast.mean} fps/viewer, ${r.parts} parts${r.load.badParts ? `, ${r.load.badParts} BAD` : ''} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
  }
  return results;
}
