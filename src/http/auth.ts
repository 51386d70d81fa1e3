// Password hashing for the config file's password_hash (scrypt, from node:crypto).
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
