/**
 * The Responses API over raw HTTP: background and foreground responses, the status machine, the
 * scripted model's one-step-per-response cursor, function-call follow-ups with the service's
 * errors, cancel, delete, input items, `store` retention, metadata limits and unknown parameters.
 * Every response the emulator sent validates against the official spec.
 */
import { request as httpRequest } from 'node:http';
import { EMULATOR_SCRIPT_METADATA_KEY, startEmulator, type RunningEmulator } from '../../src/emulator';
import { call, specViolations, waitFor, waitForResponseStatus, scriptMetadata } from '../support/emulator-http';

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator({ stepDelayMs: 10, queuedDelayMs: 5, pollAfterMs: 250, recordResponses: true, unstoredRetentionSeconds: 1 });
});

afterAll(async () => {
  await emulator.close();
});

function invalidRequest(message: string, param: string | null = null, code: string | null = null) {
  return { error: { message, type: 'invalid_request_error', param, code } };
}

const script = scriptMetadata;
const WEATHER = script([{ tools: [{ name: 'get_weather', arguments: { city: 'Paris' } }] }, { answer: 'It is sunny.' }]);
/** A step the model takes its time over, so there is something to cancel. */
const SLOW = script([{ answer: 'late', delay_ms: 10_000 }]);

async function create(body: Record<string, unknown>) {
  return call(emulator, 'POST', '/responses', { body: { model: 'gpt-4o', ...body } });
}

describe('background responses', () => {
  test('answer at once `queued`, then `in_progress`, then `completed`, with the poll hint on GET', async () => {
    const created = await create({ input: 'Hello', background: true, store: true, metadata: SLOW });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ object: 'response', status: 'queued', background: true, store: true, output: [], completed_at: null });
    expect(created.body.id).toMatch(/^resp_[0-9a-f]{48}$/);
    // Fields the spec does not allow to be null are left out, not sent as null.
    expect('usage' in created.body).toBe(false);
    expect('user' in created.body).toBe(false);

    const running = await waitForResponseStatus(emulator, created.body.id, ['in_progress']);
    expect(running.output).toEqual([]);
    const polled = await call(emulator, 'GET', `/responses/${created.body.id}`);
    expect(polled.headers.get('openai-poll-after-ms')).toBe('250');
    await call(emulator, 'POST', `/responses/${created.body.id}/cancel`);

    const quick = await create({ input: 'Hello', background: true });
    const done = await waitForResponseStatus(emulator, quick.body.id, ['completed']);
    expect(done.output).toHaveLength(1);
    expect(done.output[0]).toMatchObject({ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'You said: Hello' }] });
    expect(done.completed_at).toEqual(expect.any(Number));
    expect(done.usage).toMatchObject({ input_tokens: expect.any(Number), output_tokens: 4, total_tokens: expect.any(Number) });
    expect(emulator.stats().responsesCreated.find((entry) => entry.id === quick.body.id)).toMatchObject({
      dialect: 'openai',
      background: true,
      store: null,
      conversation: null,
      previous_response_id: null,
      status: 'completed',
    });
  });

  test('a foreground response answers when it has ended', async () => {
    const response = await create({ input: [{ role: 'user', content: 'Hi there' }], instructions: 'Be brief.' });
    expect(response.body).toMatchObject({ status: 'completed', background: false, instructions: 'Be brief.' });
    expect(response.body.output[0].content[0].text).toBe('You said: Hi there');
    expect(response.headers.get('openai-poll-after-ms')).toBeNull();
  });

  test('fail and incomplete steps end the response so', async () => {
    const failed = await create({ input: 'x', metadata: script([{ fail: { code: 'rate_limit_exceeded', message: 'Slow down.' } }]) });
    expect(failed.body).toMatchObject({ status: 'failed', error: { code: 'rate_limit_exceeded', message: 'Slow down.' }, completed_at: null });
    const incomplete = await create({ input: 'x', metadata: script([{ incomplete: 'max_output_tokens' }]) });
    expect(incomplete.body).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
    const filtered = await create({ input: 'x', metadata: script([{ incomplete: 'content_filter' }]) });
    expect(filtered.body.incomplete_details).toEqual({ reason: 'content_filter' });
    const broken = await create({ input: 'x', metadata: { [EMULATOR_SCRIPT_METADATA_KEY]: '{"steps":[{"anwser":"x"}]}' } });
    expect(broken.body).toMatchObject({ status: 'failed', error: { code: 'invalid_prompt' } });
    expect(broken.body.error.message).toContain('must have exactly one of');
  });

  test('a dropped connection does not stop a background response', async () => {
    const url = new URL(`${emulator.openaiBaseUrl}/responses`);
    const body = JSON.stringify({ model: 'gpt-4o', input: 'Hello', background: true, stream: true, store: true, metadata: script([{ answer: 'Done.', delay_ms: 50 }]) });
    const firstChunk = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(url, { method: 'POST', headers: { authorization: `Bearer ${emulator.apiKey}`, 'content-type': 'application/json' } }, (res) => {
        res.once('data', (chunk: Buffer) => {
          req.destroy();
          resolve(chunk.toString('utf8'));
        });
      });
      req.on('error', () => undefined);
      req.once('error', reject);
      req.end(body);
    });
    const id = /"id":"(resp_[0-9a-f]+)"/.exec(firstChunk)?.[1] ?? '';
    expect(id).not.toBe('');
    const done = await waitForResponseStatus(emulator, id, ['completed']);
    expect(done.output[0].content[0].text).toBe('Done.');
  });
});

