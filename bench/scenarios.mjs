// The bench's scenarios and how the command line picks them.

/** Viewers at 640x480 @ 30 fps; `slow` of them read at SLOW_RATE bytes/s (a poor link). */
export const SCENARIOS = [
  { name: '1', clients: 1, slow: 0 },
  { name: '10', clients: 10, slow: 0 },
  { name: '100', clients: 100, slow: 0 },
  { name: '500', clients: 500, slow: 0 },
  { name: 'mix', clients: 100, slow: 10 },
];

/** 200 KB/s: about 5 fps of ~40 KB frames, so a slow viewer must skip most frames. */
export const SLOW_RATE = 200000;

/**
 * Picks scenarios: `names` (comma-separated, or null for all), `clients` overrides the viewer count
 * (alone it makes one scenario of that many fast viewers; with `mix` 10% stay slow).
 */
export function selectScenarios(names, clients) {
  let list = SCENARIOS;
  if (names) {
    const wanted = names.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = wanted.filter((n) => !SCENARIOS.some((s) => s.name === n));
    if (unknown.length)
      throw new Error(`--scenario: unknown ${unknown.join(', ')}; allowed: ${SCENARIOS.map((s) => s.name).join(', ')} (comma-separated)`);
    list = SCENARIOS.filter((s) => wanted.includes(s.name));
  } else if (clients != null) {
    list = [{ name: String(clients), clients, slow: 0 }];
  }
  if (clients == null) return list;
  return list.map((s) => ({
    name: s.slow ? `${s.name}-${clients}` : String(clients),
    clients,
    slow: s.slow ? Math.max(1, Math.round(clients / 10)) : 0,
  }));
}
