/**
 * Approvals on the Responses API: approve, edit, deny, outside outputs, the three approval
 * timeouts, MCP approval requests through the same decisions, and Foundry agents v2's expiry of
 * pending calls (a late decision continues on a new response carrying the decided results).
 */
import { WorkflowFailedError } from '@temporalio/client';
import { z } from 'zod/v4';
import type { AgentRunClient } from '../../src/client';
import { defineTool } from '../../src/tools/define-tool';
import { startHarness, type Harness, waitingForApproval } from '../support/agentrun-harness';
import { recordHistory } from '../support/histories';

const transfers: Array<{ to: string; amount: number; key: string }> = [];
const transfer = defineTool({
  name: 'transfer_money',
  parameters: z.object({ to: z.string(), amount: z.number().positive() }),
  policy: 'approval',
  handler: ({ to, amount }, { idempotencyKey }) => {
    transfers.push({ to, amount, key: idempotencyKey });
    return `sent ${amount} to ${to}`;
  },
});
const lookup = defineTool({ name: 'lookup_customer', parameters: z.object({ id: z.string() }), policy: 'external', handler: () => 'never runs on the worker' });
const transferScript = { steps: [{ tools: [{ name: 'transfer_money', arguments: { to: 'bob', amount: 5 } }] }, { answer: 'Transfer handled.' }] };
const mcpScript = { steps: [{ mcp_approval: { server_label: 'github', name: 'create_issue', arguments: { title: 'Bug' }, output: 'issue #7 created' } }, { answer: 'Reported.' }] };

async function pendingCall(client: AgentRunClient, workflowId: string): Promise<string> {
  const state = await waitingForApproval(client, workflowId);
  return state.pendingApprovals[0]!.toolCallId;
}

describe('approvals on the Responses API', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness('responses-approvals', { protocol: 'responses', tools: [transfer, lookup] });
  });
  afterAll(async () => harness.close());

  it('approves (with edited arguments), then the tool runs and its output answers the call', async () => {
    const { workflowId, handle } = await harness.client.start(await harness.agentInput(transferScript));
    const toolCallId = await pendingCall(harness.client, workflowId);
    const state = await harness.client.status(workflowId);
    expect(state).toMatchObject({ phase: 'waiting_for_approval', providerStatus: 'requires_action' });
    await expect(harness.client.approve(workflowId, { toolCallId, approver: 'alice', arguments: { to: 'bob', amount: -1 } })).rejects.toThrow(/amount/);
    await harness.client.approve(workflowId, { toolCallId, approver: 'alice', arguments: { to: 'bob', amount: 3 } });
    const result = await handle.result();
    await recordHistory(handle, 'responses-approval-edited');
    expect(result.toolCalls[0]).toMatchObject({ output: 'sent 3 to bob', decision: { type: 'approved', approver: 'alice', editedArguments: '{"to":"bob","amount":3}' } });
    expect(result.messages.at(-1)!.text).toContain('sent 3 to bob');
  });

  it('denies (by signal): the model reads the reason and the tool never runs', async () => {
    const { workflowId, handle } = await harness.client.start(await harness.agentInput(transferScript));
    const toolCallId = await pendingCall(harness.client, workflowId);
    await harness.client.deny(workflowId, { toolCallId, approver: 'carol', reason: 'bob is not a customer' }, 'signal');
    const result = await handle.result();
    await recordHistory(handle, 'responses-approval-denied');
    expect(result.toolCalls[0]).toMatchObject({ isError: true, decision: { type: 'denied', approver: 'carol' } });
    expect(result.messages.at(-1)!.text).toContain('bob is not a customer');
    expect(transfers.some((entry) => entry.key.startsWith(`${workflowId}/`))).toBe(false);
  });

  it('takes an output from outside for an external tool', async () => {
    const { workflowId, handle } = await harness.client.start(await harness.agentInput({ steps: [{ tools: [{ name: 'lookup_customer', arguments: { id: 'c-1' } }] }, { answer: 'Found.' }] }));
    const toolCallId = await pendingCall(harness.client, workflowId);
    await harness.client.submitOutput(workflowId, { toolCallId, approver: 'crm-sync', output: '{"name":"Ada"}' });
    const result = await handle.result();
    expect(result.toolCalls[0]).toMatchObject({ output: '{"name":"Ada"}', decision: { type: 'output_supplied' } });
  });

  it.each([
    ['deny', 'completed'],
    ['cancel', 'cancelled'],
  ] as const)('on approval timeout %s: the run ends %s', async (onTimeout, status) => {
    const { handle } = await harness.client.start(await harness.agentInput(transferScript, { approval: { timeout: '1s', onTimeout } }));
    const result = await handle.result();
    expect(result.status).toBe(status);
    expect(result.toolCalls[0]!.decision).toMatchObject({ type: 'timed_out' });
  });

  it('on approval timeout fail: fails with ApprovalTimedOut', async () => {
    const { handle } = await harness.client.start(await harness.agentInput(transferScript, { approval: { timeout: '1s', onTimeout: 'fail' } }));
    const error = await handle.result().catch((caught: unknown) => caught);
    expect(((error as WorkflowFailedError).cause as { type?: string }).type).toBe('ApprovalTimedOut');
  });

  it('puts an MCP approval request through the same decisions: approved, the MCP server runs the tool', async () => {
    const { workflowId, handle } = await harness.client.start(await harness.agentInput(mcpScript));
    const toolCallId = await pendingCall(harness.client, workflowId);
    const waiting = (await harness.client.status(workflowId)).pendingApprovals[0]!;
    expect(waiting).toMatchObject({ kind: 'mcp_approval', serverLabel: 'github', name: 'create_issue', arguments: '{"title":"Bug"}', waitingFor: 'approval' });
    await expect(harness.client.submitOutput(workflowId, { toolCallId, approver: 'alice', output: 'x' })).rejects.toThrow(/MCP approval request/);
    await expect(harness.client.approve(workflowId, { toolCallId, approver: 'alice', arguments: { title: 'Other' } })).rejects.toThrow(/cannot be edited/);
    await harness.client.approve(workflowId, { toolCallId, approver: 'alice' });
    const result = await handle.result();
    await recordHistory(handle, 'responses-mcp-approved');
    expect(result.toolCalls[0]).toMatchObject({ kind: 'mcp_approval', approved: true, decision: { type: 'approved', approver: 'alice' } });
    expect(harness.emulator.stats().mcpApprovalResponsesReceived.find((entry) => entry.approval_request_id === toolCallId)).toMatchObject({ approve: true });
    const items = await harness.openai.conversations.items.list(result.threadId, { order: 'asc' });
    expect(items.data.map((item) => item.type)).toContain('mcp_call');
  });

  it('an MCP approval request denied: the provider gets approve: false and the reason', async () => {
    const { workflowId, handle } = await harness.client.start(await harness.agentInput(mcpScript));
    const toolCallId = await pendingCall(harness.client, workflowId);
    await harness.client.deny(workflowId, { toolCallId, approver: 'bob', reason: 'not now' });
    const result = await handle.result();
    expect(result.toolCalls[0]).toMatchObject({ approved: false, decision: { type: 'denied', reason: 'not now' } });
    expect(harness.emulator.stats().mcpApprovalResponsesReceived.find((entry) => entry.approval_request_id === toolCallId)).toMatchObject({ approve: false, reason: 'not now' });
  });

  it('an MCP tool marked auto in toolPolicies is approved without asking', async () => {
    const result = await harness.client.run(await harness.agentInput(mcpScript, { toolPolicies: { 'mcp:github/create_issue': 'auto' } }));
    expect(result.toolCalls[0]).toMatchObject({ approved: true, decision: { type: 'automatic' } });
  });
});

