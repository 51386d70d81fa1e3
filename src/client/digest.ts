// HTTP Digest authentication (RFC 7616 / 2617), client side: many IP cameras accept nothing else.
// MD5 and SHA-256, qop "auth" or none. No I/O.
import crypto from 'node:crypto';

export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque: string | null;
  algorithm: string;
  /** "auth" when offered; null for the RFC 2069 form without qop. */
  qop: string | null;
}

/** The Digest challenge of a WWW-Authenticate header (several may be joined with ", "), or null. */
export function parseDigestChallenge(header: string): DigestChallenge | null {
  const at = header.search(/\bDigest\s/i);
  if (at < 0) return null;
  const params: Record<string, string> = {};
  const re = /([a-zA-Z]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
  re.lastIndex = at + 'Digest '.length;
  for (let m = re.exec(header); m; m = re.exec(header)) {
    const key = m[1].toLowerCase();
    // Stop at the next scheme (e.g. ", Basic realm=..."): its realm is not ours.
    const between = header.slice(at, m.index);
    if (/,\s*(Basic|Bearer|Negotiate)\s/i.test(between)) break;
    if (!(key in params)) params[key] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3];
  }
  if (params.realm === undefined || params.nonce === undefined) return null;
  const qops = (params.qop ?? '').split(',').map((q) => q.trim().toLowerCase());
  return {
    realm: params.realm,
    nonce: params.nonce,
    opaque: params.opaque ?? null,
    algorithm: params.algorithm ?? 'MD5',
    qop: qops.includes('auth') ? 'auth' : null,
  };
}

function hashFor(algorithm: string): ((s: string) => string) | null {
  const name = algorithm.replace(/-sess$/i, '').toUpperCase();
  const h = name === 'MD5' ? 'md5' : name === 'SHA-256' ? 'sha256' : null;
  return h ? (s) => crypto.createHash(h).update(s).digest('hex') : null;
}

/** The Authorization header for one request; null if the challenge's algorithm is unknown.
 * `cnonce` and `nc` are parameters so that tests can check a published example. */
export function digestAuthorization(
  c: DigestChallenge,
  user: string,
  password: string,
  method: string,
  uri: string,
  nc = 1,
  cnonce = crypto.randomBytes(8).toString('hex'),
): string | null {
  const H = hashFor(c.algorithm);
  if (!H) return null;
  let ha1 = H(`${user}:${c.realm}:${password}`);
  if (/-sess$/i.test(c.algorithm)) ha1 = H(`${ha1}:${c.nonce}:${cnonce}`);
  const ha2 = H(`${method}:${uri}`);
  const ncHex = nc.toString(16).padStart(8, '0');
  const response = c.qop ? H(`${ha1}:${c.nonce}:${ncHex}:${cnonce}:${c.qop}:${ha2}`) : H(`${ha1}:${c.nonce}:${ha2}`);
  const q = (s: string) => `"${s.replace(/["\\]/g, '\\$&')}"`;
  const parts = [`username=${q(user)}`, `realm=${q(c.realm)}`, `nonce=${q(c.nonce)}`, `uri=${q(uri)}`, `algorithm=${c.algorithm}`, `response=${q(response)}`];
  if (c.qop) parts.push(`qop=${c.qop}`, `nc=${ncHex}`, `cnonce=${q(cnonce)}`);
  if (c.opaque !== null) parts.push(`opaque=${q(c.opaque)}`);
  return `Digest ${parts.join(', ')}`;
}
