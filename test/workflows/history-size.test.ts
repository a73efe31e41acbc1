/**
 * Waiting costs O(1) history: a run without tools on a new thread stays under 35 events however
 * long it lasts, because the wait lives in one activity (`watchRun`, held by the worker's watcher;
 * the start that precedes it returns once the run exists). Prints the counts.
 */
import { startHarness, type Harness } from '../support/agentrun-harness';

describe('history size of a run without tools', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness('history-size');
  });
  afterAll(async () => harness.close());

  it('stays under 35 events for a 1 s and a 60 s run (polling every second)', async () => {
    const durations = [1_000, 60_000];
    const counts = await Promise.all(
      durations.map(async (delayMs) => {
        const assistantId = await harness.assistant({ steps: [{ answer: `after ${delayMs} ms`, delay_ms: delayMs }] });
        const { handle } = await harness.client.start({ ...harness.input(assistantId), wait: { mode: 'poll', pollInterval: '1s' } });
        const result = await handle.result();
        expect(result.status).toBe('completed');
        const history = await handle.fetchHistory();
        const polls = harness.emulator.stats().requests['GET /threads/{thread_id}/runs/{run_id}'];
        return { delayMs, events: history.events?.length ?? 0, polls };
      }),
    );
    for (const { delayMs, events } of counts) {
      process.stdout.write(`history events of a no-tool run of ${delayMs / 1000} s (emulated, polled every 1 s): ${events}\n`);
      expect(events).toBeLessThan(35);
    }
    // The long run was really polled many times, yet its history did not grow.
    expect(counts[1]!.events).toBe(counts[0]!.events);
  }, 120_000);
});
