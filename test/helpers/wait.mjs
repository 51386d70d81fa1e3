// Polling for a condition, and one camera's /state: shared by the end-to-end and the VM suites.

/** Polls `fn` every 100 ms until it returns something truthy (returned), or throws after `timeoutMs`. */
export async function until(what, fn, timeoutMs = 20000) {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The first camera's entry of a running server's /state. */
export async function state(server) {
  return (await (await fetch(`${server.url}/state`)).json()).cameras[0];
}
