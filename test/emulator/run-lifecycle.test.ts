/**
 * The status machine and the scripted model: each script kind, run steps, usage, messages written by
 * runs, cancel, and what a run inherits from its assistant.
 */
import { EMULATOR_SCRIPT_METADATA_KEY, startEmulator, type EmulatorScript, type RunningEmulator } from '../../src/emulator';
import { call, waitForRunStatus } from '../support/emulator-http';

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator({ stepDelayMs: 10, queuedDelayMs: 5 });
});

afterAll(async () => {
  await emulator.close();
});

const TERMINAL = ['completed', 'failed', 'incomplete', 'cancelled', 'expired'];

async function createAssistant(body: Record<string, unknown> = {}): Promise<string> {
  const response = await call(emulator, 'POST', '/assistants', { body: { model: 'gpt-4o', ...body } });
  expect(response.status).toBe(200);
  return response.body.id;
}

async function startRun(
  script: EmulatorScript | string | undefined,
  runBody: Record<string, unknown> = {},
  assistantBody: Record<string, unknown> = {},
) {
  const assistantId = await createAssistant(assistantBody);
  const thread = await call(emulator, 'POST', '/threads', { body: { messages: [{ role: 'user', content: 'What is the weather?' }] } });
  const metadata =
    script === undefined ? undefined : { [EMULATOR_SCRIPT_METADATA_KEY]: typeof script === 'string' ? script : JSON.stringify(script) };
  const run = await call(emulator, 'POST', `/threads/${thread.body.id}/runs`, {
    body: { assistant_id: assistantId, ...(metadata === undefined ? {} : { metadata }), ...runBody },
  });
  expect(run.status).toBe(200);
  return { assistantId, threadId: thread.body.id as string, runId: run.body.id as string, created: run.body };
}

async function lastAssistantText(threadId: string): Promise<string> {
  const messages = await call(emulator, 'GET', `/threads/${threadId}/messages?limit=1`);
  return messages.body.data[0].content[0].text.value;
}

describe('no script', () => {
  test('the run answers directly: queued -> in_progress -> completed', async () => {
    const { threadId, runId, created, assistantId } = await startRun(undefined);
    expect(created.status).toBe('queued');
    expect(created.id).toMatch(/^run_[A-Za-z0-9]{24}$/);
    expect(created.expires_at).toBe(created.created_at + 600);
    expect(created.usage).toBeNull();
    const run = await waitForRunStatus(emulator, threadId, runId, TERMINAL);
    expect(run.status).toBe('completed');
    expect(run.started_at).toEqual(expect.any(Number));
    expect(run.completed_at).toEqual(expect.any(Number));
    expect(run.expires_at).toBeNull();
    expect(run.usage.total_tokens).toBe(run.usage.prompt_tokens + run.usage.completion_tokens);
    const messages = await call(emulator, 'GET', `/threads/${threadId}/messages`);
    const answer = messages.body.data[0];
    expect(answer).toMatchObject({ role: 'assistant', run_id: runId, assistant_id: assistantId, status: 'completed' });
    expect(answer.content[0].text.value).toBe('You said: What is the weather?');
  });
});

