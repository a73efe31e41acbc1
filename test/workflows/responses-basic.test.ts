/**
 * The agent run workflow on the Responses API (background responses on the emulator, real dev
 * server): an inline agent's turn with a function-call round, parallel calls over several rounds,
 * bad arguments and unknown tools, failed and incomplete responses, the three ways to give a
 * conversation, streams, the webhook mode's safety poll, and inputs the protocol cannot take.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { z } from 'zod/v4';
import { defineTool } from '../../src/tools/define-tool';
import { eventually, startHarness, type Harness } from '../support/agentrun-harness';
import { recordHistory } from '../support/histories';

const echo = defineTool({ name: 'echo', parameters: z.object({ text: z.string() }), idempotent: true, handler: ({ text }) => text });
const add = defineTool({ name: 'add', parameters: z.object({ a: z.number(), b: z.number() }), handler: ({ a, b }) => String(a + b) });
const broken = defineTool({ name: 'broken', parameters: z.object({}), handler: () => { throw new Error('the tool broke'); } });

describe('agent runs on the Responses API', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness('responses-basic', { protocol: 'responses', tools: [echo, add, broken] });
  });
  afterAll(async () => harness.close());

  const createdFor = (workflowId: string) => harness.emulator.stats().responsesCreated.filter((response) => response.metadata.agentrun_workflow_id === workflowId);

  it('completes a turn with a function-call round: one background response per step, outputs answered in one follow-up', async () => {
    const input = await harness.agentInput({ steps: [{ tools: [{ name: 'echo', arguments: { text: 'hi' } }] }, { answer: 'done' }] });
    const { handle, workflowId } = await harness.client.start(input);
    const result = await handle.result();
    await recordHistory(handle, 'responses-one-tool-round');
    expect(result).toMatchObject({ status: 'completed', rounds: 1, toolCalls: [{ name: 'echo', output: 'hi', decision: { type: 'automatic' } }] });
    expect(result.threadId).toMatch(/^conv_/);
    expect(result.runIds).toHaveLength(2);
    expect(result.runIds.every((id) => id.startsWith('resp_'))).toBe(true);
    expect(result.messages.at(-1)!.text).toContain('done');
    expect(result.messages.at(-1)!.text).toContain('[tool_output call_id=');

    const created = createdFor(workflowId);
    expect(created.map((response) => response.metadata.agentrun_step)).toEqual(['1', '2']);
    expect(created.every((response) => response.background && response.store === true && response.conversation === result.threadId)).toBe(true);
    const outputs = harness.emulator.stats().functionCallOutputsReceived.filter((entry) => entry.response_id === result.runIds[1]);
    expect(outputs).toEqual([expect.objectContaining({ call_id: result.toolCalls[0]!.toolCallId, output: 'hi' })]);
    // The inline agent had no tools of its own: the worker's tools were sent.
    const first = await harness.openai.responses.retrieve(result.runIds[0]!);
    expect(first.tools.map((tool) => (tool as { name?: string }).name).sort()).toEqual(['add', 'broken', 'echo']);
    // The conversation holds the whole exchange.
    const items = await harness.openai.conversations.items.list(result.threadId, { order: 'asc', limit: 20 });
    expect(items.data.map((item) => item.type)).toEqual(['message', 'function_call', 'function_call_output', 'message']);
    const state = await harness.client.status(workflowId);
    expect(state.assistantId).toBe('model:gpt-4o');
    const attributes = (await handle.describe()).searchAttributes as Record<string, unknown[]>;
    expect(attributes).toMatchObject({ AgentRunStatus: ['completed'], AgentRunAssistantId: ['model:gpt-4o'], AgentRunThreadId: [result.threadId], AgentRunRunId: [result.runIds[1]] });
  });

  it('runs the parallel calls of each round concurrently and answers them in one follow-up, over several rounds', async () => {
    const input = await harness.agentInput({
      steps: [
        { tools: [{ name: 'echo', arguments: { text: 'a' } }, { name: 'echo', arguments: { text: 'b' } }, { name: 'add', arguments: { a: 2, b: 3 } }] },
        { tools: [{ name: 'add', arguments: { a: 1, b: 1 } }] },
        { answer: 'all done' },
      ],
    });
    const { handle, workflowId } = await harness.client.start(input);
    const result = await handle.result();
    await recordHistory(handle, 'responses-parallel-calls-several-rounds');
    expect(result).toMatchObject({ status: 'completed', rounds: 2 });
    expect(result.toolCalls.map((call) => call.output)).toEqual(['a', 'b', '5', '2']);
    expect(result.runIds).toHaveLength(3);
    const received = harness.emulator.stats().functionCallOutputsReceived;
    expect(received.filter((entry) => entry.response_id === result.runIds[1])).toHaveLength(3);
    expect(received.filter((entry) => entry.response_id === result.runIds[2])).toHaveLength(1);
    expect(createdFor(workflowId).map((response) => response.metadata.agentrun_step)).toEqual(['1', '2', '3']);
  });

  it('answers bad arguments, a thrown error and an unknown tool with error outputs the model reads', async () => {
    const input = await harness.agentInput({
      steps: [
        { tools: [{ name: 'echo', arguments: { text: 5 } }, { name: 'echo', arguments: '{not json' }, { name: 'broken', arguments: {} }, { name: 'nope', arguments: {} }] },
        { answer: 'Sorry.' },
      ],
    });
    const { handle } = await harness.client.start(input);
    const result = await handle.result();
    await recordHistory(handle, 'responses-invalid-arguments-thrown-error-unknown-tool');
    const [invalid, malformed, thrown, unknown] = result.toolCalls;
    expect(JSON.parse(invalid!.output!).error).toMatchObject({ type: 'invalid_arguments', issues: [{ path: 'text' }] });
    expect(JSON.parse(malformed!.output!).error.type).toBe('invalid_arguments');
    expect(JSON.parse(thrown!.output!).error).toMatchObject({ type: 'tool_error', message: expect.stringContaining('the tool broke') });
    expect(unknown).toMatchObject({ policy: 'unknown', isError: true });
    expect(result.messages.at(-1)!.text).toContain('unknown_tool');
  });

  it('reports a failed and an incomplete response in the result', async () => {
    const failedStart = await harness.client.start(await harness.agentInput({ steps: [{ fail: { code: 'server_error', message: 'model exploded' } }] }));
    const failed = await failedStart.handle.result();
    await recordHistory(failedStart.handle, 'responses-failed');
    expect(failed).toMatchObject({ status: 'failed', lastError: { code: 'server_error', message: 'model exploded' } });
    const incomplete = await harness.client.run(await harness.agentInput({ steps: [{ incomplete: 'max_output_tokens' }] }));
    expect(incomplete).toMatchObject({ status: 'incomplete', incompleteDetails: { reason: 'max_output_tokens' } });
  });

  it('continues an existing conversation, adding the message to it', async () => {
    const conversation = await harness.openai.conversations.create({ items: [{ type: 'message', role: 'user', content: 'Earlier question' }] });
    const input = await harness.agentInput({ steps: [{ answer: 'continued' }] }, { thread: undefined, conversation: { conversationId: conversation.id }, additionalMessages: [{ role: 'user', content: 'Follow-up' }] });
    const result = await harness.client.run(input);
    expect(result).toMatchObject({ status: 'completed', threadId: conversation.id });
    const items = await harness.openai.conversations.items.list(conversation.id, { order: 'asc' });
    const texts = items.data.map((item) => (item.type === 'message' ? (item.content[0] as { text?: string }).text : item.type));
    expect(texts[0]).toBe('Earlier question');
    expect(texts[1]).toBe('Follow-up');
    expect(texts[2]).toContain('continued');
  });

  it('continues after a previous response without a conversation (a chain of previous_response_id)', async () => {
    const previous = await harness.openai.responses.create({ model: 'gpt-4o', input: 'Start', store: true });
    const input = await harness.agentInput(
      { steps: [{ tools: [{ name: 'echo', arguments: { text: 'chained' } }] }, { answer: 'chain done' }] },
      { thread: undefined, conversation: { previousResponseId: previous.id }, additionalMessages: [{ role: 'user', content: 'Go on' }] },
    );
    const { handle, workflowId } = await harness.client.start(input);
    const result = await handle.result();
    await recordHistory(handle, 'responses-chain');
    expect(result).toMatchObject({ status: 'completed', threadId: '' });
    const created = createdFor(workflowId);
    expect(created.map((response) => [response.previous_response_id, response.conversation])).toEqual([
      [previous.id, null],
      [result.runIds[0], null],
    ]);
  });

  it('waits by consuming the stream', async () => {
    const input = await harness.agentInput({ steps: [{ tools: [{ name: 'echo', arguments: { text: 'streamed' } }] }, { answer: 'streamed done' }] }, { wait: { mode: 'stream' } });
    const readsBefore = harness.emulator.stats().requests['GET /responses/{response_id}'] ?? 0;
    const { handle, workflowId } = await harness.client.start(input);
    const result = await handle.result();
    await recordHistory(handle, 'responses-streamed');
    expect(result).toMatchObject({ status: 'completed', toolCalls: [{ output: 'streamed' }] });
    expect(createdFor(workflowId)).toHaveLength(2);
    // Streamed, not polled: one GET per response, the watcher re-attaching to its stream (`?stream=true`).
    expect(harness.emulator.stats().requests['GET /responses/{response_id}'] ?? 0).toBe(readsBefore + 2);
  });

  it('in webhook mode without a receiver, finds the turn by its safety poll', async () => {
    const input = await harness.agentInput({ steps: [{ answer: 'found by the safety poll' }] }, { wait: { mode: 'webhook', pollInterval: 50, safetyPollInterval: '1s' } });
    const { handle, workflowId } = await harness.client.start(input);
    const result = await handle.result();
    expect(result.status).toBe('completed');
    const timeline = (await harness.client.status(workflowId)).timeline.map((entry) => entry.event);
    expect(timeline).toContain('no webhook yet: safety poll');
  });

  it('refuses what the protocol cannot do, naming the fix', async () => {
    const { handle } = await harness.client.start({ ...(await harness.agentInput({ steps: [{ answer: 'x' }] })), agent: undefined, assistantId: 'asst_classic' });
    const error = await handle.result().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause as { type?: string; message: string };
    expect(cause.type).toBe('ProviderProtocolMismatch');
    expect(cause.message).toContain('give the agent inline');
    await expect(harness.client.start({ agent: { model: 'gpt-4o', name: 'both' } })).rejects.toThrow(/agent: give exactly one of assistantId/);
    await expect(harness.client.start({ agent: { model: 'gpt-4o' }, conversation: { conversationId: 'conv_1', previousResponseId: 'resp_1' } })).rejects.toThrow(/conversation: give exactly one of/);
  });

  it('shows the live response and provider status while it runs', async () => {
    const input = await harness.agentInput({ steps: [{ answer: 'slow', delay_ms: 1_500 }] });
    const { handle, workflowId } = await harness.client.start(input);
    const live = await eventually(async () => {
      const state = await harness.client.status(workflowId);
      return state.runId?.startsWith('resp_') ? state : undefined;
    });
    expect(['queued', 'in_progress']).toContain(live.providerStatus);
    await handle.result();
  });
});
