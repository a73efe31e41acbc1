/**
 * Notifications of calls that wait for a person, delivered to a receiver the test runs: signed the
 * Standard Webhooks way, retried while the receiver fails, a reminder before the provider run
 * expires, and nothing more once the call is decided.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import { notificationBody, notificationConfigFromEnvironment, type NotificationConfig } from '../../src/notifications/approval-notifications';
import { defineTool } from '../../src/tools/define-tool';
import { eventually, startHarness, waitingForApproval, type Harness } from '../support/agentrun-harness';

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
  type: string;
  workflowId: string;
}

describe('notifications of waiting calls', () => {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const deliveries: Delivery[] = [];
  /** Per workflow id: how many more requests to answer 503 (Infinity: always). */
  const failing = new Map<string, number>();
  let receiverUrl = '';
  let close: () => Promise<void> = async () => undefined;
  let harness: Harness;

  beforeAll(async () => {
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        const parsed = JSON.parse(body) as { type: string; data: { workflowId: string } };
        const left = failing.get(parsed.data.workflowId) ?? 0;
        const status = left > 0 ? 503 : 204;
        if (left > 0) failing.set(parsed.data.workflowId, left - 1);
        deliveries.push({ headers: request.headers, body, status, type: parsed.type, workflowId: parsed.data.workflowId });
        response.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/agentrun`;
    close = () => new Promise<void>((resolve) => server.close(() => resolve()));
    const refund = defineTool({ name: 'refund', description: 'Refunds an order', parameters: z.object({ order: z.string() }), policy: 'approval', handler: async ({ order }) => `refunded ${order}` });
    const notifications: NotificationConfig = { urls: [receiverUrl], secret, format: 'standard', inboxUrl: 'https://approvals.acme.test/', reminderBeforeMs: 7_000 };
    // Runs expire 10 s after creation: the reminder is due about 3 s in.
    harness = await startHarness('notifications', { tools: [refund], notifications, emulator: { runExpirySeconds: 10 } });
  });
  afterAll(async () => {
    await harness?.close();
    await close();
  });

  async function refundWaiting() {
    const assistantId = await harness.assistant({ steps: [{ tools: [{ name: 'refund', arguments: { order: 'A-1' } }] }, { answer: 'Done.' }] });
    const { workflowId, handle } = await harness.client.start(harness.input(assistantId, { approval: { approvers: ['alice'] } }));
    return { workflowId, handle };
  }

  const of = (workflowId: string, type?: string) => deliveries.filter((delivery) => delivery.workflowId === workflowId && (!type || delivery.type === type));

  it('posts a signed notification, retried until delivered, then a reminder before the run expires', async () => {
    const { workflowId, handle } = await refundWaiting();
    failing.set(workflowId, 2);
    const state = await waitingForApproval(harness.client, workflowId);
    const toolCallId = state.pendingApprovals[0]!.toolCallId;
    await eventually(async () => of(workflowId, 'agentrun.tool_call.waiting').some((delivery) => delivery.status === 204), 20_000, 'the notification delivered');
    const attempts = of(workflowId, 'agentrun.tool_call.waiting');
    expect(attempts.map((delivery) => delivery.status)).toEqual([503, 503, 204]);
    // One id across the retries (receivers de-duplicate), each attempt signed for its own timestamp.
    expect(new Set(attempts.map((delivery) => delivery.headers['webhook-id'])).size).toBe(1);
    const verified = new Webhook(secret).verify(attempts[2]!.body, attempts[2]!.headers as Record<string, string>) as { type: string; data: Record<string, unknown> };
    expect(verified).toMatchObject({
      type: 'agentrun.tool_call.waiting',
      data: {
        workflowId,
        toolCallId,
        toolName: 'refund',
        arguments: '{"order":"A-1"}',
        waitingFor: 'approval',
        approvers: ['alice'],
        expiresAt: expect.any(String),
        decideBy: expect.any(String),
        link: `https://approvals.acme.test/runs/${encodeURIComponent(workflowId)}#${encodeURIComponent(toolCallId)}`,
      },
    });
    // Signed by another secret, it does not verify.
    expect(() => new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(attempts[2]!.body, attempts[2]!.headers as Record<string, string>)).toThrow();

    const reminder = await eventually(async () => of(workflowId, 'agentrun.tool_call.reminder')[0], 15_000, 'the reminder');
    expect(JSON.parse(reminder.body)).toMatchObject({ type: 'agentrun.tool_call.reminder', data: { toolCallId } });
    await harness.client.approve(workflowId, { toolCallId, approver: 'alice' });
    expect((await handle.result()).status).toBe('completed');
  });

  it('stops retrying once the call is decided, and sends no reminder', async () => {
    const { workflowId, handle } = await refundWaiting();
    failing.set(workflowId, Infinity);
    const state = await waitingForApproval(harness.client, workflowId);
    // Retried while the receiver fails (1 s, 2 s, ... apart).
    await eventually(async () => of(workflowId).length >= 3, 15_000, 'three delivery attempts');
    await harness.client.approve(workflowId, { toolCallId: state.pendingApprovals[0]!.toolCallId, approver: 'alice' });
    expect((await handle.result()).status).toBe('completed');
    const settled = of(workflowId).length;
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    expect(of(workflowId).length).toBe(settled);
    expect(of(workflowId, 'agentrun.tool_call.reminder')).toEqual([]);
    // The run's record says nothing failed: a notification is not the run's business once decided.
    expect((await harness.client.status(workflowId)).timeline.map((entry) => entry.event)).not.toContain('notification failed');
  });

  it('reads its configuration from the environment, and formats for Slack', () => {
    expect(notificationConfigFromEnvironment({})).toBeUndefined();
    expect(() => notificationConfigFromEnvironment({ AGENTRUN_NOTIFY_URLS: 'https://hooks.example/x' })).toThrow(/^AGENTRUN_NOTIFY_SECRET is required with AGENTRUN_NOTIFY_URLS/);
    expect(() => notificationConfigFromEnvironment({ AGENTRUN_NOTIFY_URLS: 'ftp://hooks.example/x', AGENTRUN_NOTIFY_SECRET: secret })).toThrow('AGENTRUN_NOTIFY_URLS: "ftp://hooks.example" is not an http(s) URL');
    expect(() => notificationConfigFromEnvironment({ AGENTRUN_NOTIFY_URLS: 'https://hooks.example/x', AGENTRUN_NOTIFY_SECRET: secret, AGENTRUN_NOTIFY_FORMAT: 'teams' })).toThrow('AGENTRUN_NOTIFY_FORMAT must be standard or slack, got "teams"');
    const slack = notificationConfigFromEnvironment({
      AGENTRUN_NOTIFY_URLS: 'https://hooks.slack.com/services/T000/B000/XXXX',
      AGENTRUN_NOTIFY_SECRET: secret,
      AGENTRUN_NOTIFY_FORMAT: 'slack',
      AGENTRUN_INBOX_URL: 'https://approvals.acme.test',
      AGENTRUN_NOTIFY_REMINDER_BEFORE: '90s',
    })!;
    expect(slack).toMatchObject({ format: 'slack', reminderBeforeMs: 90_000 });
    const body = JSON.parse(
      notificationBody(slack, { kind: 'reminder', workflowId: 'wf-1', toolCallId: 'call_1', toolName: 'refund', arguments: '{"order":"A-1"}', waitingFor: 'approval', decideBy: '2026-11-27T10:00:00.000Z', expiresAt: '2026-11-26T10:10:00.000Z' }, new Date()),
    ) as { text: string; blocks: Array<{ type: string; elements?: Array<{ url: string }> }> };
    expect(body.text).toBe('Reminder: Tool call `refund` waits for approval in run `wf-1`. The provider run expires at 2026-11-26T10:10:00.000Z. https://approvals.acme.test/runs/wf-1#call_1');
    expect(body.blocks.find((block) => block.type === 'actions')?.elements?.[0]?.url).toBe('https://approvals.acme.test/runs/wf-1#call_1');
  });
});
