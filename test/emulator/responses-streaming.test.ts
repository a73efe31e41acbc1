/**
 * Response streams: the Responses API's SSE framing (no `[DONE]`), the event order of an answer, a
 * function call and an MCP approval, one `sequence_number` per event counting from 0, and a
 * background stream resumed with `GET /responses/{id}?stream=true&starting_after=N` (replayed, then
 * live). Every event validates against its `ResponseStreamEvent` member.
 */
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { call, parseSse, specViolations, waitForResponseStatus, type SseEvent, scriptMetadata } from '../support/emulator-http';

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator({ stepDelayMs: 10, queuedDelayMs: 5, recordResponses: true });
});

afterAll(async () => {
  await emulator.close();
});

const script = scriptMetadata;

function types(events: SseEvent[]): string[] {
  return events.map((event) => event.event);
}

function sequenceNumbers(events: SseEvent[]): number[] {
  return events.map((event) => (event.data as { sequence_number: number }).sequence_number);
}

test('a streamed foreground answer: framing, order and sequence numbers', async () => {
  const response = await call(emulator, 'POST', '/responses', {
    body: { model: 'gpt-4o', input: 'Hello', stream: true, metadata: script([{ answer: 'Hello to you, too.' }]) },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  expect(response.text.startsWith('event: response.created\ndata: {"type":"response.created","sequence_number":0,')).toBe(true);
  expect(response.text).not.toContain('[DONE]');
  const events = parseSse(response.text);
  expect(types(events)).toEqual([
    'response.created',
    'response.in_progress',
    'response.output_item.added',
    'response.content_part.added',
    'response.output_text.delta',
    'response.output_text.delta',
    'response.output_text.delta',
    'response.output_text.delta',
    'response.output_text.done',
    'response.content_part.done',
    'response.output_item.done',
    'response.completed',
  ]);
  expect(sequenceNumbers(events)).toEqual(events.map((_, index) => index));
  const deltas = events.filter((event) => event.event === 'response.output_text.delta').map((event) => (event.data as { delta: string }).delta);
  expect(deltas.join('')).toBe('Hello to you, too.');
  expect((events[0]?.data as { response: { status: string } }).response.status).toBe('in_progress');
  expect((events.at(-1)?.data as { response: { status: string; output: unknown[] } }).response).toMatchObject({ status: 'completed' });
});

test('a streamed background function call: queued first, the call, then the arguments', async () => {
  const response = await call(emulator, 'POST', '/responses', {
    body: {
      model: 'gpt-4o',
      input: 'Weather?',
      stream: true,
      background: true,
      metadata: script([{ tools: [{ name: 'get_weather', arguments: { city: 'Paris' } }, { name: 'get_time' }] }]),
    },
  });
  const events = parseSse(response.text);
  expect(types(events)).toEqual([
    'response.created',
    'response.queued',
    'response.in_progress',
    'response.output_item.added',
    'response.function_call_arguments.delta',
    'response.function_call_arguments.done',
    'response.output_item.done',
    'response.output_item.added',
    'response.function_call_arguments.delta',
    'response.function_call_arguments.done',
    'response.output_item.done',
    'response.completed',
  ]);
  expect((events[0]?.data as { response: { status: string } }).response.status).toBe('queued');
  expect(events[4]?.data).toMatchObject({ output_index: 0, delta: '{"city":"Paris"}' });
  expect(events[9]?.data).toMatchObject({ output_index: 1, name: 'get_time', arguments: '{}' });
  const final = (events.at(-1)?.data as { response: { output: Array<{ type: string; status: string }> } }).response;
  expect(final.output.map((item) => [item.type, item.status])).toEqual([
    ['function_call', 'completed'],
    ['function_call', 'completed'],
  ]);
});

test('a background stream resumes after starting_after: the same events, then the live ones', async () => {
  const created = await call(emulator, 'POST', '/responses', {
    body: { model: 'gpt-4o', input: 'x', background: true, store: true, stream: true, metadata: script([{ answer: 'Resumed fine.' }]) },
  });
  const original = parseSse(created.text);
  const id = (original[0]?.data as { response: { id: string } }).response.id;
  const replayed = parseSse((await call(emulator, 'GET', `/responses/${id}?stream=true&starting_after=4`)).text);
  expect(replayed).toEqual(original.slice(5));
  const everything = parseSse((await call(emulator, 'GET', `/responses/${id}?stream=true`)).text);
  expect(everything).toEqual(original);

  // Live: attach while the model is still thinking, and read to the end.
  const slow = await call(emulator, 'POST', '/responses', {
    body: { model: 'gpt-4o', input: 'x', background: true, metadata: script([{ answer: 'Worth the wait.', delay_ms: 150 }]) },
  });
  await waitForResponseStatus(emulator, slow.body.id, ['in_progress']);
  const live = parseSse((await call(emulator, 'GET', `/responses/${slow.body.id}?stream=true&starting_after=1`)).text);
  expect(types(live)[0]).toBe('response.in_progress');
  expect(types(live).at(-1)).toBe('response.completed');
  expect(sequenceNumbers(live)).toEqual(live.map((_, index) => index + 2));
});

test('only background responses can be streamed again; a cancel closes open streams', async () => {
  const foreground = await call(emulator, 'POST', '/responses', { body: { model: 'gpt-4o', input: 'x' } });
  const refused = await call(emulator, 'GET', `/responses/${foreground.body.id}?stream=true`);
  expect(refused.status).toBe(400);
  expect(refused.body.error).toMatchObject({ type: 'invalid_request_error', param: 'stream' });
  const badCursor = await call(emulator, 'GET', `/responses/${foreground.body.id}?stream=true&starting_after=two`);
  expect(badCursor.body.error).toMatchObject({ param: 'starting_after', code: 'invalid_type' });

  const slow = await call(emulator, 'POST', '/responses', {
    body: { model: 'gpt-4o', input: 'x', background: true, metadata: script([{ answer: 'never', delay_ms: 10_000 }]) },
  });
  await waitForResponseStatus(emulator, slow.body.id, ['in_progress']);
  // Read the resumed stream until the replay is through, so the cancel meets a live stream.
  const live = await fetch(`${emulator.openaiBaseUrl}/responses/${slow.body.id}?stream=true`, { headers: { authorization: `Bearer ${emulator.apiKey}` } });
  const reader = live.body!.getReader();
  let text = '';
  while (!text.includes('event: response.in_progress')) {
    const chunk = await reader.read();
    text += new TextDecoder().decode(chunk.value);
  }
  await call(emulator, 'POST', `/responses/${slow.body.id}/cancel`);
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += new TextDecoder().decode(chunk.value);
  // The spec has no `response.cancelled` stream event: the stream just ends.
  expect(types(parseSse(text))).toEqual(['response.created', 'response.queued', 'response.in_progress']);
});

test('every streamed event validates against the official spec', () => {
  const streams = emulator.recordedResponses().filter((response) => response.events !== undefined);
  expect(streams.length).toBeGreaterThanOrEqual(6);
  expect(specViolations(emulator.recordedResponses())).toEqual([]);
});
