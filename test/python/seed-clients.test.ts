/**
 * The Python lane: the seeds' own Python clients against the emulator, as their users configure
 * them. `azure-ai-projects` 1.0.0b6 (seed 000) reaches a hub-based Foundry project through
 * `AIProjectClient.from_connection_string`; the `openai` package's `OpenAI` and `AzureOpenAI` (two
 * api-versions) drive the Assistants helpers, and its `OpenAI` drives the successor protocols
 * (background Responses, Conversations, resumed streams, MCP approvals) on `/v1`, Azure OpenAI's
 * `/openai/v1` and a Foundry project's `/openai/v1` (running a Foundry agent version). The pinned packages come from PyPI into the
 * git-ignored cache (see python-clients.ts); without PyPI the lane fails, it never skips.
 *
 * One in-process emulator serves HTTPS with the test certificate (azure-core refuses bearer tokens
 * over plain HTTP; the `openai` clients trust the same certificate), records every response, and
 * logs every request line so the test can see the api-version each client sent.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { specViolations } from '../support/emulator-http';
import { fetchTrustingTestCertificate, TEST_CERTIFICATE_PATH, testTls } from '../support/test-tls';
import { provisionPythonClients, runLaneScript, type PythonClients } from './python-clients';

const FIXTURE_PATH = join(__dirname, 'fixtures', 'travel-policy.txt');
const FIXTURE_BYTES = statSync(FIXTURE_PATH).size;
/** A run the scripted model takes its time over, so there is something to cancel. */
const SLOW_SCRIPT = JSON.stringify({ steps: [{ answer: 'late', delay_ms: 10_000 }] });
const OPENAI_CLIENTS = [
  { label: 'openai', kind: 'openai' },
  { label: 'azure-2024-08-01-preview', kind: 'azure', api_version: '2024-08-01-preview' },
  { label: 'azure-2024-05-01-preview', kind: 'azure', api_version: '2024-05-01-preview' },
];

let clients: PythonClients;
let emulator: RunningEmulator;
const trusting = fetchTrustingTestCertificate();
const requestLines: string[] = [];
const laneStarted = Date.now();

beforeAll(async () => {
  const provisioning: string[] = [];
  clients = await provisionPythonClients((line) => provisioning.push(line));
  // One message, so the lane's first line of output names what it tests.
  console.log(
    [
      `python lane: azure-ai-projects ${clients.pins['azure-ai-projects']}, openai ${clients.pins['openai']}, Python ${clients.pythonVersion}`,
      ...provisioning,
    ].join('\n'),
  );
  emulator = await startEmulator({
    tls: testTls(),
    recordResponses: true,
    stepDelayMs: 20,
    queuedDelayMs: 5,
    pollAfterMs: 50,
    fileProcessingMs: 30,
    log: (line) => requestLines.push(line),
  });
}, 10 * 60_000);

afterAll(async () => {
  await Promise.all([emulator?.close(), trusting.close()]);
  const install =
    clients === undefined
      ? 'the pinned clients could not be installed'
      : clients.installSeconds === undefined
        ? 'pinned clients already in the cache'
        : `pip install ${clients.installSeconds.toFixed(1)} s`;
  console.log(`python lane: done in ${((Date.now() - laneStarted) / 1000).toFixed(1)} s (${install})`);
});

/** The emulator's echo of one tool output at the end of a scripted answer. */
const echoed = (callId: string, name: string, output: string) => `[tool_output call_id=${callId} name=${name}] ${output}`;

