// A throw-away certificate authority and server certificate for 127.0.0.1, made with openssl at test time.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export function makeTestCa(dir) {
  const f = (name) => path.join(dir, name);
  const ssl = (...args) => execFileSync('openssl', args, { stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=mjpgd test CA');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=localhost');
  fs.writeFileSync(f('san.ext'), 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\n');
  ssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.pem'), '-days', '2', '-extfile', f('san.ext'));
  // The same key, encrypted, and an unrelated key for the error cases.
  ssl('pkey', '-in', f('server.key'), '-out', f('server-enc.key'), '-aes256', '-passout', 'pass:sesame');
  ssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', f('other.key'));
  return { ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key'), encryptedKey: f('server-enc.key'), otherKey: f('other.key') };
}
