// SVG chart of the bench (no dependencies): CPU us per delivered frame and fps per fast viewer
// against viewers (log scale), mjpgd vs the C floor. Mixed scenarios (with slow viewers) are hollow marks.
import { pairs } from './report.mjs';

const COLORS = { mjpgd: '#d9480f', floor: '#1c7ed6', excl: '#e8590c' };
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

function panel({ x0, y0, w, h, title, yLabel, logY, series, xs }) {
  const out = [];
  const all = series.flatMap((s) => s.points.map((p) => p.y)).filter((v) => v != null && v > 0);
  let yMin = logY ? Math.min(...all) / 1.5 : 0;
  let yMax = Math.max(...all) * (logY ? 1.5 : 1.15);
  if (!all.length) [yMin, yMax] = [logY ? 1 : 0, 10];
  const xMin = Math.min(...xs) / 1.5;
  const xMax = Math.max(...xs) * 1.5;
  const lx = (v) => Math.log10(v);
  const px = (v) => x0 + ((lx(v) - lx(xMin)) / (lx(xMax) - lx(xMin) || 1)) * w;
  const py = logY
    ? (v) => y0 + h - ((lx(v) - lx(yMin)) / (lx(yMax) - lx(yMin) || 1)) * h
    : (v) => y0 + h - ((v - yMin) / (yMax - yMin || 1)) * h;
  out.push(`<rect x="${x0}" y="${y0}" width="${w}" height="${h}" fill="#fff" stroke="#999"/>`);
  out.push(`<text x="${x0 + w / 2}" y="${y0 - 12}" text-anchor="middle" font-weight="bold">${esc(title)}</text>`);
  out.push(`<text transform="translate(${x0 - 52},${y0 + h / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  out.push(`<text x="${x0 + w / 2}" y="${y0 + h + 36}" text-anchor="middle">viewers (log scale)</text>`);
  for (const x of xs) {
    out.push(`<line x1="${px(x)}" y1="${y0}" x2="${px(x)}" y2="${y0 + h}" stroke="#eee"/>`);
    out.push(`<text x="${px(x)}" y="${y0 + h + 16}" text-anchor="middle">${x}</text>`);
  }
  const ticks = [];
  if (logY) {
    for (let e = Math.floor(lx(yMin)); e <= Math.ceil(lx(yMax)); e++) for (const m of [1, 2, 5]) ticks.push(m * 10 ** e);
  } else {
    const step = [1, 2, 5, 10, 20, 50, 100].find((s) => yMax / s <= 8) ?? 100;
    for (let v = 0; v <= yMax; v += step) ticks.push(v);
  }
  for (const t of ticks.filter((t) => t >= yMin && t <= yMax)) {
    out.push(`<line x1="${x0}" y1="${py(t)}" x2="${x0 + w}" y2="${py(t)}" stroke="#eee"/>`);
    out.push(`<text x="${x0 - 6}" y="${py(t) + 4}" text-anchor="end">${t}</text>`);
  }
  for (const s of series) {
    const line = s.points.filter((p) => !p.mixed && p.y != null && (!logY || p.y > 0));
    const dash = s.dashed ? ' stroke-dasharray="5,4"' : '';
    if (line.length > 1) out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${dash} points="${line.map((p) => `${px(p.x)},${py(p.y)}`).join(' ')}"/>`);
    for (const p of s.points.filter((p) => p.y != null && (!logY || p.y > 0))) {
      const fill = p.mixed ? '#fff' : s.color;
      out.push(`<circle cx="${px(p.x)}" cy="${py(p.y)}" r="${s.dashed ? 3 : 4}" fill="${fill}" stroke="${s.color}" stroke-width="2"><title>${esc(`${s.name} ${p.label}: ${p.y}`)}</title></circle>`);
      // Labels: the floor's below its points, mjpgd's above; mixed scenarios' to the left.
      const dy = s.below ? 15 : -6;
      const anchor = p.mixed ? ` text-anchor="end"` : '';
      out.push(`<text x="${px(p.x) + (p.mixed ? -7 : 6)}" y="${py(p.y) + dy}" fill="${s.color}" font-size="10"${anchor}>${esc(p.text)}</text>`);
    }
  }
  return out.join('\n');
}

/** Returns the SVG text for the results of one bench run. */
export function chartSvg(results, { title }) {
  const ps = pairs(results);
  const xs = [...new Set(ps.map((p) => p.clients))].sort((a, b) => a - b);
  const one = (kind, metric, digits, extra = {}) => ({
    name: kind,
    color: COLORS[kind],
    below: kind === 'floor',
    ...extra,
    points: ps
      .filter((p) => p[kind])
      .map((p) => {
        const y = metric(p[kind]);
        return { x: p.clients, y, mixed: p.slowClients > 0, label: p.scenario, text: y == null ? '' : `${y.toFixed(digits)}${p.slowClients ? ' (mix)' : ''}` };
      }),
  });
  const series = (metric, digits) => ['floor', 'mjpgd'].map((kind) => one(kind, metric, digits));
  const cpuSeries = series((r) => r.usPerFrame, 1);
  if (ps.some((p) => p.mjpgd?.usPerFrameExclCapture != null)) {
    const excl = one('mjpgd', (r) => r.usPerFrameExclCapture, 1, { dashed: true, below: true });
    cpuSeries.push({ ...excl, name: 'mjpgd excl. capture thread', color: COLORS.excl });
  }
  const W = 980;
  const H = 420;
  const body = [
    panel({ x0: 80, y0: 70, w: 360, h: 270, title: 'server CPU per delivered frame', yLabel: 'us per frame (log)', logY: true, series: cpuSeries, xs }),
    panel({ x0: 570, y0: 70, w: 360, h: 270, title: 'fps per fast viewer (mean)', yLabel: 'frames per second', logY: false, series: series((r) => r.fpsFast.mean, 1), xs }),
  ];
  const legend = [
    ['floor (C reference fan-out)', COLORS.floor, ''],
    ['mjpgd', COLORS.mjpgd, ''],
    ['mjpgd without its capture thread (test-pattern encoder)', COLORS.excl, ' stroke-dasharray="5,4"'],
  ]
    .map(([text, color, dash], i) => {
      const x = [80, 290, 420][i];
      return `<line x1="${x}" y1="${H - 23}" x2="${x + 16}" y2="${H - 23}" stroke="${color}" stroke-width="3"${dash}/><text x="${x + 22}" y="${H - 19}">${esc(text)}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">
<rect width="${W}" height="${H}" fill="#fafafa"/>
<text x="${W / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>
${body.join('\n')}
${legend}<text x="${W - 20}" y="${H - 19}" text-anchor="end">hollow: with slow viewers</text>
</svg>
`;
}
