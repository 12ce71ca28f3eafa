/**
 * The tests' TLS material (tls/README.md says how it was made): a test CA's certificate file, and
 * the key and certificate it signed for 127.0.0.1 and localhost, for servers that speak https.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A PEM file holding the test CA's certificate (what `connection.ssl.ca.file` names). */
export const TEST_CA_FILE = fileURLToPath(new URL('./tls/ca.pem', import.meta.url));

/** The key and certificate of a server at 127.0.0.1 or localhost, signed by the test CA. */
export function testServerTls(): { key: Buffer; cert: Buffer } {
  return { key: readFileSync(new URL('./tls/server.key', import.meta.url)), cert: readFileSync(new URL('./tls/server.pem', import.meta.url)) };
}
