/**
 * Every bad request gets the real service's exact error object (status, message, type, param, code).
 */
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { call, waitForRunStatus } from '../support/emulator-http';

let emulator: RunningEmulator;
let assistantId: string;

beforeAll(async () => {
  emulator = await startEmulator({ stepDelayMs: 10, queuedDelayMs: 5 });
  const assistant = await call(emulator, 'POST', '/assistants', { body: { model: 'gpt-4o' } });
  assistantId = assistant.body.id;
});

afterAll(async () => {
  await emulator.close();
});

function invalidRequest(message: string, param: string | null = null, code: string | null = null) {
  return { error: { message, type: 'invalid_request_error', param, code } };
}

const TOOL_SCRIPT = JSON.stringify({ steps: [{ tools: [{ name: 'a', arguments: {} }, { name: 'b', arguments: { x: 1 } }] }] });

async function threadWithWaitingRun(): Promise<{ threadId: string; runId: string; callIds: string[] }> {
  const thread = await call(emulator, 'POST', '/threads', { body: {} });
  const run = await call(emulator, 'POST', `/threads/${thread.body.id}/runs`, {
    body: { assistant_id: assistantId, metadata: { emulator_script: TOOL_SCRIPT } },
  });
  const waiting = await waitForRunStatus(emulator, thread.body.id, run.body.id, ['requires_action']);
  const callIds = (waiting.required_action.submit_tool_outputs.tool_calls as Array<{ id: string }>).map((toolCall) => toolCall.id);
  return { threadId: thread.body.id, runId: run.body.id, callIds };
}

