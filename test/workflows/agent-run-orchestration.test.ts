import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { z } from 'zod/v4';
import { defineTool } from '../../src/tools/define-tool';
import { eventually, startHarness, type Harness, waitingForApproval } from '../support/agentrun-harness';
import { recordHistory } from '../support/histories';

const echo = defineTool({ name: 'echo', parameters: z.object({ text: z.string() }), idempotent: true, handler: ({ text }) => text });
const approveMe = defineTool({ name: 'approve_me', parameters: z.object({}), policy: 'approval', handler: () => 'ok' });

function failureType(error: unknown): string | undefined {
  return error instanceof WorkflowFailedError ? (error.cause as { type?: string } | undefined)?.type : undefined;
}

describe('orchestration', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness('orchestration', { tools: [echo, approveMe] });
  });
  afterAll(async () => harness.close());

  /** A thread with a run of someone else's that stays active for `ms`. */
  async function busyThread(ms: number): Promise<{ threadId: string; otherRunId: string }> {
    const other = await harness.assistant({ steps: [{ answer: 'someone else', delay_ms: ms }] });
    const thread = await harness.openai.beta.threads.create({ messages: [{ role: 'user', content: 'first' }] });
    const run = await harness.openai.beta.threads.runs.create(thread.id, { assistant_id: other });
    return { threadId: thread.id, otherRunId: run.id };
  }

  it.each(['wait', 'cancel'] as const)('on a busy thread with onActiveRun %s, runs after the other run ends', async (onActiveRun) => {
    const { threadId, otherRunId } = await busyThread(1_500);
    const assistantId = await harness.assistant({ steps: [{ answer: 'mine' }] });
    const { handle } = await harness.client.start(
      harness.input(assistantId, { thread: undefined, threadId, additionalMessages: [{ role: 'user', content: 'second' }], onActiveRun }),
    );
    const result = await handle.result();
    await recordHistory(handle, `busy-thread-${onActiveRun}`);
    expect(result.status).toBe('completed');
    const other = await harness.openai.beta.threads.runs.retrieve(otherRunId, { thread_id: threadId });
    expect(other.status).toBe(onActiveRun === 'wait' ? 'completed' : 'cancelled');
    const state = await harness.client.status(handle.workflowId);
    expect(state.timeline.some((entry) => entry.detail === otherRunId)).toBe(true);
  });

  it('on a busy thread with onActiveRun fail, fails with ThreadBusy, never the raw 400', async () => {
    const { threadId, otherRunId } = await busyThread(3_000);
    const assistantId = await harness.assistant({ steps: [{ answer: 'mine' }] });
    const { handle } = await harness.client.start(harness.input(assistantId, { thread: undefined, threadId, onActiveRun: 'fail' }));
    const error = await handle.result().catch((caught: unknown) => caught);
    await recordHistory(handle, 'busy-thread-fail');
    // The workflow fails with the cause itself, not "Activity task failed" around it.
    const cause = (error as WorkflowFailedError).cause as { type?: string; message: string } | undefined;
    expect(cause?.type).toBe('ThreadBusy');
    expect(cause?.message).toContain(`already has an active run ${otherRunId}`);
    expect(cause?.message).toContain('onActiveRun');
  });

  it('cancelling the workflow cancels the run at the provider and reports cancelled', async () => {
    const assistantId = await harness.assistant({ steps: [{ answer: 'too slow', delay_ms: 20_000 }] });
    const { handle, workflowId } = await harness.client.start(harness.input(assistantId));
    const running = await eventually(async () => {
      const state = await harness.client.status(workflowId);
      return state.runId && state.providerStatus === 'in_progress' ? state : undefined;
    }, 15_000, 'the run in progress');
    await harness.client.cancel(workflowId);
    const error = await handle.result().catch((caught: unknown) => caught);
    await recordHistory(handle, 'cancelled');
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    const run = await harness.openai.beta.threads.runs.retrieve(running.runId!, { thread_id: running.threadId! });
    expect(run.status).toBe('cancelled');
    const state = await harness.client.status(workflowId);
    expect(state.phase).toBe('cancelled');
    expect((await handle.describe()).status.name).toBe('CANCELLED');
  });

  it('cancelling while an approval is pending cancels the run too', async () => {
    const assistantId = await harness.assistant({ steps: [{ tools: [{ name: 'approve_me', arguments: {} }] }, { answer: 'never' }] });
    const { handle, workflowId } = await harness.client.start(harness.input(assistantId));
    const waiting = await waitingForApproval(harness.client, workflowId);
    await harness.client.cancel(workflowId);
    await handle.result().catch(() => undefined);
    const run = await harness.openai.beta.threads.runs.retrieve(waiting.runId!, { thread_id: waiting.threadId! });
    expect(run.status).toBe('cancelled');
    // Nothing waits for a person any more: the listing of runs awaiting approval must drop it.
    expect((await harness.client.status(workflowId)).pendingApprovals).toEqual([]);
    expect(((await handle.describe()).searchAttributes as Record<string, unknown[]>).AgentRunPendingApprovals).toEqual([0]);
  });

  it('continues as new with ids and decisions only, and finishes the same run', async () => {
    const rounds = Array.from({ length: 8 }, (_, index) => ({ tools: [{ name: 'echo', arguments: { text: `r${index + 1}` } }] }));
    const assistantId = await harness.assistant({ steps: [...rounds, { answer: 'done' }] });
    const { handle, workflowId } = await harness.client.start(harness.input(assistantId, { continueAsNewAfterEvents: 60 }));
    const result = await handle.result();
    await recordHistory(harness.client.client.workflow.getHandle(workflowId, handle.firstExecutionRunId), 'continue-as-new');
    expect(result).toMatchObject({ status: 'completed', rounds: 8 });
    expect(result.runIds).toHaveLength(1);
    expect(result.toolCalls.map((call) => call.output)).toEqual(rounds.map((_, index) => `r${index + 1}`));
    const description = await handle.describe();
    expect(description.runId).not.toBe(handle.firstExecutionRunId);
    const state = await harness.client.status(workflowId);
    expect(state.timeline.some((entry) => entry.event.startsWith('continued as new'))).toBe(true);
    const created = harness.emulator.stats().runsCreated.filter((run) => run.metadata.agentrun_workflow_id === workflowId);
    expect(created).toHaveLength(1);
  });

  it('streams: waits by consuming the stream instead of polling', async () => {
    const assistantId = await harness.assistant({ steps: [{ tools: [{ name: 'echo', arguments: { text: 'streamed' } }] }, { answer: 'via stream' }] });
    const polls = () => harness.emulator.stats().requests['GET /threads/{thread_id}/runs/{run_id}'] ?? 0;
    const before = polls();
    const { handle } = await harness.client.start(harness.input(assistantId, { wait: { mode: 'stream', pollInterval: 50 } }));
    const result = await handle.result();
    await recordHistory(handle, 'streamed');
    expect(result.status).toBe('completed');
    expect(result.messages[0]!.text).toContain('via stream');
    expect(result.toolCalls[0]!.output).toBe('streamed');
    expect(polls() - before).toBe(0);
  });

  it('stops at the round limit: cancels the run and fails', async () => {
    const assistantId = await harness.assistant({ steps: [{ tools: [{ name: 'echo', arguments: { text: '1' } }] }, { tools: [{ name: 'echo', arguments: { text: '2' } }] }, { answer: 'x' }] });
    const { handle } = await harness.client.start(harness.input(assistantId, { maxToolRounds: 1 }));
    const error = await handle.result().catch((caught: unknown) => caught);
    await recordHistory(handle, 'round-limit');
    expect(failureType(error)).toBe('ToolRoundLimitExceeded');
    const state = await harness.client.status(handle.workflowId);
    const run = await harness.openai.beta.threads.runs.retrieve(state.runId!, { thread_id: state.threadId! });
    expect(run.status).toBe('cancelled');
  });

  it('stops at the deadline: cancels the run and fails', async () => {
    const assistantId = await harness.assistant({ steps: [{ answer: 'slow', delay_ms: 20_000 }] });
    const { handle } = await harness.client.start(harness.input(assistantId, { deadline: '2s' }));
    const error = await handle.result().catch((caught: unknown) => caught);
    await recordHistory(handle, 'deadline');
    expect(failureType(error)).toBe('DeadlineExceeded');
    const state = await harness.client.status(handle.workflowId);
    const run = await harness.openai.beta.threads.runs.retrieve(state.runId!, { thread_id: state.threadId! });
    expect(run.status).toBe('cancelled');
  });
});
