// The page at "/": the live stream, a snapshot link and live figures from /state. No framework.
export function viewerPage(title: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{margin:0;background:#111;color:#ddd;font:14px system-ui,sans-serif}
header{padding:8px 12px;display:flex;gap:16px;align-items:center}
main{display:flex;justify-content:center}
img{max-width:100%;height:auto;background:#000}
a{color:#8cf}
#stats{font-family:monospace}
</style></head>
<body>
<header><strong>${escapeHtml(title)}</strong>
<a href="snapshot" download="snapshot.jpg">Snapshot</a>
<a href="state">State</a>
<span id="stats"></span></header>
<main><img id="stream" src="stream" alt="live camera stream"></main>
<script>
async function refresh() {
  try {
    const s = await (await fetch('state', { cache: 'no-store' })).json();
    const c = s.cameras[0];
    document.getElementById('stats').textContent =
      c.source.width + 'x' + c.source.height + ' ' + c.source.fps.measured + '/' + c.source.fps.desired +
      ' fps, ' + s.clients + ' viewer(s)' + (c.online ? '' : ' OFFLINE: ' + c.error);
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