test('azure-ai-projects 1.0.0b6 via from_connection_string: toolset runs polled and streamed, files, vector stores, cancel', async () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the script's JSON report
  const report: any = await runLaneScript(clients, join(__dirname, 'seed_000_azure_ai_projects.py'), {
    connection_string: emulator.foundryHubConnectionString('seed-000'),
    ca_path: TEST_CERTIFICATE_PATH,
    token: emulator.apiKey,
    fixture_path: FIXTURE_PATH,
    slow_script: SLOW_SCRIPT,
  });
  expect(report.versions).toEqual({ 'azure-ai-projects': clients.pins['azure-ai-projects'], 'azure-core': clients.pins['azure-core'] });
  expect(report.scopes).toEqual(['https://ml.azure.com/.default']);
  expect(report.agent.tools).toEqual(['book_room', 'get_weather']);

  // create_and_process_run ran get_weather itself, and its output reached the "model".
  const weather = '{"city": "Paris", "forecast": "sunny", "temperature_c": 22}';
  const [polledCallId] = report.process_run.tool_call_ids as string[];
  expect(report.process_run).toMatchObject({ status: 'completed', tool_calls_run: [{ name: 'get_weather', city: 'Paris' }] });
  expect(report.process_run.answer).toBe(`It is sunny in Paris.\n${echoed(polledCallId!, 'get_weather', weather)}`);

  // The stream: the SDK answered the tool round with submit_tool_outputs_to_stream and read on.
  expect(report.stream.tool_calls_run).toEqual([{ name: 'get_weather', city: 'Paris' }]);
  expect(report.stream.run_statuses).toEqual(['queued', 'queued', 'in_progress', 'requires_action', 'queued', 'in_progress', 'completed']);
  expect(report.stream.done).toBe(true);
  expect(report.stream.unhandled).toEqual([]);
  expect(report.stream.text).toMatch(/^It is sunny in Paris\.\n\[tool_output call_id=call_\w+ name=get_weather\] /);
  expect(report.stream.text.endsWith(weather)).toBe(true);
  expect(report.stream.messages).toEqual([report.stream.text]);
  const streamedSubmits = emulator
    .recordedResponses()
    .filter((response) => response.route === '/threads/{thread_id}/runs/{run_id}/submit_tool_outputs' && response.events !== undefined);
  expect(streamedSubmits).toHaveLength(1);
  const outputs = emulator.stats().toolOutputsSubmitted.map((entry) => entry.output);
  expect(outputs).toEqual([weather, weather]);

  // Uploads: bytes named by the separate `filename` field, a path, and a file whose processing fails.
  expect(report.uploads.map((file: { filename: string; bytes: number; status: string }) => [file.filename, file.bytes, file.status])).toEqual([
    ['notes.bin', 21, 'processed'],
    ['travel-policy.txt', FIXTURE_BYTES, 'processed'],
    ['scan.fail.txt', 16, 'processed'],
  ]);
  // create_vector_store_and_poll and create_vector_store_file_batch_and_poll waited for the end.
  expect(report.vector_store).toMatchObject({ name: 'seed-store', status: 'completed', file_counts: { completed: 2, total: 2 } });
  expect(report.batch).toEqual({ status: 'completed', file_counts: { in_progress: 0, completed: 0, failed: 1, cancelled: 0, total: 1 } });
  expect(report.vector_store_files.map(([, status]: [string, string]) => status).sort()).toEqual(['completed', 'completed', 'failed']);
  expect(report.cancel).toEqual({ after_cancel: 'cancelling', final: 'cancelled' });
  expect(report.deleted).toEqual({ vector_store: true, agent: true });

  // Everything went through the hub-based project prefix, with the api-version b6 sends.
  const hubResponses = emulator.recordedResponses().filter((response) => response.dialect === 'foundry-hub');
  expect(hubResponses.length).toBe(emulator.recordedResponses().length);
  expect(hubResponses.every((response) => response.status === 200)).toBe(true);
  const hubRequests = requestLines.filter((line) => line.includes('/agents/v1.0/subscriptions/'));
  expect(hubRequests.length).toBe(hubResponses.length);
  expect(hubRequests.every((line) => line.includes('/workspaces/seed-000/') && line.includes('api-version=2024-12-01-preview'))).toBe(true);

  // The bytes uploaded without a part filename arrived intact.
  const content = await trusting.fetch(`${emulator.openaiBaseUrl}/files/${report.uploads[0].id}/content`, {
    headers: { authorization: `Bearer ${emulator.apiKey}` },
  });
  expect(Buffer.from(await content.arrayBuffer()).equals(Buffer.from([0xff, 0xfe, ...Buffer.from('binary notes\r\n--x--')]))).toBe(true);
}, 120_000);

