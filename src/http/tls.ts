// Checks TLS files before uWS gets them: uWS only says "listen failed", this says why.
import crypto from 'node:crypto';
import fs from 'node:fs';

export interface TlsFiles {
  cert: string;
  key: string;
  passphrase: string | null;
}

/** Throws a message a user can act on if the certificate or key is missing, unreadable, not PEM,
 * encrypted without the right passphrase, or not a pair. */
export function checkTls(tls: TlsFiles): void {
  const read = (what: string, file: string) => {
    try {
      return fs.readFileSync(file);
    } catch (e) {
      throw new Error(`TLS ${what} ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  };
  const certPem = read('certificate', tls.cert);
  const keyPem = read('key', tls.key);
  let cert: crypto.X509Certificate;
  try {
    cert = new crypto.X509Certificate(certPem);
  } catch (e) {
    throw new Error(`TLS certificate ${tls.cert} is not a PEM certificate (${(e as Error).message})`);
  }
  let key: crypto.KeyObject;
  try {
    key = crypto.createPrivateKey({ key: keyPem, passphrase: tls.passphrase ?? undefined });
  } catch (e) {
    const msg = (e as Error).message;
    const encrypted = /ENCRYPTED/.test(keyPem.toString('latin1'));
    const hint = encrypted ? ' (encrypted: give the right --tls-passphrase)' : '';
    throw new Error(`TLS key ${tls.key} can't be used${hint}: ${msg}`);
  }
  if (!cert.checkPrivateKey(key)) throw new Error(`TLS key ${tls.key} does not belong to the certificate ${tls.cert}`);
  if (new Date(cert.validTo) < new Date()) throw new Error(`TLS certificate ${tls.cert} expired on ${cert.validTo}`);
}
