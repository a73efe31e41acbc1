/**
 * Where the successor protocols are served and how each prefix differs: OpenAI's `/v1`, Azure
 * OpenAI's v1 API (`/openai/v1`, `api-key` or bearer, no `api-version`), a Foundry project's OpenAI
 * endpoint (`/api/projects/{p}/openai/v1`, bearer only) and Foundry's agents v2 management
 * (`/api/projects/{p}/agents?api-version=v1`): named, versioned agents that responses run through
 * `agent_reference`, and the Foundry-only expiry of function calls.
 */
import { EMULATOR_SCRIPT_METADATA_KEY, startEmulator, type RunningEmulator } from '../../src/emulator';
import { call, specViolations, waitFor } from '../support/emulator-http';

let emulator: RunningEmulator;
let azureV1: string;
let foundryV1: string;
let foundry: string;

beforeAll(async () => {
  emulator = await startEmulator({ stepDelayMs: 10, queuedDelayMs: 5, recordResponses: true, responseToolExpirySeconds: 1 });
  azureV1 = `${emulator.url}/openai/v1`;
  foundryV1 = `${emulator.foundryEndpoint('demo')}/openai/v1`;
  foundry = emulator.foundryEndpoint('demo');
});

afterAll(async () => {
  await emulator.close();
});

const WEATHER = JSON.stringify({ steps: [{ tools: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] }, { answer: 'Cold.' }] });

describe('Azure OpenAI v1', () => {
  test('api-key or bearer, no api-version; its own 401 and 404; no threads', async () => {
    const withKey = await call(emulator, 'POST', '/responses', { base: azureV1, auth: false, headers: { 'api-key': emulator.apiKey }, body: { model: 'my-deployment', input: 'Hi' } });
    expect(withKey.body).toMatchObject({ status: 'completed', model: 'my-deployment' });
    const withBearer = await call(emulator, 'GET', `/responses/${withKey.body.id}`, { base: azureV1 });
    expect(withBearer.body.id).toBe(withKey.body.id);
    const wrongKey = await call(emulator, 'GET', `/responses/${withKey.body.id}`, { base: azureV1, auth: false, headers: { 'api-key': 'nope' } });
    expect(wrongKey.status).toBe(401);
    expect(wrongKey.body.error.code).toBe('401');
    const threads = await call(emulator, 'POST', '/threads', { base: azureV1, body: {} });
    expect(threads.status).toBe(404);
    expect(threads.body).toEqual({ error: { code: '404', message: 'Resource not found' } });
    expect(emulator.stats().responsesCreated.find((entry) => entry.id === withKey.body.id)?.dialect).toBe('azure-openai-v1');
  });
});