describe('Foundry agents v2: pending calls expire', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness('responses-foundry', { protocol: 'responses', foundry: true, tools: [transfer], emulator: { responseToolExpirySeconds: 2 } });
  });
  afterAll(async () => harness.close());

  it('runs a Foundry agent by name and version', async () => {
    const input = await harness.agentInput({ steps: [{ answer: 'from the agent' }] });
    const result = await harness.client.run(input);
    expect(result.status).toBe('completed');
    const created = harness.emulator.stats().responsesCreated.find((response) => response.id === result.runIds[0]);
    expect(created?.agent).toEqual({ name: (input.agent as { name: string }).name, version: (input.agent as { version: string }).version });
    expect(created?.dialect).toBe('foundry-openai-v1');
  });

  it('a late decision continues on a new response carrying the decided results; the identical call is not asked again', async () => {
    // The script's cursor carries on across the conversation: the continuation asks the same call again.
    const repeating = { steps: [transferScript.steps[0]!, transferScript.steps[0]!, { answer: 'Transfer handled.' }] };
    const { workflowId, handle } = await harness.client.start(await harness.agentInput(repeating));
    const toolCallId = await pendingCall(harness.client, workflowId);
    const waiting = await harness.client.status(workflowId);
    expect(waiting.expiresAt).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await harness.client.approve(workflowId, { toolCallId, approver: 'slow-sam' });
    const result = await handle.result();
    await recordHistory(handle, 'responses-foundry-expired-then-continued');
    expect(result.status).toBe('completed');
    expect(transfers.filter((entry) => entry.key.startsWith(`${workflowId}/`))).toHaveLength(1);
    expect(result.toolCalls.map((call) => call.reused ?? false)).toEqual([false, true]);
    const timeline = (await harness.client.status(workflowId)).timeline.map((entry) => entry.event);
    expect(timeline).toContain('run expired; continuing with a new run on the thread');
    const items = await harness.openai.conversations.items.list(result.threadId, { order: 'asc', limit: 50 });
    const notes = items.data.filter((item) => item.type === 'message').map((item) => (item as { content: Array<{ text?: string }> }).content[0]?.text ?? '');
    expect(notes.find((text) => text.startsWith('[agentrun]'))).toContain('transfer_money({"to":"bob","amount":5}) -> sent 5 to bob');
  });

  it('fails clearly when onExpired is fail', async () => {
    const { workflowId, handle } = await harness.client.start(await harness.agentInput(transferScript, { onExpired: 'fail' }));
    const toolCallId = await pendingCall(harness.client, workflowId);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await harness.client.approve(workflowId, { toolCallId, approver: 'slow-sam' });
    const error = await handle.result().catch((caught: unknown) => caught);
    expect(((error as WorkflowFailedError).cause as { type?: string }).type).toBe('RunExpired');
  });
});
