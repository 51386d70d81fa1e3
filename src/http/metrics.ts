// /metrics: the figures of /state as Prometheus text (exposition format 0.0.4).
import type { Camera } from '../camera';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Sample = [labels: Record<string, string | number>, value: number];

/** Prometheus text for every camera; per-client series only when `perClient` (they grow with viewers). */
export function metricsText(cameras: Camera[], uptimeSeconds: number, perClient: boolean): string {
  const out: string[] = [];
  const metric = (name: string, type: 'counter' | 'gauge', help: string, samples: Sample[]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) out.push(`${name}${labelText(labels)} ${value}`);
  };
  const states = cameras.map((c) => c.state());
  const per = (f: (s: (typeof states)[number]) => number): Sample[] => states.map((s) => [{ camera: s.name }, f(s)]);
  metric('mjpgd_uptime_seconds', 'gauge', 'Seconds since mjpgd started.', [[{}, uptimeSeconds]]);
  metric('mjpgd_camera_online', 'gauge', '1 while the camera delivers frames.', per((s) => (s.online ? 1 : 0)));
  metric('mjpgd_camera_paused', 'gauge', '1 while the camera is paused (device released on request).', per((s) => (s.paused ? 1 : 0)));
  metric('mjpgd_camera_released', 'gauge', '1 while the device is closed for lack of viewers (--idle-release).', per((s) => (s.state === 'released' ? 1 : 0)));
  metric('mjpgd_still_switches_total', 'counter', 'Mode switches made for hi-res stills.', per((s) => s.counters.stillSwitches ?? 0));
  metric('mjpgd_source_fps', 'gauge', 'Frames per second received from the camera over the last second.', per((s) => s.source.fps.measured));
  metric('mjpgd_source_desired_fps', 'gauge', 'Frames per second the camera is set to.', per((s) => s.source.fps.desired));
  metric('mjpgd_frames_captured_total', 'counter', 'Frames captured by the camera.', per((s) => s.counters.captured));
  metric('mjpgd_frames_invalid_total', 'counter', 'Captured frames rejected as broken JPEG.', per((s) => s.counters.invalid));
  metric('mjpgd_frames_dropped_total', 'counter', 'Captured frames dropped before reaching the fan-out (queue full).', per((s) => s.counters.dropped));
  metric('mjpgd_frames_published_total', 'counter', 'Frames handed to the fan-out.', per((s) => s.stream.framesPublished));
  metric('mjpgd_stream_clients', 'gauge', 'Stream viewers connected now.', per((s) => s.stream.clients));
  metric('mjpgd_frames_sent_total', 'counter', 'Parts completely written to viewers.', per((s) => s.stream.framesSent));
  metric('mjpgd_frames_skipped_total', 'counter', 'Frames a viewer skipped because it was still busy with an earlier one.', per((s) => s.stream.framesSkipped));
  metric('mjpgd_frames_repeated_total', 'counter', 'Parts sent twice for dual_final_frames viewers.', per((s) => s.stream.framesRepeated));
  metric('mjpgd_bytes_sent_total', 'counter', 'Bytes of stream parts written to viewers.', per((s) => s.stream.bytesSent));
  metric('mjpgd_bytes_copied_total', 'counter', 'JPEG bytes copied on the way to viewers (0 on the zero-copy path).', per((s) => s.counters.bytesCopied + s.stream.bytesCopied));
  metric('mjpgd_clients_stalled_closed_total', 'counter', 'Viewers closed because they took nothing for the stall timeout.', per((s) => s.stream.stalledClosed));
  if (perClient) {
    const clients = states.flatMap((s) => s.clients.map((c) => ({ camera: s.name, c })));
    const labels = ({ camera, c }: (typeof clients)[number]) => ({ camera, client: c.id, remote: c.remoteAddress, transport: c.transport });
    metric('mjpgd_client_fps', 'gauge', 'Frames per second delivered to this viewer over the last second.', clients.map((x) => [labels(x), x.c.fps]));
    metric('mjpgd_client_frames_sent_total', 'counter', 'Parts completely written to this viewer.', clients.map((x) => [labels(x), x.c.framesSent]));
    metric('mjpgd_client_frames_skipped_total', 'counter', 'Frames this viewer skipped.', clients.map((x) => [labels(x), x.c.framesSkipped]));
    metric('mjpgd_client_bytes_sent_total', 'counter', 'Bytes written to this viewer.', clients.map((x) => [labels(x), x.c.bytesSent]));
  }
  return out.join('\n') + '\n';
}

function labelText(labels: Record<string, string | number>): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}="${String(labels[k]).replace(/[\\"\n]/g, (ch) => (ch === '\n' ? '\\n' : `\\${ch}`))}"`).join(',')}}`;
}
