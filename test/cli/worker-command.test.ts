/**
 * `agentrun worker --tools examples/tools.js` as a child process: it loads the user-style tool
 * module, completes a run the test starts (one tool it runs by itself, one a person approves),
 * and stops cleanly on SIGINT.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AgentRunClient } from '../../src/client';
import { connectTemporalClient } from '../../src/temporal-connection';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { createOpenAIClient } from '../../src/providers';
import { eventually, waitingForApproval } from '../support/agentrun-harness';
import { connectTemporal, temporalAddress, temporalNamespace, type TemporalTestContext } from '../support/temporal';
import { requireBuiltCli, runCli, spawnCli, type CliProcess } from './cli-process';

describe('agentrun worker', () => {
  let temporal: TemporalTestContext;
  let emulator: RunningEmulator;
  let worker: CliProcess | undefined;

  beforeAll(async () => {
    requireBuiltCli();
    temporal = await connectTemporal('cli-worker');
    emulator = await startEmulator({ stepDelayMs: 30, queuedDelayMs: 5, pollAfterMs: 0 });
  });
  afterAll(async () => {
    if (worker?.child.exitCode === null) worker.child.kill('SIGKILL');
    await emulator?.close();
    await temporal?.close();
  });

  /** A CLI worker's environment: this test's Temporal and emulator. */
  function workerEnvironment(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      TEMPORAL_ADDRESS: temporalAddress(),
      TEMPORAL_NAMESPACE: temporalNamespace(),
      AGENTRUN_PROVIDER: 'emulator',
      AGENTRUN_EMULATOR_URL: emulator.url,
      AGENTRUN_EMULATOR_API_KEY: emulator.apiKey,
      ...extra,
    };
  }

  it('runs the tools of a tool module until SIGINT, then stops cleanly', async () => {
    const taskQueue = `test-cli-worker-${randomUUID().slice(0, 8)}`;
    const environment = workerEnvironment();
    worker = spawnCli(['worker', '--tools', 'examples/tools.js', '--task-queue', taskQueue, '--log-level', 'warn', '--max-activities', '7', '--max-cached-workflows', '50', '--provider-max-concurrent', '16', '--metrics-port', '0'], { env: environment, timeoutMs: 45_000 });
    await worker.waitForOutput(/agentrun worker: ready/, 30_000);
    // The sizing flags reach the worker (the watcher is on by default).
    expect(worker.output().stdout).toContain('agentrun worker: watcher on, 7 activity slots, 50 cached workflows');
    expect(worker.output().stdout).toContain(`agentrun worker: provider emulator at ${emulator.url}`);
    expect(worker.output().stdout).toContain(`task queue ${taskQueue}`);
    expect(worker.output().stdout).toContain('agentrun worker: tools get_weather (auto), book_meeting_room (approval)');

    const openai = createOpenAIClient({ kind: 'emulator', baseUrl: emulator.url, apiKey: emulator.apiKey, timeoutMs: 5_000 });
    const script = {
      steps: [
        { tools: [{ name: 'get_weather', arguments: { city: 'Lisbon' } }] },
        { tools: [{ name: 'book_meeting_room', arguments: { room: 'Noether', start: '11:00', minutes: 45 } }] },
        { answer: 'Done.' },
      ],
    };
    const assistant = await openai.beta.assistants.create({ model: 'gpt-4o', metadata: { emulator_script: JSON.stringify(script) } });
    const client = new AgentRunClient(temporal.client, { taskQueue });
    const { workflowId, handle } = await client.start({ assistantId: assistant.id, thread: { messages: [{ role: 'user', content: 'Lisbon?' }] }, wait: { mode: 'poll', pollInterval: 50 } });
    const state = await waitingForApproval(client, workflowId);
    // While it waits, the worker's metrics count it among the runs waiting for a person (a visibility count).
    const waitingUrl = (await worker.waitForOutput(/agentrun worker: metrics at (http:\/\/\S+)\/metrics/))[1]!;
    await eventually(async () => /^agentrun_runs_waiting_for_decision 1$/m.test(await (await fetch(`${waitingUrl}/metrics`)).text()), 20_000, 'the run counted as waiting for a decision');
    // A person approves through the CLI, with the call id left out.
    const approved = await runCli(['approve', workflowId, '--approver', 'carol'], { env: environment });
    expect(approved.exitCode).toBe(0);

    const result = await handle.result();
    expect(result.status).toBe('completed');
    expect(result.toolCalls[0]).toMatchObject({ name: 'get_weather', decision: { type: 'automatic' } });
    expect(JSON.parse(result.toolCalls[0]!.output!)).toMatchObject({ city: 'Lisbon', source: 'agentrun example data' });
    expect(result.toolCalls[1]).toMatchObject({ toolCallId: state.pendingApprovals[0]!.toolCallId, decision: { type: 'approved', approver: 'carol' } });
    expect(JSON.parse(result.toolCalls[1]!.output!)).toMatchObject({ booked: true, room: 'Noether', minutes: 45, confirmation: expect.stringMatching(/^BK-\d{6}$/) });

    // The operations endpoint: health, agentrun's metrics and the SDK core's, on one port.
    const metricsUrl = (await worker.waitForOutput(/agentrun worker: metrics at (http:\/\/\S+)\/metrics, health at \S+\/healthz/))[1]!;
    const health = await fetch(`${metricsUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', runState: 'RUNNING', workflowPoller: 'POLLING' });
    const metrics = await (await fetch(`${metricsUrl}/metrics`)).text();
    expect(metrics).toContain('agentrun_worker_up 1');
    expect(metrics).toMatch(/^agentrun_runs_waiting_for_decision \d+$/m);
    expect(metrics).toContain('# TYPE agentrun_provider_requests_total counter');
    const requests = Number(new RegExp(`^agentrun_provider_requests_total\\{endpoint="[^"]+"\\} (\\d+)$`, 'm').exec(metrics)?.[1]);
    expect(requests).toBeGreaterThan(3);
    // Core's own metrics come along (its exporter listens on a loopback port of its own).
    expect(metrics).toMatch(/^temporal_\w+/m);
    // The workflow's own counters: this run started, waited for one approval, got it, completed.
    const sample = (name: string, label: string) => new RegExp(`^${name}\\{[^}]*${label}[^}]*\\} (\\d+)$`, 'm').exec(metrics)?.[1];
    expect({
      started: sample('agentrun_runs_started', `taskQueue="${taskQueue}"`),
      finished: sample('agentrun_runs_finished', 'status="completed"'),
      requested: sample('agentrun_decisions_requested', 'waiting_for="approval"'),
      settled: sample('agentrun_decisions_settled', 'decision="approve"'),
    }).toEqual({ started: '1', finished: '1', requested: '1', settled: '1' });

    worker.child.kill('SIGINT');
    const stopped = await worker.exited;
    expect(stopped.signal).toBeNull();
    expect(stopped.exitCode).toBe(0);
    expect(stopped.stdout).toContain('agentrun worker: SIGINT received, shutting down');
    expect(stopped.stdout).toMatch(/agentrun worker: stopped\n$/);
  });

  it('on SIGTERM lets a tool call in flight finish: the run loses nothing and the model reads the real output', async () => {
    const taskQueue = `test-cli-worker-grace-${randomUUID().slice(0, 8)}`;
    const journal = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'agentrun-grace-')), 'journal.jsonl');
    const environment = workerEnvironment({ SLOW_TOOL_JOURNAL: journal });
    const startWorker = () => spawnCli(['worker', '--tools', 'test/fixtures/slow-tools.js', '--task-queue', taskQueue, '--log-level', 'warn'], { env: environment, timeoutMs: 60_000 });
    const entries = () => (fs.existsSync(journal) ? fs.readFileSync(journal, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { event: string; pid: number }) : []);
    const deploying = startWorker();
    await deploying.waitForOutput(/agentrun worker: ready; Ctrl-C or SIGTERM stops it \(tool calls in flight get up to 30s to finish\)/, 30_000);

    const openai = createOpenAIClient({ kind: 'emulator', baseUrl: emulator.url, apiKey: emulator.apiKey, timeoutMs: 5_000 });
    const script = { steps: [{ tools: [{ name: 'build_report', arguments: { reportId: 'q3' } }] }, { answer: 'The Q3 report is ready.' }] };
    const assistant = await openai.beta.assistants.create({ model: 'gpt-4o', metadata: { emulator_script: JSON.stringify(script) } });
    const client = new AgentRunClient(temporal.client, { taskQueue });
    const { handle } = await client.start({ assistantId: assistant.id, thread: { messages: [{ role: 'user', content: 'Q3 report?' }] }, wait: { mode: 'poll', pollInterval: 50 } });
    await eventually(async () => entries().some((entry) => entry.event === 'started'), 20_000, 'the tool call in flight');

    // The deploy: SIGTERM while the tool runs; a new worker comes up beside it.
    deploying.child.kill('SIGTERM');
    const next = startWorker();
    const stopped = await deploying.exited;
    expect(stopped.exitCode).toBe(0);
    expect(stopped.stdout).toContain('agentrun worker: SIGTERM received, shutting down');
    // It finished the call before it exited.
    expect(entries().map((entry) => [entry.event, entry.pid])).toEqual([
      ['started', deploying.child.pid],
      ['finished', deploying.child.pid],
    ]);

    const result = await handle.result();
    expect(result.status).toBe('completed');
    expect(result.toolCalls).toHaveLength(1);
    expect(result.toolCalls[0]).toMatchObject({ name: 'build_report', output: 'report q3 built', isError: false });
    expect(result.messages[0]!.text).toContain('The Q3 report is ready.');
    // Run once, never again by the new worker.
    expect(entries().filter((entry) => entry.event === 'started')).toHaveLength(1);
    next.child.kill('SIGINT');
    expect((await next.exited).exitCode).toBe(0);
  }, 90_000);

  it('with --log-format json writes every log line as one JSON object: its own, the SDK\'s, and each activity\'s with its ids', async () => {
    const taskQueue = `test-cli-worker-json-${randomUUID().slice(0, 8)}`;
    const key = randomBytes(32);
    const json = spawnCli(['worker', '--tools', 'examples/tools.js', '--task-queue', taskQueue, '--log-level', 'debug', '--log-format', 'json'], {
      env: workerEnvironment({ AGENTRUN_ENCRYPTION_KEYS: `k1:${key.toString('base64')}` }),
      timeoutMs: 60_000,
    });
    const entries = () =>
      json
        .output()
        .stderr.split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { time: string; level: string; message: string; [attribute: string]: unknown });
    try {
      await eventually(async () => entries().some((entry) => entry.message.startsWith('agentrun worker: ready')), 30_000, 'the ready line');
      const openai = createOpenAIClient({ kind: 'emulator', baseUrl: emulator.url, apiKey: emulator.apiKey, timeoutMs: 5_000 });
      const script = { steps: [{ tools: [{ name: 'get_weather', arguments: { city: 'Porto' } }] }, { answer: 'Mild in Porto.' }] };
      const assistant = await openai.beta.assistants.create({ model: 'gpt-4o', metadata: { emulator_script: JSON.stringify(script) } });
      const encrypted = await connectTemporalClient({ address: temporalAddress(), namespace: temporalNamespace(), encryptionKeys: [{ id: 'k1', key }] });
      const client = new AgentRunClient(encrypted, { taskQueue });
      const { workflowId, handle } = await client.start({ assistantId: assistant.id, thread: { messages: [{ role: 'user', content: 'Porto?' }] }, wait: { mode: 'poll', pollInterval: 50 } });
      expect((await handle.result()).status).toBe('completed');
      await eventually(async () => entries().some((entry) => entry.activityType === 'runTool' && entry.workflowId === workflowId), 10_000, "the tool activity's log line");
      await encrypted.connection.close();
    } finally {
      json.child.kill('SIGINT');
    }
    const stopped = await json.exited;
    expect(stopped.exitCode).toBe(0);
    // Nothing on stdout: every line went through the SDK logger, as JSON (JSON.parse above would have thrown otherwise).
    expect(stopped.stdout).toBe('');
    const all = entries();
    // The SDK logs the worker's options at debug level, the payload codec among them: its keys are not in it.
    expect(all).toContainEqual(expect.objectContaining({ message: 'Creating worker' }));
    expect(stopped.stderr).not.toContain(key.toString('base64'));
    expect(stopped.stderr).not.toContain(`"0":${key[0]},"1":${key[1]},`);
    for (const entry of all) expect(Number.isNaN(Date.parse(entry.time))).toBe(false);
    expect(all).toContainEqual(expect.objectContaining({ level: 'INFO', message: expect.stringMatching(/^agentrun worker: ready/), component: 'agentrun', taskQueue }));
    expect(all).toContainEqual(expect.objectContaining({ message: expect.stringMatching(/^agentrun worker: tools get_weather \(auto\)/), component: 'agentrun' }));
    // The SDK's own lines and its activity lines, with the ids a log pipeline filters on.
    expect(all).toContainEqual(expect.objectContaining({ sdkComponent: 'worker', taskQueue }));
    expect(all).toContainEqual(expect.objectContaining({ message: 'Activity completed', activityType: 'runTool', workflowType: 'agentRunWorkflow', workflowId: expect.any(String), taskQueue }));
    expect(all.at(-1)).toMatchObject({ message: 'agentrun worker: stopped', component: 'agentrun' });
  });

  it('refuses a --shutdown-grace that is not a duration, and exits 2', async () => {
    const result = await runCli(['worker', '--shutdown-grace', 'soon'], { env: { TEMPORAL_ADDRESS: temporalAddress() } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--shutdown-grace must be a duration such as 30s or 2m (got "soon")');
  });

  it('refuses a sizing flag that is not a whole number, naming it, and exits 2', async () => {
    const result = await runCli(['worker', '--max-activities', '0'], { env: { TEMPORAL_ADDRESS: temporalAddress() } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--max-activities must be a whole number of at least 1 (got "0")');
    const rps = await runCli(['worker', '--provider-max-rps', 'fast'], { env: { TEMPORAL_ADDRESS: temporalAddress() } });
    expect(rps.exitCode).toBe(2);
    expect(rps.stderr).toContain('--provider-max-rps must be a whole number of at least 0 (got "fast")');
  });

  it('says what is wrong with a tool module, and exits 1', async () => {
    const result = await runCli(['worker', '--tools', 'examples/no-such-tools.js'], { env: { TEMPORAL_ADDRESS: temporalAddress() } });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/agentrun worker: cannot load tool module .*no-such-tools\.js/);
  });
});
