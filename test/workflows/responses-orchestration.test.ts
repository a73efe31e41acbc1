/**
 * Orchestration on the Responses API: a conversation busy with another response (wait, fail,
 * cancel), cancelling the workflow (the response is cancelled at the provider and re-read), the
 * deadline, the round limit, and continue-as-new.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { z } from 'zod/v4';
import { defineTool } from '../../src/tools/define-tool';
import { eventually, startHarness, type Harness, waitingForApproval } from '../support/agentrun-harness';
import { recordHistory } from '../support/histories';

const echo = defineTool({ name: 'echo', parameters: z.object({ text: z.string() }), idempotent: true, handler: ({ text }) => text });
const approveMe = defineTool({ name: 'approve_me', parameters: z.object({}), policy: 'approval', handler: () => 'ran' });

describe('orchestration on the Responses API', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness('responses-orchestration', { protocol: 'responses', tools: [echo, approveMe] });
  });
  afterAll(async () => harness.close());

  /** A conversation with someone else's slow background response running on it. */
  async function busyConversation(delayMs: number): Promise<{ conversationId: string; otherId: string }> {
    const conversation = await harness.openai.conversations.create({});
    const other = await harness.openai.responses.create({
      model: 'gpt-4o',
      input: 'someone else',
      conversation: conversation.id,
      background: true,
      store: true,
      metadata: { emulator_script: JSON.stringify({ steps: [{ answer: 'theirs', delay_ms: delayMs }] }) },
    });
    return { conversationId: conversation.id, otherId: other.id };
  }

  it.each(['wait', 'cancel'] as const)('on a busy conversation with onActiveRun %s, waits for the other response, then runs', async (onActiveRun) => {
    const { conversationId, otherId } = await busyConversation(1_500);
    const input = await harness.agentInput({ steps: [{ answer: 'mine' }] }, { thread: undefined, conversation: { conversationId }, additionalMessages: [{ role: 'user', content: 'Mine' }], onActiveRun });
    const { handle, workflowId } = await harness.client.start(input);
    const result = await handle.result();
    if (onActiveRun === 'wait') await recordHistory(handle, 'responses-busy-conversation-wait');
    expect(result.status).toBe('completed');
    expect((await harness.openai.responses.retrieve(otherId)).status).toBe('completed');
    const timeline = (await harness.client.status(workflowId)).timeline;
    expect(timeline.some((entry) => entry.event === (onActiveRun === 'cancel' ? 'cancelled the active run on the thread' : 'waited for the active run on the thread'))).toBe(true);
  });

  it('on a busy conversation with onActiveRun fail, fails with ThreadBusy naming the conversation', async () => {
    const { conversationId } = await busyConversation(3_000);
    const input = await harness.agentInput({ steps: [{ answer: 'mine' }] }, { thread: undefined, conversation: { conversationId }, additionalMessages: [{ role: 'user', content: 'Mine' }], onActiveRun: 'fail' });
    const { handle } = await harness.client.start(input);
    const error = await handle.result().catch((caught: unknown) => caught);
    await recordHistory(handle, 'responses-busy-conversation-fail');
    const cause = (error as WorkflowFailedError).cause as { type?: string; message: string };
    expect(cause.type).toBe('ThreadBusy');
    expect(cause.message).toContain(`Conversation ${conversationId} is busy with another response`);
  });

  it('cancelling the workflow cancels the running response at the provider', async () => {
    const { handle, workflowId } = await harness.client.start(await harness.agentInput({ steps: [{ answer: 'too slow', delay_ms: 20_000 }] }));
    const running = await eventually(async () => {
      const state = await harness.client.status(workflowId);
      return state.runId?.startsWith('resp_') ? state : undefined;
    });
    await harness.client.cancel(workflowId);
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    await recordHistory(handle, 'responses-cancelled');
    expect((await harness.openai.responses.retrieve(running.runId!)).status).toBe('cancelled');
  });

  it('cancelling while a call waits for approval ends the turn; nothing runs at the provider', async () => {
    const { handle, workflowId } = await harness.client.start(await harness.agentInput({ steps: [{ tools: [{ name: 'approve_me', arguments: {} }] }, { answer: 'never' }] }));
    const waiting = await waitingForApproval(harness.client, workflowId);
    await harness.client.cancel(workflowId);
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    expect((await harness.client.status(workflowId)).pendingApprovals).toEqual([]);
    const created = harness.emulator.stats().responsesCreated.filter((response) => response.metadata.agentrun_workflow_id === workflowId);
    expect(created.map((response) => response.id)).toEqual([waiting.runId]);
    expect(created.every((response) => ['completed', 'cancelled'].includes(response.status))).toBe(true);
  });

  it('stops at the deadline: cancels the response and fails', async () => {
    const { handle } = await harness.client.start(await harness.agentInput({ steps: [{ answer: 'too slow', delay_ms: 20_000 }] }, { deadline: '1s' }));
    const error = await handle.result().catch((caught: unknown) => caught);
    await recordHistory(handle, 'responses-deadline');
    expect(((error as WorkflowFailedError).cause as { type?: string }).type).toBe('DeadlineExceeded');
    const state = await harness.client.status(handle.workflowId);
    expect((await harness.openai.responses.retrieve(state.runId!)).status).toBe('cancelled');
  });

  it('stops at the round limit', async () => {
    const rounds = Array.from({ length: 4 }, (_, index) => ({ tools: [{ name: 'echo', arguments: { text: `r${index}` } }] }));
    const { handle } = await harness.client.start(await harness.agentInput({ steps: [...rounds, { answer: 'never' }] }, { maxToolRounds: 2 }));
    const error = await handle.result().catch((caught: unknown) => caught);
    await recordHistory(handle, 'responses-round-limit');
    expect(((error as WorkflowFailedError).cause as { type?: string }).type).toBe('ToolRoundLimitExceeded');
  });

  it('continues as new with ids and decisions only, and finishes the same turn', async () => {
    const rounds = Array.from({ length: 6 }, (_, index) => ({ tools: [{ name: 'echo', arguments: { text: `r${index + 1}` } }] }));
    const { handle, workflowId } = await harness.client.start(await harness.agentInput({ steps: [...rounds, { answer: 'done' }] }, { continueAsNewAfterEvents: 60 }));
    const result = await handle.result();
    await recordHistory(harness.client.client.workflow.getHandle(workflowId, handle.firstExecutionRunId), 'responses-continue-as-new');
    expect(result).toMatchObject({ status: 'completed', rounds: 6 });
    expect(result.toolCalls.map((call) => call.output)).toEqual(rounds.map((_, index) => `r${index + 1}`));
    const created = harness.emulator.stats().responsesCreated.filter((response) => response.metadata.agentrun_workflow_id === workflowId);
    expect(created.map((response) => response.metadata.agentrun_step)).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    const timeline = (await harness.client.status(workflowId)).timeline.map((entry) => entry.event);
    expect(timeline.some((event) => event.startsWith('continued as new'))).toBe(true);
  });
});

describe('a response stuck in queued', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness('responses-stuck', { protocol: 'responses', tools: [echo] });
  });
  afterAll(async () => harness.close());

  it('is cancelled after wait.queuedTimeout and the workflow fails with ProviderTurnStuck', async () => {
    const input = await harness.agentInput({ queued_ms: 120_000, steps: [{ answer: 'never' }] }, { wait: { mode: 'poll', pollInterval: 200, queuedTimeout: '2s' } });
    const { handle, workflowId } = await harness.client.start(input);
    const error = await handle.result().catch((caught: unknown) => caught);
    const cause = (error as WorkflowFailedError).cause as { type?: string; message: string };
    expect(cause.type).toBe('ProviderTurnStuck');
    expect(cause.message).toMatch(/stayed queued for more than 2 s \(wait\.queuedTimeout\); it was cancelled at the provider/);
    const created = harness.emulator.stats().responsesCreated.filter((response) => response.metadata.agentrun_workflow_id === workflowId);
    expect(created.map((response) => response.status)).toEqual(['cancelled']);
  });
});
