/**
 * Webhooks: when a response ends, the emulator POSTs a `response.*` event signed per Standard
 * Webhooks, and the official `openai` package's `client.webhooks.unwrap(rawBody, headers, secret)`
 * accepts it. Failed deliveries are retried with the same `webhook-id`; the `duplicate` fault sends
 * each event twice; every attempt is in the ledger; every body validates against the spec.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { call, captureError, waitFor, scriptMetadata } from '../support/emulator-http';
import { validateWebhookEvent } from '../support/openapi-validator';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

/** A delivery as the receiver saw it. */
interface Received {
  rawBody: string;
  headers: IncomingHttpHeaders;
}

/** A local webhook receiver that answers each delivery with the next status of `statuses` (then 200). */
class Receiver {
  readonly received: Received[] = [];
  statuses: number[] = [];
  private readonly server: Server;

  constructor() {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.received.push({ rawBody: Buffer.concat(chunks).toString('utf8'), headers: request.headers });
        response.writeHead(this.statuses.shift() ?? 200).end();
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

let emulator: RunningEmulator;
let receiver: Receiver;
let receiverUrl: string;
const client = new OpenAI({ apiKey: 'unused', webhookSecret: SECRET });

beforeAll(async () => {
  receiver = new Receiver();
  receiverUrl = await receiver.listen();
  emulator = await startEmulator({ stepDelayMs: 5, queuedDelayMs: 5, webhooks: { url: receiverUrl, secret: SECRET }, webhookRetryDelaysMs: [20, 40] });
});

afterEach(() => {
  emulator.reset();
  receiver.received.length = 0;
  receiver.statuses = [];
});

afterAll(async () => {
  await Promise.all([emulator.close(), receiver.close()]);
});

const script = scriptMetadata;

/** Unwraps a delivery with the official client; throws if its signature does not verify. */
async function unwrap(delivery: Received | undefined) {
  if (delivery === undefined) throw new Error('no delivery');
  return client.webhooks.unwrap(delivery.rawBody, delivery.headers as Record<string, string>, SECRET);
}

test('a completed background response: one signed delivery that openai’s webhooks.unwrap accepts', async () => {
  const created = await call(emulator, 'POST', '/responses', { body: { model: 'gpt-4o', input: 'x', background: true, store: true } });
  await waitFor(async () => receiver.received.length, (count) => count === 1);
  const [delivery] = receiver.received;
  const event = await unwrap(delivery);
  expect(event).toEqual({ id: expect.stringMatching(/^evt_[0-9a-f]{32}$/), object: 'event', created_at: expect.any(Number), type: 'response.completed', data: { id: created.body.id } });
  expect(validateWebhookEvent(event)).toEqual({ valid: true, errors: [] });
  expect(delivery?.headers['content-type']).toBe('application/json');
  expect(delivery?.headers['webhook-id']).toMatch(/^wh_[0-9a-f]{32}$/);
  expect(delivery?.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
  // The signature is real: another secret, or a changed body, does not verify.
  const otherSecret = `whsec_${randomBytes(32).toString('base64')}`;
  await expect(client.webhooks.unwrap(delivery?.rawBody ?? '', delivery?.headers as Record<string, string>, otherSecret)).rejects.toThrow(
    'The given webhook signature does not match the expected signature',
  );
  await expect(client.webhooks.unwrap(`${delivery?.rawBody} `, delivery?.headers as Record<string, string>, SECRET)).rejects.toThrow();
  expect(emulator.stats().webhookDeliveries).toEqual([
    {
      webhook_id: delivery?.headers['webhook-id'],
      event_id: event.id,
      type: 'response.completed',
      response_id: created.body.id,
      attempt: 1,
      duplicate: false,
      url: receiverUrl,
      status: 200,
      outcome: 'delivered',
      error: null,
      timestamp: Number(delivery?.headers['webhook-timestamp']),
    },
  ]);
});

test('failed, incomplete and cancelled responses, foreground ones too; a store:false foreground one sends nothing', async () => {
  const failed = await call(emulator, 'POST', '/responses', { body: { model: 'gpt-4o', input: 'x', metadata: script([{ fail: {} }]) } });
  const incomplete = await call(emulator, 'POST', '/responses', { body: { model: 'gpt-4o', input: 'x', metadata: script([{ incomplete: 'max_output_tokens' }]) } });
  const slow = await call(emulator, 'POST', '/responses', { body: { model: 'gpt-4o', input: 'x', background: true, metadata: script([{ answer: 'x', delay_ms: 10_000 }]) } });
  await call(emulator, 'POST', `/responses/${slow.body.id}/cancel`);
  await call(emulator, 'POST', '/responses', { body: { model: 'gpt-4o', input: 'x', store: false } });
  await waitFor(async () => receiver.received.length, (count) => count >= 3);
  const events = await Promise.all(receiver.received.map((delivery) => unwrap(delivery)));
  expect(events.map((event) => [event.type, (event.data as { id: string }).id]).sort()).toEqual(
    [
      ['response.failed', failed.body.id],
      ['response.incomplete', incomplete.body.id],
      ['response.cancelled', slow.body.id],
    ].sort(),
  );
  expect(events.every((event) => validateWebhookEvent(event).valid)).toBe(true);
  expect(emulator.stats().responsesCreated).toHaveLength(4);
  expect(emulator.stats().webhookDeliveries).toHaveLength(3);
});

test('a failed delivery is retried with back-off and the same webhook-id; then it stops', async () => {
  receiver.statuses = [500, 503];
  const created = await call(emulator, 'POST', '/responses', { body: { model: 'gpt-4o', input: 'x' } });
  await waitFor(async () => receiver.received.length, (count) => count === 3);
  const ids = receiver.received.map((delivery) => delivery.headers['webhook-id']);
  expect(new Set(ids).size).toBe(1);
  // Each attempt is signed anew and verifies; the body is the same event.
  const events = await Promise.all(receiver.received.map((delivery) => unwrap(delivery)));
  expect(new Set(events.map((event) => event.id)).size).toBe(1);
  expect(emulator.stats().webhookDeliveries.map((entry) => [entry.attempt, entry.status, entry.outcome, entry.error])).toEqual([
    [1, 500, 'failed', 'HTTP 500'],
    [2, 503, 'failed', 'HTTP 503'],
    [3, 200, 'delivered', null],
  ]);
  expect(emulator.stats().webhookDeliveries.every((entry) => entry.response_id === created.body.id)).toBe(true);

  // A receiver that never answers 2xx: the first attempt and one per retry delay, then no more.
  receiver.statuses = [500, 500, 500, 500];
  await call(emulator, 'POST', '/responses', { body: { model: 'gpt-4o', input: 'y' } });
  const attempts = await waitFor(
    async () => emulator.stats().webhookDeliveries.filter((entry) => entry.attempt > 0 && entry.response_id !== created.body.id),
    (entries) => entries.length === 3,
  );
  expect(attempts.map((entry) => entry.outcome)).toEqual(['failed', 'failed', 'failed']);
  // Well past the last retry delay (40 ms), no fourth attempt has come.
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(emulator.stats().webhookDeliveries.filter((entry) => entry.response_id !== created.body.id)).toHaveLength(3);
});

test('connection errors are failed attempts too', async () => {
  emulator.setWebhooks({ url: 'http://127.0.0.1:9/unreachable', secret: SECRET });
  await call(emulator, 'POST', '/responses', { body: { model: 'gpt-4o', input: 'x' } });
  const attempts = await waitFor(
    async () => emulator.stats().webhookDeliveries,
    (entries) => entries.length === 3,
  );
  expect(attempts.map((entry) => [entry.attempt, entry.status, entry.outcome])).toEqual([
    [1, null, 'failed'],
    [2, null, 'failed'],
    [3, null, 'failed'],
  ]);
  expect(attempts[0]?.error).toMatch(/ECONNREFUSED|fetch failed/);
});

test('the duplicate fault delivers each event twice with the same webhook-id: a receiver dedupes on it', async () => {
  emulator.setWebhooks({ url: receiverUrl, secret: SECRET, duplicate: true });
  await call(emulator, 'POST', '/responses', { body: { model: 'gpt-4o', input: 'x' } });
  await waitFor(async () => receiver.received.length, (count) => count === 2);
  const [first, second] = receiver.received;
  expect(first?.headers['webhook-id']).toBe(second?.headers['webhook-id']);
  expect((await unwrap(first)).id).toBe((await unwrap(second)).id);
  const seen = new Set(receiver.received.map((delivery) => delivery.headers['webhook-id']));
  expect(seen.size).toBe(1);
  expect(emulator.stats().webhookDeliveries.map((entry) => [entry.attempt, entry.duplicate, entry.outcome])).toEqual([
    [1, false, 'delivered'],
    [1, true, 'delivered'],
  ]);
});

test('the admin API sets, reads and clears the settings at runtime; bad settings are refused', async () => {
  const admin = (method: string, body?: unknown) =>
    fetch(`${emulator.url}/_emulator/webhooks`, { method, body: body === undefined ? undefined : JSON.stringify(body) }).then(async (response) => ({
      status: response.status,
      body: (await response.json()) as { webhooks?: unknown; error?: { message: string } },
    }));
  expect((await admin('DELETE')).status).toBe(200);
  expect((await admin('GET')).body).toEqual({ webhooks: null });
  await call(emulator, 'POST', '/responses', { body: { model: 'gpt-4o', input: 'x' } });
  expect(emulator.stats().webhookDeliveries).toEqual([]);

  expect((await admin('PUT', { url: receiverUrl, secret: SECRET })).status).toBe(200);
  expect((await admin('GET')).body).toEqual({ webhooks: { url: receiverUrl, secret: SECRET } });
  await call(emulator, 'POST', '/responses', { body: { model: 'gpt-4o', input: 'x' } });
  await waitFor(async () => receiver.received.length, (count) => count === 1);

  const bad = await admin('PUT', { url: receiverUrl, secret: 'not-a-secret' });
  expect(bad.status).toBe(400);
  expect(bad.body.error?.message).toBe('Invalid webhook settings at secret: must be whsec_ followed by base64');
  expect(await captureError(async () => emulator.setWebhooks({ url: 'ftp://x', secret: SECRET }))).toBeInstanceOf(Error);
});
