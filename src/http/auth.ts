// HTTP basic auth and the read-only ?token=, with constant-time comparisons.
import crypto from 'node:crypto';

/** "scrypt$<salt hex>$<hash hex>" for a password. */
export function hashPassword(password: string): string {
  const salt = crypto.randomBytes(16);
  return `scrypt$${salt.toString('hex')}$${crypto.scryptSync(password, salt, 32).toString('hex')}`;
}

/** Constant-time check of a password against a hash made by hashPassword. */
export function verifyPasswordHash(password: string, stored: string): boolean {
  const [, saltHex, hashHex] = stored.split('$');
  const expected = Buffer.from(hashHex, 'hex');
  const actual = crypto.scryptSync(password, Buffer.from(saltHex, 'hex'), expected.length);
  return crypto.timingSafeEqual(actual, expected);
}

/** Equal-length digests, so the comparison takes the same time whatever the input's length. */
function sameSecret(a: string, b: string): boolean {
  const da = crypto.createHash('sha256').update(a).digest();
  const db = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(da, db);
}

export interface AuthOptions {
  user: string | null;
  password: string | null;
  passwordHash: string | null;
  token: string | null;
}

export const AUTH_CHALLENGE = 'Basic realm="mjpgd", charset="UTF-8"';

export class Auth {
  /** Authorization headers already verified against password_hash: scrypt is slow by design, and
   * a viewer page polls /state every second. Bounded so it can't grow without limit. */
  private readonly verified = new Set<string>();

  constructor(private readonly opts: AuthOptions) {}

  /** Whether any credential is configured at all. */
  get enabled(): boolean {
    return this.opts.user !== null || this.opts.token !== null;
  }

  /** True if the request may proceed: right basic-auth credentials, or the right ?token=. */
  allows(authorization: string, token: string | null): boolean {
    if (!this.enabled) return true;
    if (token !== null && this.opts.token !== null && sameSecret(token, this.opts.token)) return true;
    if (this.opts.user === null || !authorization.startsWith('Basic ')) return false;
    if (this.verified.has(authorization)) return true;
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    const userOk = sameSecret(decoded.slice(0, colon), this.opts.user);
    const password = decoded.slice(colon + 1);
    const passwordOk = this.opts.passwordHash !== null
      ? verifyPasswordHash(password, this.opts.passwordHash)
      : sameSecret(password, this.opts.password ?? '');
    if (!(userOk && passwordOk)) return false;
    if (this.opts.passwordHash !== null) {
      if (this.verified.size >= 64) this.verified.clear();
      this.verified.add(authorization);
    }
    return true;
  }
}
