/**
 * The Conversations API over raw HTTP: conversations and their items (20 a call, paged lists),
 * responses that append their input and output to a conversation, the script cursor a conversation
 * carries, the busy-conversation 400, and MCP approval requests answered approved and denied.
 * Every response validates against the official spec.
 */
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { call, specViolations, waitForResponseStatus, scriptMetadata } from '../support/emulator-http';

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator({ stepDelayMs: 10, queuedDelayMs: 5, recordResponses: true });
});

afterAll(async () => {
  await emulator.close();
});

const script = scriptMetadata;
const user = (text: string) => ({ type: 'message', role: 'user', content: text });

describe('conversations and items', () => {
  test('create with items, get, update, delete', async () => {
    const created = await call(emulator, 'POST', '/conversations', { body: { metadata: { topic: 'demo' }, items: [user('Hello'), user('Again')] } });
    expect(created.body).toEqual({ id: expect.stringMatching(/^conv_[0-9a-f]{48}$/), object: 'conversation', created_at: expect.any(Number), metadata: { topic: 'demo' } });
    const id = created.body.id as string;
    expect((await call(emulator, 'GET', `/conversations/${id}`)).body).toEqual(created.body);
    const updated = await call(emulator, 'POST', `/conversations/${id}`, { body: { metadata: { topic: 'changed' } } });
    expect(updated.body.metadata).toEqual({ topic: 'changed' });
    const missingMetadata = await call(emulator, 'POST', `/conversations/${id}`, { body: {} });
    expect(missingMetadata.body.error).toMatchObject({ message: "Missing required parameter: 'metadata'.", param: 'metadata' });
    const deleted = await call(emulator, 'DELETE', `/conversations/${id}`);
    expect(deleted.body).toEqual({ id, object: 'conversation.deleted', deleted: true });
    const gone = await call(emulator, 'GET', `/conversations/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.message).toBe(`Conversation with id '${id}' not found.`);
  });

  test('items: at most 20 a call, listed newest first and paged, read and deleted one by one', async () => {
    const tooMany = await call(emulator, 'POST', '/conversations', { body: { items: Array.from({ length: 21 }, (_, index) => user(`m${index}`)) } });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error).toEqual({
      message: "Invalid 'items': array too long. Expected an array with maximum length 20, but got an array with length 21 instead.",
      type: 'invalid_request_error',
      param: 'items',
      code: 'array_above_max_length',
    });
    const conversation = (await call(emulator, 'POST', '/conversations', { body: {} })).body.id as string;
    const added = await call(emulator, 'POST', `/conversations/${conversation}/items`, { body: { items: [user('one'), user('two'), user('three')] } });
    expect(added.body).toMatchObject({ object: 'list', has_more: false, data: [{ type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_text', text: 'one' }] }, {}, {}] });
    const ids = (added.body.data as Array<{ id: string }>).map((item) => item.id);
    expect(ids.every((id) => /^msg_/.test(id))).toBe(true);
    const tooManyItems = await call(emulator, 'POST', `/conversations/${conversation}/items`, { body: { items: Array.from({ length: 21 }, () => user('x')) } });
    expect(tooManyItems.body.error.code).toBe('array_above_max_length');

    const firstPage = await call(emulator, 'GET', `/conversations/${conversation}/items?limit=2`);
    expect(firstPage.body).toMatchObject({ object: 'list', first_id: ids[2], last_id: ids[1], has_more: true });
    const secondPage = await call(emulator, 'GET', `/conversations/${conversation}/items?limit=2&after=${ids[1]}&include[]=message.output_text.logprobs`);
    expect(secondPage.body).toMatchObject({ first_id: ids[0], last_id: ids[0], has_more: false });
    const ascending = await call(emulator, 'GET', `/conversations/${conversation}/items?order=asc`);
    expect((ascending.body.data as Array<{ id: string }>).map((item) => item.id)).toEqual(ids);

    expect((await call(emulator, 'GET', `/conversations/${conversation}/items/${ids[1]}`)).body.content[0].text).toBe('two');
    const afterDelete = await call(emulator, 'DELETE', `/conversations/${conversation}/items/${ids[1]}`);
    expect(afterDelete.body).toMatchObject({ id: conversation, object: 'conversation' });
    expect((await call(emulator, 'GET', `/conversations/${conversation}/items/${ids[1]}`)).status).toBe(404);
    expect(emulator.stats().conversationItemIds[conversation]).toEqual(ids);
  });
});

describe('responses in a conversation', () => {
  test('a function-call round through the conversation: items appended, cursor carried, outputs echoed', async () => {
    const conversation = (await call(emulator, 'POST', '/conversations', { body: { items: [user('I am in Paris.')] } })).body.id as string;
    const weather = script([{ tools: [{ name: 'get_weather', arguments: { city: 'Paris' } }] }, { answer: 'Sunny in Paris.' }]);
    const first = await call(emulator, 'POST', '/responses', {
      body: { model: 'gpt-4o', conversation, input: 'Weather?', background: true, store: true, metadata: weather },
    });
    expect(first.body.conversation).toEqual({ id: conversation });
    const waiting = await waitForResponseStatus(emulator, first.body.id, ['completed']);
    const callId = waiting.output[0].call_id as string;
    // The call is in the conversation now: a request that does not answer it is refused.
    const unanswered = await call(emulator, 'POST', '/responses', { body: { model: 'gpt-4o', conversation, input: 'And?' } });
    expect(unanswered.body.error).toEqual({
      message: `No tool output found for function call ${callId}.`,
      type: 'invalid_request_error',
      param: 'input',
      code: null,
    });

    // The second response names the conversation as `{ id }` and carries no script: the conversation's carries on.
    const second = await call(emulator, 'POST', '/responses', {
      body: { model: 'gpt-4o', conversation: { id: conversation }, input: [{ type: 'function_call_output', call_id: callId, output: '22 C' }] },
    });
    expect(second.body.output[0].content[0].text).toBe(`Sunny in Paris.\n[tool_output call_id=${callId} name=get_weather] 22 C`);

    const items = (await call(emulator, 'GET', `/conversations/${conversation}/items?order=asc`)).body.data as Array<{ id: string; type: string; role?: string }>;
    expect(items.map((item) => item.type + (item.role === undefined ? '' : `:${item.role}`))).toEqual([
      'message:user',
      'message:user',
      'function_call',
      'function_call_output',
      'message:assistant',
    ]);
    expect(emulator.stats().conversationItemIds[conversation]).toEqual(items.map((item) => item.id));
    expect(emulator.stats().responsesCreated.find((entry) => entry.id === second.body.id)?.conversation).toBe(conversation);

    // The same script text carries on past its end: the default answer.
    const third = await call(emulator, 'POST', '/responses', { body: { model: 'gpt-4o', conversation, metadata: weather, input: 'Again' } });
    expect(third.body.output[0].content[0].text).toBe('You said: Again');
  });

  test('a conversation with a response queued or running refuses another (the exact trigger is unverified)', async () => {
    const conversation = (await call(emulator, 'POST', '/conversations', { body: {} })).body.id as string;
    const slow = await call(emulator, 'POST', '/responses', {
      body: { model: 'gpt-4o', conversation, input: 'x', background: true, metadata: script([{ answer: 'late', delay_ms: 10_000 }]) },
    });
    const busy = await call(emulator, 'POST', '/responses', { body: { model: 'gpt-4o', conversation, input: 'y' } });
    expect(busy.status).toBe(400);
    expect(busy.body).toEqual({
      error: {
        message: 'Another process is currently operating on this conversation. Please retry in a few seconds.',
        type: 'invalid_request_error',
        param: 'conversation',
        code: 'conversation_locked',
      },
    });
    await call(emulator, 'POST', `/responses/${slow.body.id}/cancel`);
    const free = await call(emulator, 'POST', '/responses', { body: { model: 'gpt-4o', conversation, input: 'y' } });
    expect(free.body.status).toBe('completed');
    // A cancelled response adds nothing to the conversation; a completed one its input and output.
    expect(((await call(emulator, 'GET', `/conversations/${conversation}/items`)).body.data as unknown[]).length).toBe(2);
    const unknown = await call(emulator, 'POST', '/responses', { body: { model: 'gpt-4o', conversation: 'conv_missing', input: 'y' } });
    expect(unknown.status).toBe(404);
  });
});

describe('MCP approval requests', () => {
  const approvalScript = script([
    { mcp_approval: { server_label: 'deepwiki', name: 'ask_question', arguments: { repo: 'openai/openai-node' }, output: 'It is a client.' } },
    { answer: 'Done.' },
  ]);

  test('approved: an mcp_call with the scripted output, then the next step', async () => {
    const first = await call(emulator, 'POST', '/responses', { body: { model: 'gpt-4o', input: 'Ask the wiki', metadata: approvalScript } });
    expect(first.body.status).toBe('completed');
    expect(first.body.output).toEqual([
      { type: 'mcp_approval_request', id: expect.stringMatching(/^mcpr_/), server_label: 'deepwiki', name: 'ask_question', arguments: '{"repo":"openai/openai-node"}' },
    ]);
    const requestId = first.body.output[0].id as string;
    const second = await call(emulator, 'POST', '/responses', {
      body: { model: 'gpt-4o', previous_response_id: first.body.id, input: [{ type: 'mcp_approval_response', approval_request_id: requestId, approve: true }] },
    });
    expect(second.body.output).toEqual([
      {
        type: 'mcp_call',
        id: expect.stringMatching(/^mcp_/),
        server_label: 'deepwiki',
        name: 'ask_question',
        arguments: '{"repo":"openai/openai-node"}',
        output: 'It is a client.',
        error: null,
        status: 'completed',
        approval_request_id: requestId,
      },
      expect.objectContaining({ type: 'message', content: [expect.objectContaining({ text: 'Done.' })] }),
    ]);
    expect(emulator.stats().mcpApprovalResponsesReceived).toContainEqual({ response_id: second.body.id, approval_request_id: requestId, approve: true, reason: null });
  });

  test('denied: no call, the next step; an unknown request id is refused', async () => {
    const first = await call(emulator, 'POST', '/responses', { body: { model: 'gpt-4o', input: 'Ask the wiki', metadata: approvalScript } });
    const requestId = first.body.output[0].id as string;
    const denied = await call(emulator, 'POST', '/responses', {
      body: {
        model: 'gpt-4o',
        previous_response_id: first.body.id,
        input: [{ type: 'mcp_approval_response', approval_request_id: requestId, approve: false, reason: 'Not now.' }],
      },
    });
    expect(denied.body.output.map((item: { type: string }) => item.type)).toEqual(['message']);
    const unknown = await call(emulator, 'POST', '/responses', {
      body: { model: 'gpt-4o', previous_response_id: first.body.id, input: [{ type: 'mcp_approval_response', approval_request_id: 'mcpr_nope', approve: true }] },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.param).toBe('input');
    const items = await call(emulator, 'GET', `/responses/${denied.body.id}/input_items`);
    expect(items.body.data[0]).toMatchObject({ type: 'mcp_approval_response', approval_request_id: requestId, approve: false, reason: 'Not now.' });
  });
});

test('every response validates against the official spec', () => {
  expect(specViolations(emulator.recordedResponses())).toEqual([]);
});
