/**
 * Webhook-driven runs: the emulator sends signed `response.*` webhooks to agentrun's receiver, which
 * wakes the waiting workflow, so a run completes with no status polls (the safety poll never fires).
 * Bad signatures, stale timestamps and replayed deliveries are refused or ignored and change nothing.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod/v4';
import { sign as signWebhook } from '../../src/emulator/webhooks';
import { OpenAIResponsesApi } from '../../src/providers';
import { defineTool } from '../../src/tools/define-tool';
import { startWebhookServer, type RunningWebhookServer } from '../../src/webhooks';
import { eventually, startHarness, type Harness } from '../support/agentrun-harness';
import { recordHistory } from '../support/histories';

const echo = defineTool({ name: 'echo', parameters: z.object({ text: z.string() }), idempotent: true, handler: ({ text }) => text });
const SECRET = `whsec_${randomBytes(24).toString('base64')}`;

/** Headers of a delivery the test forges, signed the Standard Webhooks way (as the emulator signs its own). */
function sign(body: string, id: string, timestamp: number, secret = SECRET): Record<string, string> {
  return { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signWebhook(secret, id, timestamp, body) };
}

describe('webhook-driven runs', () => {
  let harness: Harness;
  let receiver: RunningWebhookServer;
  beforeAll(async () => {
    harness = await startHarness('responses-webhooks', { protocol: 'responses', tools: [echo] });
    receiver = await startWebhookServer({
      temporal: harness.temporal.client,
      webhookSecret: SECRET,
      responses: new OpenAIResponsesApi('emulator-responses', harness.emulator.openaiBaseUrl, harness.openai),
    });
    harness.emulator.setWebhooks({ url: receiver.webhookUrl, secret: SECRET });
  });
  afterAll(async () => {
    await receiver?.close();
    await harness?.close();
  });

  const reads = () => harness.emulator.stats().requests['GET /responses/{response_id}'] ?? 0;

  it('completes a turn with a tool round woken by webhooks only: one workflow read per response, no safety poll', async () => {
    const input = await harness.agentInput({ steps: [{ tools: [{ name: 'echo', arguments: { text: 'hooked' } }] }, { answer: 'webhook done', delay_ms: 300 }] }, { wait: { mode: 'webhook', pollInterval: 50, safetyPollInterval: '5 minutes' } });
    const readsBefore = reads();
    const deliveredBefore = receiver.receiver.stats().delivered;
    const { handle, workflowId } = await harness.client.start(input);
    const result = await handle.result();
    await recordHistory(handle, 'responses-webhook');
    expect(result).toMatchObject({ status: 'completed', toolCalls: [{ output: 'hooked' }] });
    const timeline = (await harness.client.status(workflowId)).timeline.map((entry) => entry.event);
    expect(timeline.filter((event) => event === 'webhook response.completed')).toHaveLength(2);
    expect(timeline).not.toContain('no webhook yet: safety poll');
    // Each response was read twice: once by the receiver (its metadata), once by the workflow (its state).
    expect(receiver.receiver.stats().delivered - deliveredBefore).toBe(2);
    expect(reads() - readsBefore).toBe(4);
  });

  it('refuses a bad signature and a stale timestamp (401), ignores a replayed delivery and a stranger, and nothing changes', async () => {
    const input = await harness.agentInput({ steps: [{ answer: 'quick' }] }, { wait: { mode: 'webhook', pollInterval: 50, safetyPollInterval: '5 minutes' } });
    const { handle, workflowId } = await harness.client.start(input);
    const result = await handle.result();
    const responseId = result.runIds[0]!;
    const delivery = await eventually(async () => harness.emulator.stats().webhookDeliveries.find((entry) => entry.response_id === responseId && entry.outcome === 'delivered'));
    expect(delivery).toBeDefined();
    const before = (await harness.client.status(workflowId)).timeline.length;
    const statsBefore = receiver.receiver.stats();

    const body = JSON.stringify({ id: 'evt_forged', object: 'event', created_at: Math.floor(Date.now() / 1000), type: 'response.completed', data: { id: responseId } });
    const post = (headers: Record<string, string>, payload = body) => fetch(receiver.webhookUrl, { method: 'POST', headers, body: payload });
    const now = Math.floor(Date.now() / 1000);
    expect((await post(sign(body, 'msg_bad', now, `whsec_${randomBytes(24).toString('base64')}`))).status).toBe(401);
    expect((await post(sign(body, 'msg_stale', now - 3_600))).status).toBe(401);
    expect((await post({ ...sign(body, 'msg_tampered', now) }, body.replace('completed', 'failed'))).status).toBe(401);
    const replayed = await post(sign(body, delivery!.webhook_id, now));
    expect(replayed.status).toBe(200);
    expect(await replayed.json()).toMatchObject({ status: 'duplicate' });
    const stranger = await harness.openai.responses.create({ model: 'gpt-4o', input: 'not agentrun', store: true });
    const strangerBody = JSON.stringify({ id: 'evt_stranger', object: 'event', created_at: now, type: 'response.completed', data: { id: stranger.id } });
    const ignored = await post(sign(strangerBody, 'msg_stranger', now), strangerBody);
    expect(ignored.status).toBe(200);
    expect(await ignored.json()).toMatchObject({ status: 'ignored' });

    const after = receiver.receiver.stats();
    expect(after.rejected - statsBefore.rejected).toBe(3);
    expect(after.duplicates - statsBefore.duplicates).toBe(1);
    expect(after.delivered).toBe(statsBefore.delivered);
    expect((await harness.client.status(workflowId)).timeline).toHaveLength(before);
  });

  it('a delivery the provider repeats wakes the workflow once', async () => {
    harness.emulator.setWebhooks({ url: receiver.webhookUrl, secret: SECRET, duplicate: true });
    try {
      const input = await harness.agentInput({ steps: [{ answer: 'twice delivered' }] }, { wait: { mode: 'webhook', pollInterval: 50, safetyPollInterval: '5 minutes' } });
      const duplicatesBefore = receiver.receiver.stats().duplicates;
      const { handle, workflowId } = await harness.client.start(input);
      await handle.result();
      await eventually(async () => receiver.receiver.stats().duplicates > duplicatesBefore, 10_000, 'the repeated delivery');
      const timeline = (await harness.client.status(workflowId)).timeline.map((entry) => entry.event);
      expect(timeline.filter((event) => event.startsWith('webhook '))).toHaveLength(1);
    } finally {
      harness.emulator.setWebhooks({ url: receiver.webhookUrl, secret: SECRET });
    }
  });
});
