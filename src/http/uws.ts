// Loads uWebSockets.js's native binary explicitly. The package's own loader quietly falls back to a
// slow pure-JS shim when the binary can't load; mjpgd refuses that unless asked for it (and logs it).
import path from 'node:path';
import type * as UWS from 'uWebSockets.js';
import { log } from '../log';

export type Uws = typeof UWS;

export function loadUws(allowFallback = process.env.MJPGD_UWS_FALLBACK === '1'): Uws {
  const pkgDir = path.dirname(require.resolve('uWebSockets.js/package.json'));
  const file = path.join(pkgDir, 'binaries', `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(file) as Uws;
  } catch (e) {
    const why =
      `cannot load uWebSockets.js native binary ${file}: ${(e as Error).message}. ` +
      `It ships for Linux x64/arm64/armv7 on Node 16/18/20 with glibc >= 2.28 (this is Node ${process.version}).`;
    if (!allowFallback) throw new Error(`${why} Set MJPGD_UWS_FALLBACK=1 to run on the slow JS fallback instead.`);
    log.warn(`${why} MJPGD_UWS_FALLBACK=1: using the slow JS fallback.`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(path.join(pkgDir, 'dist', 'index.js')) as Uws;
  }
}
