/**
 * Streaming (`stream: true`): real SSE framing, the service's event order for each leg of a run, and
 * every event's data valid against its `AssistantStreamEvent` branch of the official spec.
 */
import { EMULATOR_SCRIPT_METADATA_KEY, startEmulator, type RunningEmulator } from '../../src/emulator';
import { call, parseSse, specViolations, waitForRunStatus, type SseEvent } from '../support/emulator-http';
import { validateStreamEvent } from '../support/openapi-validator';

let emulator: RunningEmulator;
let assistantId: string;

beforeAll(async () => {
  emulator = await startEmulator({ stepDelayMs: 10, queuedDelayMs: 5, recordResponses: true });
  const assistant = await call(emulator, 'POST', '/assistants', { body: { model: 'gpt-4o' } });
  assistantId = assistant.body.id;
});

afterAll(async () => {
  await emulator.close();
});

function names(events: SseEvent[]): string[] {
  return events.map((event) => event.event);
}

function expectValidEvents(events: SseEvent[]): void {
  const failures = events
    .map((event) => ({ event, result: validateStreamEvent(event.event, event.data) }))
    .filter(({ result }) => !result.valid)
    .map(({ event, result }) => `${event.event}: ${result.errors.join('; ')}`);
  expect(failures).toEqual([]);
}

test('the wire format is event/data pairs with a text/event-stream content type', async () => {
  const thread = await call(emulator, 'POST', '/threads', { body: {} });
  const response = await call(emulator, 'POST', `/threads/${thread.body.id}/runs`, { body: { assistant_id: assistantId, stream: true } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  expect(response.text.startsWith('event: thread.run.created\ndata: {')).toBe(true);
  expect(response.text.endsWith('event: done\ndata: [DONE]\n\n')).toBe(true);
});

test('create thread-and-run streams a tool round, submit streams the answer', async () => {
  const script = JSON.stringify({ steps: [{ tools: [{ name: 'lookup', arguments: { q: 'x' } }] }, { answer: 'The answer is forty-two.' }] });
  const first = await call(emulator, 'POST', '/threads/runs', {
    body: {
      assistant_id: assistantId,
      stream: true,
      thread: { messages: [{ role: 'user', content: 'Question?' }] },
      metadata: { [EMULATOR_SCRIPT_METADATA_KEY]: script },
    },
  });
  const firstEvents = parseSse(first.text);
  expect(names(firstEvents)).toEqual([
    'thread.created',
    'thread.run.created',
    'thread.run.queued',
    'thread.run.in_progress',
    'thread.run.step.created',
    'thread.run.step.in_progress',
    'thread.run.step.delta',
    'thread.run.requires_action',
    'done',
  ]);
  expect(firstEvents[firstEvents.length - 1]?.data).toBe('[DONE]');
  expectValidEvents(firstEvents);

  const run = firstEvents[7]?.data as { id: string; thread_id: string; required_action: { submit_tool_outputs: { tool_calls: Array<{ id: string }> } } };
  const callId = run.required_action.submit_tool_outputs.tool_calls[0]?.id ?? '';
  const delta = firstEvents[6]?.data as { delta: { step_details: { tool_calls: Array<{ index: number; id: string; function: unknown }> } } };
  expect(delta.delta.step_details.tool_calls).toEqual([
    { index: 0, id: callId, type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}', output: null } },
  ]);

  const second = await call(emulator, 'POST', `/threads/${run.thread_id}/runs/${run.id}/submit_tool_outputs`, {
    body: { stream: true, tool_outputs: [{ tool_call_id: callId, output: '42' }] },
  });
  const secondEvents = parseSse(second.text);
  const secondNames = names(secondEvents);
  expect(secondNames.slice(0, 7)).toEqual([
    'thread.run.step.completed',
    'thread.run.queued',
    'thread.run.in_progress',
    'thread.run.step.created',
    'thread.run.step.in_progress',
    'thread.message.created',
    'thread.message.in_progress',
  ]);
  expect(secondNames.slice(-4)).toEqual(['thread.message.completed', 'thread.run.step.completed', 'thread.run.completed', 'done']);
  const deltas = secondEvents.filter((event) => event.event === 'thread.message.delta');
  expect(deltas.length).toBeGreaterThan(1);
  const streamedText = deltas
    .map((event) => (event.data as { delta: { content: Array<{ text: { value: string } }> } }).delta.content[0]?.text.value)
    .join('');
  const expectedText = `The answer is forty-two.\n[tool_output call_id=${callId} name=lookup] 42`;
  expect(streamedText).toBe(expectedText);
  const completed = secondEvents.find((event) => event.event === 'thread.message.completed')?.data as {
    content: Array<{ text: { value: string } }>;
  };
  expect(completed.content[0]?.text.value).toBe(expectedText);
  expectValidEvents(secondEvents);
});

test.each([
  ['failed', { steps: [{ fail: { message: 'boom' } }] }, 'thread.run.failed'],
  ['incomplete', { steps: [{ incomplete: 'max_prompt_tokens' }] }, 'thread.run.incomplete'],
])('%s: the stream ends with the terminal event', async (_label, script, lastEvent) => {
  const thread = await call(emulator, 'POST', '/threads', { body: {} });
  const response = await call(emulator, 'POST', `/threads/${thread.body.id}/runs`, {
    body: { assistant_id: assistantId, stream: true, metadata: { [EMULATOR_SCRIPT_METADATA_KEY]: JSON.stringify(script) } },
  });
  const events = parseSse(response.text);
  expect(names(events).slice(-2)).toEqual([lastEvent, 'done']);
  expectValidEvents(events);
});

test('cancelling a streamed run ends the stream with cancelling and cancelled', async () => {
  const thread = await call(emulator, 'POST', '/threads', { body: {} });
  const script = JSON.stringify({ steps: [{ answer: 'never', delay_ms: 5000 }] });
  const streaming = call(emulator, 'POST', `/threads/${thread.body.id}/runs`, {
    body: { assistant_id: assistantId, stream: true, metadata: { [EMULATOR_SCRIPT_METADATA_KEY]: script } },
  });
  const [runId = ''] = await waitForRunList(thread.body.id);
  await waitForRunStatus(emulator, thread.body.id, runId, ['in_progress']);
  await call(emulator, 'POST', `/threads/${thread.body.id}/runs/${runId}/cancel`);
  const events = parseSse((await streaming).text);
  expect(names(events).slice(-3)).toEqual(['thread.run.cancelling', 'thread.run.cancelled', 'done']);
  expectValidEvents(events);
});

async function waitForRunList(threadId: string): Promise<string[]> {
  for (;;) {
    const list = await call(emulator, 'GET', `/threads/${threadId}/runs`);
    if (list.body.data.length > 0) return list.body.data.map((run: { id: string }) => run.id);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('recorded streams validate against the spec too', () => {
  const streams = emulator.recordedResponses().filter((response) => response.events !== undefined);
  expect(streams.length).toBeGreaterThanOrEqual(5);
  expect(specViolations(streams)).toEqual([]);
});
