/**
 * A worker whose watcher holds many waits is killed with SIGKILL; another worker takes the waits
 * over once their heartbeat timeout (`wait.takeoverAfter`) passes, watching the same provider runs:
 * every run completes and no provider run is created twice. And a worker that shuts down
 * gracefully hands its waits back, so another worker resumes them at once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { eventually, startHarness, type Harness } from '../support/agentrun-harness';
import { temporalAddress } from '../support/temporal';
import type { TurnWatcherStats } from '../../src/watcher/turn-watcher';

const RUNS = 30;

interface WatchWorker {
  child: ChildProcess;
  stats: () => TurnWatcherStats | undefined;
}

describe('watcher takeover', () => {
  let harness: Harness;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    harness = await startHarness('watcher-takeover', { worker: false });
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await harness?.close();
  });

  async function startWorker(): Promise<WatchWorker> {
    const child = spawn(process.execPath, [path.join(__dirname, '..', 'fixtures', 'watch-worker.js')], {
      env: { ...process.env, TEMPORAL_ADDRESS: temporalAddress(), WATCH_TASK_QUEUE: harness.temporal.taskQueue, AGENTRUN_PROVIDER: 'emulator', AGENTRUN_EMULATOR_URL: harness.emulator.url, AGENTRUN_EMULATOR_API_KEY: harness.emulator.apiKey },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    let latest: TurnWatcherStats | undefined;
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) if (line.startsWith('stats ')) latest = JSON.parse(line.slice(6)) as TurnWatcherStats;
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('worker ready') && resolve());
      child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
    });
    return { child, stats: () => latest };
  }

  /** SIGKILLs the worker process itself and checks it is gone. */
  async function kill(child: ChildProcess): Promise<void> {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    expect(() => process.kill(child.pid!, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  }

  function runsOf(workflowIds: Set<string>) {
    return harness.emulator.stats().runsCreated.filter((run) => workflowIds.has(run.metadata.agentrun_workflow_id!));
  }

  it(`a SIGKILLed worker's ${RUNS} waits are taken over by another worker, with no provider run created twice`, async () => {
    const assistantId = await harness.assistant({ steps: [{ answer: 'survived the watcher', delay_ms: 12_000 }] });
    const first = await startWorker();
    const handles = await Promise.all(Array.from({ length: RUNS }, () => harness.client.start(harness.input(assistantId, { wait: { mode: 'poll', pollInterval: 200, takeoverAfter: '5s' } }))));
    await eventually(async () => (first.stats()?.watching ?? 0) >= RUNS, 30_000, 'the first worker watching every run');
    await kill(first.child);
    const killedAt = Date.now();

    const second = await startWorker();
    const results = await Promise.all(handles.map(({ handle }) => handle.result()));
    expect(results.every((result) => result.status === 'completed' && result.messages[0]?.text === 'survived the watcher')).toBe(true);
    // The second worker's watcher finished the waits the first one held.
    expect(second.stats()!.adopted).toBeGreaterThanOrEqual(RUNS);
    // One provider run per workflow: taking over watched the same runs, it created none.
    const workflowIds = new Set(handles.map(({ workflowId }) => workflowId));
    expect(runsOf(workflowIds)).toHaveLength(RUNS);
    process.stdout.write(`watcher takeover: ${RUNS} waits taken over and completed ${Date.now() - killedAt} ms after the SIGKILL (takeoverAfter 5 s; the runs took 12 s)\n`);
    second.child.kill('SIGTERM');
    await new Promise((resolve) => second.child.once('exit', resolve));
  });

  it('a worker shutting down hands its waits back: another resumes them without waiting for the takeover timeout', async () => {
    const assistantId = await harness.assistant({ steps: [{ answer: 'handed back', delay_ms: 6_000 }] });
    const first = await startWorker();
    const handles = await Promise.all(Array.from({ length: 10 }, () => harness.client.start(harness.input(assistantId, { wait: { mode: 'poll', pollInterval: 200, takeoverAfter: '10m' } }))));
    await eventually(async () => (first.stats()?.watching ?? 0) >= 10, 30_000, 'the first worker watching every run');
    const second = await startWorker();
    first.child.kill('SIGTERM');
    await new Promise((resolve) => first.child.once('exit', resolve));
    // With a 10-minute takeover timeout, only a hand-back lets these finish within the test.
    const results = await Promise.all(handles.map(({ handle }) => handle.result()));
    expect(results.every((result) => result.status === 'completed')).toBe(true);
    expect(second.stats()!.adopted).toBeGreaterThanOrEqual(10);
    expect(runsOf(new Set(handles.map(({ workflowId }) => workflowId)))).toHaveLength(10);
    second.child.kill('SIGTERM');
  });
});
