/**
 * The watcher: many runs waited on by one worker without holding an activity slot each, on both
 * protocols; cancellation that reaches the provider without waiting for the watcher's heartbeat;
 * the provider budget turning a 429 storm into waiting. (A SIGKILLed watcher's waits taken over by
 * another worker: `watcher-takeover.test.ts`.)
 */
import { CancelledFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { eventually, startHarness, type Harness } from '../support/agentrun-harness';
import { recordHistory } from '../support/histories';
import { TurnWatcher } from '../../src/watcher/turn-watcher';
import { providerBudget } from '../../src/providers/provider-budget';
import { endpointOf } from '../../src/providers/openai-provider';

/** Four activity slots: with a slot per wait, 40 runs would wait in ten waves. */
const SLOTS = 4;
const RUNS = 40;

describe('watcher (threads/runs)', () => {
  let harness: Harness;
  const watcher = new TurnWatcher();

  beforeAll(async () => {
    harness = await startHarness('watcher', { watcher, workerOptions: { maxConcurrentActivityTaskExecutions: SLOTS }, emulator: { stepDelayMs: 30 } });
  });
  afterAll(async () => harness?.close());

  it(`waits on ${RUNS} runs at once on a worker with ${SLOTS} activity slots`, async () => {
    const assistantId = await harness.assistant({ steps: [{ answer: 'done waiting', delay_ms: 3_000 }] });
    const startedAt = Date.now();
    const handles = await Promise.all(Array.from({ length: RUNS }, () => harness.client.start(harness.input(assistantId, { wait: { mode: 'poll', pollInterval: 200 } }))));
    const results = await Promise.all(handles.map(({ handle }) => handle.result()));
    const elapsed = Date.now() - startedAt;
    await recordHistory(handles[0]!.handle, 'watched-poll');
    expect(results.every((result) => result.status === 'completed' && result.messages[0]?.text.includes('done waiting'))).toBe(true);
    // Every run was waited on at once: the watcher held them, not the four slots.
    expect(watcher.stats().peakWatching).toBeGreaterThanOrEqual(RUNS * 0.75);
    expect(watcher.stats().completed).toBeGreaterThanOrEqual(RUNS);
    // One provider run per workflow.
    const workflowIds = new Set(handles.map(({ workflowId }) => workflowId));
    expect(harness.emulator.stats().runsCreated.filter((run) => workflowIds.has(run.metadata.agentrun_workflow_id!))).toHaveLength(RUNS);
    // O(1) history per wait: the wait is one activity however long it takes.
    const history = await handles[0]!.handle.fetchHistory();
    const watched = history.events!.filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'watchRun');
    expect(watched).toHaveLength(1);
    process.stdout.write(`watcher: ${RUNS} runs of 3 s on ${SLOTS} activity slots finished in ${elapsed} ms; peak watched at once ${watcher.stats().peakWatching}; ${history.events!.length} history events per run; heartbeats sent ${watcher.stats().heartbeats}\n`);
  });

  it('cancelling the workflow cancels the run at the provider without waiting for the watcher', async () => {
    const assistantId = await harness.assistant({ steps: [{ answer: 'too slow', delay_ms: 30_000 }] });
    // The watcher heartbeats this wait every 20-30 s: cancellation cannot be reaching it that way.
    const { handle, workflowId } = await harness.client.start(harness.input(assistantId, { wait: { mode: 'poll', pollInterval: 200, takeoverAfter: '60s' } }));
    const running = await eventually(async () => {
      const state = await harness.client.status(workflowId);
      return state.runId && state.providerStatus === 'in_progress' ? state : undefined;
    }, 15_000, 'the run in progress');
    const heartbeatsBefore = watcher.stats().heartbeats;
    const cancelledAt = Date.now();
    await harness.client.cancel(workflowId);
    const error = await handle.result().catch((caught: unknown) => caught);
    const latency = Date.now() - cancelledAt;
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    const run = harness.emulator.stats().runsCreated.find((entry) => entry.id === running.runId)!;
    expect(run.status).toBe('cancelled');
    // The provider heard of it before the watcher did: no heartbeat was needed.
    expect(watcher.stats().heartbeats - heartbeatsBefore).toBeLessThanOrEqual(1);
    // And the watcher lets the turn go (it sees it cancelled).
    await eventually(async () => watcher.stats().watching === 0, 10_000, 'the watcher letting go');
    process.stdout.write(`watcher: cancel reached the provider ${run.status_changed_at_ms! - cancelledAt} ms after the workflow was cancelled (result after ${latency} ms)\n`);
  });

  it('a 429 storm becomes waiting: every run completes, no provider call fails', async () => {
    const budget = providerBudget(endpointOf(harness.providerConfig));
    const before = budget.stats();
    const assistantId = await harness.assistant({ steps: [{ tools: [{ name: 'missing_tool', arguments: {} }] }, { answer: 'after the storm' }] });
    // Every request for the next 60 is refused with 429 and retry-after 200 ms.
    harness.emulator.addFault({ kind: 'rate_limit', times: 60, retryAfterMs: 200 });
    const handles = await Promise.all(Array.from({ length: 10 }, () => harness.client.start(harness.input(assistantId, { unknownTools: 'error' }))));
    const results = await Promise.all(handles.map(({ handle }) => handle.result()));
    harness.emulator.clearFaults();
    expect(results.every((result) => result.status === 'completed')).toBe(true);
    const after = budget.stats();
    expect(after.throttled - before.throttled).toBe(60);
    expect(after.passedOn - before.passedOn).toBe(0);
    // No activity saw a 429: no run reported provider trouble.
    for (const { workflowId } of handles) {
      const state = await harness.client.status(workflowId);
      expect(state.timeline.some((entry) => /RateLimited|429/.test(`${entry.event} ${entry.detail ?? ''}`))).toBe(false);
    }
    process.stdout.write(`provider budget: 60 429s absorbed by waiting (${after.waitedMs - before.waitedMs} ms waited in total across requests)\n`);
  });
});

describe('watcher (Responses, stream)', () => {
  let harness: Harness;
  const watcher = new TurnWatcher();

  beforeAll(async () => {
    harness = await startHarness('watcher-responses', { protocol: 'responses', watcher, workerOptions: { maxConcurrentActivityTaskExecutions: SLOTS } });
  });
  afterAll(async () => harness?.close());

  it('streams many responses from the watcher, re-attached by id, with no polling', async () => {
    const polls = () => harness.emulator.stats().requests['GET /responses/{response_id}'] ?? 0;
    const input = await harness.agentInput({ steps: [{ answer: 'streamed by the watcher', delay_ms: 2_000 }] }, { wait: { mode: 'stream', pollInterval: 100 } });
    const handles = await Promise.all(Array.from({ length: 20 }, () => harness.client.start(input)));
    const results = await Promise.all(handles.map(({ handle }) => handle.result()));
    await recordHistory(handles[0]!.handle, 'responses-watched-stream');
    expect(results.every((result) => result.status === 'completed' && result.messages[0]?.text.includes('streamed by the watcher'))).toBe(true);
    expect(watcher.stats().peakWatching).toBeGreaterThanOrEqual(15);
    const workflowIds = new Set(handles.map(({ workflowId }) => workflowId));
    expect(harness.emulator.stats().responsesCreated.filter((response) => workflowIds.has(response.metadata.agentrun_workflow_id!))).toHaveLength(20);
    // Each wait opened its response's stream (a GET) and followed it; polling every 100 ms for 2 s would be ~20 GETs per run.
    expect(polls()).toBeLessThanOrEqual(40);
  });
});