describe('Foundry agents v2', () => {
  test('create versions, get, list, reference one from a response, delete', async () => {
    const definition = { kind: 'prompt', model: 'gpt-4o', instructions: 'Answer about weather.', tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object' } }] };
    const first = await call(emulator, 'POST', '/agents/weather-agent/versions?api-version=v1', {
      base: foundry,
      body: { definition, description: 'Weather', metadata: { [EMULATOR_SCRIPT_METADATA_KEY]: WEATHER } },
    });
    expect(first.body).toMatchObject({
      object: 'agent.version',
      id: 'weather-agent:1',
      name: 'weather-agent',
      version: '1',
      description: 'Weather',
      definition,
      status: 'active',
    });
    const second = await call(emulator, 'POST', '/agents/weather-agent/versions?api-version=v1', { base: foundry, body: { definition: { kind: 'prompt', model: 'gpt-4.1' } } });
    expect(second.body).toMatchObject({ version: '2', metadata: {} });
    const agent = await call(emulator, 'GET', '/agents/weather-agent?api-version=v1', { base: foundry });
    expect(agent.body).toMatchObject({ object: 'agent', id: 'weather-agent', name: 'weather-agent', versions: { latest: { version: '2' } } });
    const listed = await call(emulator, 'GET', '/agents?api-version=v1', { base: foundry });
    expect(listed.body.data.map((item: { name: string }) => item.name)).toContain('weather-agent');
    const versions = await call(emulator, 'GET', '/agents/weather-agent/versions?api-version=v1&order=asc', { base: foundry });
    expect(versions.body.data.map((item: { version: string }) => item.version)).toEqual(['1', '2']);
    expect((await call(emulator, 'GET', '/agents/weather-agent/versions/1?api-version=v1', { base: foundry })).body.version).toBe('1');

    // The response runs version 1: its model, instructions, tools and script.
    const response = await call(emulator, 'POST', '/responses', {
      base: foundryV1,
      body: { input: 'Weather in Oslo?', agent_reference: { type: 'agent_reference', name: 'weather-agent', version: '1' } },
    });
    expect(response.body).toMatchObject({
      model: 'gpt-4o',
      instructions: 'Answer about weather.',
      tools: [{ type: 'function', name: 'get_weather', strict: true }],
      agent_reference: { type: 'agent_reference', name: 'weather-agent', version: '1' },
      output: [{ type: 'function_call', name: 'get_weather', arguments: '{"city":"Oslo"}' }],
    });
    // The older key `agent`, without a version: the latest.
    const latest = await call(emulator, 'POST', '/responses', { base: foundryV1, body: { input: 'Hi', agent: { type: 'agent_reference', name: 'weather-agent' } } });
    expect(latest.body).toMatchObject({ model: 'gpt-4.1', agent_reference: { version: '2' }, output: [{ type: 'message' }] });
    expect(emulator.stats().responsesCreated.find((entry) => entry.id === latest.body.id)).toMatchObject({ dialect: 'foundry-openai-v1', agent: { name: 'weather-agent', version: '2' } });
    expect(emulator.stats().agentVersionsCreated.map((entry) => entry.version)).toEqual(['1', '2']);

    const unknown = await call(emulator, 'POST', '/responses', { base: foundryV1, body: { input: 'Hi', agent_reference: { type: 'agent_reference', name: 'nobody' } } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ message: "Agent 'nobody' not found.", type: 'invalid_request_error', details: [], additionalInfo: { request_id: expect.any(String) } });
    // OpenAI's own prefix knows no agents.
    const openai = await call(emulator, 'POST', '/responses', { body: { model: 'gpt-4o', agent_reference: { type: 'agent_reference', name: 'weather-agent' } } });
    expect(openai.body.error.code).toBe('unknown_parameter');

    expect((await call(emulator, 'DELETE', '/agents/weather-agent/versions/1?api-version=v1', { base: foundry })).body).toEqual({
      object: 'agent.version.deleted',
      name: 'weather-agent',
      version: '1',
      deleted: true,
    });
    expect((await call(emulator, 'DELETE', '/agents/weather-agent?api-version=v1', { base: foundry })).body).toEqual({ object: 'agent.deleted', name: 'weather-agent', deleted: true });
    expect((await call(emulator, 'GET', '/agents/weather-agent?api-version=v1', { base: foundry })).status).toBe(404);
  });

  test('agents want api-version and bearer auth; only prompt agents; the OpenAI endpoint wants no api-version', async () => {
    const noVersion = await call(emulator, 'GET', '/agents', { base: foundry });
    expect(noVersion.body.error.code).toBe('MissingApiVersionParameter');
    const apiKey = await call(emulator, 'GET', '/agents?api-version=v1', { base: foundry, auth: false, headers: { 'api-key': emulator.apiKey } });
    expect(apiKey.status).toBe(401);
    expect(apiKey.body.error.code).toBe('PermissionDenied');
    const openAIWithoutBearer = await call(emulator, 'POST', '/responses', { base: foundryV1, auth: false, body: { model: 'gpt-4o', input: 'x' } });
    expect(openAIWithoutBearer.status).toBe(401);
    expect(openAIWithoutBearer.body.error.message).toContain('/api/projects/{projectName}/openai/v1/responses');
    const hosted = await call(emulator, 'POST', '/agents/hosted/versions?api-version=v1', { base: foundry, body: { definition: { kind: 'hosted', image: 'x' } } });
    expect(hosted.status).toBe(400);
    expect(hosted.body.error).toMatchObject({ message: "Invalid value: 'hosted'. Supported values are: 'prompt'.", param: 'definition.kind' });
    const badName = await call(emulator, 'POST', '/agents/no_underscores/versions?api-version=v1', { base: foundry, body: { definition: { kind: 'prompt', model: 'm' } } });
    expect(badName.body.error.param).toBe('agent_name');
  });

  test('Foundry only: function outputs for a response older than responseToolExpirySeconds are refused', async () => {
    const first = await call(emulator, 'POST', '/responses', {
      base: foundryV1,
      body: { model: 'gpt-4o', input: 'x', metadata: { [EMULATOR_SCRIPT_METADATA_KEY]: WEATHER } },
    });
    const callId = first.body.output[0].call_id as string;
    const followUp = { model: 'gpt-4o', previous_response_id: first.body.id, input: [{ type: 'function_call_output', call_id: callId, output: '-3 C' }] };
    const refused = await waitFor(
      () => call(emulator, 'POST', '/responses', { base: foundryV1, body: followUp }),
      (response) => response.status === 400,
      5000,
      100,
    );
    expect(refused.body.error).toMatchObject({ param: 'input[0]', code: 'tool_outputs_expired', type: 'invalid_request_error' });
    expect(refused.body.error.message).toContain(`Response ${first.body.id} expired 1 seconds after its creation`);
    expect(refused.body.error.message).toContain(callId);
    // OpenAI sets no expiry on this loop: the same follow-up through /v1 is accepted.
    const accepted = await call(emulator, 'POST', '/responses', { body: followUp });
    expect(accepted.body.output[0].content[0].text).toContain(`[tool_output call_id=${callId} name=get_weather] -3 C`);
  });
});

test('every successful response validates against the spec (and azure-ai-projects 2.10.0’s agent models)', () => {
  const responses = emulator.recordedResponses();
  expect(responses.filter((response) => response.route.startsWith('/agents') && response.status === 200).length).toBe(8);
  expect(specViolations(responses)).toEqual([]);
});