describe('function calls and follow-ups', () => {
  test('one step per response: the call, then the answer echoing the output, via previous_response_id', async () => {
    const first = await create({ input: 'Weather in Paris?', background: true, store: true, metadata: WEATHER });
    const waiting = await waitForResponseStatus(emulator, first.body.id, ['completed']);
    expect(waiting.output).toEqual([
      {
        type: 'function_call',
        id: expect.stringMatching(/^fc_/),
        call_id: expect.stringMatching(/^call_/),
        name: 'get_weather',
        arguments: '{"city":"Paris"}',
        status: 'completed',
      },
    ]);
    const callId = waiting.output[0].call_id as string;
    const second = await create({
      previous_response_id: first.body.id,
      background: true,
      input: [{ type: 'function_call_output', call_id: callId, output: '{"temp":22}' }],
    });
    expect(second.body.previous_response_id).toBe(first.body.id);
    const answered = await waitForResponseStatus(emulator, second.body.id, ['completed']);
    expect(answered.output[0].content[0].text).toBe(`It is sunny.\n[tool_output call_id=${callId} name=get_weather] {"temp":22}`);
    expect(emulator.stats().functionCallOutputsReceived.filter((entry) => entry.call_id === callId)).toEqual([
      { response_id: second.body.id, call_id: callId, output: '{"temp":22}', previous_response_id: first.body.id, conversation: null },
    ]);

    // The script has run out: a third response gets the default answer.
    const third = await create({ previous_response_id: second.body.id, input: 'Thanks' });
    expect(third.body.output[0].content[0].text).toBe('You said: Thanks');
    // The input items of each response, newest first by default.
    const items = await call(emulator, 'GET', `/responses/${second.body.id}/input_items`);
    expect(items.body).toMatchObject({ object: 'list', has_more: false, data: [{ type: 'function_call_output', call_id: callId, status: 'completed' }] });
  });

  test('several calls of one step are parallel calls, answered together', async () => {
    const first = await create({
      input: 'Two things',
      metadata: script([{ tools: [{ name: 'a' }, { name: 'b', arguments: { x: 1 } }] }, { answer: 'Both done.' }]),
    });
    const [a, b] = first.body.output as Array<{ call_id: string; name: string }>;
    expect([a?.name, b?.name]).toEqual(['a', 'b']);
    const onlyOne = await create({ previous_response_id: first.body.id, input: [{ type: 'function_call_output', call_id: a?.call_id, output: '1' }] });
    expect(onlyOne.status).toBe(400);
    expect(onlyOne.body).toEqual(invalidRequest(`No tool output found for function call ${b?.call_id}.`, 'input'));
    const both = await create({
      previous_response_id: first.body.id,
      input: [
        { type: 'function_call_output', call_id: b?.call_id, output: 'B' },
        { type: 'function_call_output', call_id: a?.call_id, output: 'A' },
      ],
    });
    expect(both.body.output[0].content[0].text).toBe(
      `Both done.\n[tool_output call_id=${b?.call_id} name=b] B\n[tool_output call_id=${a?.call_id} name=a] A`,
    );
  });

  test('the service refuses an output for an unknown call, a missing output, and previous_response_id with conversation', async () => {
    const first = await create({ input: 'x', metadata: WEATHER });
    const unknown = await create({ previous_response_id: first.body.id, input: [{ type: 'function_call_output', call_id: 'call_nope', output: '1' }] });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual(invalidRequest('No tool call found for function call output with call_id call_nope.', 'input'));
    const missing = await create({ previous_response_id: first.body.id, input: 'What now?' });
    expect(missing.body).toEqual(invalidRequest(`No tool output found for function call ${first.body.output[0].call_id}.`, 'input'));
    const conversation = await call(emulator, 'POST', '/conversations', { body: {} });
    const both = await create({ previous_response_id: first.body.id, conversation: conversation.body.id, input: 'x' });
    expect(both.status).toBe(400);
    expect(both.body.error.param).toBe('previous_response_id');
    const lost = await create({ previous_response_id: 'resp_missing', input: 'x' });
    expect(lost.body).toEqual(invalidRequest("Previous response with id 'resp_missing' not found.", 'previous_response_id', 'previous_response_not_found'));
    // Nothing of the refused requests was stored.
    expect(emulator.stats().functionCallOutputsReceived.some((entry) => entry.call_id === 'call_nope')).toBe(false);
  });

  test('a different script text starts at step 0; the same text carries on', async () => {
    const first = await create({ input: 'x', metadata: WEATHER });
    const callId = first.body.output[0].call_id;
    const restarted = await create({
      previous_response_id: first.body.id,
      input: [{ type: 'function_call_output', call_id: callId, output: 'ok' }],
      metadata: script([{ answer: 'A new script.' }]),
    });
    expect(restarted.body.output[0].content[0].text).toBe(`A new script.\n[tool_output call_id=${callId} name=get_weather] ok`);
    const same = await create({ previous_response_id: first.body.id, input: [{ type: 'function_call_output', call_id: callId, output: 'ok' }], metadata: WEATHER });
    expect(same.body.output[0].content[0].text).toContain('It is sunny.');
  });
});

