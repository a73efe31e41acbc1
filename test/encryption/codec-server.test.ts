/**
 * `agentrun codec-server`, as the Web UI and the temporal CLI call it: decodes for an allowed
 * origin with the bearer token, refuses other origins and missing tokens, and encodes so that the
 * worker's codec reads the result.
 */
import { randomBytes } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING, type EncryptionKey } from '../../src/encryption/encryption-codec';
import { requireBuiltCli, runCli, spawnCli, type CliProcess } from '../cli/cli-process';

const WEB_UI = 'http://localhost:8233';
const TOKEN = 'codec-token-for-tests';
const keys: EncryptionKey[] = [{ id: 'current', key: randomBytes(32) }, { id: 'previous', key: randomBytes(32) }];
const keysVariable = keys.map(({ id, key }) => `${id}:${Buffer.from(key).toString('base64')}`).join(',');

const jsonPayload = (value: unknown): Payload => ({ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify(value)) });
/** A payload in the protobuf JSON form the codec protocol carries. */
const wire = (payload: Payload) => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([name, value]) => [name, Buffer.from(value).toString('base64')])),
  data: Buffer.from(payload.data ?? []).toString('base64'),
});
const fromWire = (payload: { metadata: Record<string, string>; data: string }): Payload => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata).map(([name, value]) => [name, Buffer.from(value, 'base64')])),
  data: Buffer.from(payload.data, 'base64'),
});

describe('agentrun codec-server', () => {
  let server: CliProcess;
  let url: string;

  beforeAll(async () => {
    requireBuiltCli();
    server = spawnCli(['codec-server', '--port', '0', '--origin', WEB_UI], { env: { AGENTRUN_ENCRYPTION_KEYS: keysVariable, AGENTRUN_CODEC_SERVER_TOKEN: TOKEN }, timeoutMs: 120_000 });
    url = (await server.waitForOutput(/agentrun codec-server: (http:\/\/\S+)/))[1]!;
  });
  afterAll(async () => {
    server?.child.kill('SIGINT');
    if (server) expect((await server.exited).exitCode).toBe(0);
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers }, body: JSON.stringify(body) });

  it('decodes for the allowed Web UI origin with the token, with either listed key', async () => {
    const fromCurrent = await new AesGcmPayloadCodec(keys).encode([jsonPayload({ tool: 'pay_invoice', to: 'bob' })]);
    const fromPrevious = await new AesGcmPayloadCodec([keys[1]!]).encode([jsonPayload('older run')]);
    const response = await post('/decode', { payloads: [...fromCurrent, ...fromPrevious].map(wire) }, { origin: WEB_UI, authorization: `Bearer ${TOKEN}` });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(WEB_UI);
    const { payloads } = (await response.json()) as { payloads: Array<{ metadata: Record<string, string>; data: string }> };
    expect(payloads.map((payload) => JSON.parse(Buffer.from(payload.data, 'base64').toString()))).toEqual([{ tool: 'pay_invoice', to: 'bob' }, 'older run']);
    expect(Buffer.from(payloads[0]!.metadata.encoding!, 'base64').toString()).toBe('json/plain');
  });

  it('answers the browser preflight for the allowed origin', async () => {
    const response = await fetch(`${url}/decode`, { method: 'OPTIONS', headers: { origin: WEB_UI, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace,authorization' } });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(WEB_UI);
    expect(response.headers.get('access-control-allow-headers')).toContain('Authorization');
  });

  it('refuses another origin and a request without the token, decoding nothing', async () => {
    const encrypted = await new AesGcmPayloadCodec(keys).encode([jsonPayload('secret')]);
    const otherOrigin = await post('/decode', { payloads: encrypted.map(wire) }, { origin: 'http://evil.example', authorization: `Bearer ${TOKEN}` });
    expect(otherOrigin.status).toBe(403);
    expect(otherOrigin.headers.get('access-control-allow-origin')).toBeNull();
    expect(await otherOrigin.text()).not.toContain('secret');
    const preflight = await fetch(`${url}/decode`, { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(403);
    for (const authorization of [undefined, 'Bearer wrong-token', TOKEN]) {
      const response = await post('/decode', { payloads: encrypted.map(wire) }, { origin: WEB_UI, ...(authorization ? { authorization } : {}) });
      expect({ authorization, status: response.status }).toEqual({ authorization, status: 401 });
    }
  });

  it('encodes with the current key, so the worker reads what the Web UI sends (e.g. a signal)', async () => {
    const response = await post('/encode', { payloads: [wire(jsonPayload({ approve: true }))] }, { authorization: `Bearer ${TOKEN}` });
    expect(response.status).toBe(200);
    const { payloads } = (await response.json()) as { payloads: Array<{ metadata: Record<string, string>; data: string }> };
    const encoded = fromWire(payloads[0]!);
    expect(Buffer.from(encoded.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
    const [decoded] = await new AesGcmPayloadCodec(keys).decode([encoded]);
    expect(JSON.parse(Buffer.from(decoded!.data!).toString())).toEqual({ approve: true });
  });

  it('refuses to start without keys or with a malformed origin, saying why', async () => {
    const noKeys = await runCli(['codec-server', '--port', '0', '--origin', WEB_UI]);
    expect(noKeys.exitCode).toBe(2);
    expect(noKeys.stderr).toContain('AGENTRUN_ENCRYPTION_KEYS is required');
    const badOrigin = await runCli(['codec-server', '--port', '0', '--origin', 'localhost:8233/ui'], { env: { AGENTRUN_ENCRYPTION_KEYS: keysVariable } });
    expect(badOrigin.exitCode).toBe(2);
    expect(badOrigin.stderr).toContain("--origin localhost:8233/ui: give the Web UI's origin");
  });
});
