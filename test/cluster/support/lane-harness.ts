/**
 * agentrun on a native cluster: the emulator and the typed client in the test process (the
 * default suite's harness, pointed at the cluster's frontend), and agentrun workers as separate
 * processes (test/fixtures/crash-worker.js: its tool records every attempt and deduplicates its
 * side effect by the idempotency key agentrun hands it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { AgentRunResult } from '../../../src/shared/run-types';
import { startHarness, type Harness } from '../../support/agentrun-harness';
import type { NativeCluster } from './native-cluster';
import { supervise, type SupervisedProcess } from './supervised-process';

/** The emulator script of every run: two tool rounds (three calls), then an answer. */
export const TOOL_ROUNDS_SCRIPT = {
  steps: [{ tools: [{ name: 'charge_card', arguments: { cents: 100 } }, { name: 'charge_card', arguments: { cents: 250 } }] }, { tools: [{ name: 'charge_card', arguments: { cents: 5 } }] }, { answer: 'paid' }],
};
/** What each run's tool calls return, in order, when the side effect happened once. */
export const TOOL_ROUNDS_OUTPUTS = ['charged 100', 'charged 250', 'charged 5'];

/** A line of the worker fixture's attempts or effects file. */
export interface LedgerLine {
  key: string;
  pid?: number;
  tool?: string;
}

/** The test process's side of a lane test file. */
export interface Lane {
  harness: Harness;
  /** Holds the workers' attempts.jsonl and effects.jsonl. */
  directory: string;
  attempts(): LedgerLine[];
  effects(): LedgerLine[];
  /** Starts a worker process on the harness's task queue; resolves once it polls. */
  startWorker(): Promise<SupervisedProcess>;
  workers: SupervisedProcess[];
  close(): Promise<void>;
}

/** The harness (emulator, client) against `cluster`, and a folder for the workers' ledgers. */
export async function startLane(label: string, cluster: NativeCluster): Promise<Lane> {
  // The default suite's harness reads the server's address from the environment; put back the
  // shared cluster's (global-setup.ts) on close, for the files that run after this one.
  const shared = { address: process.env.AGENTRUN_TEST_TEMPORAL_ADDRESS, namespace: process.env.AGENTRUN_TEST_TEMPORAL_NAMESPACE };
  process.env.AGENTRUN_TEST_TEMPORAL_ADDRESS = cluster.address;
  process.env.AGENTRUN_TEST_TEMPORAL_NAMESPACE = cluster.namespace;
  const harness = await startHarness(label, { worker: false, emulator: { stepDelayMs: 300 } });
  const directory = path.join(cluster.directory, `workers-${label}`);
  fs.mkdirSync(directory, { recursive: true });
  const attemptsFile = path.join(directory, 'attempts.jsonl');
  const effectsFile = path.join(directory, 'effects.jsonl');
  const workers: SupervisedProcess[] = [];
  return {
    harness,
    directory,
    attempts: () => ledger(attemptsFile),
    effects: () => ledger(effectsFile),
    workers,
    async startWorker() {
      const worker = await supervise(`worker-${workers.length + 1}`, process.execPath, [path.join(__dirname, '..', '..', 'fixtures', 'crash-worker.js')], {
        logFile: path.join(directory, `worker-${workers.length + 1}.log`),
        forwardOutput: true,
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: cluster.address,
          TEMPORAL_NAMESPACE: cluster.namespace,
          CRASH_TASK_QUEUE: harness.temporal.taskQueue,
          CRASH_EFFECTS_FILE: effectsFile,
          CRASH_ATTEMPTS_FILE: attemptsFile,
          AGENTRUN_PROVIDER: 'emulator',
          AGENTRUN_EMULATOR_URL: harness.emulator.url,
          AGENTRUN_EMULATOR_API_KEY: harness.emulator.apiKey,
        },
      });
      workers.push(worker);
      await worker.waitForOutput('worker ready', 60_000);
      return worker;
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.stop()));
      await harness.close();
      for (const [name, value] of [['AGENTRUN_TEST_TEMPORAL_ADDRESS', shared.address], ['AGENTRUN_TEST_TEMPORAL_NAMESPACE', shared.namespace]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    },
  };
}

