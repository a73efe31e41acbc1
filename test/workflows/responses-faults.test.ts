/**
 * Every emulator fault kind on every route a Responses turn with a tool round uses: transient ones
 * are retried by Temporal and the turn completes with exactly one model response per workflow step
 * (a create whose answer was lost is found in the conversation, not created again) and one side
 * effect per tool call; quota exhaustion fails clearly.
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

/** The routes a turn with one tool round uses, each faulted once. */
const TURN_ROUTES: Array<Pick<FaultRule, 'method' | 'route'>> = [
  { method: 'POST', route: '/conversations' },
  { method: 'GET', route: '/conversations/{conversation_id}/items' },
  { method: 'POST', route: '/responses' },
  { method: 'GET', route: '/responses/{response_id}' },
];

describe('faults during a Responses turn', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness('responses-faults', { protocol: 'responses', tools: [record], providerTimeoutMs: 500 });
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

  it.each(transient)('completes through $kind on every route, with one response per step and one side effect per call', async (fault) => {
    const input = await harness.agentInput({ steps: [{ tools: [{ name: 'record', arguments: { value: fault.kind } }] }, { answer: 'ok' }] });
    for (const route of TURN_ROUTES) harness.emulator.addFault({ ...fault, ...route, times: route.route === '/responses' ? 2 : 1 });
    const { handle, workflowId } = await harness.client.start(input);
    const result = await handle.result();
    await recordHistory(handle, `responses-fault-${fault.kind}`);
    expect(result.status).toBe('completed');
    expect(result.toolCalls[0]!.output).toBe(`recorded ${fault.kind}`);
    expect(result.messages.at(-1)!.text).toContain(`recorded ${fault.kind}`);
    const stats = harness.emulator.stats();
    expect(stats.faultsInjected[fault.kind]).toBeGreaterThanOrEqual(TURN_ROUTES.length);
    const created = stats.responsesCreated.filter((response) => response.metadata.agentrun_workflow_id === workflowId);
    // One model response per workflow step, whatever was lost on the way.
    expect(created.map((response) => response.metadata.agentrun_step).sort()).toEqual(['1', '2']);
    expect(effects.filter((key) => key.startsWith(`${workflowId}/`))).toHaveLength(1);
    if (fault.kind === 'commit_then_drop') {
      // The creates were answered by nobody: the workflow followed the first from the conversation (the note is the start's).
      const timeline = (await harness.client.status(workflowId)).timeline.map((entry) => entry.event);
      expect(timeline).toContain('found the run created by an earlier attempt (lost response)');
    }
  });

  it('fails clearly, without retrying, when the quota is exhausted', async () => {
    const input = await harness.agentInput({ steps: [{ answer: 'never' }] });
    harness.emulator.addFault({ kind: 'quota', method: 'POST', route: '/responses' });
    const { handle } = await harness.client.start(input);
    const error = await handle.result().catch((caught: unknown) => caught);
    await recordHistory(handle, 'responses-fault-quota');
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause as { type?: string; message: string };
    expect(cause.type).toBe('ProviderQuotaExhausted');
    expect(harness.emulator.stats().faultsInjected.quota).toBe(1);
  });
});
