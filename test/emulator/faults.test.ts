/**
 * Fault injection (by rule, by rate, by header), the admin API and the ledger. Faults are checked from
 * a real client's point of view (the official `openai` client with retries off, or plain fetch).
 */
import OpenAI from 'openai';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { call, captureError } from '../support/emulator-http';

let emulator: RunningEmulator;
let client: OpenAI;
let assistantId: string;

beforeAll(async () => {
  emulator = await startEmulator({ stepDelayMs: 5, queuedDelayMs: 5, seed: 42 });
  client = new OpenAI({ baseURL: emulator.openaiBaseUrl, apiKey: emulator.apiKey, maxRetries: 0 });
});

beforeEach(async () => {
  emulator.reset();
  assistantId = (await client.beta.assistants.create({ model: 'gpt-4o' })).id;
});

afterAll(async () => {
  await emulator.close();
});

describe('responding faults', () => {
  test('rate_limit: 429 rate_limit_exceeded with retry-after-ms and retry-after, for the next N matching requests', async () => {
    emulator.addFault({ kind: 'rate_limit', method: 'POST', route: '/threads', times: 1, retryAfterMs: 1500 });
    const error = await captureError(() => client.beta.threads.create());
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const rateLimit = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimit.status).toBe(429);
    expect(rateLimit.code).toBe('rate_limit_exceeded');
    expect(rateLimit.headers.get('retry-after-ms')).toBe('1500');
    expect(rateLimit.headers.get('retry-after')).toBe('2');
    // The rule is spent: the next request goes through, and other routes were never affected.
    await expect(client.beta.threads.create()).resolves.toMatchObject({ object: 'thread' });
    expect(emulator.stats().faultsInjected).toEqual({ rate_limit: 1 });
  });

  test('quota: 429 insufficient_quota', async () => {
    emulator.addFault({ kind: 'quota', times: 1 });
    const response = await call(emulator, 'GET', '/assistants');
    expect(response.status).toBe(429);
    expect(response.body).toEqual({
      error: {
        message:
          'You exceeded your current quota, please check your plan and billing details. For more information on this error, ' +
          'read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
        type: 'insufficient_quota',
        param: null,
        code: 'insufficient_quota',
      },
    });
  });

  test('server_error: 500, reaching the client as InternalServerError', async () => {
    emulator.addFault({ kind: 'server_error', route: '/assistants/{assistant_id}', times: 1 });
    const error = await captureError(() => client.beta.assistants.retrieve(assistantId));
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as InstanceType<typeof OpenAI.InternalServerError>).error).toEqual({
      message: 'The server had an error while processing your request. Sorry about that!',
      type: 'server_error',
      param: null,
      code: null,
    });
  });

  test('unavailable: 503 with the retry delay asked for', async () => {
    emulator.addFault({ kind: 'unavailable', times: 1, retryAfterMs: 300 });
    const response = await call(emulator, 'GET', '/assistants');
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after-ms')).toBe('300');
    expect(response.body.error.type).toBe('server_error');
  });

  test('per-request header, with options', async () => {
    const response = await call(emulator, 'GET', '/assistants', { headers: { 'x-emulator-fault': 'rate_limit;retry_after_ms=250' } });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after-ms')).toBe('250');
    expect(response.headers.get('retry-after')).toBe('1');
    const malformed = await call(emulator, 'GET', '/assistants', { headers: { 'x-emulator-fault': 'meteor' } });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toContain("Unknown fault kind 'meteor'");
  });
});

describe('connection faults', () => {
  test('reset: the socket dies and the request is not applied', async () => {
    const thread = await client.beta.threads.create();
    emulator.addFault({ kind: 'reset', route: '/threads/{thread_id}/runs', method: 'POST', times: 1 });
    const error = await captureError(() => client.beta.threads.runs.create(thread.id, { assistant_id: assistantId }));
    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(emulator.stats().runsCreated).toEqual([]);
    expect((await client.beta.threads.runs.list(thread.id)).data).toEqual([]);
  });

  test('commit_then_drop: the run IS created, the client hears nothing', async () => {
    const thread = await client.beta.threads.create();
    emulator.addFault({ kind: 'commit_then_drop', route: '/threads/{thread_id}/runs', times: 1 });
    const error = await captureError(() =>
      client.beta.threads.runs.create(thread.id, { assistant_id: assistantId, metadata: { attempt: '1' } }),
    );
    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
    const stats = emulator.stats();
    expect(stats.runsCreated).toHaveLength(1);
    expect(stats.runsCreated[0]).toMatchObject({ thread_id: thread.id, assistant_id: assistantId, metadata: { attempt: '1' } });
    const runs = await client.beta.threads.runs.list(thread.id);
    expect(runs.data.map((run) => run.id)).toEqual([stats.runsCreated[0]?.id]);
  });

  test('slow: waits, then answers normally', async () => {
    emulator.addFault({ kind: 'slow', delayMs: 200, times: 1 });
    const started = Date.now();
    const response = await call(emulator, 'GET', '/assistants');
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });
});

