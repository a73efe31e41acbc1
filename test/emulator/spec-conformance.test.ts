/**
 * Every response the emulator sends, on every route, validates against the official OpenAPI spec:
 * objects, lists, deletions, stream events, file downloads and error objects alike.
 */
import { EMULATOR_SCRIPT_METADATA_KEY, startEmulator, type RunningEmulator } from '../../src/emulator';
import { PROTOCOL_ROUTES } from '../../src/emulator/routes';
import { call, specViolations, upload, waitFor, waitForRunStatus } from '../support/emulator-http';

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator({ stepDelayMs: 10, queuedDelayMs: 5, fileProcessingMs: 10, recordResponses: true });
});

afterAll(async () => {
  await emulator.close();
});

test('a tool round, a streamed run, and gets, lists, modifies and deletes of everything', async () => {
  const script = JSON.stringify({ steps: [{ tools: [{ name: 'f', arguments: { a: 1 } }, { name: 'g' }] }, { answer: 'Done.' }] });
  // The vector_stores helper makes a real vector store, so its files must exist.
  const knowledge = (await upload(emulator, 'knowledge.txt', 'facts')).body.id as string;
  const assistant = (
    await call(emulator, 'POST', '/assistants', {
      body: {
        model: 'gpt-4o',
        name: 'Conformance',
        instructions: 'Be exact.',
        tools: [
          { type: 'function', function: { name: 'f', parameters: { type: 'object' } } },
          { type: 'code_interpreter' },
          { type: 'file_search', file_search: { max_num_results: 5 } },
        ],
        tool_resources: { file_search: { vector_stores: [{ file_ids: [knowledge] }] } },
        response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' } } },
        metadata: { [EMULATOR_SCRIPT_METADATA_KEY]: script },
      },
    })
  ).body;
  await call(emulator, 'GET', `/assistants/${assistant.id}`);
  await call(emulator, 'GET', '/assistants');
  await call(emulator, 'POST', `/assistants/${assistant.id}`, { body: { description: 'modified', temperature: null } });

  const thread = (
    await call(emulator, 'POST', '/threads', {
      body: {
        messages: [
          { role: 'user', content: 'Hello', attachments: [{ file_id: 'file-1', tools: [{ type: 'file_search' }] }] },
          { role: 'assistant', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } }] },
        ],
        metadata: { purpose: 'conformance' },
      },
    })
  ).body;
  await call(emulator, 'GET', `/threads/${thread.id}`);
  await call(emulator, 'POST', `/threads/${thread.id}`, { body: { metadata: { purpose: 'modified' } } });
  const message = (await call(emulator, 'POST', `/threads/${thread.id}/messages`, { body: { role: 'user', content: 'More' } })).body;
  await call(emulator, 'GET', `/threads/${thread.id}/messages/${message.id}`);
  await call(emulator, 'POST', `/threads/${thread.id}/messages/${message.id}`, { body: { metadata: { seen: 'yes' } } });

  // A tool round, polled.
  const run = (await call(emulator, 'POST', `/threads/${thread.id}/runs?include[]=step_details.tool_calls[*].file_search.results[*].content`, {
    body: { assistant_id: assistant.id, additional_instructions: 'Now.', truncation_strategy: { type: 'auto' } },
  })).body;
  const waiting = await waitForRunStatus(emulator, thread.id, run.id, ['requires_action']);
  const calls = waiting.required_action.submit_tool_outputs.tool_calls as Array<{ id: string }>;
  const stepsWhileWaiting = (await call(emulator, 'GET', `/threads/${thread.id}/runs/${run.id}/steps`)).body;
  await call(emulator, 'GET', `/threads/${thread.id}/runs/${run.id}/steps/${stepsWhileWaiting.data[0].id}`);
  await call(emulator, 'POST', `/threads/${thread.id}/runs/${run.id}/submit_tool_outputs`, {
    body: { tool_outputs: calls.map((toolCall) => ({ tool_call_id: toolCall.id, output: 'ok' })) },
  });
  await waitForRunStatus(emulator, thread.id, run.id, ['completed']);
  await call(emulator, 'POST', `/threads/${thread.id}/runs/${run.id}`, { body: { metadata: { checked: 'true' } } });
  await call(emulator, 'GET', `/threads/${thread.id}/runs`);
  await call(emulator, 'GET', `/threads/${thread.id}/runs/${run.id}/steps?order=asc&limit=1`);
  await call(emulator, 'GET', `/threads/${thread.id}/messages?run_id=${run.id}`);

  // A streamed thread-and-run, and its streamed submit.
  const streamed = await call(emulator, 'POST', '/threads/runs', {
    body: { assistant_id: assistant.id, stream: true, thread: { messages: [{ role: 'user', content: 'Stream it' }] } },
  });
  const requiresAction = streamed.text.split('\n\n').find((block) => block.startsWith('event: thread.run.requires_action')) ?? '';
  const streamedRun = JSON.parse(requiresAction.split('\ndata: ')[1] ?? '{}');
  await call(emulator, 'POST', `/threads/${streamedRun.thread_id}/runs/${streamedRun.id}/submit_tool_outputs`, {
    body: {
      stream: true,
      tool_outputs: streamedRun.required_action.submit_tool_outputs.tool_calls.map((toolCall: { id: string }) => ({
        tool_call_id: toolCall.id,
        output: 'streamed',
      })),
    },
  });

  // Cancel, failure and the error objects.
  const cancelled = (await call(emulator, 'POST', `/threads/${thread.id}/runs`, { body: { assistant_id: assistant.id } })).body;
  await call(emulator, 'POST', `/threads/${thread.id}/runs/${cancelled.id}/cancel`);
  await waitForRunStatus(emulator, thread.id, cancelled.id, ['cancelled']);
  await call(emulator, 'POST', `/threads/${thread.id}/runs/${cancelled.id}/cancel`);
  await call(emulator, 'POST', '/threads', { rawBody: '{' });
  await call(emulator, 'POST', '/assistants', { body: { model: 1 } });
  await call(emulator, 'GET', '/threads/thread_missing');
  await call(emulator, 'GET', '/assistants', { auth: 'wrong-key-123' });
  await call(emulator, 'GET', '/assistants', { headers: { 'x-emulator-fault': 'rate_limit' } });

  await call(emulator, 'DELETE', `/threads/${thread.id}/messages/${message.id}`);
  await call(emulator, 'DELETE', `/threads/${thread.id}`);
  await call(emulator, 'DELETE', `/assistants/${assistant.id}`);

  expectEveryResponseMatchesTheSpec();
});

