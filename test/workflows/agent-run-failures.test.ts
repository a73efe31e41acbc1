/**
 * Every way a run can fail is explained and leaves nothing behind: secrets stay out of failure
 * details, a failing workflow cancels its provider run and fails with the provider's own cause,
 * a wrong edit is rejected to its sender, retrying provider calls are visible while they retry, and
 * an interrupted tool that is not idempotent is reported to the model as "outcome unknown".
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { z } from 'zod/v4';
import { AgentRunClient, DecisionRejectedError, RunAlreadyFinishedError } from '../../src/client';
import { createOpenAIProvider } from '../../src/providers';
import type { AgentRunState } from '../../src/shared/run-types';
import { defineTool } from '../../src/tools/define-tool';
import { createAgentrunWorker } from '../../src/worker';
import { eventually, startHarness, type Harness, waitingForApproval } from '../support/agentrun-harness';
import { recordHistory } from '../support/histories';

const transfers: Array<{ to: string; amount: number }> = [];
const transfer = defineTool({
  name: 'transfer_money',
  parameters: z.object({ to: z.string(), amount: z.number().positive() }),
  policy: 'approval',
  handler: ({ to, amount }) => {
    transfers.push({ to, amount });
    return `sent ${amount} to ${to}`;
  },
});
const echo = defineTool({ name: 'echo', parameters: z.object({ text: z.string() }), idempotent: true, handler: ({ text }) => text });
const sendEmailCalls: string[] = [];
const sendEmail = defineTool({
  name: 'send_email',
  parameters: z.object({ to: z.string() }),
  // Not idempotent, and slower than its timeout: it is interrupted after its effect.
  timeout: '1s',
  handler: async ({ to }, { idempotencyKey }) => {
    sendEmailCalls.push(idempotencyKey);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    return `sent to ${to}`;
  },
});

/** Everything a history holds, payloads decoded, as one string to search for leaked secrets. */
async function historyText(handle: WorkflowHandle): Promise<string> {
  const history = await handle.fetchHistory();
  return JSON.stringify(history, (_key, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value));
}