describe('scripted tool rounds', () => {
  test('one round, then the answer carries the submitted output', async () => {
    const { threadId, runId } = await startRun({
      steps: [{ tools: [{ name: 'get_weather', arguments: { city: 'Paris' } }] }, { answer: 'It is sunny.' }],
    });
    const waiting = await waitForRunStatus(emulator, threadId, runId, ['requires_action']);
    const [toolCall] = waiting.required_action.submit_tool_outputs.tool_calls;
    expect(toolCall).toEqual({
      id: expect.stringMatching(/^call_[A-Za-z0-9]{24}$/),
      type: 'function',
      function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
    });
    expect(waiting.expires_at).toEqual(expect.any(Number));

    const submitted = await call(emulator, 'POST', `/threads/${threadId}/runs/${runId}/submit_tool_outputs`, {
      body: { tool_outputs: [{ tool_call_id: toolCall.id, output: '22 C' }] },
    });
    expect(submitted.body.status).toBe('queued');
    expect(submitted.body.required_action).toBeNull();
    const run = await waitForRunStatus(emulator, threadId, runId, TERMINAL);
    expect(run.status).toBe('completed');
    expect(await lastAssistantText(threadId)).toBe(`It is sunny.\n[tool_output call_id=${toolCall.id} name=get_weather] 22 C`);

    // Steps: a tool_calls step with the output, then a message_creation step, both completed with usage.
    const steps = await call(emulator, 'GET', `/threads/${threadId}/runs/${runId}/steps?order=asc`);
    expect(steps.body.data.map((step: { type: string; status: string }) => [step.type, step.status])).toEqual([
      ['tool_calls', 'completed'],
      ['message_creation', 'completed'],
    ]);
    const [toolStep, messageStep] = steps.body.data;
    expect(toolStep.step_details.tool_calls[0].function).toEqual({ name: 'get_weather', arguments: '{"city":"Paris"}', output: '22 C' });
    expect(toolStep.usage.total_tokens).toBeGreaterThan(0);
    const messages = await call(emulator, 'GET', `/threads/${threadId}/messages?run_id=${runId}`);
    expect(messages.body.data).toHaveLength(1);
    expect(messageStep.step_details.message_creation.message_id).toBe(messages.body.data[0].id);
    expect(run.usage.total_tokens).toBe(toolStep.usage.total_tokens + messageStep.usage.total_tokens);

    const single = await call(emulator, 'GET', `/threads/${threadId}/runs/${runId}/steps/${toolStep.id}`);
    expect(single.body).toEqual(toolStep);
    const unknownStep = await call(emulator, 'GET', `/threads/${threadId}/runs/${runId}/steps/step_nope`);
    expect(unknownStep.status).toBe(404);
    expect(unknownStep.body.error.message).toBe("No step found with id 'step_nope'.");
  });

  test('parallel calls, two rounds, raw-string arguments, outputs listed in submission order', async () => {
    const { threadId, runId } = await startRun({
      steps: [{ tools: [{ name: 'a' }, { name: 'b', arguments: { x: 1 } }] }, { tools: [{ name: 'c', arguments: '{not json' }] }],
    });
    const first = await waitForRunStatus(emulator, threadId, runId, ['requires_action']);
    const [callA, callB] = first.required_action.submit_tool_outputs.tool_calls;
    expect([callA.function, callB.function]).toEqual([
      { name: 'a', arguments: '{}' },
      { name: 'b', arguments: '{"x":1}' },
    ]);
    await call(emulator, 'POST', `/threads/${threadId}/runs/${runId}/submit_tool_outputs`, {
      body: { tool_outputs: [{ tool_call_id: callB.id, output: 'B' }, { tool_call_id: callA.id, output: 'A' }] },
    });
    const second = await waitFor2ndRound(threadId, runId, callA.id);
    const [callC] = second.required_action.submit_tool_outputs.tool_calls;
    expect(callC.function).toEqual({ name: 'c', arguments: '{not json' });
    await call(emulator, 'POST', `/threads/${threadId}/runs/${runId}/submit_tool_outputs`, {
      body: { tool_outputs: [{ tool_call_id: callC.id, output: 'C' }] },
    });
    const run = await waitForRunStatus(emulator, threadId, runId, TERMINAL);
    expect(run.status).toBe('completed');
    // The script ran out after the tool rounds: the default answer, then every output in order.
    expect(await lastAssistantText(threadId)).toBe(
      'You said: What is the weather?' +
        `\n[tool_output call_id=${callB.id} name=b] B` +
        `\n[tool_output call_id=${callA.id} name=a] A` +
        `\n[tool_output call_id=${callC.id} name=c] C`,
    );
    const steps = await call(emulator, 'GET', `/threads/${threadId}/runs/${runId}/steps`);
    expect(steps.body.data.map((step: { type: string }) => step.type)).toEqual(['message_creation', 'tool_calls', 'tool_calls']);
  });

  async function waitFor2ndRound(threadId: string, runId: string, firstCallId: string) {
    for (;;) {
      const run = await waitForRunStatus(emulator, threadId, runId, ['requires_action']);
      if (run.required_action.submit_tool_outputs.tool_calls[0].id !== firstCallId) return run;
    }
  }
});

