// Control values as users write them: a table (TOML, a JSON body) or "name=value,name=value" (a
// flag, an environment variable). Only the shape is checked here; whether a control exists and its
// range are the driver's to say (crates/capture v4l2::controls checks them before setting anything).

/** A control's value: an integer; true/false are 1/0 (boolean controls); "12" is 12. */
export function controlValue(name: string, raw: unknown): number {
  if (typeof raw === 'boolean') return raw ? 1 : 0;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < -(2 ** 31) || n >= 2 ** 31) {
    throw new Error(`control ${name}: value must be a 32-bit integer, true or false (got ${JSON.stringify(raw)})`);
  }
  return n;
}

function checkName(name: string): string {
  const n = name.trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9_ ,()./-]{0,63}$/.test(n)) {
    throw new Error(`control name ${JSON.stringify(name)} must be a V4L2 control name (as v4l2-ctl -l shows it) or a numeric id`);
  }
  return n;
}

/** name → value from a table or a "name=value,..." string; throws a message naming the bad entry. */
export function parseControlValues(raw: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (typeof raw === 'string') {
    for (const item of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
      const eq = item.indexOf('=');
      if (eq < 1) throw new Error(`expected name=value, got ${JSON.stringify(item)}`);
      const name = checkName(item.slice(0, eq));
      out[name] = controlValue(name, item.slice(eq + 1));
    }
    return out;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Error('expected a table of control = value (e.g. {"brightness": 120})');
  }
  for (const [key, value] of Object.entries(raw)) {
    const name = checkName(key);
    out[name] = controlValue(name, value);
  }
  return out;
}

/** The key two spellings of one control name share ("White Balance, Automatic" and
 * "white_balance_automatic"), as the capture side matches them. */
export function controlKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Later tables win; two spellings of one name are one control (the later spelling is kept). */
export function mergeControlValues(...tables: Record<string, number>[]): Record<string, number> {
  const byKey = new Map<string, [string, number]>();
  for (const t of tables) {
    for (const [name, value] of Object.entries(t)) {
      const key = controlKey(name);
      byKey.delete(key);
      byKey.set(key, [name, value]);
    }
  }
  return Object.fromEntries(byKey.values());
}
