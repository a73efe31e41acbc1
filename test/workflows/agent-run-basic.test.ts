import { WorkflowFailedError } from '@temporalio/client';
import { z } from 'zod/v4';
import { defineTool } from '../../src/tools/define-tool';
import { eventually, startHarness, type Harness } from '../support/agentrun-harness';
import { recordHistory } from '../support/histories';

const weather = defineTool({
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: z.object({ city: z.string() }),
  idempotent: true,
  handler: async ({ city }) => ({ city, forecast: 'sunny', celsius: 21 }),
});
const add = defineTool({ name: 'add', parameters: z.object({ a: z.number(), b: z.number() }), handler: ({ a, b }) => String(a + b) });
const verbose = defineTool({ name: 'dump', parameters: z.object({}), handler: () => 'x'.repeat(40_000) });
const fails = defineTool({ name: 'explode', parameters: z.object({}), handler: () => { throw new Error('the tool broke'); } });

describe('agent run workflow', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness('basic', { tools: [weather, add, fails, verbose] });
  });
  afterAll(async () => harness.close());

  it('completes a run without tools', async () => {
    const assistantId = await harness.assistant({ steps: [{ answer: 'Hi there.' }] });
    const { handle } = await harness.client.start(harness.input(assistantId));
    const result = await handle.result();
    await recordHistory(handle, 'completed-no-tools');
    expect(result.status).toBe('completed');
    expect(result.messages.map((message) => message.text)).toEqual(['Hi there.']);
    expect(result.runIds).toHaveLength(1);
    expect(result.usage.totalTokens).toBeGreaterThan(0);
    expect(result.toolCalls).toEqual([]);
  });

  it('runs one tool round and the output reaches the provider', async () => {
    const assistantId = await harness.assistant({ steps: [{ tools: [{ name: 'get_weather', arguments: { city: 'Paris' } }] }, { answer: 'Done.' }] });
    const { handle } = await harness.client.start(harness.input(assistantId));
    const result = await handle.result();
    await recordHistory(handle, 'one-tool-round');
    expect(result.status).toBe('completed');
    expect(result.rounds).toBe(1);
    expect(result.toolCalls).toHaveLength(1);
    expect(result.toolCalls[0]).toMatchObject({ name: 'get_weather', policy: 'auto', isError: false, decision: { type: 'automatic' } });
    expect(result.messages[0]!.text).toContain('{"city":"Paris","forecast":"sunny","celsius":21}');
    const submitted = harness.emulator.stats().toolOutputsSubmitted.filter((entry) => entry.run_id === result.runIds[0]);
    expect(submitted.map((entry) => entry.output)).toEqual(['{"city":"Paris","forecast":"sunny","celsius":21}']);
  });

  it('runs parallel calls concurrently and submits them in one request, over several rounds', async () => {
    const assistantId = await harness.assistant({
      steps: [
        { tools: [{ name: 'add', arguments: { a: 1, b: 2 } }, { name: 'add', arguments: { a: 3, b: 4 } }, { name: 'get_weather', arguments: { city: 'Oslo' } }] },
        { tools: [{ name: 'add', arguments: { a: 10, b: 20 } }] },
        { answer: 'All done.' },
      ],
    });
    const before = harness.emulator.stats().requests['POST /threads/{thread_id}/runs/{run_id}/submit_tool_outputs'] ?? 0;
    const { handle } = await harness.client.start(harness.input(assistantId));
    const result = await handle.result();
    await recordHistory(handle, 'parallel-calls-several-rounds');
    expect(result.status).toBe('completed');
    expect(result.rounds).toBe(2);
    expect(result.toolCalls.map((call) => call.output)).toEqual(['3', '7', expect.stringContaining('Oslo'), '30']);
    const submits = (harness.emulator.stats().requests['POST /threads/{thread_id}/runs/{run_id}/submit_tool_outputs'] ?? 0) - before;
    expect(submits).toBe(2);
  });

  it('answers invalid arguments, thrown errors and unknown tools with error outputs the model reads', async () => {
    const assistantId = await harness.assistant({
      steps: [
        {
          tools: [
            { name: 'add', arguments: { a: 'one', b: 2 } },
            { name: 'add', arguments: '{not json' },
            { name: 'explode', arguments: {} },
            { name: 'teleport', arguments: { to: 'Mars' } },
          ],
        },
        { answer: 'Sorry.' },
      ],
    });
    const { handle } = await harness.client.start(harness.input(assistantId));
    const result = await handle.result();
    await recordHistory(handle, 'invalid-arguments-thrown-error-unknown-tool');
    expect(result.status).toBe('completed');
    const [invalid, malformed, thrown, unknown] = result.toolCalls;
    expect(JSON.parse(invalid!.output!).error).toMatchObject({ type: 'invalid_arguments', issues: [{ path: 'a' }] });
    expect(JSON.parse(malformed!.output!).error.type).toBe('invalid_arguments');
    expect(JSON.parse(thrown!.output!).error).toMatchObject({ type: 'tool_error', message: expect.stringContaining('the tool broke') });
    expect(unknown).toMatchObject({ policy: 'unknown', isError: true });
    expect(JSON.parse(unknown!.output!).error.type).toBe('unknown_tool');
    expect(result.messages[0]!.text).toContain('invalid_arguments');
  });

  it('bounds tool outputs with a note the model reads', async () => {
    const assistantId = await harness.assistant({ steps: [{ tools: [{ name: 'dump', arguments: {} }] }, { answer: 'ok' }] });
    const result = await harness.client.run(harness.input(assistantId, { maxToolOutputChars: 1_000 }));
    const submitted = harness.emulator.stats().toolOutputsSubmitted.find((entry) => entry.run_id === result.runIds[0])!.output;
    expect(submitted.length).toBeLessThanOrEqual(1_000);
    expect(submitted).toMatch(/\[agentrun: truncated to 1000 of 40000 characters\]$/);
    expect(result.toolCalls[0]!.isError).toBe(false);
  });

  it('reports a failed run and an incomplete run in the result', async () => {
    const failing = await harness.assistant({ steps: [{ fail: { code: 'server_error', message: 'model exploded' } }] });
    const failedStart = await harness.client.start(harness.input(failing));
    const failed = await failedStart.handle.result();
    await recordHistory(failedStart.handle, 'failed-run');
    expect(failed).toMatchObject({ status: 'failed', lastError: { code: 'server_error', message: 'model exploded' } });
    const truncated = await harness.assistant({ steps: [{ incomplete: 'max_completion_tokens' }] });
    const incompleteStart = await harness.client.start(harness.input(truncated));
    const incomplete = await incompleteStart.handle.result();
    await recordHistory(incompleteStart.handle, 'incomplete-run');
    expect(incomplete).toMatchObject({ status: 'incomplete', incompleteDetails: { reason: 'max_completion_tokens' } });
  });

  it('fails fast and non-retryably on invalid input, naming the field', async () => {
    const handle = await harness.temporal.client.workflow.start('agentRunWorkflow', {
      taskQueue: harness.temporal.taskQueue,
      workflowId: `invalid-${Date.now()}`,
      args: [{ assistantId: 'asst_x', temperature: 3, toolPolicies: { a: 'sometimes' }, surprise: true }],
    });
    const error = await handle.result().catch((caught: unknown) => caught);
    await recordHistory(handle, 'invalid-input');
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause as { type?: string; message: string; nonRetryable?: boolean };
    expect(cause.type).toBe('InvalidWorkflowInput');
    expect(cause.nonRetryable).toBe(true);
    expect(cause.message).toMatch(/temperature/);
    expect(cause.message).toMatch(/toolPolicies\.a/);
    expect(cause.message).toMatch(/surprise/);
  });

  it('shows its state in a query and in search attributes', async () => {
    const assistantId = await harness.assistant({ steps: [{ answer: 'slow answer', delay_ms: 1_500 }] });
    const { workflowId, handle } = await harness.client.start(harness.input(assistantId));
    const state = await eventually(async () => {
      const current = await harness.client.status(workflowId);
      return current.runId ? current : undefined;
    });
    expect(state).toMatchObject({ workflowId, assistantId, phase: 'running' });
    expect(state.threadId).toMatch(/^thread_/);
    await handle.result();
    const description = await handle.describe();
    const attributes = description.searchAttributes as Record<string, unknown[]>;
    expect(attributes.AgentRunStatus).toEqual(['completed']);
    expect(attributes.AgentRunAssistantId).toEqual([assistantId]);
    expect(attributes.AgentRunRunId).toEqual([state.runId]);
    const final = await harness.client.status(workflowId);
    expect(final.timeline.map((entry) => entry.event)).toEqual(expect.arrayContaining(['started', 'thread created', 'run created', 'run completed']));
  });
});