describe('other script steps', () => {
  test('fail: the run fails with last_error', async () => {
    const { threadId, runId } = await startRun({ steps: [{ fail: { code: 'rate_limit_exceeded', message: 'Slow down.' } }] });
    const run = await waitForRunStatus(emulator, threadId, runId, TERMINAL);
    expect(run).toMatchObject({ status: 'failed', last_error: { code: 'rate_limit_exceeded', message: 'Slow down.' }, expires_at: null });
    expect(run.failed_at).toEqual(expect.any(Number));
    expect(run.usage).not.toBeNull();
  });

  test('incomplete: the run ends incomplete with its reason', async () => {
    const { threadId, runId } = await startRun({ steps: [{ incomplete: 'max_completion_tokens' }] });
    const run = await waitForRunStatus(emulator, threadId, runId, TERMINAL);
    expect(run).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_completion_tokens' } });
  });

  test('steps written for responses: max_output_tokens reads as max_completion_tokens; content_filter and mcp_approval fail the run', async () => {
    const output = await startRun({ steps: [{ incomplete: 'max_output_tokens' }] });
    expect(await waitForRunStatus(emulator, output.threadId, output.runId, TERMINAL)).toMatchObject({
      status: 'incomplete',
      incomplete_details: { reason: 'max_completion_tokens' },
    });
    const filtered = await startRun({ steps: [{ incomplete: 'content_filter' }] });
    expect((await waitForRunStatus(emulator, filtered.threadId, filtered.runId, TERMINAL)).last_error).toEqual({
      code: 'invalid_prompt',
      message: 'emulator_script: "incomplete": "content_filter" is for responses only.',
    });
    const approval = await startRun({ steps: [{ mcp_approval: { server_label: 's', name: 'n' } }] });
    expect((await waitForRunStatus(emulator, approval.threadId, approval.runId, TERMINAL)).last_error).toEqual({
      code: 'invalid_prompt',
      message: 'emulator_script: "mcp_approval" steps are for responses only.',
    });
  });

  test.each([
    ['not JSON', '{steps:', 'is not valid JSON'],
    ['a step with no kind', JSON.stringify({ steps: [{ speak: 'hi' }] }), 'emulator_script.steps[0] must have exactly one of'],
    ['a bad field', JSON.stringify({ steps: [{ tools: [{ name: '' }] }] }), 'emulator_script.steps[0].tools[0].name'],
  ])('an invalid script (%s) fails the run with invalid_prompt', async (_label, script, problem) => {
    const { threadId, runId } = await startRun(script);
    const run = await waitForRunStatus(emulator, threadId, runId, TERMINAL);
    expect(run.status).toBe('failed');
    expect(run.last_error.code).toBe('invalid_prompt');
    expect(run.last_error.message).toContain(problem);
  });

  test('delay_ms: the step takes the time it is given', async () => {
    const started = Date.now();
    const { threadId, runId } = await startRun({ steps: [{ answer: 'slow', delay_ms: 300 }], delay_ms: 5 });
    const inProgress = await waitForRunStatus(emulator, threadId, runId, ['in_progress', ...TERMINAL]);
    expect(inProgress.status).toBe('in_progress');
    await waitForRunStatus(emulator, threadId, runId, TERMINAL);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  test("the assistant's script applies when the run has none; the run's wins", async () => {
    const assistantScript = JSON.stringify({ steps: [{ answer: 'from the assistant' }] });
    const assistantId = await createAssistant({ metadata: { [EMULATOR_SCRIPT_METADATA_KEY]: assistantScript } });
    const thread = await call(emulator, 'POST', '/threads', { body: {} });
    const first = await call(emulator, 'POST', `/threads/${thread.body.id}/runs`, { body: { assistant_id: assistantId } });
    await waitForRunStatus(emulator, thread.body.id, first.body.id, TERMINAL);
    expect(await lastAssistantText(thread.body.id)).toBe('from the assistant');
    const second = await call(emulator, 'POST', `/threads/${thread.body.id}/runs`, {
      body: { assistant_id: assistantId, metadata: { [EMULATOR_SCRIPT_METADATA_KEY]: JSON.stringify({ steps: [{ answer: 'from the run' }] }) } },
    });
    await waitForRunStatus(emulator, thread.body.id, second.body.id, TERMINAL);
    expect(await lastAssistantText(thread.body.id)).toBe('from the run');
  });
});

describe('cancel', () => {
  test('requires_action -> cancelling -> cancelled; the open tool step is cancelled too', async () => {
    const { threadId, runId } = await startRun({ steps: [{ tools: [{ name: 'wait' }] }] });
    await waitForRunStatus(emulator, threadId, runId, ['requires_action']);
    const cancelling = await call(emulator, 'POST', `/threads/${threadId}/runs/${runId}/cancel`);
    expect(cancelling.status).toBe(200);
    expect(cancelling.body.status).toBe('cancelling');
    const run = await waitForRunStatus(emulator, threadId, runId, TERMINAL);
    expect(run).toMatchObject({ status: 'cancelled', required_action: null });
    expect(run.cancelled_at).toEqual(expect.any(Number));
    const steps = await call(emulator, 'GET', `/threads/${threadId}/runs/${runId}/steps`);
    expect(steps.body.data[0]).toMatchObject({ type: 'tool_calls', status: 'cancelled', cancelled_at: expect.any(Number) });
    // The thread is free again.
    const message = await call(emulator, 'POST', `/threads/${threadId}/messages`, { body: { role: 'user', content: 'again' } });
    expect(message.status).toBe(200);
  });

  test('cancelling twice is refused', async () => {
    const { threadId, runId } = await startRun({ steps: [{ answer: 'x', delay_ms: 1000 }] });
    await call(emulator, 'POST', `/threads/${threadId}/runs/${runId}/cancel`);
    const again = await call(emulator, 'POST', `/threads/${threadId}/runs/${runId}/cancel`);
    expect(again.status).toBe(400);
    expect(again.body.error.message).toMatch(/^Cannot cancel run with status '(cancelling|cancelled)'\.$/);
  });
});

describe('what a run carries', () => {
  test('inherits model, instructions and tools from the assistant', async () => {
    const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }];
    const { created } = await startRun(undefined, {}, { model: 'gpt-4.1', instructions: 'Be brief.', tools, temperature: 0.5 });
    expect(created).toMatchObject({ model: 'gpt-4.1', instructions: 'Be brief.', tools, temperature: 0.5, top_p: 1 });
    expect(created).toMatchObject({
      tool_choice: 'auto',
      parallel_tool_calls: true,
      truncation_strategy: { type: 'auto', last_messages: null },
      response_format: 'auto',
      max_prompt_tokens: null,
      max_completion_tokens: null,
    });
  });

  test('keeps every override, appends additional_instructions and adds additional_messages', async () => {
    const runBody = {
      model: 'gpt-4o-mini',
      instructions: 'Override.',
      additional_instructions: 'Also this.',
      tools: [{ type: 'code_interpreter' }],
      temperature: 0.2,
      top_p: 0.9,
      max_prompt_tokens: 1000,
      max_completion_tokens: 500,
      truncation_strategy: { type: 'last_messages', last_messages: 3 },
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
      response_format: { type: 'json_object' },
      additional_messages: [{ role: 'user', content: 'One more thing.' }],
    };
    const { created, threadId } = await startRun(undefined, runBody, { instructions: 'Base.' });
    const { additional_instructions: _additional, additional_messages: _messages, ...kept } = runBody;
    expect(created).toMatchObject({ ...kept, instructions: 'Override.\nAlso this.' });
    const messages = await call(emulator, 'GET', `/threads/${threadId}/messages?order=asc`);
    expect(messages.body.data.map((message: { content: Array<{ text: { value: string } }> }) => message.content[0]?.text.value)).toEqual([
      'What is the weather?',
      'One more thing.',
    ]);
  });

  test('modify keeps metadata; get carries the poll hint header', async () => {
    const { threadId, runId } = await startRun(undefined);
    const modified = await call(emulator, 'POST', `/threads/${threadId}/runs/${runId}`, { body: { metadata: { workflow: 'wf-1' } } });
    expect(modified.body.metadata).toEqual({ workflow: 'wf-1' });
    const fetched = await call(emulator, 'GET', `/threads/${threadId}/runs/${runId}`);
    expect(fetched.headers.get('openai-poll-after-ms')).toBe('1000');
    expect(fetched.body.metadata).toEqual({ workflow: 'wf-1' });
  });

  test('create thread-and-run makes the thread with its messages', async () => {
    const assistantId = await createAssistant();
    const run = await call(emulator, 'POST', '/threads/runs', {
      body: { assistant_id: assistantId, thread: { messages: [{ role: 'user', content: 'Hi there' }], metadata: { a: 'b' } } },
    });
    expect(run.status).toBe(200);
    const thread = await call(emulator, 'GET', `/threads/${run.body.thread_id}`);
    expect(thread.body).toMatchObject({ object: 'thread', metadata: { a: 'b' }, tool_resources: {} });
    await waitForRunStatus(emulator, run.body.thread_id, run.body.id, TERMINAL);
    expect(await lastAssistantText(run.body.thread_id)).toBe('You said: Hi there');
  });
});

