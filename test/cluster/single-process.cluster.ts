/**
 * The server as docker-compose.yml runs it (one process with every service, PostgreSQL), natively:
 * runs with tool rounds survive a SIGKILL and restart of the Temporal server, an immediate
 * (crash-like) restart of PostgreSQL, and the SIGKILL of one of two worker processes sharing the
 * task queue. Each time every run completes, the provider saw one run per workflow, and every tool
 * call's side effect happened once.
 */
import { startNativeCluster, type NativeCluster } from './support/native-cluster';
import { checkRunsOnce, completions, eventually, seconds, startLane, TOOL_ROUNDS_SCRIPT, type Lane } from './support/lane-harness';

const RUNS = 8;
/** A bounded wait for completion after a fault, not a performance limit: runs finish in seconds. */
const COMPLETION_WAIT_MS = 180_000;

let cluster: NativeCluster;
let lane: Lane;

beforeAll(async () => {
  cluster = await startNativeCluster({ label: 'single', topology: 'single' });
  lane = await startLane('single', cluster);
}, 180_000);
afterAll(async () => {
  await lane?.close();
  await cluster?.stop();
});

/** Starts RUNS runs of the tool-round script and waits until their first tool calls are under way. */
async function startRuns(label: string) {
  const assistant = await lane.harness.assistant(TOOL_ROUNDS_SCRIPT, label);
  // A run whose worker dies takes its wait over after 5 s (default 60 s), as in the crash test.
  const input = lane.harness.input(assistant, { wait: { mode: 'poll', pollInterval: 50, takeoverAfter: '5s' } });
  const started = await Promise.all(Array.from({ length: RUNS }, () => lane.harness.client.start(input)));
  const workflowIds = started.map(({ workflowId }) => workflowId);
  const attemptsSoFar = () => lane.attempts().filter((attempt) => workflowIds.some((id) => attempt.key.startsWith(`${id}/`)));
  await eventually(async () => attemptsSoFar().length >= 4, 60_000, 'the first tool calls');
  return { started, workflowIds, attemptsSoFar };
}

it('runs with tool rounds complete once after the Temporal server is SIGKILLed mid-run and restarted', async () => {
  if (!lane.workers.some((worker) => worker.running())) await lane.startWorker();
  const { started, workflowIds, attemptsSoFar } = await startRuns('server restart');
  const server = cluster.process('temporal');
  const killedAt = Date.now();
  const exit = await server.kill('SIGKILL');
  expect(exit.signal).toBe('SIGKILL');
  const callsBefore = attemptsSoFar().length;
  // Down long enough for the worker's polls and heartbeats and the client's calls to fail.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const restartedAt = Date.now();
  const restarted = await cluster.start('temporal');
  expect(restarted.pid).not.toBe(server.pid);
  const servingMs = await cluster.waitUntilServing();
  const { done, results } = await completions(started.map(({ handle }) => handle), Date.now() + COMPLETION_WAIT_MS);
  const completedAt = Date.now();
  expect(done).toBe(RUNS);
  const report = checkRunsOnce(lane, workflowIds, results);
  // The kill came in the middle: calls went on after the restart.
  expect(report.attempts).toBeGreaterThan(callsBefore);
  process.stdout.write(
    `cluster lane, server SIGKILL: ${RUNS} runs, killed with ${callsBefore} tool calls started; restarted after ${seconds(killedAt, restartedAt)}, serving ${servingMs} ms after restart; all runs completed ${seconds(restartedAt, completedAt)} after the restart; ${report.toolCalls} tool calls, ${report.attempts} attempts, ${report.providerRuns} provider runs\n`,
  );
});

it('runs with tool rounds complete once after PostgreSQL stops mid-run (immediate: crash recovery) and restarts', async () => {
  if (!lane.workers.some((worker) => worker.running())) await lane.startWorker();
  const { started, workflowIds, attemptsSoFar } = await startRuns('postgresql restart');
  const stoppedAt = Date.now();
  let postmaster: number | undefined;
  let callsBefore = 0;
  try {
    postmaster = await cluster.postgres.stop('immediate');
    expect(postmaster).toBeDefined();
    callsBefore = attemptsSoFar().length;
    // The server's persistence calls fail meanwhile; it must ride that out, not exit.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect(cluster.process('temporal').running()).toBe(true);
  } finally {
    // Whatever failed above, the next test needs its database.
    if (cluster.postgres.pid() === undefined) await cluster.postgres.start();
  }
  const restartedAt = Date.now();
  expect(cluster.postgres.pid()).not.toBe(postmaster);
  const { done, results } = await completions(started.map(({ handle }) => handle), Date.now() + COMPLETION_WAIT_MS);
  const completedAt = Date.now();
  expect(done).toBe(RUNS);
  const report = checkRunsOnce(lane, workflowIds, results);
  expect(report.attempts).toBeGreaterThan(callsBefore);
  expect(cluster.process('temporal').running()).toBe(true);
  process.stdout.write(
    `cluster lane, PostgreSQL immediate stop: ${RUNS} runs, down ${seconds(stoppedAt, restartedAt)} with ${callsBefore} tool calls started; all runs completed ${seconds(restartedAt, completedAt)} after PostgreSQL restarted; ${report.toolCalls} tool calls, ${report.attempts} attempts, ${report.providerRuns} provider runs\n`,
  );
});

it('two worker processes share the task queue; one is SIGKILLed in the middle of a tool call and the other finishes every run', async () => {
  // Two workers of our own: stop the one the earlier tests used.
  await Promise.all(lane.workers.map((worker) => worker.stop()));
  const [first, second] = [await lane.startWorker(), await lane.startWorker()];
  const { started, workflowIds } = await startRuns('two workers');
  const byPid = (pid: number) => lane.attempts().filter((attempt) => attempt.pid === pid && workflowIds.some((id) => attempt.key.startsWith(`${id}/`)));
  // Both polled work; kill one the moment it starts a new call (the handler runs 1.5 s, so the
  // call is in flight: its side effect is done, its result not yet reported).
  await eventually(async () => byPid(first!.pid).length >= 1 && byPid(second!.pid).length >= 1, 60_000, 'tool calls on both workers');
  const seen = byPid(first!.pid).length;
  await eventually(async () => byPid(first!.pid).length > seen, 60_000, 'a new call on the first worker');
  const interrupted = byPid(first!.pid).at(-1)!.key;
  const killedAt = Date.now();
  await first!.kill('SIGKILL');
  const { done, results } = await completions(started.map(({ handle }) => handle), Date.now() + COMPLETION_WAIT_MS);
  const completedAt = Date.now();
  expect(done).toBe(RUNS);
  const report = checkRunsOnce(lane, workflowIds, results);
  expect(second!.running()).toBe(true);
  // The interrupted call was attempted again, by the survivor, and deduplicated there.
  expect(byPid(second!.pid).map((attempt) => attempt.key)).toContain(interrupted);
  expect(report.workerPids).toBe(2);
  process.stdout.write(
    `cluster lane, one of two workers SIGKILLed: ${RUNS} runs completed ${seconds(killedAt, completedAt)} after the kill; ${report.toolCalls} tool calls, ${report.attempts} attempts on ${report.workerPids} workers, ${report.providerRuns} provider runs\n`,
  );
});
