/**
 * The test certificate (`test/fixtures/tls`, for `localhost` / `127.0.0.1`) and a `fetch` that trusts
 * it, for clients of an emulator served over HTTPS: the Azure clients refuse bearer tokens over
 * plain HTTP, and a hub connection string always means `https://HOST`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent } from 'undici';

/** Where the certificate and key live (inside the repository). */
export const TEST_TLS_DIRECTORY = join(__dirname, '..', 'fixtures', 'tls');
/** Path of the self-signed certificate, which is also its own CA. */
export const TEST_CERTIFICATE_PATH = join(TEST_TLS_DIRECTORY, 'emulator-test-cert.pem');

/** `{ cert, key }` for `startEmulator({ tls })`. */
export function testTls(): { cert: Buffer; key: Buffer } {
  return { cert: readFileSync(TEST_CERTIFICATE_PATH), key: readFileSync(join(TEST_TLS_DIRECTORY, 'emulator-test-key.pem')) };
}

/**
 * Node's own `fetch`, through an undici `Agent` that trusts the test certificate (and nothing else is
 * changed: no global agent, no environment variable). `close()` ends its connections.
 */
export function fetchTrustingTestCertificate(): { fetch: typeof fetch; close: () => Promise<void> } {
  const agent = new Agent({ connect: { ca: readFileSync(TEST_CERTIFICATE_PATH) } });
  // Node's fetch takes an undici dispatcher (`dispatcher` is Node's extension of RequestInit); the
  // npm package's types and Node's bundled ones differ only in version, hence the cast.
  const trusting = ((input: Parameters<typeof fetch>[0], init?: RequestInit) =>
    fetch(input, { ...init, dispatcher: agent } as unknown as RequestInit)) as typeof fetch;
  return { fetch: trusting, close: () => agent.close() };
}