describe('malformed and invalid bodies', () => {
  test('malformed JSON', async () => {
    const response = await call(emulator, 'POST', '/threads', { rawBody: '{"messages": [' });
    expect(response.status).toBe(400);
    expect(response.body).toEqual(
      invalidRequest(
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library " +
          'correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble ' +
          'figuring out how to fix this, please contact us through our help center at help.openai.com.)',
      ),
    );
  });

  test('unknown parameter, top level and nested', async () => {
    const topLevel = await call(emulator, 'POST', '/assistants', { body: { model: 'gpt-4o', foo: 1 } });
    expect(topLevel.status).toBe(400);
    expect(topLevel.body).toEqual(invalidRequest("Unknown parameter: 'foo'.", 'foo', 'unknown_parameter'));

    const nested = await call(emulator, 'POST', '/threads/runs', { body: { assistant_id: assistantId, thread: { foo: 1 } } });
    expect(nested.body).toEqual(invalidRequest("Unknown parameter: 'thread.foo'.", 'thread.foo', 'unknown_parameter'));
  });

  test('wrong type', async () => {
    const response = await call(emulator, 'POST', '/assistants', { body: { model: 'gpt-4o', temperature: 'hot' } });
    expect(response.status).toBe(400);
    expect(response.body).toEqual(
      invalidRequest("Invalid type for 'temperature': expected a decimal, but got a string instead.", 'temperature', 'invalid_type'),
    );
  });

  test('wrong type in a union names every accepted type', async () => {
    const thread = await call(emulator, 'POST', '/threads', { body: {} });
    const response = await call(emulator, 'POST', `/threads/${thread.body.id}/messages`, { body: { role: 'user', content: 5 } });
    expect(response.body).toEqual(
      invalidRequest("Invalid type for 'content': expected one of a string or an array, but got an integer instead.", 'content', 'invalid_type'),
    );
  });

  test('missing required parameter', async () => {
    const thread = await call(emulator, 'POST', '/threads', { body: {} });
    const response = await call(emulator, 'POST', `/threads/${thread.body.id}/runs`, { body: {} });
    expect(response.status).toBe(400);
    expect(response.body).toEqual(
      invalidRequest("Missing required parameter: 'assistant_id'.", 'assistant_id', 'missing_required_parameter'),
    );
  });

  test('a missing enum field is missing, not an invalid value', async () => {
    const thread = await call(emulator, 'POST', '/threads', { body: {} });
    const response = await call(emulator, 'POST', `/threads/${thread.body.id}/messages`, { body: { content: 'hi' } });
    expect(response.body).toEqual(invalidRequest("Missing required parameter: 'role'.", 'role', 'missing_required_parameter'));
  });

  test('nested parameters use the service path style', async () => {
    const response = await call(emulator, 'POST', '/threads/runs', {
      body: { assistant_id: assistantId, thread: { messages: [{ role: 'system', content: 'hi' }] } },
    });
    expect(response.body).toEqual(
      invalidRequest(
        "Invalid value: 'system'. Supported values are: 'user' and 'assistant'.",
        'thread.messages[0].role',
        'invalid_value',
      ),
    );
    const { threadId, runId } = await threadWithWaitingRun();
    const submit = await call(emulator, 'POST', `/threads/${threadId}/runs/${runId}/submit_tool_outputs`, {
      body: { tool_outputs: [{ tool_call_id: 'call_x', output: 5 }] },
    });
    expect(submit.body).toEqual(
      invalidRequest(
        "Invalid type for 'tool_outputs[0].output': expected a string, but got an integer instead.",
        'tool_outputs[0].output',
        'invalid_type',
      ),
    );
    await call(emulator, 'POST', `/threads/${threadId}/runs/${runId}/cancel`);
  });

  test('out of range values', async () => {
    const above = await call(emulator, 'POST', '/assistants', { body: { model: 'gpt-4o', temperature: 3 } });
    expect(above.body).toEqual(
      invalidRequest(
        "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 3 instead.",
        'temperature',
        'decimal_above_max_value',
      ),
    );
    const thread = await call(emulator, 'POST', '/threads', { body: {} });
    const below = await call(emulator, 'POST', `/threads/${thread.body.id}/runs`, {
      body: { assistant_id: assistantId, max_completion_tokens: 100 },
    });
    expect(below.body).toEqual(
      invalidRequest(
        "Invalid 'max_completion_tokens': integer below minimum value. Expected a value >= 256, but got 100 instead.",
        'max_completion_tokens',
        'integer_below_min_value',
      ),
    );
    const tooLong = await call(emulator, 'POST', '/assistants', { body: { model: 'gpt-4o', name: 'n'.repeat(257) } });
    expect(tooLong.body.error.code).toBe('string_above_max_length');
    expect(tooLong.body.error.param).toBe('name');
  });

  test('bad enum and bad discriminator', async () => {
    const toolChoice = await call(emulator, 'POST', '/threads/runs', { body: { assistant_id: assistantId, tool_choice: 'sometimes' } });
    expect(toolChoice.body).toEqual(
      invalidRequest("Invalid value: 'sometimes'. Supported values are: 'none', 'auto', and 'required'.", 'tool_choice', 'invalid_value'),
    );
    const tool = await call(emulator, 'POST', '/assistants', { body: { model: 'gpt-4o', tools: [{ type: 'browser' }] } });
    expect(tool.body).toEqual(
      invalidRequest(
        "Invalid value: 'browser'. Supported values are: 'code_interpreter', 'file_search', and 'function'.",
        'tools[0].type',
        'invalid_value',
      ),
    );
  });

  test('a function name outside the allowed pattern', async () => {
    const response = await call(emulator, 'POST', '/assistants', {
      body: { model: 'gpt-4o', tools: [{ type: 'function', function: { name: 'get weather' } }] },
    });
    expect(response.body).toEqual(
      invalidRequest(
        "Invalid 'tools[0].function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
        'tools[0].function.name',
        'invalid_value',
      ),
    );
  });

  test('metadata limits: 16 pairs, 64-character keys, 512-character values', async () => {
    const tooMany = Object.fromEntries(Array.from({ length: 17 }, (_unused, index) => [`k${index}`, 'v']));
    const many = await call(emulator, 'POST', '/threads', { body: { metadata: tooMany } });
    expect(many.body.error).toMatchObject({ param: 'metadata', code: 'object_above_max_size', type: 'invalid_request_error' });
    const longKey = await call(emulator, 'POST', '/threads', { body: { metadata: { ['k'.repeat(65)]: 'v' } } });
    expect(longKey.body.error).toMatchObject({ param: 'metadata', code: 'string_above_max_length' });
    const longValue = await call(emulator, 'POST', '/threads', { body: { metadata: { key: 'v'.repeat(513) } } });
    expect(longValue.body).toEqual(
      invalidRequest(
        "Invalid 'metadata.key': string too long. Expected a string with maximum length 512, but got a string with length 513 instead.",
        'metadata.key',
        'string_above_max_length',
      ),
    );
  });

  test('list parameters are checked', async () => {
    const limit = await call(emulator, 'GET', '/assistants?limit=101');
    expect(limit.body).toEqual(
      invalidRequest(
        "Invalid 'limit': integer above maximum value. Expected a value <= 100, but got 101 instead.",
        'limit',
        'integer_above_max_value',
      ),
    );
    const order = await call(emulator, 'GET', '/assistants?order=up');
    expect(order.body).toEqual(invalidRequest("Invalid value: 'up'. Supported values are: 'asc' and 'desc'.", 'order', 'invalid_value'));
  });
});