describe('cancel, delete, retention', () => {
  test('cancel: background only, cancelled at once, idempotent, refused once ended', async () => {
    const created = await create({ input: 'x', background: true, store: true, metadata: SLOW });
    const cancelled = await call(emulator, 'POST', `/responses/${created.body.id}/cancel`);
    expect(cancelled.body).toMatchObject({ id: created.body.id, status: 'cancelled', completed_at: null });
    const again = await call(emulator, 'POST', `/responses/${created.body.id}/cancel`);
    expect(again.body.status).toBe('cancelled');
    expect((await call(emulator, 'GET', `/responses/${created.body.id}`)).body.status).toBe('cancelled');
    expect(emulator.stats().responsesCreated.find((entry) => entry.id === created.body.id)?.status).toBe('cancelled');

    const done = await create({ input: 'x', background: true, store: true });
    await waitForResponseStatus(emulator, done.body.id, ['completed']);
    const late = await call(emulator, 'POST', `/responses/${done.body.id}/cancel`);
    expect(late.status).toBe(400);
    expect(late.body).toEqual(invalidRequest('Cannot cancel a completed response.'));

    const foreground = await create({ input: 'x' });
    const synchronous = await call(emulator, 'POST', `/responses/${foreground.body.id}/cancel`);
    expect(synchronous.body).toEqual(invalidRequest('Cannot cancel a synchronous response.'));
  });

  test('deleting a running foreground response stops it; its waiting create answers with it as it was', async () => {
    const before = emulator.stats().responsesCreated.length;
    const pending = create({ input: 'x', metadata: SLOW });
    const [entry] = (await waitFor(async () => emulator.stats().responsesCreated.slice(before), (entries) => entries.length === 1)) as Array<{ id: string }>;
    await waitForResponseStatus(emulator, entry?.id ?? '', ['in_progress']);
    expect((await call(emulator, 'DELETE', `/responses/${entry?.id}`)).body.deleted).toBe(true);
    const answered = await pending;
    expect(answered.body).toMatchObject({ id: entry?.id, status: 'in_progress', output: [] });
    expect((await call(emulator, 'GET', `/responses/${entry?.id}`)).status).toBe(404);
  });

  test('delete, then 404; input items of an unknown response 404', async () => {
    const created = await create({ input: 'x' });
    const deleted = await call(emulator, 'DELETE', `/responses/${created.body.id}`);
    expect(deleted.body).toEqual({ id: created.body.id, object: 'response', deleted: true });
    const gone = await call(emulator, 'GET', `/responses/${created.body.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ error: { message: `Response with id '${created.body.id}' not found.`, type: 'invalid_request_error', param: null, code: null } });
    expect((await call(emulator, 'GET', `/responses/${created.body.id}/input_items`)).status).toBe(404);
  });

  test('a background response without store: true is kept only unstoredRetentionSeconds; store: false is never readable', async () => {
    const kept = await create({ input: 'x', background: true, store: true });
    const transient = await create({ input: 'x', background: true });
    await waitForResponseStatus(emulator, transient.body.id, ['completed']);
    const expired = await waitFor(
      () => call(emulator, 'GET', `/responses/${transient.body.id}`),
      (response) => response.status === 404,
    );
    expect(expired.body.error.message).toBe(`Response with id '${transient.body.id}' not found.`);
    expect((await call(emulator, 'GET', `/responses/${kept.body.id}`)).status).toBe(200);

    const unstored = await create({ input: 'x', store: false });
    expect(unstored.body).toMatchObject({ status: 'completed', store: false });
    expect((await call(emulator, 'GET', `/responses/${unstored.body.id}`)).status).toBe(404);
    const continued = await create({ previous_response_id: unstored.body.id, input: 'y' });
    expect(continued.body.error.code).toBe('previous_response_not_found');
  });
});

describe('request validation', () => {
  test('metadata limits: 16 pairs, 64-character keys, 512-character values', async () => {
    const pairs = Object.fromEntries(Array.from({ length: 17 }, (_, index) => [`k${index}`, 'v']));
    const tooMany = await create({ input: 'x', metadata: pairs });
    expect(tooMany.body).toEqual(
      invalidRequest(
        "Invalid 'metadata': too many properties. Expected an object with at most 16 properties, but got an object with 17 properties instead.",
        'metadata',
        'object_above_max_size',
      ),
    );
    const longKey = await create({ input: 'x', metadata: { ['k'.repeat(65)]: 'v' } });
    expect(longKey.body.error.code).toBe('string_above_max_length');
    const longValue = await create({ input: 'x', metadata: { key: 'v'.repeat(513) } });
    expect(longValue.body.error).toMatchObject({ param: 'metadata.key', code: 'string_above_max_length' });
  });

  test('unknown parameters, a Chat Completions tool, a missing model, an item type the emulator does not model', async () => {
    const unknown = await create({ input: 'x', assistant_id: 'asst_1' });
    expect(unknown.body).toEqual(invalidRequest("Unknown parameter: 'assistant_id'.", 'assistant_id', 'unknown_parameter'));
    const nested = await create({ input: [{ type: 'function_call_output', call_id: 'call_1', output: 'x', extra: 1 }] });
    expect(nested.body).toEqual(invalidRequest("Unknown parameter: 'input[0].extra'.", 'input[0].extra', 'unknown_parameter'));
    const chatTool = await create({ input: 'x', tools: [{ type: 'function', function: { name: 'f' } }] });
    expect(chatTool.body).toEqual(invalidRequest("Missing required parameter: 'tools[0].name'.", 'tools[0].name', 'missing_required_parameter'));
    const noModel = await call(emulator, 'POST', '/responses', { body: { input: 'x' } });
    expect(noModel.body).toEqual(invalidRequest("Missing required parameter: 'model'.", 'model', 'missing_required_parameter'));
    const reasoning = await create({ input: [{ type: 'reasoning', summary: [] }] });
    expect(reasoning.body.error).toMatchObject({ param: 'input[0].type', code: 'invalid_value' });
    const tokens = await create({ input: 'x', max_output_tokens: 8 });
    expect(tokens.body.error).toMatchObject({ param: 'max_output_tokens', code: 'integer_below_min_value' });
  });

  test('function tools are echoed with the service defaults', async () => {
    const response = await create({ input: 'x', tools: [{ type: 'function', name: 'f', description: 'F' }], tool_choice: 'required' });
    expect(response.body.tools).toEqual([{ type: 'function', name: 'f', description: 'F', parameters: null, strict: true }]);
    expect(response.body.tool_choice).toBe('required');
  });
});

test('every response the emulator sent validates against the official spec', () => {
  const responses = emulator.recordedResponses();
  expect(responses.filter((response) => response.route.startsWith('/responses')).length).toBeGreaterThan(40);
  expect(specViolations(responses)).toEqual([]);
});