test('the openai package: OpenAI and AzureOpenAI (2024-08-01-preview, 2024-05-01-preview) run the Assistants helpers', async () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the script's JSON report
  const report: any = await runLaneScript(clients, join(__dirname, 'openai_assistants.py'), {
    url: emulator.url,
    api_key: emulator.apiKey,
    ca_path: TEST_CERTIFICATE_PATH,
    fixture_path: FIXTURE_PATH,
    clients: OPENAI_CLIENTS,
  });
  expect(report.versions).toEqual({ openai: clients.pins['openai'] });
  const weather = '{"city": "Paris", "forecast": "sunny"}';

  for (const { label } of OPENAI_CLIENTS) {
    const result = report[label];
    // The vector_stores helper made a real vector store: processed, listed, deleted, then gone.
    expect([label, result.helper]).toEqual([
      label,
      {
        vector_store_id: expect.stringMatching(/^vs_/),
        status: 'completed',
        metadata: { lane: label },
        completed: 1,
        file_ids: [result.helper.policy_file_id],
        policy_file_id: expect.stringMatching(/^file-/),
        deleted: true,
        after_delete: 404,
      },
    ]);
    expect(result.thread_helper.expires_after).toEqual({ anchor: 'last_active_at', days: 7 });

    // create_and_poll, then submit_tool_outputs_and_poll with the function's output.
    const [[callId, name, argumentsText]] = result.polled.tool_calls;
    expect([name, argumentsText]).toEqual(['get_weather', '{"city":"Paris"}']);
    expect(result.polled).toMatchObject({ waiting_status: 'requires_action', status: 'completed' });
    expect(result.polled.answer).toEqual([`It is sunny in Paris.\n${echoed(callId, 'get_weather', weather)}`]);

    // The streamed run: the handler's submit_tool_outputs_stream carried the round to the answer.
    expect(result.streamed.first_events.slice(-1)).toEqual(['thread.run.requires_action']);
    expect(result.streamed.second_events[0]).toBe('thread.run.step.completed');
    expect(result.streamed.second_events.slice(-1)).toEqual(['thread.run.completed']);
    expect(result.streamed.text).toMatch(/^It is sunny in Paris\.\n\[tool_output call_id=call_\w+ name=get_weather\] /);
    expect(result.streamed.text.endsWith(weather)).toBe(true);
    expect(result.streamed.final_status).toBe('completed');

    // Files and vector stores through the poll helpers; a batch completes even with a failed file.
    expect(result.files).toEqual({
      single: { status: 'completed', filename: 'travel-policy.txt', bytes: FIXTURE_BYTES },
      content_matches: true,
      batch: { status: 'completed', file_counts: { in_progress: 0, completed: 1, failed: 1, cancelled: 0, total: 2 } },
      store: { status: 'completed', file_counts: { in_progress: 0, completed: 3, failed: 1, cancelled: 0, total: 4 } },
      listed: true,
      deleted: true,
    });
  }

  // Each client spoke its own dialect, and the Azure ones sent their api-version.
  const dialects = new Set(emulator.recordedResponses().map((response) => response.dialect));
  expect(dialects).toEqual(new Set(['foundry-hub', 'openai', 'azure-openai']));
  for (const version of ['2024-08-01-preview', '2024-05-01-preview']) {
    expect(requestLines.filter((line) => line.includes(`/openai/assistants?api-version=${version}`))).toHaveLength(1);
    expect(requestLines.filter((line) => line.startsWith('POST /openai/files?api-version=' + version)).length).toBeGreaterThanOrEqual(4);
  }
  expect(requestLines.filter((line) => line.startsWith('POST /v1/assistants ')).length).toBe(1);
}, 120_000);