/**
 * The run's result, waiting through a server that is down or failing over: the client's own
 * retries give up after a few seconds, so an unavailable server is asked again until `deadline`.
 */
export async function resultBy(handle: WorkflowHandle, deadline: number): Promise<AgentRunResult> {
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      return (await handle.result()) as AgentRunResult;
    } catch (error) {
      // A run that failed is an answer, not an outage.
      if ((error as Error).name === 'WorkflowFailedError') throw error;
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  throw new Error(`${handle.workflowId} did not complete in time (last error: ${String(lastError)})`);
}

/** Counts how many of `handles` have closed, asking each through outages; resolves when all have or at `deadline`. */
export async function completions(handles: WorkflowHandle[], deadline: number, onProgress?: (done: number) => void): Promise<{ done: number; results: Array<AgentRunResult | undefined> }> {
  const results: Array<AgentRunResult | undefined> = handles.map(() => undefined);
  let done = 0;
  await Promise.all(
    handles.map(async (handle, index) => {
      results[index] = await resultBy(handle, deadline).catch(() => undefined);
      if (results[index]) {
        done += 1;
        onProgress?.(done);
      }
    }),
  );
  return { done, results };
}

function ledger(file: string): LedgerLine[] {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as LedgerLine) : [];
}

/** Polls `probe` until it returns a truthy value. */
export { eventually } from '../../support/agentrun-harness';

/** What {@link checkRunsOnce} found, for the test's report line. */
export interface OnceReport {
  runs: number;
  toolCalls: number;
  attempts: number;
  workerPids: number;
  providerRuns: number;
}

/**
 * The checks every lane test makes on its runs: each completed with its three tool outputs, the
 * emulator saw exactly one provider run created per workflow (the threads/runs protocol submits
 * tool outputs to the same run: a second run would be a duplicate), and each tool call's side
 * effect happened once, however often the call was attempted.
 */
export function checkRunsOnce(lane: Lane, workflowIds: string[], results: Array<AgentRunResult | undefined>): OnceReport {
  expect(results.filter((result) => result === undefined)).toHaveLength(0);
  for (const result of results) {
    expect(result!.status).toBe('completed');
    expect(result!.toolCalls.map((call) => call.output?.replace(' (deduplicated)', ''))).toEqual(TOOL_ROUNDS_OUTPUTS);
  }
  const stats = lane.harness.emulator.stats();
  for (const workflowId of workflowIds) {
    const runs = stats.runsCreated.filter((run) => run.metadata.agentrun_workflow_id === workflowId);
    expect({ workflowId, steps: runs.map((run) => run.metadata.agentrun_step) }).toEqual({ workflowId, steps: ['1'] });
  }
  const ours = (line: LedgerLine) => workflowIds.some((workflowId) => line.key.startsWith(`${workflowId}/`));
  const keys = lane.effects().filter(ours).map((effect) => effect.key);
  expect(new Set(keys).size).toBe(keys.length);
  expect(keys).toHaveLength(workflowIds.length * TOOL_ROUNDS_OUTPUTS.length);
  const attempts = lane.attempts().filter(ours);
  return {
    runs: workflowIds.length,
    toolCalls: keys.length,
    attempts: attempts.length,
    workerPids: new Set(attempts.map((attempt) => attempt.pid)).size,
    providerRuns: stats.runsCreated.filter((run) => workflowIds.includes(run.metadata.agentrun_workflow_id ?? '')).length,
  };
}

/** Seconds since `since`, for report lines. */
export function seconds(since: number, until = Date.now()): string {
  return `${((until - since) / 1000).toFixed(1)} s`;
}