describe('unknown ids and routes', () => {
  test.each([
    ['GET', '/assistants/asst_nope', "No assistant found with id 'asst_nope'."],
    ['GET', '/threads/thread_nope', "No thread found with id 'thread_nope'."],
    ['GET', '/threads/thread_nope/runs/run_nope', "No thread found with id 'thread_nope'."],
  ])('%s %s', async (method, path, message) => {
    const response = await call(emulator, method, path);
    expect(response.status).toBe(404);
    expect(response.body).toEqual(invalidRequest(message));
  });

  test('unknown run, message and step on a real thread', async () => {
    const thread = await call(emulator, 'POST', '/threads', { body: {} });
    const id = thread.body.id as string;
    expect((await call(emulator, 'GET', `/threads/${id}/runs/run_nope`)).body).toEqual(invalidRequest("No run found with id 'run_nope'."));
    expect((await call(emulator, 'GET', `/threads/${id}/messages/msg_nope`)).body).toEqual(
      invalidRequest("No message found with id 'msg_nope'."),
    );
  });

  test('unknown assistant on create run', async () => {
    const thread = await call(emulator, 'POST', '/threads', { body: {} });
    const response = await call(emulator, 'POST', `/threads/${thread.body.id}/runs`, { body: { assistant_id: 'asst_nope' } });
    expect(response.status).toBe(404);
    expect(response.body).toEqual(invalidRequest("No assistant found with id 'asst_nope'."));
  });

  test('unknown route', async () => {
    const response = await call(emulator, 'POST', '/whatever');
    expect(response.status).toBe(404);
    expect(response.body).toEqual(invalidRequest('Invalid URL (POST /v1/whatever)'));
  });
});

describe('credentials (OpenAI dialect)', () => {
  test('missing key', async () => {
    const response = await call(emulator, 'GET', '/assistants', { auth: false });
    expect(response.status).toBe(401);
    expect(response.body).toEqual(
      invalidRequest(
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth " +
          "(i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API " +
          'from your browser and are prompted for a username and password. You can obtain an API key from ' +
          'https://platform.openai.com/account/api-keys.',
      ),
    );
  });

  test('wrong key is masked, never echoed', async () => {
    const response = await call(emulator, 'GET', '/assistants', { auth: 'sk-wrong-secret-key-1234' });
    expect(response.status).toBe(401);
    expect(response.body).toEqual(
      invalidRequest(
        'Incorrect API key provided: sk********************34. You can find your API key at https://platform.openai.com/account/api-keys.',
        null,
        'invalid_api_key',
      ),
    );
    expect(response.text).not.toContain('wrong-secret');
  });
});

describe('protocol rules', () => {
  test('a second run while one is active', async () => {
    const { threadId, runId } = await threadWithWaitingRun();
    const second = await call(emulator, 'POST', `/threads/${threadId}/runs`, { body: { assistant_id: assistantId } });
    expect(second.status).toBe(400);
    expect(second.body).toEqual(invalidRequest(`Thread ${threadId} already has an active run ${runId}.`));
    await call(emulator, 'POST', `/threads/${threadId}/runs/${runId}/cancel`);
  });

  test('a message while a run is active', async () => {
    const { threadId, runId } = await threadWithWaitingRun();
    const message = await call(emulator, 'POST', `/threads/${threadId}/messages`, { body: { role: 'user', content: 'hi' } });
    expect(message.status).toBe(400);
    expect(message.body).toEqual(invalidRequest(`Can't add messages to ${threadId} while a run ${runId} is active.`));
    await call(emulator, 'POST', `/threads/${threadId}/runs/${runId}/cancel`);
  });

  test('submit must answer every pending call, and only those', async () => {
    const { threadId, runId, callIds } = await threadWithWaitingRun();
    const path = `/threads/${threadId}/runs/${runId}/submit_tool_outputs`;
    const missing = await call(emulator, 'POST', path, { body: { tool_outputs: [{ tool_call_id: callIds[0], output: 'x' }] } });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toContain(`Missing tool output for tool_call_id '${callIds[1]}'`);
    const unknown = await call(emulator, 'POST', path, {
      body: { tool_outputs: [...callIds.map((id) => ({ tool_call_id: id, output: 'x' })), { tool_call_id: 'call_zzz', output: 'y' }] },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.param).toBe('tool_outputs[2].tool_call_id');
    expect(unknown.body.error.message).toContain("'call_zzz'");
    const still = await call(emulator, 'GET', `/threads/${threadId}/runs/${runId}`);
    expect(still.body.status).toBe('requires_action');
    await call(emulator, 'POST', `/threads/${threadId}/runs/${runId}/cancel`);
  });

  test('submit on a run that is not waiting, and cancel on a finished run', async () => {
    const thread = await call(emulator, 'POST', '/threads', { body: { messages: [{ role: 'user', content: 'hi' }] } });
    const run = await call(emulator, 'POST', `/threads/${thread.body.id}/runs`, { body: { assistant_id: assistantId } });
    await waitForRunStatus(emulator, thread.body.id, run.body.id, ['completed']);
    const submit = await call(emulator, 'POST', `/threads/${thread.body.id}/runs/${run.body.id}/submit_tool_outputs`, {
      body: { tool_outputs: [] },
    });
    expect(submit.body).toEqual(invalidRequest('Runs in status "completed" do not accept tool outputs.'));
    const cancel = await call(emulator, 'POST', `/threads/${thread.body.id}/runs/${run.body.id}/cancel`);
    expect(cancel.status).toBe(400);
    expect(cancel.body).toEqual(invalidRequest("Cannot cancel run with status 'completed'."));
  });
});
