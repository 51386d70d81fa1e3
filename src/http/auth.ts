// HTTP basic auth and the read-only ?token=, with constant-time comparisons. Built to hold up under a
// wrong-password flood: scrypt runs on libuv's thread pool (never on the event loop), one hash at a
// time, verified credentials are cached, and an address that keeps failing is told to back off
// without any hashing at all.
import crypto from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(crypto.scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

/** "scrypt$<salt hex>$<hash hex>" for a password. */
export function hashPassword(password: string): string {
  const salt = crypto.randomBytes(16);
  return `scrypt$${salt.toString('hex')}$${crypto.scryptSync(password, salt, 32).toString('hex')}`;
}

/** Constant-time check of a password against a hash made by hashPassword, off the event loop. */
export async function verifyPasswordHash(password: string, stored: string): Promise<boolean> {
  const [, saltHex, hashHex] = stored.split('$');
  const expected = Buffer.from(hashHex, 'hex');
  const actual = await scrypt(password, Buffer.from(saltHex, 'hex'), expected.length);
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

/** What a request's credentials are worth. */
export type Verdict = 'allowed' | 'denied' | 'backoff';

/** Failures an address may have before it must wait, and the longest wait. */
const FREE_FAILURES = 5;
const MAX_BACKOFF_MS = 60_000;
const CACHE_SIZE = 256;

interface Failures {
  count: number;
  /** No credentials from this address are checked before this time (ms). */
  until: number;
}

export class Auth {
  /** Authorization headers already verified (scrypt is slow by design; viewer pages poll /state). */
  private readonly verified = new Set<string>();
  private readonly failures = new Map<string, Failures>();
  /** One scrypt at a time: a flood queues here instead of filling the thread pool. */
  private hashing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly opts: AuthOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether any credential is configured at all. */
  get enabled(): boolean {
    return this.opts.user !== null || this.opts.token !== null;
  }

  /** Milliseconds `remote` must wait before its credentials are checked again (0: none). */
  retryAfterMs(remote: string): number {
    const f = this.failures.get(remote);
    return f ? Math.max(0, f.until - this.now()) : 0;
  }

  /** Checks the right basic-auth credentials or ?token= for a request from `remote`. */
  async check(authorization: string, token: string | null, remote: string): Promise<Verdict> {
    if (!this.enabled) return 'allowed';
    if (token !== null && this.opts.token !== null && sameSecret(token, this.opts.token)) return 'allowed';
    if (this.opts.user === null || !/^basic /i.test(authorization)) return 'denied';
    if (this.verified.has(authorization)) return 'allowed';
    if (this.retryAfterMs(remote) > 0) return 'backoff';
    const ok = await this.verify(authorization);
    if (!ok) {
      this.fail(remote);
      return 'denied';
    }
    this.failures.delete(remote);
    if (this.verified.size >= CACHE_SIZE) this.verified.clear();
    this.verified.add(authorization);
    return 'allowed';
  }

  private async verify(authorization: string): Promise<boolean> {
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    const userOk = sameSecret(decoded.slice(0, colon), this.opts.user!);
    const password = decoded.slice(colon + 1);
    if (this.opts.passwordHash === null) return userOk && sameSecret(password, this.opts.password ?? '');
    const hash = this.opts.passwordHash;
    const run = this.hashing.then(() => verifyPasswordHash(password, hash));
    this.hashing = run.catch(() => false);
    return (await run) && userOk;
  }

  /** After FREE_FAILURES, each failure doubles the wait (1 s, 2 s, ... up to a minute). */
  private fail(remote: string): void {
    const f = this.failures.get(remote) ?? { count: 0, until: 0 };
    f.count++;
    if (f.count > FREE_FAILURES) f.until = this.now() + Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (f.count - FREE_FAILURES - 1));
    if (this.failures.size >= 4096 && !this.failures.has(remote)) this.failures.clear();
    this.failures.set(remote, f);
  }
}