test('files, vector stores, vector store files and file batches: every state a client can see', async () => {
  const document = (await upload(emulator, 'guide.txt', 'How to file.', { fields: { 'expires_after[anchor]': 'created_at', 'expires_after[seconds]': '3600' } })).body;
  const failing = (await upload(emulator, 'broken.fail.txt', 'x')).body;
  const stuck = (await upload(emulator, 'forever.stuck.txt', 'y')).body;
  const empty = (await upload(emulator, 'empty.txt', '', { purpose: 'user_data' })).body;
  await call(emulator, 'GET', '/files');
  await call(emulator, 'GET', '/files?purpose=assistants&order=asc&limit=2');
  await call(emulator, 'GET', `/files/${document.id}`);
  await call(emulator, 'GET', `/files/${document.id}/content`);

  const vectorStore = (
    await call(emulator, 'POST', '/vector_stores', {
      body: {
        name: 'Handbook',
        description: 'All the guides',
        file_ids: [document.id],
        chunking_strategy: { type: 'static', static: { max_chunk_size_tokens: 400, chunk_overlap_tokens: 100 } },
        expires_after: { anchor: 'last_active_at', days: 7 },
        metadata: { team: 'docs' },
      },
    })
  ).body;
  await call(emulator, 'GET', `/vector_stores/${vectorStore.id}`); // in_progress
  await call(emulator, 'POST', `/vector_stores/${vectorStore.id}/files`, {
    body: { file_id: failing.id, chunking_strategy: { type: 'auto' }, attributes: { page: 3, draft: true, owner: 'me' } },
  });
  await call(emulator, 'GET', `/vector_stores/${vectorStore.id}/files/${failing.id}`); // in_progress
  await waitFor(
    () => call(emulator, 'GET', `/vector_stores/${vectorStore.id}`),
    (response) => response.body.status === 'completed',
  );
  await call(emulator, 'GET', `/vector_stores/${vectorStore.id}/files/${failing.id}`); // failed, with last_error
  await call(emulator, 'GET', `/vector_stores/${vectorStore.id}/files/${document.id}`); // completed
  await call(emulator, 'POST', `/vector_stores/${vectorStore.id}/files/${document.id}`, { body: { attributes: { reviewed: true } } });
  await call(emulator, 'GET', `/vector_stores/${vectorStore.id}/files/${document.id}/content`);
  await call(emulator, 'GET', `/vector_stores/${vectorStore.id}/files?filter=failed`);
  await call(emulator, 'GET', `/vector_stores/${vectorStore.id}/files?order=asc&limit=1`);
  await call(emulator, 'POST', `/vector_stores/${vectorStore.id}`, { body: { name: null, expires_after: null, metadata: { team: 'ops' } } });
  await call(emulator, 'GET', '/vector_stores?order=asc');

  // A batch with a file that never finishes, cancelled mid-way; another that completes with a failure.
  const batch = (
    await call(emulator, 'POST', `/vector_stores/${vectorStore.id}/file_batches`, {
      body: { files: [{ file_id: stuck.id, attributes: { kind: 'stuck' } }, { file_id: document.id }] },
    })
  ).body;
  await call(emulator, 'GET', `/vector_stores/${vectorStore.id}/file_batches/${batch.id}`);
  await call(emulator, 'POST', `/vector_stores/${vectorStore.id}/file_batches/${batch.id}/cancel`);
  await waitFor(
    () => call(emulator, 'GET', `/vector_stores/${vectorStore.id}/file_batches/${batch.id}`),
    (response) => response.body.status === 'cancelled',
  );
  await call(emulator, 'GET', `/vector_stores/${vectorStore.id}/file_batches/${batch.id}/files?filter=cancelled`);
  const completedBatch = (
    await call(emulator, 'POST', `/vector_stores/${vectorStore.id}/file_batches`, {
      body: { file_ids: [empty.id, document.id], chunking_strategy: { type: 'auto' }, attributes: { source: 'upload' } },
    })
  ).body;
  await waitFor(
    () => call(emulator, 'GET', `/vector_stores/${vectorStore.id}/file_batches/${completedBatch.id}`),
    (response) => response.body.status === 'completed',
  );
  await call(emulator, 'GET', `/vector_stores/${vectorStore.id}/file_batches/${completedBatch.id}/files`);

  // The error objects of these APIs.
  await upload(emulator, 'a.txt', 'a', { purpose: null });
  await upload(emulator, 'a.txt', 'a', { omitFile: true });
  await call(emulator, 'GET', '/files/file-missing');
  await call(emulator, 'POST', '/vector_stores', { body: { file_ids: ['file-missing'] } });
  await call(emulator, 'GET', `/vector_stores/${vectorStore.id}/files?filter=done`);
  await call(emulator, 'GET', `/vector_stores/${vectorStore.id}/files/file-missing`);
  await call(emulator, 'POST', `/vector_stores/${vectorStore.id}/file_batches/${completedBatch.id}/cancel`);

  await call(emulator, 'DELETE', `/vector_stores/${vectorStore.id}/files/${failing.id}`);
  await call(emulator, 'DELETE', `/vector_stores/${vectorStore.id}`);
  await call(emulator, 'DELETE', `/files/${document.id}`);
  expectEveryResponseMatchesTheSpec();
});

