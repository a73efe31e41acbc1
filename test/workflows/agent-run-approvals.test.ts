import { WorkflowFailedError } from '@temporalio/client';
import { z } from 'zod/v4';
import { DecisionRejectedError } from '../../src/client';
import { defineTool } from '../../src/tools/define-tool';
import { eventually, startHarness, type Harness, waitingForApproval } from '../support/agentrun-harness';
import { recordHistory } from '../support/histories';

const transfers: Array<{ to: string; amount: number; idempotencyKey: string }> = [];
const transfer = defineTool({
  name: 'transfer_money',
  description: 'Moves money: a person approves every call',
  parameters: z.object({ to: z.string(), amount: z.number().positive() }),
  policy: 'approval',
  handler: ({ to, amount }, { idempotencyKey }) => {
    transfers.push({ to, amount, idempotencyKey });
    return `sent ${amount} to ${to}`;
  },
});
const lookup = defineTool({ name: 'lookup_customer', parameters: z.object({ id: z.string() }), policy: 'external', handler: () => 'never runs on the worker' });

const transferScript = { steps: [{ tools: [{ name: 'transfer_money', arguments: { to: 'bob', amount: 5 } }] }, { answer: 'Transfer handled.' }] };

async function pendingCall(harness: Harness, workflowId: string): Promise<string> {
  const state = await waitingForApproval(harness.client, workflowId);
  return state.pendingApprovals[0]!.toolCallId;
}