describe('objects', () => {
  test('assistants, threads and messages: get, modify, delete', async () => {
    const assistantId = await createAssistant({ name: 'Helper' });
    const modified = await call(emulator, 'POST', `/assistants/${assistantId}`, { body: { name: 'Renamed', metadata: { v: '2' } } });
    expect(modified.body).toMatchObject({ id: assistantId, name: 'Renamed', metadata: { v: '2' }, model: 'gpt-4o' });
    const thread = await call(emulator, 'POST', '/threads', {
      body: { messages: [{ role: 'user', content: [{ type: 'text', text: 'parts' }] }], tool_resources: { code_interpreter: { file_ids: ['file-1'] } } },
    });
    expect(thread.body.tool_resources).toEqual({ code_interpreter: { file_ids: ['file-1'] } });
    const threadModified = await call(emulator, 'POST', `/threads/${thread.body.id}`, { body: { metadata: { k: 'v' } } });
    expect(threadModified.body.metadata).toEqual({ k: 'v' });
    const list = await call(emulator, 'GET', `/threads/${thread.body.id}/messages`);
    const message = list.body.data[0];
    expect(message.content).toEqual([{ type: 'text', text: { value: 'parts', annotations: [] } }]);
    const messageModified = await call(emulator, 'POST', `/threads/${thread.body.id}/messages/${message.id}`, { body: { metadata: { m: '1' } } });
    expect(messageModified.body.metadata).toEqual({ m: '1' });
    expect((await call(emulator, 'GET', `/threads/${thread.body.id}/messages/${message.id}`)).body.metadata).toEqual({ m: '1' });

    expect((await call(emulator, 'DELETE', `/threads/${thread.body.id}`)).body).toEqual({ id: thread.body.id, object: 'thread.deleted', deleted: true });
    expect((await call(emulator, 'GET', `/threads/${thread.body.id}`)).status).toBe(404);
    expect((await call(emulator, 'DELETE', `/assistants/${assistantId}`)).body).toEqual({ id: assistantId, object: 'assistant.deleted', deleted: true });
    expect((await call(emulator, 'GET', `/assistants/${assistantId}`)).status).toBe(404);
  });
});
