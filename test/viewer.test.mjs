// The viewer page at "/" in headless Chromium (Debian `chromium`): the stream image loads and changes over
// time, the live figures from /state show, and the snapshot link gives a JPEG.
// Without Chromium this suite fails (it does not skip): `bash scripts/setup.sh --test` installs it.
// MJPGD_SCREENSHOT_DIR=dir keeps the page screenshot (viewer.png) there to look at.
import { describe, it, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startMjpgd } from './helpers/server.mjs';
import { launchChromium, requireChromium } from './helpers/browser.mjs';

const WIDTH = 320;
const HEIGHT = 240;
const FPS = 10;

/** Width and height from a PNG's IHDR chunk. */
function pngSize(buf) {
  assert.equal(buf.subarray(1, 4).toString('latin1'), 'PNG', 'not a PNG');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

// Copies the <img>'s current frame through a canvas; keeps it in the page as window.__frames[name].
// Returns how many pixels are not near-black and how many distinct grey levels (a real picture, not a blank).
const grabFrame = (name) => `(() => {
  const img = document.getElementById('stream');
  const c = document.createElement('canvas');
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const ctx = c.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(img, 0, 0);
  const px = ctx.getImageData(0, 0, c.width, c.height).data;
  (window.__frames ||= {})[${JSON.stringify(name)}] = px;
  let lit = 0; const levels = new Set();
  for (let i = 0; i < px.length; i += 4) {
    if (px[i] + px[i + 1] + px[i + 2] > 96) lit++;
    levels.add((px[i] + px[i + 1] + px[i + 2]) >> 4);
  }
  return { width: c.width, height: c.height, lit, levels: levels.size };
})()`;

// Pixels that differ clearly (not JPEG noise) between two grabbed frames.
const framesDiffer = (a, b) => `(() => {
  const a = window.__frames[${JSON.stringify(a)}], b = window.__frames[${JSON.stringify(b)}];
  let changed = 0;
  for (let i = 0; i < a.length; i += 4) {
    if (Math.abs(a[i] - b[i]) + Math.abs(a[i + 1] - b[i + 1]) + Math.abs(a[i + 2] - b[i + 2]) > 60) changed++;
  }
  return changed;
})()`;

// Its own test, so a machine without Chromium shows one plain failure (the suite below then can't start).
test('headless Chromium is installed', () => requireChromium());

describe('viewer page in headless Chromium', { timeout: 55000 }, () => {
  let server;
  let browser;
  let page;
  let imgBox;
  let shotDir;
  const keepShot = Boolean(process.env.MJPGD_SCREENSHOT_DIR);

  before(async () => {
    server = await startMjpgd(['--source', 'testpattern', '--width', String(WIDTH), '--height', String(HEIGHT), '--fps', String(FPS)]);
    browser = await launchChromium({ windowSize: [800, 600] });
    page = await browser.newPage(`${server.url}/`, { viewport: [800, 600] });
    shotDir = keepShot ? process.env.MJPGD_SCREENSHOT_DIR : fs.mkdtempSync(path.join(os.tmpdir(), 'mjpgd-viewer-'));
    fs.mkdirSync(shotDir, { recursive: true });
  });

  after(async () => {
    // Runs after a failed before() too; each step even when the one before it throws.
    try {
      if (browser) await browser.close();
    } finally {
      try {
        if (server) await server.stop();
      } finally {
        if (shotDir && !keepShot) fs.rmSync(shotDir, { recursive: true, force: true });
      }
    }
  });

  it('loads the stream image at the camera size', async () => {
    assert.equal(await page.evaluate('document.getElementById("stream").getAttribute("src")'), 'stream');
    await page.waitFor(
      `(() => { const i = document.getElementById('stream');
        return i.complete !== undefined && i.naturalWidth === ${WIDTH} && i.naturalHeight === ${HEIGHT}; })()`,
      { timeoutMs: 10000, what: `the <img> to load a ${WIDTH}x${HEIGHT} frame` },
    );
    imgBox = await page.box('#stream');
    assert.equal(imgBox.width, WIDTH, 'img laid out at its natural width');
    assert.equal(imgBox.height, HEIGHT, 'img laid out at its natural height');
  });

  it('shows a picture that changes over time', async () => {
    assert.ok(imgBox, 'the image loaded');
    const shotA = await page.screenshot({ clip: imgBox });
    const frameA = await page.evaluate(grabFrame('a'));
    await new Promise((r) => setTimeout(r, 1000));
    const shotB = await page.screenshot({ clip: imgBox });
    const frameB = await page.evaluate(grabFrame('b'));

    // The screenshots: what Chromium paints, ~1 s (~10 frames) apart.
    assert.deepEqual(pngSize(shotA), { width: WIDTH, height: HEIGHT });
    assert.deepEqual(pngSize(shotB), { width: WIDTH, height: HEIGHT });
    assert.notDeepEqual(shotA, shotB, 'the painted image did not change in 1 s');

    // The decoded frames: a real picture (not black, not flat), and the moving bar / counter moved.
    for (const f of [frameA, frameB]) {
      assert.equal(f.width, WIDTH);
      assert.equal(f.height, HEIGHT);
      assert.ok(f.lit > (WIDTH * HEIGHT) / 10, `frame is mostly black: ${JSON.stringify(f)}`);
      assert.ok(f.levels >= 4, `frame is flat: ${JSON.stringify(f)}`);
    }
    const changed = await page.evaluate(framesDiffer('a', 'b'));
    assert.ok(changed > 200, `only ${changed} pixels changed in 1 s`);
  });

  it('shows live figures from /state: size, measured fps, viewers', async () => {
    const re = new RegExp(`^${WIDTH}x${HEIGHT} ([\\d.]+)/${FPS} fps, (\\d+) viewer\\(s\\)$`);
    // The page refreshes every second; the measured rate needs a moment after the start.
    const text = await page.waitFor(
      `(() => { const t = document.getElementById('stats').textContent;
        const m = ${re}.exec(t); return m && Number(m[1]) > 0 && m[2] === '1' ? t : false; })()`,
      { timeoutMs: 8000, what: 'the stats to show a measured fps and 1 viewer' },
    ).catch(async (e) => {
      e.message += `; stats text: ${JSON.stringify(await page.evaluate(`document.getElementById('stats').textContent`))}`;
      throw e;
    });
    const [, measured, viewers] = re.exec(text);
    assert.ok(Number(measured) >= FPS / 2 && Number(measured) <= FPS * 2, `measured fps ${measured} for ${FPS} fps`);
    assert.equal(viewers, '1', 'the page\'s own <img> is the one viewer');

    // The same figures as /state says.
    const state = await (await fetch(`${server.url}/state`)).json();
    assert.equal(state.clients, 1);
    assert.equal(state.cameras[0].source.width, WIDTH);
  });

  it('has a snapshot link that gives a JPEG, also when clicked', async () => {
    const link = await page.evaluate(
      `(() => { const a = document.querySelector('a[href="snapshot"]'); return a && { href: a.href, text: a.textContent }; })()`,
    );
    assert.ok(link, 'no <a href="snapshot"> on the page');
    assert.equal(link.href, `${server.url}/snapshot`);

    // Fetched by the page itself (same origin).
    const got = await page.evaluate(`(async () => {
      const r = await fetch(${JSON.stringify(link.href)}, { cache: 'no-store' });
      const b = new Uint8Array(await r.arrayBuffer());
      return { status: r.status, type: r.headers.get('content-type'), length: b.length, soi: [b[0], b[1]], eoi: [b[b.length - 2], b[b.length - 1]] };
    })()`);
    assert.equal(got.status, 200);
    assert.equal(got.type, 'image/jpeg');
    assert.deepEqual(got.soi, [0xff, 0xd8], 'starts with a JPEG SOI');
    assert.deepEqual(got.eoi, [0xff, 0xd9], 'ends with a JPEG EOI');

    // Clicked: the link has a download attribute, so Chromium saves the file (named by its download guid).
    const downloads = fs.mkdtempSync(path.join(shotDir, 'download-'));
    await browser.send('Browser.setDownloadBehavior', { behavior: 'allowAndName', downloadPath: downloads, eventsEnabled: true });
    const begun = browser.waitForEvent('Browser.downloadWillBegin', { timeoutMs: 10000 });
    const done = browser.waitForEvent('Browser.downloadProgress', {
      pred: (p) => p.state === 'completed' || p.state === 'canceled',
      timeoutMs: 10000,
    });
    await page.click('a[href="snapshot"]');
    const { guid, url, suggestedFilename } = await begun;
    assert.equal(url, link.href);
    assert.match(suggestedFilename, /\.jpg$/);
    const progress = await done;
    assert.equal(progress.guid, guid);
    assert.equal(progress.state, 'completed');
    const file = path.join(downloads, guid);
    // The completed event can come just before the file has its final name.
    for (let i = 0; i < 20 && !fs.existsSync(file); i++) await new Promise((r) => setTimeout(r, 50));
    const jpeg = fs.readFileSync(file);
    assert.deepEqual([...jpeg.subarray(0, 2)], [0xff, 0xd8], 'the downloaded snapshot is a JPEG');
    assert.deepEqual([...jpeg.subarray(-2)], [0xff, 0xd9], 'the downloaded snapshot is a whole JPEG');
    assert.equal(jpeg.length, progress.receivedBytes);
  });

  it('renders the whole page (screenshot)', async () => {
    const png = await page.screenshot();
    assert.deepEqual(pngSize(png), { width: 800, height: 600 });
    const file = path.join(shotDir, 'viewer.png');
    fs.writeFileSync(file, png);
    if (keepShot) console.log(`# screenshot: ${file}`);
    // Still streaming: the page's <img> is still the one viewer after all of the above.
    const state = await (await fetch(`${server.url}/state`)).json();
    assert.equal(state.clients, 1);
  });
});
