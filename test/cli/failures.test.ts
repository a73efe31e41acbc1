/**
 * What the CLI says when things go wrong: the root cause of a failed run (never "Activity task
 * failed"), the last provider error while calls are retried, a finished run, a bad edit, bad
 * durations, an approver too long, an input too large and a namespace without agentrun's search
 * attributes. Each is named, with the exit code a script can act on.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Connection } from '@temporalio/client';
import Long from 'long';
import { exampleTools } from '../../src/examples/example-tools';
import { createOpenAIProvider } from '../../src/providers';
import { createAgentrunWorker } from '../../src/worker';
import { eventually, startHarness, type Harness, waitingForApproval } from '../support/agentrun-harness';
import { temporalAddress, temporalNamespace } from '../support/temporal';
import { requireBuiltCli, runCli, spawnCli, type CliOptions } from './cli-process';

const bookingScript = { steps: [{ tools: [{ name: 'book_meeting_room', arguments: { room: 'Lovelace', start: '15:00' } }] }, { answer: 'Booked.' }] };

describe('the CLI explains failures', () => {
  let harness: Harness;
  let cli: CliOptions;
  let directory: string;

  beforeAll(async () => {
    requireBuiltCli();
    harness = await startHarness('cli-failures', { tools: exampleTools, emulator: { fileProcessingMs: 50 } });
    await harness.workerPolling();
    cli = { env: { TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_NAMESPACE: temporalNamespace(), AGENTRUN_TASK_QUEUE: harness.temporal.taskQueue } };
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'agentrun-cli-failures-'));
  });
  afterAll(async () => {
    await harness?.close();
    if (directory) fs.rmSync(directory, { recursive: true, force: true });
  });

  async function waitingCall(workflowId: string): Promise<string> {
    const state = await waitingForApproval(harness.client, workflowId);
    return state.pendingApprovals[0]!.toolCallId;
  }

  it('prints the provider cause for an unknown assistant, thread or vector store', async () => {
    const assistantId = await harness.assistant({ steps: [{ answer: 'hi' }] });
    const [assistant, thread] = await Promise.all([
      runCli(['run', '--assistant', 'asst_nosuchassistant', '--message', 'Hi', '--poll-interval', '100ms'], cli),
      runCli(['run', '--assistant', assistantId, '--thread', 'thread_nosuchthread', '--message', 'Hi', '--poll-interval', '100ms'], cli),
    ]);
    expect(assistant.exitCode).toBe(1);
    expect(assistant.stderr).toMatch(/failed: ProviderNotFound: Provider answered 404: No assistant found with id 'asst_nosuchassistant'/);
    expect(thread.exitCode).toBe(1);
    expect(thread.stderr).toMatch(/failed: ProviderNotFound: Provider answered 404: No thread found with id 'thread_nosuchthread'/);
    for (const result of [assistant, thread]) expect(result.stderr).not.toMatch(/Activity task failed|ActivityFailure|ChildWorkflowFailure/);

    const file = path.join(directory, 'a.txt');
    fs.writeFileSync(file, 'hello');
    const ingest = await runCli(['ingest', 'vs_nosuchstore', file, '--poll-interval', '50ms'], cli);
    expect(ingest.exitCode).toBe(1);
    expect(ingest.stderr).toMatch(/ProviderNotFound: Provider answered 404: No vector store found with id 'vs_nosuchstore'/);
    expect(ingest.stderr).not.toMatch(/Activity task failed|ActivityFailure|ChildWorkflowFailure/);
  });

  it('rejects an edit that does not match the tool schema (exit 2, the field named); the call still waits', async () => {
    const assistantId = await harness.assistant(bookingScript);
    const { workflowId, handle } = await harness.client.start(harness.input(assistantId));
    const toolCallId = await waitingCall(workflowId);
    const wrong = await runCli(['approve', workflowId, toolCallId, '--approver', 'alice', '--arguments', '{"room":"Lovelace","start":"15:00","minutes":5}'], cli);
    expect(wrong.exitCode).toBe(2);
    expect(wrong.stderr).toMatch(/the workflow rejected the decision: Edited arguments for book_meeting_room .* \(minutes: .*\)/);
    expect((await harness.client.status(workflowId)).pendingApprovals.map((call) => call.toolCallId)).toEqual([toolCallId]);

    const approved = await runCli(['approve', workflowId, toolCallId, '--approver', 'alice', '--arguments', '{"room":"Lovelace","start":"15:00","minutes":45}'], cli);
    expect(approved.exitCode).toBe(0);
    expect((await handle.result()).toolCalls[0]!.output).toContain('"minutes":45');

    // The run has finished: a decision for it says so, and how it ended.
    const late = await runCli(['approve', workflowId, toolCallId, '--approver', 'alice'], cli);
    expect(late.exitCode).toBe(2);
    expect(late.stderr).toContain(`The run ${workflowId} has already finished (workflow completed, run completed`);
    expect(late.stderr).not.toContain('no workflow');
    const lateWithoutCall = await runCli(['deny', workflowId, '--approver', 'alice', '--reason', 'late'], cli);
    expect(lateWithoutCall.exitCode).toBe(2);
    expect(lateWithoutCall.stderr).toContain(`The run ${workflowId} has already finished (workflow completed, run completed`);
  });

  it('names the approver length limit (exit 2)', async () => {
    const result = await runCli(['approve', 'agent-run-x', 'call_x', '--approver', 'a'.repeat(5_000)], { env: { ...cli.env, TEMPORAL_ADDRESS: '127.0.0.1:1' } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--approver: approver is at most 200 characters');
    expect(result.stderr).not.toContain('approver is required');
  });

  it('refuses durations that are not positive or absurdly long before starting anything (exit 2)', async () => {
    // Temporal is unreachable here: the refusals must come before any connection.
    const offline = { env: { ...cli.env, TEMPORAL_ADDRESS: '127.0.0.1:1' } };
    const results = await Promise.all([
      runCli(['run', '--assistant', 'asst_1', '--message', 'Hi', '--poll-interval=-5'], offline),
      runCli(['run', '--assistant', 'asst_1', '--message', 'Hi', '--poll-interval', '0'], offline),
      runCli(['run', '--assistant', 'asst_1', '--message', 'Hi', '--deadline', '0'], offline),
      runCli(['run', '--assistant', 'asst_1', '--message', 'Hi', '--approval-timeout', '5000 days'], offline),
    ]);
    for (const result of results) expect(result.exitCode).toBe(2);
    expect(results[0]!.stderr).toContain('wait.pollInterval: "-5" is out of range: give a duration from 10 ms to 1 hours');
    expect(results[1]!.stderr).toContain('wait.pollInterval: "0" is out of range');
    expect(results[2]!.stderr).toContain('deadline: "0" is out of range: give a duration from 1 ms to 366 days');
    expect(results[3]!.stderr).toContain('approval.timeout: "5000 days" is out of range');
  });

  it('names an input too large for Temporal (exit 2), with the field', async () => {
    const message = 'x'.repeat(3 * 1024 * 1024);
    const input = path.join(directory, 'big-input.json');
    fs.writeFileSync(input, JSON.stringify({ assistantId: 'asst_1', thread: { messages: [{ role: 'user', content: message }] } }));
    const result = await runCli(['run', '--input', input], cli);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/The workflow input is 3\.0 MiB; Temporal takes at most 2\.0 MiB per payload\. Largest fields: thread\.messages\[0\]\.content \(3\.0 MiB\)/);
  });

  it('names the missing search attributes and the command that registers them (exit 2)', async () => {
    const connection = await Connection.connect({ address: temporalAddress() });
    const namespace = `no-attributes-${Date.now()}`;
    try {
      await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(86_400) } });
      // A new namespace takes a moment to be served: wait on the call the CLI makes, not on describe.
      const result = await eventually(async () => {
        const attempt = await runCli(['run', '--assistant', 'asst_1', '--message', 'Hi', '--no-follow'], { env: { ...cli.env, TEMPORAL_NAMESPACE: namespace } });
        return attempt.stderr.includes('not found') && !attempt.stderr.includes('search attribute') ? undefined : attempt;
      }, 30_000, 'the namespace to be served');
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain(`The namespace ${namespace} lacks agentrun's search attributes (AgentRunStatus`);
      expect(result.stderr).toContain(`temporal operator search-attribute create --namespace ${namespace} --name AgentRunStatus --type Keyword`);
    } finally {
      await connection.close();
    }
  });

  it('shows the retrying cause in run\'s live output and in status while the provider is unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const unreachable = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const taskQueue = `${harness.temporal.taskQueue}-unreachable`;
    const worker = await createAgentrunWorker({
      connection: harness.temporal.workerConnection,
      taskQueue,
      provider: createOpenAIProvider({ kind: 'emulator', baseUrl: unreachable, apiKey: 'emulator-key', timeoutMs: 2_000 }),
      registerSearchAttributes: false,
      log: () => undefined,
    });
    const running = worker.run();
    const env = { ...cli.env, AGENTRUN_TASK_QUEUE: taskQueue };
    const follower = spawnCli(['run', '--assistant', 'asst_1', '--message', 'Hi', '--input', writeRetryInput()], { env });
    try {
      await follower.waitForOutput(/provider call failing, retrying: createThread attempt \d+: ProviderConnectionError: The connection to the provider failed/, 30_000);
      const workflowId = (await follower.waitForOutput(/Started agent run (\S+)/))[1]!;
      const status = await runCli(['status', workflowId], { env });
      expect(status.exitCode).toBe(0);
      expect(status.stdout).toMatch(/Retrying\s+ProviderConnectionError: The connection to the provider failed/);
      expect(status.stdout).toMatch(/createThread, attempt \d+ failed at/);
      await harness.temporal.client.workflow.getHandle(workflowId).cancel();
      expect((await follower.exited).exitCode).toBe(1);
    } finally {
      follower.child.kill('SIGKILL');
      worker.shutdown();
      await running;
    }
  });

  function writeRetryInput(): string {
    const file = path.join(directory, 'retry-input.json');
    fs.writeFileSync(file, JSON.stringify({ providerRetry: { initialInterval: '200ms', maximumInterval: '1s' } }));
    return file;
  }
});
