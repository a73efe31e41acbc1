/**
 * The official `openai` Node client (6.49) drives the successor protocols against the emulator in
 * each place they are served: OpenAI (`/v1`), Azure OpenAI v1 (`/openai/v1`) and a Foundry project's
 * OpenAI endpoint over HTTPS (`/api/projects/{p}/openai/v1`, bearer token, the test certificate
 * trusted through an undici Agent), where every response runs a Foundry agent version created first
 * through the agents v2 API and referenced with `agent_reference`.
 *
 * Each completes background responses with a function-call round (via `previous_response_id` and via
 * a conversation), resumes a stream it killed mid-way, cancels (and reads back), keeps a conversation
 * with items, and answers an MCP approval request. Every response validates against the spec.
 */
import OpenAI from 'openai';
import type { Response, ResponseStreamEvent } from 'openai/resources/responses/responses';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { specViolations, scriptMetadata } from '../support/emulator-http';
import { fetchTrustingTestCertificate, testTls } from '../support/test-tls';

const script = scriptMetadata;
const WEATHER_STEPS = [{ tools: [{ name: 'get_weather', arguments: { city: 'Paris' } }] }, { answer: 'It is sunny.' }];
const WEATHER_TOOL = { type: 'function' as const, name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false };
const TERMINAL = ['completed', 'failed', 'cancelled', 'incomplete'];

let plain: RunningEmulator;
let secure: RunningEmulator;
const trusting = fetchTrustingTestCertificate();

beforeAll(async () => {
  const timing = { stepDelayMs: 10, queuedDelayMs: 5, pollAfterMs: 20, recordResponses: true };
  plain = await startEmulator(timing);
  secure = await startEmulator({ ...timing, tls: testTls() });
  // Foundry: the agent version the responses run (its script is the weather round).
  const created = await trusting.fetch(`${secure.foundryEndpoint('sdk')}/agents/weather/versions?api-version=v1`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secure.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      definition: { kind: 'prompt', model: 'gpt-4o', instructions: 'Weather only.', tools: [WEATHER_TOOL] },
      metadata: script(WEATHER_STEPS),
    }),
  });
  expect(created.status).toBe(200);
});

afterAll(async () => {
  await Promise.all([plain?.close(), secure?.close(), trusting.close()]);
});

/** How a client reaches one place, and what its create bodies carry there. */
interface Place {
  label: string;
  client: () => OpenAI;
  /** `model`, or Foundry's `agent_reference` (whose definition names the model). */
  base: Record<string, unknown>;
}

const PLACES: Place[] = [
  {
    label: 'OpenAI /v1',
    client: () => new OpenAI({ baseURL: plain.openaiBaseUrl, apiKey: plain.apiKey, maxRetries: 0 }),
    base: { model: 'gpt-4o', tools: [WEATHER_TOOL] },
  },
  {
    label: 'Azure OpenAI v1 /openai/v1',
    client: () => new OpenAI({ baseURL: `${plain.url}/openai/v1`, apiKey: plain.apiKey, maxRetries: 0 }),
    base: { model: 'my-gpt-4o-deployment', tools: [WEATHER_TOOL] },
  },
  {
    label: 'Foundry /api/projects/sdk/openai/v1 over HTTPS',
    client: () => new OpenAI({ baseURL: `${secure.foundryEndpoint('sdk')}/openai/v1`, apiKey: secure.apiKey, maxRetries: 0, fetch: trusting.fetch }),
    base: { agent_reference: { type: 'agent_reference', name: 'weather' } },
  },
];

/** The create parameters (with the place's extras, which the client sends as they are). */
function params(place: Place, fields: Record<string, unknown>): OpenAI.Responses.ResponseCreateParamsNonStreaming {
  return { ...place.base, ...fields } as OpenAI.Responses.ResponseCreateParamsNonStreaming;
}

/** Polls with `responses.retrieve` until the response has ended. */
async function poll(client: OpenAI, id: string): Promise<Response> {
  for (let attempt = 0; attempt < 500; attempt += 1) {
    const response = await client.responses.retrieve(id);
    if (TERMINAL.includes(response.status ?? '')) return response;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`response ${id} never ended`);
}

function onlyCall(response: Response): { call_id: string; name: string; arguments: string } {
  const [item] = response.output;
  if (item?.type !== 'function_call') throw new Error(`expected a function call, got ${JSON.stringify(response.output)}`);
  return item;
}

