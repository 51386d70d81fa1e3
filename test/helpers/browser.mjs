// Headless Chromium (Debian's `chromium` package) driven over the DevTools protocol, for page tests.
//
// No npm browser package: Chromium is started with --remote-debugging-pipe, which speaks the DevTools
// protocol as NUL-terminated JSON messages on fds 3 (to Chromium) and 4 (from Chromium), so Node needs
// no WebSocket client and no port is opened. Each browser gets a fresh, empty profile that is removed on
// close, and its own process group, so close() can always end every Chromium process it started.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

// Headless as root on a machine without outside network: no sandbox (root), no GPU, and none of the
// background connections (updates, sync, safe browsing, QUIC probes) that would be refused anyway.
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-extensions',
  '--disable-default-apps',
  '--disable-dev-shm-usage',
  '--mute-audio',
  '--hide-scrollbars',
  '--remote-debugging-pipe',
];

/** Throws a clear error when Chromium is not installed (tests must fail, not skip, without it). */
export function requireChromium() {
  try {
    fs.accessSync(CHROMIUM, fs.constants.X_OK);
  } catch {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install the Debian package (bash scripts/setup.sh --test, ` +
        'or apt-get install chromium), or set CHROMIUM_PATH',
    );
  }
}

/**
 * Starts headless Chromium with a fresh profile and resolves once the DevTools protocol answers.
 * `windowSize` is the window (and default page viewport) in CSS pixels. Always call close() (it never throws).
 */
export async function launchChromium({ windowSize = [800, 600], timeoutMs = 20000 } = {}) {
  requireChromium();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'mjpgd-chromium-'));
  const child = spawn(
    CHROMIUM,
    [...FLAGS, `--user-data-dir=${profile}`, `--window-size=${windowSize.join(',')}`, 'about:blank'],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'], detached: true },
  );
  let stderr = '';
  child.stderr.on('data', (d) => {
    if (stderr.length < 20000) stderr += d;
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let spawnError = null;
  child.on('error', (e) => (spawnError = e));

  const toBrowser = child.stdio[3];
  const fromBrowser = child.stdio[4];
  toBrowser.on('error', () => {}); // EPIPE after Chromium exited: reported through the pending calls
  let nextId = 1;
  const pending = new Map(); // id -> { resolve, reject, method }
  const listeners = new Set(); // (message) => void, for events
  let pendingBytes = [];
  fromBrowser.on('data', (chunk) => {
    let start = 0;
    for (let i = chunk.indexOf(0); i !== -1; i = chunk.indexOf(0, start)) {
      pendingBytes.push(chunk.subarray(start, i));
      const msg = JSON.parse(Buffer.concat(pendingBytes).toString('utf8'));
      pendingBytes = [];
      start = i + 1;
      if (msg.id !== undefined && pending.has(msg.id)) {
        const p = pending.get(msg.id);
        pending.delete(msg.id);
        if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message} ${msg.error.data || ''}`.trim()));
        else p.resolve(msg.result);
      } else {
        for (const l of listeners) l(msg);
      }
    }
    if (start < chunk.length) pendingBytes.push(chunk.subarray(start));
  });
  let closed = false;
  exited.then(() => {
    closed = true;
    for (const p of pending.values()) p.reject(new Error(`${p.method}: Chromium exited\n${stderr}`));
    pending.clear();
  });

  /** Sends one DevTools command (to a page when sessionId is given) and resolves with its result. */
  function send(method, params = {}, sessionId = undefined, { timeoutMs: callTimeout = 15000 } = {}) {
    if (closed) return Promise.reject(new Error(`${method}: Chromium is not running\n${stderr}`));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${method}: no answer from Chromium within ${callTimeout} ms`));
      }, callTimeout);
      pending.set(id, {
        method,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      toBrowser.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0');
    });
  }

  /** Resolves with the first event named `method` (of `sessionId`, if given) for which `pred` holds. */
  function waitForEvent(method, { sessionId, pred = () => true, timeoutMs: t = 15000 } = {}) {
    return new Promise((resolve, reject) => {
      const l = (msg) => {
        if (msg.method !== method || (sessionId && msg.sessionId !== sessionId) || !pred(msg.params)) return;
        listeners.delete(l);
        clearTimeout(timer);
        resolve(msg.params);
      };
      const timer = setTimeout(() => {
        listeners.delete(l);
        reject(new Error(`no ${method} event within ${t} ms`));
      }, t);
      listeners.add(l);
    });
  }

  async function close() {
    if (!closed && child.exitCode === null && child.signalCode === null) {
      send('Browser.close', {}, undefined, { timeoutMs: 3000 }).catch(() => {});
      const killer = setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL'); // Chromium's whole process group (it was started detached)
        } catch {}
      }, 5000);
      await exited;
      clearTimeout(killer);
    }
    // Helpers (renderer, GPU/utility processes) of a crashed browser may outlive it: end the group.
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
    fs.rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
  }

  const browser = {
    child,
    send,
    waitForEvent,
    close,
    stderr: () => stderr,
    /**
     * Opens a new tab at `url` with a viewport of `viewport` CSS pixels (default: the window size) at
     * device scale 1; resolves with a Page once the document has loaded.
     */
    async newPage(url, { viewport = windowSize, timeoutMs: t = 15000 } = {}) {
      const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
      const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
      const page = new Page(browser, targetId, sessionId);
      await page.send('Page.enable');
      await page.send('Runtime.enable');
      const [width, height] = viewport;
      await page.send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false });
      const nav = await page.send('Page.navigate', { url });
      if (nav.errorText) throw new Error(`opening ${url}: ${nav.errorText}`);
      await page.waitFor(`document.readyState !== 'loading'`, { timeoutMs: t, what: `${url} to load` });
      return page;
    },
  };

  // Ready once the protocol answers (Chromium opens the pipe early; a broken install fails here).
  try {
    await Promise.race([
      send('Browser.getVersion', {}, undefined, { timeoutMs }),
      exited.then((r) => {
        throw new Error(`Chromium exited at start (${JSON.stringify(r)})`);
      }),
    ]);
  } catch (e) {
    await close();
    if (spawnError) throw new Error(`could not start ${CHROMIUM}: ${spawnError.message}`);
    throw new Error(`${e.message}\n${stderr}`);
  }
  return browser;
}

export class Page {
  constructor(browser, targetId, sessionId) {
    this.browser = browser;
    this.targetId = targetId;
    this.sessionId = sessionId;
  }

  send(method, params = {}, opts = {}) {
    return this.browser.send(method, params, this.sessionId, opts);
  }

  /** Evaluates `expression` (awaiting a promise result) in the page and returns its JSON value. */
  async evaluate(expression, { timeoutMs = 15000 } = {}) {
    const r = await this.send(
      'Runtime.evaluate',
      { expression, awaitPromise: true, returnByValue: true, userGesture: true },
      { timeoutMs },
    );
    if (r.exceptionDetails) {
      const d = r.exceptionDetails;
      throw new Error(`in page: ${(d.exception?.description) || d.text}\n  evaluating: ${expression}`);
    }
    return r.result.value;
  }

  /** Polls `expression` until it is truthy; returns its value. */
  async waitFor(expression, { timeoutMs = 10000, intervalMs = 100, what = expression } = {}) {
    const deadline = Date.now() + timeoutMs;
    let last;
    for (;;) {
      last = await this.evaluate(expression);
      if (last) return last;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  /** PNG of the viewport, or of `clip` ({x, y, width, height} in CSS pixels). */
  async screenshot({ clip } = {}) {
    const params = { format: 'png', captureBeyondViewport: false };
    if (clip) params.clip = { ...clip, scale: 1 };
    const { data } = await this.send('Page.captureScreenshot', params);
    return Buffer.from(data, 'base64');
  }

  /** The bounding box of the first element matching `selector` (CSS pixels, rounded to whole pixels). */
  async box(selector) {
    const b = await this.evaluate(
      `(() => { const r = document.querySelector(${JSON.stringify(selector)}).getBoundingClientRect();
        return { x: Math.round(r.x), y: Math.round(r.y), width: Math.round(r.width), height: Math.round(r.height) }; })()`,
    );
    if (!b.width || !b.height) throw new Error(`${selector} has no size: ${JSON.stringify(b)}`);
    return b;
  }

  /** Clicks the centre of the first element matching `selector` with real mouse events. */
  async click(selector) {
    const b = await this.box(selector);
    const x = b.x + b.width / 2;
    const y = b.y + b.height / 2;
    await this.send('Input.dispatchMouseEvent', { type: 'mouseMoved', x, y });
    await this.send('Input.dispatchMouseEvent', { type: 'mousePressed', x, y, button: 'left', clickCount: 1 });
    await this.send('Input.dispatchMouseEvent', { type: 'mouseReleased', x, y, button: 'left', clickCount: 1 });
  }
}
