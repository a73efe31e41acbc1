/**
 * The worker process is killed with SIGKILL in the middle of runs with tool calls, twice, and
 * restarted, on both protocols. Every run completes, the emulator counted exactly one run (or model
 * response) created per workflow step, and the deduplicating tool's side effect happened once per
 * call. On the Responses API, a worker killed in the middle of a streamed wait is replaced by one
 * that re-attaches to the stream after the last event seen (`starting_after`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { eventually, startHarness, type Harness } from '../support/agentrun-harness';
import { temporalAddress } from '../support/temporal';

const WORKFLOWS = 6;

function lines(file: string): Array<{ key: string; pid?: number; tool?: string }> {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line)) : [];
}

describe.each(['threads-runs', 'responses'] as const)('worker crash (%s)', (protocol) => {
  let harness: Harness;
  let directory: string;
  const workers: ChildProcess[] = [];
  const requestLog: string[] = [];

  beforeAll(async () => {
    harness = await startHarness(`crash-${protocol}`, { protocol, worker: false, emulator: { stepDelayMs: 300, log: (line) => requestLog.push(line) } });
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'agentrun-crash-'));
  });
  afterAll(async () => {
    for (const worker of workers) if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
    await harness.close();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  async function startWorker(): Promise<ChildProcess> {
    const child = spawn(process.execPath, [path.join(__dirname, '..', 'fixtures', 'crash-worker.js')], {
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: temporalAddress(),
        CRASH_TASK_QUEUE: harness.temporal.taskQueue,
        CRASH_EFFECTS_FILE: path.join(directory, 'effects.jsonl'),
        CRASH_ATTEMPTS_FILE: path.join(directory, 'attempts.jsonl'),
        AGENTRUN_PROVIDER: protocol === 'responses' ? 'emulator-responses' : 'emulator',
        AGENTRUN_EMULATOR_URL: harness.emulator.url,
        AGENTRUN_EMULATOR_API_KEY: harness.emulator.apiKey,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    workers.push(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('worker ready') && resolve());
      child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
    });
    return child;
  }

  /** SIGKILLs the worker process itself (no npx or shell in front of it) and checks it is gone. */
  async function kill(child: ChildProcess): Promise<void> {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    expect(() => process.kill(child.pid!, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  }

  it('completes every run once, with one side effect per tool call', async () => {
    const attemptsFile = path.join(directory, 'attempts.jsonl');
    const effectsFile = path.join(directory, 'effects.jsonl');
    const script = {
      steps: [{ tools: [{ name: 'charge_card', arguments: { cents: 100 } }, { name: 'charge_card', arguments: { cents: 250 } }] }, { tools: [{ name: 'charge_card', arguments: { cents: 5 } }] }, { answer: 'paid' }],
    };
    const input = await inputFor(script);

    let worker = await startWorker();
    const started = await Promise.all(Array.from({ length: WORKFLOWS }, () => harness.client.start(input)));

    // Kill in the middle of the first round's tool calls, restart, kill again in the second round.
    await eventually(async () => lines(attemptsFile).length >= 4, 30_000, 'first tool calls');
    await kill(worker);
    worker = await startWorker();
    await eventually(async () => lines(effectsFile).length >= WORKFLOWS * 2 + 2, 60_000, 'second-round tool calls');
    await kill(worker);
    worker = await startWorker();

    const results = await Promise.all(started.map(({ handle }) => handle.result()));
    for (const result of results) {
      expect(result.status).toBe('completed');
      expect(result.toolCalls.map((call) => call.output?.replace(' (deduplicated)', ''))).toEqual(['charged 100', 'charged 250', 'charged 5']);
    }

    const stats = harness.emulator.stats();
    for (const { workflowId } of started) {
      if (protocol === 'responses') {
        // Three model responses: the first turn's, and one per tool round's answer.
        const responses = stats.responsesCreated.filter((response) => response.metadata.agentrun_workflow_id === workflowId);
        expect(responses.map((response) => response.metadata.agentrun_step).sort()).toEqual(['1', '2', '3']);
      } else {
        const runs = stats.runsCreated.filter((run) => run.metadata.agentrun_workflow_id === workflowId);
        expect(runs.map((run) => run.metadata.agentrun_step)).toEqual(['1']);
      }
    }
    const effects = lines(effectsFile);
    const keys = effects.map((effect) => effect.key);
    expect(new Set(keys).size).toBe(keys.length); // once per call
    expect(keys).toHaveLength(WORKFLOWS * 3);
    // The crashes really interrupted tool calls: some calls ran more than once, in several processes.
    const attempts = lines(attemptsFile);
    expect(attempts.length).toBeGreaterThan(keys.length);
    expect(new Set(attempts.map((attempt) => attempt.pid)).size).toBeGreaterThanOrEqual(2);
    process.stdout.write(`crash test (${protocol}): ${WORKFLOWS} workflows, ${keys.length} tool calls, ${attempts.length} handler attempts across ${new Set(attempts.map((attempt) => attempt.pid)).size} worker processes, ${protocol === 'responses' ? `${stats.responsesCreated.length} responses` : `${stats.runsCreated.length} runs`} created\n`);
    await kill(worker);
  }, 180_000);

  /**
   * The input of a run whose model follows `script`, in this protocol's agent form. Waits are
   * taken over 5 s after their worker dies (default 60 s): a run caught waiting by a kill would
   * otherwise outlast the test's waits, and how many are caught depends on the machine's load.
   */
  async function inputFor(script: object) {
    const wait = { wait: { mode: 'poll' as const, pollInterval: 50, takeoverAfter: '5s' } };
    if (protocol === 'responses') return harness.agentInput(script, wait);
    return harness.input(await harness.assistant(script), wait);
  }

  if (protocol === 'responses') {
    it('a worker killed during a streamed wait is replaced by one that re-attaches after the last event seen', async () => {
      let worker = await startWorker();
      const { handle, workflowId } = await harness.client.start(await harness.agentInput({ steps: [{ answer: 'a long streamed answer', delay_ms: 4_000 }] }, { wait: { mode: 'stream', takeoverAfter: '5s' } }));
      // Killed once the response has streamed its first events (the watcher heartbeated the cursor).
      await eventually(
        async () => {
          const pending = (await handle.describe()).raw.pendingActivities ?? [];
          const payload = pending.find((activity) => activity.activityType?.name === 'watchRun')?.heartbeatDetails?.payloads?.[0];
          return payload ? (defaultPayloadConverter.fromPayload(payload) as { streamCursor?: number }).streamCursor !== undefined : false;
        },
        20_000,
        'the stream cursor in the heartbeat',
      );
      await kill(worker);
      worker = await startWorker();
      const result = await handle.result();
      expect(result.status).toBe('completed');
      expect(result.messages.at(-1)!.text).toContain('a long streamed answer');
      expect(harness.emulator.stats().responsesCreated.filter((response) => response.metadata.agentrun_workflow_id === workflowId)).toHaveLength(1);
      // The new worker re-attached to the same response's stream, after the events already seen.
      expect(requestLog.some((line) => line.startsWith(`GET /v1/responses/${result.runIds[0]}?stream=true&starting_after=`))).toBe(true);
      await kill(worker);
    }, 120_000);
  }

  it('a tool that is not idempotent, killed mid-call, is reported to the model as outcome unknown and never run again', async () => {
    const attemptsFile = path.join(directory, 'attempts.jsonl');
    const effectsFile = path.join(directory, 'effects.jsonl');
    let worker = await startWorker();
    const { handle, workflowId } = await harness.client.start(await inputFor({ steps: [{ tools: [{ name: 'send_invoice', arguments: { customer: 'ACME' } }] }, { answer: 'reported' }] }));
    const invoiceAttempts = () => lines(attemptsFile).filter((attempt) => attempt.tool === 'send_invoice' && attempt.key.startsWith(`${workflowId}/`));
    await eventually(async () => invoiceAttempts().length === 1, 30_000, 'the invoice tool to start');
    await kill(worker);
    worker = await startWorker();
    const result = await handle.result();
    expect(result.status).toBe('completed');
    expect(result.toolCalls[0]).toMatchObject({ name: 'send_invoice', isError: true, outcomeUnknown: true });
    expect(JSON.parse(result.toolCalls[0]!.output!).error).toMatchObject({ type: 'outcome_unknown' });
    expect(result.toolCalls[0]!.output).toContain('do not assume it ran or failed');
    expect(result.messages[0]!.text).toContain('outcome_unknown');
    const state = await harness.client.status(workflowId);
    expect(state.timeline.some((entry) => entry.event === 'tool call outcome unknown')).toBe(true);
    // The effect happened once and the handler was not started again after the crash.
    expect(lines(effectsFile).filter((effect) => effect.tool === 'send_invoice' && effect.key.startsWith(`${workflowId}/`))).toHaveLength(1);
    expect(invoiceAttempts()).toHaveLength(1);
    await kill(worker);
  }, 120_000);
});
