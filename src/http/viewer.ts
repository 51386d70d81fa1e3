// The page at "/" (all cameras) and "/<name>/" (one): live streams, snapshot links and live figures
// from /state. No framework. Links are relative so the page also works behind a path prefix.
export interface ViewerCamera {
  name: string;
  /** Relative URL prefix of the camera's endpoints from this page ("" or "front/"). */
  base: string;
}

export function viewerPage(title: string, cameras: ViewerCamera[], stateUrl: string): string {
  const figures = cameras
    .map(
      (c, i) => `<figure data-camera="${escapeHtml(c.name)}">
<img class="stream"${i === 0 ? ' id="stream"' : ''} src="${escapeHtml(c.base)}stream" alt="live stream of camera ${escapeHtml(c.name)}">
<figcaption><strong>${escapeHtml(c.name)}</strong>
<a href="${escapeHtml(c.base)}snapshot" download="${escapeHtml(c.name)}.jpg">Snapshot</a>
<span class="stats"></span></figcaption></figure>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{margin:0;background:#111;color:#ddd;font:14px system-ui,sans-serif}
header{padding:8px 12px;display:flex;gap:16px;align-items:center}
main{display:flex;flex-wrap:wrap;justify-content:center;gap:12px}
figure{margin:0}
img{max-width:100%;height:auto;background:#000;display:block}
figcaption{padding:4px 0;display:flex;gap:12px}
a{color:#8cf}
.stats{font-family:monospace}
</style></head>
<body>
<header><strong>${escapeHtml(title)}</strong><a href="${escapeHtml(stateUrl)}">State</a><span id="stats"></span></header>
<main>
${figures}
</main>
<script>
async function refresh() {
  try {
    const s = await (await fetch(${JSON.stringify(stateUrl)}, { cache: 'no-store' })).json();
    const cams = s.cameras || [s];
    const text = (c) => c.source.width + 'x' + c.source.height + ' ' + c.source.fps.measured + '/' + c.source.fps.desired +
      ' fps, ' + c.stream.clients + ' viewer(s)' + (c.paused ? ' PAUSED' : c.online ? '' : ' OFFLINE: ' + c.error);
    for (const c of cams) {
      const fig = document.querySelector('figure[data-camera="' + CSS.escape(c.name) + '"] .stats');
      if (fig) fig.textContent = text(c);
    }
    // The header shows the first camera on the page (the default one on "/").
    const first = document.querySelector('figure[data-camera]').dataset.camera;
    document.getElementById('stats').textContent = text(cams.find((c) => c.name === first) || cams[0]);
  } catch (e) { document.getElementById('stats').textContent = 'server unreachable'; }
}
refresh(); setInterval(refresh, 1000);
</script>
</body></html>
`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
