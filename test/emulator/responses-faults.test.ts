/**
 * The fault kinds apply to the Responses and Conversations routes by their route templates, seen
 * from the official `openai` client (retries off unless a test turns them on) and plain fetch.
 * `commit_then_drop` on `POST /responses` is the case a durable caller must plan for: the response
 * exists, the client never heard of it, and a retried create makes a second one.
 */
import OpenAI from 'openai';
import { EMULATOR_SCRIPT_METADATA_KEY, startEmulator, type RunningEmulator } from '../../src/emulator';
import { call, captureError, specViolations, waitForResponseStatus } from '../support/emulator-http';

let emulator: RunningEmulator;
let client: OpenAI;

beforeAll(async () => {
  emulator = await startEmulator({ stepDelayMs: 5, queuedDelayMs: 5, seed: 7, recordResponses: true });
  client = new OpenAI({ baseURL: emulator.openaiBaseUrl, apiKey: emulator.apiKey, maxRetries: 0 });
});

beforeEach(() => {
  emulator.reset();
});

afterAll(async () => {
  await emulator.close();
});

const TAG = { agentrun_workflow_id: 'wf-1', agentrun_step: '1' };

test('commit_then_drop on POST /responses: the response is created although the client saw no answer', async () => {
  emulator.addFault({ kind: 'commit_then_drop', method: 'POST', route: '/responses', times: 1 });
  const error = await captureError(() => client.responses.create({ model: 'gpt-4o', input: 'x', background: true, store: true, metadata: TAG }));
  expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
  const [created] = emulator.stats().responsesCreated;
  expect(created).toMatchObject({ metadata: TAG, background: true, store: true });
  // It runs to the end all the same, and can be read by its id (if the caller ever learns it).
  expect((await waitForResponseStatus(emulator, created?.id ?? '', ['completed'])).metadata).toEqual(TAG);
  expect(emulator.stats().faultsInjected).toEqual({ commit_then_drop: 1 });

  // The client's own retries (openai-node retries connection errors) make a second response.
  emulator.addFault({ kind: 'commit_then_drop', method: 'POST', route: '/responses', times: 1 });
  const retrying = new OpenAI({ baseURL: emulator.openaiBaseUrl, apiKey: emulator.apiKey, maxRetries: 1, timeout: 5000 });
  const answered = await retrying.responses.create({ model: 'gpt-4o', input: 'x', background: true, metadata: TAG });
  const tagged = emulator.stats().responsesCreated.filter((entry) => entry.metadata['agentrun_workflow_id'] === 'wf-1');
  expect(tagged).toHaveLength(3);
  expect(tagged[2]?.id).toBe(answered.id);
});

test('commit_then_drop on a foreground create drops at once; the response still ends', async () => {
  emulator.addFault({ kind: 'commit_then_drop', method: 'POST', route: '/responses', times: 1 });
  const error = await captureError(() =>
    client.responses.create({ model: 'gpt-4o', input: 'x', metadata: { [EMULATOR_SCRIPT_METADATA_KEY]: '{"steps":[{"answer":"later","delay_ms":50}]}' } }),
  );
  expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
  const [created] = emulator.stats().responsesCreated;
  expect((await waitForResponseStatus(emulator, created?.id ?? '', ['completed'])).output[0].content[0].text).toBe('later');
});

test('rate_limit, quota, server_error and unavailable on the new routes, by route template', async () => {
  const response = await client.responses.create({ model: 'gpt-4o', input: 'x', background: true, store: true });
  emulator.addFault({ kind: 'rate_limit', method: 'GET', route: '/responses/{response_id}', times: 1, retryAfterMs: 1200 });
  const limited = await captureError(() => client.responses.retrieve(response.id));
  expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
  expect((limited as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after-ms')).toBe('1200');
  await expect(client.responses.retrieve(response.id)).resolves.toMatchObject({ id: response.id });

  emulator.addFault({ kind: 'quota', route: '/conversations', times: 1 });
  const quota = await captureError(() => client.conversations.create({}));
  expect((quota as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('insufficient_quota');

  emulator.addFault({ kind: 'server_error', route: '/responses/{response_id}/cancel', times: 1 });
  expect(await captureError(() => client.responses.cancel(response.id))).toBeInstanceOf(OpenAI.InternalServerError);

  emulator.addFault({ kind: 'unavailable', route: '/conversations/{conversation_id}/items', times: 1, retryAfterMs: 500 });
  const conversation = await client.conversations.create({});
  const unavailable = await call(emulator, 'GET', `/conversations/${conversation.id}/items`);
  expect(unavailable.status).toBe(503);
  expect(unavailable.headers.get('retry-after-ms')).toBe('500');
  expect(emulator.stats().requests['GET /conversations/{conversation_id}/items']).toBe(1);
});

test('reset is not applied; slow answers late; the header form works on the new routes too', async () => {
  emulator.addFault({ kind: 'reset', method: 'POST', route: '/conversations', times: 1 });
  expect(await captureError(() => client.conversations.create({}))).toBeInstanceOf(OpenAI.APIConnectionError);
  expect(emulator.stats().conversationsCreated).toEqual([]);

  emulator.addFault({ kind: 'slow', route: '/conversations', times: 1, delayMs: 20 });
  await expect(client.conversations.create({})).resolves.toMatchObject({ object: 'conversation' });

  const headerFault = await call(emulator, 'POST', '/responses', { body: { model: 'gpt-4o', input: 'x' }, headers: { 'x-emulator-fault': 'rate_limit;retry_after_ms=10' } });
  expect(headerFault.status).toBe(429);
  expect(emulator.stats().responsesCreated).toEqual([]);
  expect(emulator.stats().faultsInjected).toEqual({ reset: 1, slow: 1, rate_limit: 1 });
  expect(specViolations(emulator.recordedResponses())).toEqual([]);
});