describe('approvals and outside outputs', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness('approvals', { tools: [transfer, lookup] });
  });
  afterAll(async () => harness.close());

  it('waits for approval, records the approver, then runs the tool', async () => {
    const assistantId = await harness.assistant(transferScript);
    const { workflowId, handle } = await harness.client.start(harness.input(assistantId));
    const toolCallId = await pendingCall(harness, workflowId);
    const state = await harness.client.status(workflowId);
    expect(state).toMatchObject({ phase: 'waiting_for_approval', providerStatus: 'requires_action' });
    expect(state.pendingApprovals[0]).toMatchObject({ name: 'transfer_money', waitingFor: 'approval', arguments: '{"to":"bob","amount":5}' });

    const listed = await eventually(async () => (await harness.client.listAwaitingApproval()).find((entry) => entry.workflowId === workflowId), 15_000, 'visibility');
    expect(listed).toMatchObject({ pendingApprovals: 1, phase: 'waiting_for_approval', assistantId });

    const settled = await harness.client.approve(workflowId, { toolCallId, approver: 'alice', reason: 'looks right' });
    expect(settled?.decision).toMatchObject({ type: 'approved', approver: 'alice', reason: 'looks right' });
    const result = await handle.result();
    await recordHistory(handle, 'approval-approved');
    expect(result.status).toBe('completed');
    expect(result.toolCalls[0]).toMatchObject({ output: 'sent 5 to bob', decision: { type: 'approved', approver: 'alice' } });
    expect(transfers.find((entry) => entry.idempotencyKey === `${workflowId}/${toolCallId}`)).toMatchObject({ to: 'bob', amount: 5 });
    expect(result.messages[0]!.text).toContain('sent 5 to bob');
  });

  it("tells whoever decides the context: the approval settings, the conversation so far, who asked, when the timeout decides", async () => {
    const assistantId = await harness.assistant({
      steps: [{ tools: [{ name: 'transfer_money', arguments: { to: 'bob', amount: 5 } }] }, { tools: [{ name: 'transfer_money', arguments: { to: 'carol', amount: 7 } }] }, { answer: 'Both handled.' }],
    });
    const input = harness.input(assistantId, {
      thread: { messages: [{ role: 'user', content: 'Pay bob 5 and carol 7' }] },
      metadata: { requested_by: 'dana@acme.test' },
      approval: { approvers: ['alice'], timeout: '1 hour', onTimeout: 'deny' },
    });
    const { workflowId, handle } = await harness.client.start(input);
    const first = await pendingCall(harness, workflowId);
    const waitingFirst = await harness.client.status(workflowId);
    expect(waitingFirst).toMatchObject({
      requestedBy: 'dana@acme.test',
      approval: { approvers: ['alice'], timeout: '1 hour', onTimeout: 'deny', onExpired: 'continue' },
      conversation: [{ kind: 'user', text: 'Pay bob 5 and carol 7' }],
    });
    const decideBy = Date.parse(waitingFirst.pendingApprovals[0]!.decideBy!);
    expect(decideBy - Date.now()).toBeGreaterThan(55 * 60_000);
    expect(decideBy - Date.now()).toBeLessThanOrEqual(60 * 60_000);

    await harness.client.approve(workflowId, { toolCallId: first, approver: 'alice' });
    const second = await eventually(async () => {
      const state = await harness.client.status(workflowId);
      return state.pendingApprovals.find((call) => call.toolCallId !== first) ? state : undefined;
    }, 15_000, 'the second call waiting');
    // The first round is context now: decided, with its output.
    expect(second.conversation).toEqual([
      { kind: 'user', text: 'Pay bob 5 and carol 7' },
      { kind: 'tool_call', call: expect.objectContaining({ toolCallId: first, output: 'sent 5 to bob', decision: expect.objectContaining({ type: 'approved', approver: 'alice' }) }) },
    ]);
    await harness.client.approve(workflowId, { toolCallId: second.pendingApprovals[0]!.toolCallId, approver: 'alice' });
    expect((await handle.result()).status).toBe('completed');
    // Once ended, the query still answers (a replay): the answer read last is in the conversation.
    const ended = await harness.client.status(workflowId);
    expect(ended.conversation?.map((entry) => entry.kind)).toEqual(['user', 'tool_call', 'tool_call', 'assistant']);
  });

  it('runs the tool with arguments a person edited', async () => {
    const assistantId = await harness.assistant(transferScript);
    const { workflowId, handle } = await harness.client.start(harness.input(assistantId));
    const toolCallId = await pendingCall(harness, workflowId);
    await harness.client.approve(workflowId, { toolCallId, approver: 'alice', arguments: { to: 'bob', amount: 3 } });
    const result = await handle.result();
    await recordHistory(handle, 'approval-edited');
    expect(result.toolCalls[0]).toMatchObject({ output: 'sent 3 to bob', decision: { type: 'approved', editedArguments: '{"to":"bob","amount":3}' } });
  });

  it('answers a denial (sent by signal) with the reason the model reads', async () => {
    const assistantId = await harness.assistant(transferScript);
    const { workflowId, handle } = await harness.client.start(harness.input(assistantId));
    const toolCallId = await pendingCall(harness, workflowId);
    await harness.client.deny(workflowId, { toolCallId, approver: 'carol', reason: 'bob is not a customer' }, 'signal');
    const result = await handle.result();
    await recordHistory(handle, 'approval-denied');
    expect(result.toolCalls[0]).toMatchObject({ isError: true, decision: { type: 'denied', approver: 'carol', reason: 'bob is not a customer' } });
    expect(result.messages[0]!.text).toContain('bob is not a customer');
    expect(transfers.some((entry) => entry.idempotencyKey === `${workflowId}/${toolCallId}`)).toBe(false);
  });

  it('takes an output from outside for an external tool', async () => {
    const assistantId = await harness.assistant({ steps: [{ tools: [{ name: 'lookup_customer', arguments: { id: 'c-1' } }] }, { answer: 'Found.' }] });
    const { workflowId, handle } = await harness.client.start(harness.input(assistantId));
    const toolCallId = await pendingCall(harness, workflowId);
    expect((await harness.client.status(workflowId)).phase).toBe('waiting_for_output');
    await expect(harness.client.approve(workflowId, { toolCallId, approver: 'crm' })).rejects.toThrow(/waits for an output from outside/);
    await harness.client.submitOutput(workflowId, { toolCallId, approver: 'crm-sync', output: '{"name":"Ada"}' });
    const result = await handle.result();
    await recordHistory(handle, 'outside-output');
    expect(result.toolCalls[0]).toMatchObject({ output: '{"name":"Ada"}', decision: { type: 'output_supplied', approver: 'crm-sync' } });
  });

  it('answers a decision sent again (as after an RPC timeout) with its one outcome, decided once', async () => {
    // The answer after the approval takes 3 s, so the run is still going when the decision is resent.
    const assistantId = await harness.assistant({ steps: [transferScript.steps[0]!, { answer: 'Transfer handled.', delay_ms: 3_000 }] });
    const { workflowId, handle } = await harness.client.start(harness.input(assistantId));
    const toolCallId = await pendingCall(harness, workflowId);
    const first = await harness.client.approve(workflowId, { toolCallId, approver: 'alice', reason: 'ok' });
    const again = await harness.client.approve(workflowId, { toolCallId, approver: 'alice', reason: 'ok' });
    expect(again).toEqual(first);
    const result = await handle.result();
    expect(result.toolCalls).toHaveLength(1);
    const history = await handle.fetchHistory();
    expect(history.events?.filter((event) => event.workflowExecutionUpdateAcceptedEventAttributes).length).toBe(1);
  });

  it('rejects bad decisions to their sender, and keeps waiting', async () => {
    const assistantId = await harness.assistant(transferScript);
    const { workflowId, handle } = await harness.client.start(harness.input(assistantId, { approval: { approvers: ['alice'] } }));
    const toolCallId = await pendingCall(harness, workflowId);

    await expect(harness.client.approve(workflowId, { toolCallId: 'call_nope', approver: 'alice' })).rejects.toThrow(DecisionRejectedError);
    await expect(harness.client.approve(workflowId, { toolCallId: 'call_nope', approver: 'alice' })).rejects.toThrow(/No tool call call_nope is waiting.*Waiting: call_/);
    await expect(harness.client.approve(workflowId, { toolCallId, approver: 'mallory' })).rejects.toThrow(/Approver "mallory" may not decide/);
    await expect(harness.client.deny(workflowId, { toolCallId, approver: 'alice', reason: '' })).rejects.toThrow(/reason/);
    await expect(harness.client.approve(workflowId, { toolCallId, approver: 'alice', arguments: '[1,2]' })).rejects.toThrow(/JSON object/);
    // A malformed signal cannot answer its sender: it is logged and kept in the timeline.
    await harness.client.handle(workflowId).signal('approveToolCall', { toolCallId, approver: 42 } as never);

    await harness.client.approve(workflowId, { toolCallId, approver: 'alice' });
    await expect(harness.client.deny(workflowId, { toolCallId, approver: 'alice', reason: 'too late' })).rejects.toThrow(/No tool call .* is waiting|already decided/);
    const result = await handle.result();
    await recordHistory(handle, 'rejected-decisions');
    expect(result.status).toBe('completed');
    const timeline = (await harness.client.status(workflowId)).timeline;
    expect(timeline.some((entry) => entry.event === 'rejected a decision signal' && /approver/.test(entry.detail ?? ''))).toBe(true);
  });

  it.each([
    ['deny', 'completed'],
    ['cancel', 'cancelled'],
  ] as const)('on approval timeout %s: the run ends %s', async (onTimeout, status) => {
    const assistantId = await harness.assistant(transferScript);
    const { handle } = await harness.client.start(harness.input(assistantId, { approval: { timeout: '1s', onTimeout } }));
    const result = await handle.result();
    await recordHistory(handle, `approval-timeout-${onTimeout}`);
    expect(result.status).toBe(status);
    expect(result.toolCalls[0]!.decision).toMatchObject({ type: 'timed_out' });
    if (onTimeout === 'deny') expect(result.messages[0]!.text).toContain('not_approved');
    if (onTimeout === 'cancel') {
      const run = await harness.openai.beta.threads.runs.retrieve(result.runIds[0]!, { thread_id: result.threadId });
      expect(run.status).toBe('cancelled');
    }
  });

  it('on approval timeout fail: cancels the run and fails', async () => {
    const assistantId = await harness.assistant(transferScript);
    const { handle } = await harness.client.start(harness.input(assistantId, { approval: { timeout: '1s', onTimeout: 'fail' } }));
    const error = await handle.result().catch((caught: unknown) => caught);
    await recordHistory(handle, 'approval-timeout-fail');
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(((error as WorkflowFailedError).cause as { type?: string }).type).toBe('ApprovalTimedOut');
    const state = await harness.client.status(handle.workflowId);
    const run = await harness.openai.beta.threads.runs.retrieve(state.runId!, { thread_id: state.threadId! });
    expect(run.status).toBe('cancelled');
  });
});