/** A gateway in front of the provider that answers 401 and echoes the caller's credential everywhere it can. */
async function startEchoingGateway(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const token = (request.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
    response.writeHead(401, { 'content-type': 'application/json', 'x-request-id': `req-${token}` });
    response.end(JSON.stringify({ error: { message: `Key ${token} is not valid for this gateway`, type: 'invalid_request_error', code: token, param: `Authorization: ${token}` } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('failures are explained and leave nothing behind', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness('failures', { tools: [transfer, echo, sendEmail] });
  });
  afterAll(async () => harness.close());

  /** A second worker of this file, on its own task queue, with another provider behind it. */
  async function withWorker<T>(baseUrl: string, apiKey: string, work: (taskQueue: string) => Promise<T>): Promise<T> {
    const taskQueue = `${harness.temporal.taskQueue}-${Math.random().toString(16).slice(2, 8)}`;
    const worker: Worker = await createAgentrunWorker({
      connection: harness.temporal.workerConnection,
      taskQueue,
      provider: createOpenAIProvider({ kind: 'emulator', baseUrl, apiKey, timeoutMs: 2_000 }),
      secrets: [apiKey],
      registerSearchAttributes: false,
      log: () => undefined,
    });
    const running = worker.run();
    try {
      return await work(taskQueue);
    } finally {
      worker.shutdown();
      await running;
    }
  }

  it('keeps a credential that a gateway echoes in code, param and request id out of history and describe', async () => {
    const secret = 'gw-7f3a9c2b1d0e4a5b6c7d';
    const gateway = await startEchoingGateway();
    try {
      await withWorker(gateway.url, secret, async (taskQueue) => {
        const client = new AgentRunClient(harness.temporal.client, { taskQueue });
        const { handle } = await client.start(harness.input('asst_gateway'));
        const error = await handle.result().catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(WorkflowFailedError);
        const cause = (error as WorkflowFailedError).cause as { type?: string; message: string; details?: unknown[] };
        expect(cause.type).toBe('ProviderAuthenticationFailed');
        expect(cause.message).toContain('Provider answered 401');
        expect(cause.details?.[0]).toMatchObject({ status: 401, code: '[REDACTED]', param: 'Authorization: [REDACTED]', requestId: 'req-[REDACTED]' });
        const everything = `${await historyText(handle)}${JSON.stringify((await handle.describe()).raw)}`;
        expect(everything).toContain('Provider answered 401');
        expect(everything).not.toContain(secret);
      });
    } finally {
      await gateway.close();
    }
  });

  it('a workflow that fails on a provider error cancels its run first, and says so', async () => {
    const assistantId = await harness.assistant({ steps: [{ tools: [{ name: 'echo', arguments: { text: 'hi' } }] }, { answer: 'never' }] });
    // The submit keeps failing (quota is not retried): the run is left in requires_action.
    harness.emulator.addFault({ kind: 'quota', method: 'POST', route: '/threads/{thread_id}/runs/{run_id}/submit_tool_outputs' });
    try {
      const { handle, workflowId } = await harness.client.start(harness.input(assistantId));
      const error = await handle.result().catch((caught: unknown) => caught);
      await recordHistory(handle, 'failed-then-cleaned-up');
      const cause = (error as WorkflowFailedError).cause as { type?: string; message: string };
      expect(cause.type).toBe('ProviderQuotaExhausted');
      const runId = harness.emulator.stats().runsCreated.find((run) => run.metadata.agentrun_workflow_id === workflowId)!.id;
      expect(cause.message).toContain(`Its run ${runId} was cancelled at the provider (now cancelled).`);
      const threadId = (await harness.client.status(workflowId)).threadId!;
      expect((await harness.openai.beta.threads.runs.retrieve(runId, { thread_id: threadId })).status).toBe('cancelled');
      // The thread is free again: a new run can start on it at once.
      const next = await harness.openai.beta.threads.runs.create(threadId, { assistant_id: assistantId });
      expect(next.status).toBe('queued');
      const state = await harness.client.status(workflowId);
      expect(state.phase).toBe('failed');
      expect(((await handle.describe()).searchAttributes as Record<string, unknown[]>).AgentRunStatus).toEqual(['failed']);
    } finally {
      harness.emulator.clearFaults();
    }
  });

  it('retries exhausted: the run is cancelled at the provider too', async () => {
    const assistantId = await harness.assistant({ steps: [{ tools: [{ name: 'echo', arguments: { text: 'hi' } }] }, { answer: 'never' }] });
    harness.emulator.addFault({ kind: 'server_error', method: 'POST', route: '/threads/{thread_id}/runs/{run_id}/submit_tool_outputs' });
    try {
      const { handle, workflowId } = await harness.client.start(harness.input(assistantId, { providerRetry: { initialInterval: 50, maximumInterval: 100, maximumAttempts: 2 } }));
      const error = await handle.result().catch((caught: unknown) => caught);
      const cause = (error as WorkflowFailedError).cause as { type?: string; message: string };
      expect(cause.type).toBe('ProviderServerError');
      expect(cause.message).toMatch(/was cancelled at the provider \(now cancelled\)\.$/);
      const runId = harness.emulator.stats().runsCreated.find((run) => run.metadata.agentrun_workflow_id === workflowId)!.id;
      expect(harness.emulator.stats().runsCreated.filter((run) => run.metadata.agentrun_workflow_id === workflowId)).toHaveLength(1);
      const threadId = (await harness.client.status(workflowId)).threadId!;
      expect((await harness.openai.beta.threads.runs.retrieve(runId, { thread_id: threadId })).status).toBe('cancelled');
    } finally {
      harness.emulator.clearFaults();
    }
  });

  it('an unknown assistant fails with the provider 404 itself, not "Activity task failed"', async () => {
    const { handle } = await harness.client.start(harness.input('asst_doesnotexist'));
    const error = await handle.result().catch((caught: unknown) => caught);
    await recordHistory(handle, 'unknown-assistant');
    const cause = (error as WorkflowFailedError).cause as { type?: string; message: string };
    expect(cause.type).toBe('ProviderNotFound');
    expect(cause.message).toContain("No assistant found with id 'asst_doesnotexist'");
  });

  it('rejects edited arguments that do not match the tool schema, naming the field; the call still waits', async () => {
    const assistantId = await harness.assistant({ steps: [{ tools: [{ name: 'transfer_money', arguments: { to: 'bob', amount: 5 } }] }, { answer: 'done' }] });
    const { handle, workflowId } = await harness.client.start(harness.input(assistantId));
    const waiting = await waitingForApproval(harness.client, workflowId);
    const toolCallId = waiting.pendingApprovals[0]!.toolCallId;
    const rejection = await harness.client.approve(workflowId, { toolCallId, approver: 'alice', arguments: { to: 'bob', amount: -3 } }).catch((caught: unknown) => caught);
    expect(rejection).toBeInstanceOf(DecisionRejectedError);
    expect((rejection as Error).message).toMatch(/Edited arguments for transfer_money .* do not match its parameters \(amount: .*\)/);
    const wrongType = await harness.client.approve(workflowId, { toolCallId, approver: 'alice', arguments: '{"to": 7, "amount": 1}' }).catch((caught: unknown) => caught);
    expect((wrongType as Error).message).toContain('to: ');
    // A bad edit by signal cannot be answered: it is kept in the timeline and the call still waits.
    await harness.client.approve(workflowId, { toolCallId, approver: 'alice', arguments: { amount: 2 } }, 'signal');
    await eventually(async () => (await harness.client.status(workflowId)).timeline.find((entry) => entry.event === 'rejected a decision signal' && /to: /.test(entry.detail ?? '')));
    expect((await harness.client.status(workflowId)).pendingApprovals.map((call) => call.toolCallId)).toEqual([toolCallId]);

    await harness.client.approve(workflowId, { toolCallId, approver: 'alice', arguments: { to: 'bob', amount: 3 } });
    const result = await handle.result();
    await recordHistory(handle, 'approval-edit-rejected-then-approved');
    expect(result.toolCalls[0]).toMatchObject({ output: 'sent 3 to bob', decision: { type: 'approved', editedArguments: '{"to":"bob","amount":3}' } });
    expect(transfers).toContainEqual({ to: 'bob', amount: 3 });
    expect(transfers).not.toContainEqual({ to: 'bob', amount: -3 });

    // A decision for the run that has just finished says so, and how it ended.
    const late = await harness.client.approve(workflowId, { toolCallId, approver: 'alice' }).catch((caught: unknown) => caught);
    expect(late).toBeInstanceOf(RunAlreadyFinishedError);
    expect((late as Error).message).toMatch(new RegExp(`The run ${workflowId} has already finished \\(workflow completed, run completed at \\S+\\)`));
    const lateSignal = await harness.client.deny(workflowId, { toolCallId, approver: 'alice', reason: 'too late' }, 'signal').catch((caught: unknown) => caught);
    expect(lateSignal).toBeInstanceOf(RunAlreadyFinishedError);
  });

  it('shows the last provider error while calls to an unreachable provider are retried', async () => {
    // A port nobody listens on: every call is refused, and Temporal retries it.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const unreachable = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await withWorker(unreachable, 'emulator-key', async (taskQueue) => {
      const client = new AgentRunClient(harness.temporal.client, { taskQueue });
      const { handle, workflowId } = await client.start(harness.input('asst_any', { providerRetry: { initialInterval: 200, maximumInterval: 1_000 } }));
      const state = await eventually<AgentRunState>(async () => {
        const current = await client.status(workflowId);
        return current.providerTrouble && current.providerTrouble.attempt >= 2 ? current : undefined;
      }, 30_000, 'the provider trouble to be reported');
      expect(state.phase).toBe('starting');
      expect(state.providerTrouble).toMatchObject({ activity: 'createThread', type: 'ProviderConnectionError', status: null });
      expect(state.providerTrouble!.message).toContain('The connection to the provider failed');
      expect(state.timeline.some((entry) => entry.event === 'provider call failing, retrying' && entry.detail?.includes('ProviderConnectionError'))).toBe(true);
      // The Web UI's current details (the workflow metadata query) say it too.
      const metadata = (await handle.query('__temporal_workflow_metadata')) as { currentDetails?: string };
      expect(metadata.currentDetails).toMatch(/provider calls failing, retrying.*ProviderConnectionError/);
      await handle.cancel();
      await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
      await recordHistory(handle, 'provider-unreachable-retrying-then-cancelled');
    });
  });

  it('tells the model the outcome is unknown when a non-idempotent tool is interrupted, and records it', async () => {
    const assistantId = await harness.assistant({ steps: [{ tools: [{ name: 'send_email', arguments: { to: 'ceo@example.com' } }] }, { answer: 'reported' }] });
    const { handle, workflowId } = await harness.client.start(harness.input(assistantId));
    const result = await handle.result();
    await recordHistory(handle, 'tool-outcome-unknown');
    expect(result.status).toBe('completed');
    expect(result.toolCalls[0]).toMatchObject({ name: 'send_email', isError: true, outcomeUnknown: true });
    const output = JSON.parse(result.toolCalls[0]!.output!) as { error: { type: string; message: string } };
    expect(output.error.type).toBe('outcome_unknown');
    expect(output.error.message).toContain('do not assume it ran or failed');
    expect(result.messages[0]!.text).toContain('outcome_unknown');
    expect(sendEmailCalls.filter((key) => key.startsWith(`${workflowId}/`))).toHaveLength(1); // never retried
  });
});
