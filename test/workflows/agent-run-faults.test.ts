/**
 * Every emulator fault kind during a run with a tool round: transient ones are retried by Temporal
 * and the run completes with exactly one provider run created; quota exhaustion fails clearly.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { z } from 'zod/v4';
import type { FaultRule } from '../../src/emulator';
import { defineTool } from '../../src/tools/define-tool';
import { startHarness, type Harness } from '../support/agentrun-harness';
import { recordHistory } from '../support/histories';

const effects: string[] = [];
const record = defineTool({
  name: 'record',
  parameters: z.object({ value: z.string() }),
  handler: ({ value }, { idempotencyKey }) => {
    effects.push(idempotencyKey);
    return `recorded ${value}`;
  },
});

/** The routes a run with one tool round uses, each faulted once. */
const RUN_ROUTES: Array<Pick<FaultRule, 'method' | 'route'>> = [
  { method: 'POST', route: '/threads' },
  { method: 'GET', route: '/threads/{thread_id}/runs' },
  { method: 'POST', route: '/threads/{thread_id}/runs' },
  { method: 'GET', route: '/threads/{thread_id}/runs/{run_id}' },
  { method: 'POST', route: '/threads/{thread_id}/runs/{run_id}/submit_tool_outputs' },
  { method: 'GET', route: '/threads/{thread_id}/messages' },
];

describe('faults during a run', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness('faults', { tools: [record], providerTimeoutMs: 500 });
  });
  afterEach(() => harness.emulator.clearFaults());
  afterAll(async () => harness.close());

  const transient: FaultRule[] = [
    { kind: 'rate_limit', retryAfterMs: 100 },
    { kind: 'server_error' },
    { kind: 'unavailable' },
    { kind: 'reset' },
    { kind: 'slow', delayMs: 1_000 },
    { kind: 'commit_then_drop' },
  ];

  it.each(transient)('completes through $kind on every route, with one run created and one side effect per call', async (fault) => {
    const assistantId = await harness.assistant({ steps: [{ tools: [{ name: 'record', arguments: { value: fault.kind } }] }, { answer: 'ok' }] });
    for (const route of RUN_ROUTES) harness.emulator.addFault({ ...fault, ...route, times: 1 });
    const { handle, workflowId } = await harness.client.start(harness.input(assistantId));
    const result = await handle.result();
    await recordHistory(handle, `fault-${fault.kind}`);
    expect(result.status).toBe('completed');
    expect(result.toolCalls[0]!.output).toBe(`recorded ${fault.kind}`);
    expect(result.messages[0]!.text).toContain(`recorded ${fault.kind}`);
    const stats = harness.emulator.stats();
    expect(stats.faultsInjected[fault.kind]).toBeGreaterThanOrEqual(RUN_ROUTES.length);
    expect(stats.runsCreated.filter((run) => run.metadata.agentrun_workflow_id === workflowId)).toHaveLength(1);
    expect(effects.filter((key) => key.startsWith(`${workflowId}/`))).toHaveLength(1);
    const submitted = stats.toolOutputsSubmitted.filter((entry) => entry.run_id === result.runIds[0]);
    expect(submitted).toHaveLength(1);
  });

  it('fails clearly, without retrying, when the quota is exhausted', async () => {
    const assistantId = await harness.assistant({ steps: [{ answer: 'never' }] });
    harness.emulator.addFault({ kind: 'quota', method: 'POST', route: '/threads/{thread_id}/runs' });
    const { handle } = await harness.client.start(harness.input(assistantId));
    const error = await handle.result().catch((caught: unknown) => caught);
    await recordHistory(handle, 'fault-quota');
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause as { type?: string; message: string } | undefined;
    expect(cause?.type).toBe('ProviderQuotaExhausted');
    expect(cause?.message).toContain('exceeded your current quota');
    // The failing workflow looked for a run to clean up, and says what it found.
    expect(cause?.message).toContain('No run of this workflow was left at the provider.');
    expect(harness.emulator.stats().faultsInjected.quota).toBe(1);
  });
});