describe('expiry is not loss', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness('expiry', { tools: [transfer], emulator: { runExpirySeconds: 2 } });
  });
  afterAll(async () => harness.close());

  it('continues with a new run that carries the late decision, and reuses it for the same call', async () => {
    const assistantId = await harness.assistant(transferScript);
    const { workflowId, handle } = await harness.client.start(harness.input(assistantId));
    const toolCallId = await pendingCall(harness, workflowId);
    const first = await harness.client.status(workflowId);
    await eventually(async () => (await harness.openai.beta.threads.runs.retrieve(first.runId!, { thread_id: first.threadId! })).status === 'expired', 10_000, 'expiry');

    await harness.client.approve(workflowId, { toolCallId, approver: 'slow-sam' });
    const result = await handle.result();
    await recordHistory(handle, 'expired-then-continued');
    expect(result.status).toBe('completed');
    expect(result.runIds).toHaveLength(2);
    // The late-approved transfer ran once; the continuation's identical call reused its output.
    expect(transfers.filter((entry) => entry.idempotencyKey.startsWith(`${workflowId}/`))).toHaveLength(1);
    expect(result.toolCalls.map((call) => ({ runId: call.runId, reused: call.reused ?? false }))).toEqual([
      { runId: result.runIds[0], reused: false },
      { runId: result.runIds[1], reused: true },
    ]);
    const thread = await harness.openai.beta.threads.messages.list(result.threadId, { order: 'asc' });
    const note = thread.data.map((message) => (message.content[0]?.type === 'text' ? message.content[0].text.value : '')).find((text) => text.startsWith('[agentrun]'));
    expect(note).toContain(`expired while its tool calls were being decided`);
    expect(note).toContain('transfer_money({"to":"bob","amount":5}) -> sent 5 to bob');
  });

  it('fails clearly when onExpired is fail', async () => {
    const assistantId = await harness.assistant(transferScript);
    const { workflowId, handle } = await harness.client.start(harness.input(assistantId, { onExpired: 'fail' }));
    const toolCallId = await pendingCall(harness, workflowId);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await harness.client.approve(workflowId, { toolCallId, approver: 'slow-sam' });
    const error = await handle.result().catch((caught: unknown) => caught);
    await recordHistory(handle, 'expired-then-failed');
    expect(((error as WorkflowFailedError).cause as { type?: string; message: string }).type).toBe('RunExpired');
  });
});