test('the openai package: Responses and Conversations on /v1, /openai/v1 and a Foundry project’s /openai/v1', async () => {
  const places = [
    { label: 'openai', base_url: emulator.openaiBaseUrl },
    { label: 'azure-openai-v1', base_url: emulator.azureOpenAIV1BaseUrl },
    { label: 'foundry', base_url: emulator.foundryOpenAIBaseUrl('lane'), agent_project: 'lane' },
  ];
  const before = emulator.stats().responsesCreated.length;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the script's JSON report
  const report: any = await runLaneScript(clients, join(__dirname, 'openai_responses.py'), {
    url: emulator.url,
    api_key: emulator.apiKey,
    ca_path: TEST_CERTIFICATE_PATH,
    places,
  });
  expect(report.versions).toEqual({ openai: clients.pins['openai'] });
  const weather = '{"city": "Paris", "forecast": "sunny"}';

  for (const { label } of places) {
    const result = report[label];
    // Background, then the function's output through previous_response_id: the answer echoes it.
    const [callId] = result.previous_response_id.call_ids as string[];
    expect([label, result.previous_response_id]).toEqual([
      label,
      {
        first_status: 'queued',
        calls: [['get_weather', '{"city":"Paris"}']],
        call_ids: [expect.stringMatching(/^call_/)],
        status: 'completed',
        text: `It is sunny in Paris.\n${echoed(callId!, 'get_weather', weather)}`,
        input_items: ['function_call_output'],
      },
    ]);
    // The same round through a conversation: its items in order, then one added by hand.
    const [conversationCallId] = result.conversation.call_ids as string[];
    expect([label, result.conversation]).toEqual([
      label,
      {
        id: expect.stringMatching(/^conv_/),
        text: `It is sunny in Paris.\n${echoed(conversationCallId!, 'get_weather', weather)}`,
        call_ids: [conversationCallId],
        items: ['message', 'message', 'function_call', 'function_call_output', 'message', 'message'],
        added: [expect.stringMatching(/^msg_/)],
        metadata: { lane: 'python' },
        deleted: true,
      },
    ]);
    expect(emulator.stats().conversationItemIds[result.conversation.id]).toHaveLength(6);
    // Killed after response.in_progress, resumed by the SDK's stream(response_id=, starting_after=).
    expect([label, result.resumed_stream]).toEqual([
      label,
      {
        first: ['response.created', 'response.queued', 'response.in_progress'],
        sequence_numbers: Array.from({ length: result.resumed_stream.sequence_numbers.length }, (_, index) => index),
        last: 'response.completed',
        text: 'A story in several parts.',
        final_status: 'completed',
        final_text: 'A story in several parts.',
      },
    ]);
    expect(result.cancel).toEqual({ after_cancel: 'cancelled', read_back: 'cancelled' });
    expect(result.mcp).toEqual({
      request: ['mcp_approval_request', 'wiki', 'ask', '{"q":"why"}'],
      output: [
        ['mcp_call', 'Because.', expect.stringMatching(/^mcpr_/)],
        ['message', null, null],
      ],
      text: 'The wiki says: because.',
    });
  }

  // Each place was its own dialect; Foundry's responses ran the agent version the script created.
  const created = emulator.stats().responsesCreated.slice(before);
  expect(created).toHaveLength(24);
  expect(created.filter((entry) => entry.dialect === 'foundry-openai-v1').every((entry) => entry.agent?.name === 'weather')).toBe(true);
  expect(new Set(created.map((entry) => entry.dialect))).toEqual(new Set(['openai', 'azure-openai-v1', 'foundry-openai-v1']));
  expect(emulator.stats().agentVersionsCreated).toEqual([{ name: 'weather', version: '1', created_at: expect.any(Number) }]);
}, 120_000);

test('every response the emulator sent the Python clients validates against the official schemas', () => {
  const responses = emulator.recordedResponses();
  expect(responses.length).toBeGreaterThan(100);
  expect(responses.filter((response) => response.events !== undefined).length).toBeGreaterThanOrEqual(7);
  expect(specViolations(responses)).toEqual([]);
});