describe.each(PLACES)('$label', (place) => {
  test('a background function-call round via previous_response_id', async () => {
    const client = place.client();
    const created = await client.responses.create(params(place, { input: 'Weather in Paris?', background: true, store: true, metadata: script(WEATHER_STEPS) }));
    expect(created.status).toBe('queued');
    const waiting = await poll(client, created.id);
    const call = onlyCall(waiting);
    expect([call.name, JSON.parse(call.arguments)]).toEqual(['get_weather', { city: 'Paris' }]);

    const followUp = await client.responses.create(
      params(place, {
        previous_response_id: created.id,
        background: true,
        store: true,
        input: [{ type: 'function_call_output', call_id: call.call_id, output: '{"temp":22}' }],
      }),
    );
    const answered = await poll(client, followUp.id);
    expect(answered.output_text).toBe(`It is sunny.\n[tool_output call_id=${call.call_id} name=get_weather] {"temp":22}`);
    const inputItems: string[] = [];
    for await (const item of client.responses.inputItems.list(followUp.id)) inputItems.push(item.type);
    expect(inputItems).toEqual(['function_call_output']);
  });

  test('a background function-call round via a conversation with items', async () => {
    const client = place.client();
    const conversation = await client.conversations.create({ metadata: { place: place.label.slice(0, 60) }, items: [{ type: 'message', role: 'user', content: 'I am in Paris.' }] });
    expect(conversation.id).toMatch(/^conv_/);
    const first = await client.responses.create(params(place, { conversation: conversation.id, input: 'Weather?', background: true, store: true, metadata: script(WEATHER_STEPS) }));
    const call = onlyCall(await poll(client, first.id));
    const second = await client.responses.create(
      params(place, { conversation: { id: conversation.id }, background: true, store: true, input: [{ type: 'function_call_output', call_id: call.call_id, output: 'sunny' }] }),
    );
    expect((await poll(client, second.id)).output_text).toBe(`It is sunny.\n[tool_output call_id=${call.call_id} name=get_weather] sunny`);

    const types: string[] = [];
    for await (const item of client.conversations.items.list(conversation.id, { order: 'asc' })) types.push(item.type);
    expect(types).toEqual(['message', 'message', 'function_call', 'function_call_output', 'message']);
    const added = await client.conversations.items.create(conversation.id, { items: [{ type: 'message', role: 'user', content: 'Thanks!' }] });
    const [addedItem] = added.data;
    expect(addedItem?.type).toBe('message');
    const read = await client.conversations.items.retrieve(addedItem?.id ?? '', { conversation_id: conversation.id });
    expect(read.id).toBe(addedItem?.id);
    await client.conversations.items.delete(addedItem?.id ?? '', { conversation_id: conversation.id });
    const updated = await client.conversations.update(conversation.id, { metadata: { done: 'yes' } });
    expect(updated.metadata).toEqual({ done: 'yes' });
    expect((await client.conversations.delete(conversation.id)).deleted).toBe(true);
  });

  test('a stream killed mid-way resumes with retrieve(id, { stream: true, starting_after })', async () => {
    const client = place.client();
    const stream = await client.responses.create({
      ...params(place, { input: 'Tell me', background: true, store: true, metadata: script([{ answer: 'A story told in several parts.', delay_ms: 100 }]) }),
      stream: true,
    } as OpenAI.Responses.ResponseCreateParamsStreaming);
    const first: ResponseStreamEvent[] = [];
    for await (const event of stream) {
      first.push(event);
      if (event.type === 'response.in_progress') break; // leaving the loop aborts the request
    }
    expect(stream.controller.signal.aborted).toBe(true);
    const id = (first[0] as Extract<ResponseStreamEvent, { type: 'response.created' }>).response.id;
    const lastSeen = first[first.length - 1]?.sequence_number ?? -1;

    const resumed = await client.responses.retrieve(id, { stream: true, starting_after: lastSeen });
    const rest: ResponseStreamEvent[] = [];
    for await (const event of resumed) rest.push(event);
    const all = [...first, ...rest];
    expect(all.map((event) => event.sequence_number)).toEqual(all.map((_, index) => index));
    expect(rest[rest.length - 1]?.type).toBe('response.completed');
    const text = rest.flatMap((event) => (event.type === 'response.output_text.delta' ? [event.delta] : [])).join('');
    expect(text).toBe('A story told in several parts.');
  });

  test('cancel a background response, then read it back', async () => {
    const client = place.client();
    const created = await client.responses.create(params(place, { input: 'Slowly', background: true, store: true, metadata: script([{ answer: 'late', delay_ms: 10_000 }]) }));
    const cancelled = await client.responses.cancel(created.id);
    expect(cancelled.status).toBe('cancelled');
    expect((await client.responses.retrieve(created.id)).status).toBe('cancelled');
    expect((await client.responses.cancel(created.id)).status).toBe('cancelled');
  });

  test('an MCP approval request, approved', async () => {
    const client = place.client();
    const first = await client.responses.create(
      params(place, {
        input: 'Ask the wiki',
        background: true,
        store: true,
        metadata: script([{ mcp_approval: { server_label: 'wiki', name: 'ask', arguments: { q: 'why' }, output: 'Because.' } }, { answer: 'The wiki says: because.' }]),
      }),
    );
    const [request] = (await poll(client, first.id)).output;
    if (request?.type !== 'mcp_approval_request') throw new Error(`expected an approval request, got ${JSON.stringify(request)}`);
    expect([request.server_label, request.name, request.arguments]).toEqual(['wiki', 'ask', '{"q":"why"}']);
    const second = await client.responses.create(
      params(place, { previous_response_id: first.id, background: true, store: true, input: [{ type: 'mcp_approval_response', approval_request_id: request.id, approve: true }] }),
    );
    const answered = await poll(client, second.id);
    const [mcpCall] = answered.output;
    expect(mcpCall).toMatchObject({ type: 'mcp_call', name: 'ask', output: 'Because.', approval_request_id: request.id });
    expect(answered.output_text).toBe('The wiki says: because.');
  });
});

test('the Foundry responses ran the agent version; every response matches the official spec', () => {
  const foundry = secure.stats().responsesCreated;
  expect(foundry).toHaveLength(8);
  expect(foundry.every((entry) => entry.dialect === 'foundry-openai-v1' && entry.agent?.name === 'weather' && entry.agent.version === '1')).toBe(true);
  expect(new Set(plain.stats().responsesCreated.map((entry) => entry.dialect))).toEqual(new Set(['openai', 'azure-openai-v1']));
  const responses = [...plain.recordedResponses(), ...secure.recordedResponses()];
  expect(responses.filter((response) => response.events !== undefined).length).toBeGreaterThanOrEqual(6);
  expect(specViolations(responses)).toEqual([]);
});