test('responses (streamed, resumed, cancelled, deleted), conversations and their items', async () => {
  const script = JSON.stringify({ steps: [{ tools: [{ name: 'f', arguments: { a: 1 } }] }, { mcp_approval: { server_label: 's', name: 'n' } }, { answer: 'Done.' }] });
  const conversation = (await call(emulator, 'POST', '/conversations', { body: { metadata: { topic: 't' }, items: [{ role: 'user', content: 'Hi' }] } })).body;
  await call(emulator, 'GET', `/conversations/${conversation.id}`);
  await call(emulator, 'POST', `/conversations/${conversation.id}`, { body: { metadata: { topic: 'u' } } });
  const items = (await call(emulator, 'POST', `/conversations/${conversation.id}/items`, { body: { items: [{ role: 'assistant', content: 'Hello' }] } })).body;
  await call(emulator, 'GET', `/conversations/${conversation.id}/items/${items.data[0].id}`);

  const first = await call(emulator, 'POST', '/responses', {
    body: { model: 'gpt-4o', conversation: conversation.id, input: 'Go', stream: true, background: true, store: true, metadata: { [EMULATOR_SCRIPT_METADATA_KEY]: script } },
  });
  const id = /"id":"(resp_[0-9a-f]+)"/.exec(first.text)?.[1] ?? '';
  const waiting = await waitFor(
    () => call(emulator, 'GET', `/responses/${id}`),
    (response) => response.body.status === 'completed',
  );
  await call(emulator, 'GET', `/responses/${id}?stream=true&starting_after=2`);
  const approval = await call(emulator, 'POST', '/responses', {
    body: { model: 'gpt-4o', conversation: conversation.id, input: [{ type: 'function_call_output', call_id: waiting.body.output[0].call_id, output: 'ok' }] },
  });
  const answered = await call(emulator, 'POST', '/responses', {
    body: { model: 'gpt-4o', conversation: conversation.id, input: [{ type: 'mcp_approval_response', approval_request_id: approval.body.output[0].id, approve: true }] },
  });
  await call(emulator, 'GET', `/responses/${answered.body.id}/input_items?order=asc`);
  await call(emulator, 'GET', `/conversations/${conversation.id}/items?order=asc&limit=100`);
  await call(emulator, 'DELETE', `/conversations/${conversation.id}/items/${items.data[0].id}`);

  const cancelled = (await call(emulator, 'POST', '/responses', { body: { model: 'gpt-4o', input: 'x', background: true, metadata: { [EMULATOR_SCRIPT_METADATA_KEY]: '{"steps":[{"answer":"x","delay_ms":10000}]}' } } })).body;
  await call(emulator, 'POST', `/responses/${cancelled.id}/cancel`);
  await call(emulator, 'POST', `/responses/${cancelled.id}/cancel`);
  await call(emulator, 'POST', '/responses', { body: { model: 'gpt-4o', input: [{ type: 'function_call_output', call_id: 'call_x', output: 'x' }] } });
  await call(emulator, 'GET', '/responses/resp_missing');
  await call(emulator, 'DELETE', `/responses/${answered.body.id}`);
  await call(emulator, 'DELETE', `/conversations/${conversation.id}`);
  expectEveryResponseMatchesTheSpec();
});

test('every route was exercised successfully, and with every kind of error', () => {
  const responses = emulator.recordedResponses();
  const exercised = new Set(responses.filter((response) => response.status === 200).map((response) => `${response.method} ${response.route}`));
  // Every route the OpenAI dialect serves (Foundry's agents v2 routes are covered in responses-dialects.test.ts).
  const openAIRoutes = PROTOCOL_ROUTES.filter((route) => route.dialects === undefined || route.dialects.includes('openai')).map(
    (route) => `${route.method} ${route.template}`,
  );
  expect(openAIRoutes.filter((route) => !exercised.has(route))).toEqual([]);
  expect(new Set(responses.map((response) => response.status))).toEqual(new Set([200, 400, 401, 404, 429]));
});

/** Fails with every response recorded so far that does not validate against the spec. */
function expectEveryResponseMatchesTheSpec(): void {
  const responses = emulator.recordedResponses();
  const failures = specViolations(responses);
  if (failures.length > 0) {
    throw new Error(`${failures.length} of ${responses.length} responses do not match the spec:\n${failures.join('\n')}`);
  }
}