describe('rate-based faults', () => {
  async function pattern(): Promise<number[]> {
    const statuses: number[] = [];
    for (let index = 0; index < 20; index += 1) {
      statuses.push((await call(emulator, 'GET', '/assistants')).status);
    }
    return statuses;
  }

  test('follow the seeded PRNG: the same seed gives the same requests failing', async () => {
    emulator.addFault({ kind: 'server_error', route: '/assistants', method: 'GET', rate: 0.5 });
    const first = await pattern();
    emulator.reset();
    emulator.addFault({ kind: 'server_error', route: '/assistants', method: 'GET', rate: 0.5 });
    const second = await pattern();
    expect(second).toEqual(first);
    expect(first).toContain(500);
    expect(first).toContain(200);
    emulator.clearFaults();
    expect((await call(emulator, 'GET', '/assistants')).status).toBe(200);
  });
});

describe('admin API and ledger', () => {
  test('faults, stats, responses and reset over HTTP, without auth', async () => {
    const admin = (method: string, path: string, body?: unknown) =>
      call(emulator, method, path, { base: `${emulator.url}/_emulator`, auth: false, body });

    expect((await admin('POST', '/faults', { kind: 'quota', route: '/threads', times: 1 })).status).toBe(200);
    expect((await call(emulator, 'POST', '/threads', { body: {} })).status).toBe(429);
    const invalid = await admin('POST', '/faults', { kind: 'meteor' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.message).toContain('kind');

    const thread = await client.beta.threads.create();
    // Until the run has ended: a run still moving (queued, in progress) would change the ledger between the two reads below.
    await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: assistantId }, { pollIntervalMs: 10 });
    const stats = (await admin('GET', '/stats')).body;
    expect(stats).toEqual(emulator.stats());
    // Faulted requests are counted too.
    expect(stats.requests).toMatchObject({ 'POST /assistants': 1, 'POST /threads': 2, 'POST /threads/{thread_id}/runs': 1 });
    expect(stats.faultsInjected).toEqual({ quota: 1 });
    expect(stats.runsCreated).toHaveLength(1);

    expect((await admin('GET', '/responses')).body).toEqual([]); // recording is off in this file
    expect((await admin('DELETE', '/faults')).status).toBe(200);
    expect((await admin('POST', '/reset')).status).toBe(200);
    expect(emulator.stats()).toEqual({
      requests: {},
      requestsByTraceId: {},
      runsCreated: [],
      toolOutputsSubmitted: [],
      faultsInjected: {},
      filesUploaded: 0,
      vectorStoreFilesCreated: 0,
      batchesCreated: 0,
      batchesCancelled: 0,
      responsesCreated: [],
      functionCallOutputsReceived: [],
      mcpApprovalResponsesReceived: [],
      conversationsCreated: [],
      conversationItemIds: {},
      webhookDeliveries: [],
      agentVersionsCreated: [],
    });
    expect((await call(emulator, 'GET', `/threads/${thread.id}`)).status).toBe(404);
    expect((await admin('GET', '/health')).body).toEqual({ status: 'ok' });
  });

  test('a bad rule is refused with a readable error', () => {
    expect(() => emulator.addFault({ kind: 'meteor' } as never)).toThrow(/^Invalid FaultRule at kind: /);
    expect(() => emulator.addFault({ kind: 'rate_limit', rate: 2 })).toThrow(/^Invalid FaultRule at rate: /);
  });

  test('tool outputs are in the ledger', async () => {
    const script = JSON.stringify({ steps: [{ tools: [{ name: 'f' }] }, { answer: 'ok' }] });
    const run = await client.beta.threads.createAndRunPoll(
      { assistant_id: assistantId, metadata: { emulator_script: script } },
      { pollIntervalMs: 10 },
    );
    expect(run.status).toBe('requires_action');
    const callId = run.required_action?.submit_tool_outputs.tool_calls[0]?.id ?? '';
    await client.beta.threads.runs.submitToolOutputsAndPoll(
      run.id,
      { thread_id: run.thread_id, tool_outputs: [{ tool_call_id: callId, output: 'result' }] },
      { pollIntervalMs: 10 },
    );
    expect(emulator.stats().toolOutputsSubmitted).toEqual([
      { run_id: run.id, thread_id: run.thread_id, tool_call_id: callId, output: 'result' },
    ]);
  });
});
