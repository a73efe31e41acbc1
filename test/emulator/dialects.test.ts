/**
 * One server, four dialects: OpenAI (`/v1`, bearer), Azure OpenAI (`/openai?api-version`, `api-key`
 * or bearer), Foundry Agent Service projects (`/api/projects/{project}?api-version=v1`, bearer only)
 * and hub-based Foundry projects (`/agents/v1.0/subscriptions/.../workspaces/{project}`, bearer only),
 * each with its own 401, 404 and api-version answers, all sharing one router and one state.
 */
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { call } from '../support/emulator-http';

let emulator: RunningEmulator;
let azure: string;
let foundry: string;
let hub: string;

beforeAll(async () => {
  emulator = await startEmulator({ stepDelayMs: 5, queuedDelayMs: 5, recordResponses: true });
  azure = `${emulator.azureOpenAIEndpoint}/openai`;
  foundry = emulator.foundryEndpoint('demo');
  hub = emulator.foundryHubEndpoint('demo-hub', { subscriptionId: 'sub-1', resourceGroup: 'rg-1' });
});

afterAll(async () => {
  await emulator.close();
});

const AZURE_401 = {
  error: {
    code: '401',
    message:
      'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active ' +
      'subscription and use a correct regional API endpoint for your resource.',
  },
};
const AZURE_404 = { error: { code: '404', message: 'Resource not found' } };

describe('Azure OpenAI', () => {
  const version = '?api-version=2024-08-01-preview';

  test('accepts the api-key header or a bearer token', async () => {
    const withKey = await call(emulator, 'POST', `/assistants${version}`, {
      base: azure,
      auth: false,
      headers: { 'api-key': emulator.apiKey },
      body: { model: 'gpt-4o' },
    });
    expect(withKey.status).toBe(200);
    expect(withKey.body.object).toBe('assistant');
    const withBearer = await call(emulator, 'GET', `/assistants/${withKey.body.id}${version}`, { base: azure });
    expect(withBearer.status).toBe(200);
  });

  test('401 for a missing or wrong key, in Azure shape', async () => {
    const missing = await call(emulator, 'GET', `/assistants${version}`, { base: azure, auth: false });
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual(AZURE_401);
    const wrong = await call(emulator, 'GET', `/assistants${version}`, { base: azure, auth: false, headers: { 'api-key': 'nope' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual(AZURE_401);
  });

  test('404 without api-version and for unknown paths; unknown ids keep the OpenAI shape', async () => {
    const noVersion = await call(emulator, 'GET', '/assistants', { base: azure });
    expect(noVersion.status).toBe(404);
    expect(noVersion.body).toEqual(AZURE_404);
    const unknownPath = await call(emulator, 'GET', `/nothing${version}`, { base: azure });
    expect(unknownPath.body).toEqual(AZURE_404);
    const unknownThread = await call(emulator, 'GET', `/threads/thread_x${version}`, { base: azure });
    expect(unknownThread.status).toBe(404);
    expect(unknownThread.body).toEqual({
      error: { message: "No thread found with id 'thread_x'.", type: 'invalid_request_error', param: null, code: null },
    });
  });
});

describe('Foundry Agent Service', () => {
  const version = '?api-version=v1';

  test('bearer token only; 401 PermissionDenied otherwise', async () => {
    const ok = await call(emulator, 'GET', `/assistants${version}`, { base: foundry });
    expect(ok.status).toBe(200);
    const apiKeyOnly = await call(emulator, 'GET', `/assistants${version}`, {
      base: foundry,
      auth: false,
      headers: { 'api-key': emulator.apiKey },
    });
    expect(apiKeyOnly.status).toBe(401);
    expect(apiKeyOnly.body.error.code).toBe('PermissionDenied');
    expect(apiKeyOnly.body.error.message).toContain(
      '`Microsoft.CognitiveServices/accounts/AIServices/agents/read` to perform `GET /api/projects/{projectName}/assistants` operation',
    );
    const wrong = await call(emulator, 'POST', `/threads/thread_x/runs${version}`, { base: foundry, auth: 'wrong' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.message).toContain('agents/write` to perform `POST /api/projects/{projectName}/threads/{threadId}/runs`');
  });

  test('400 without api-version', async () => {
    const response = await call(emulator, 'GET', '/assistants', { base: foundry });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('MissingApiVersionParameter');
  });

  test('accepts v1 and its dated versions; any other gets the 400 naming them', async () => {
    for (const accepted of ['v1', '2025-05-01', '2025-05-15-preview']) {
      expect((await call(emulator, 'GET', `/assistants?api-version=${accepted}`, { base: foundry })).status).toBe(200);
    }
    const hubVersion = await call(emulator, 'GET', '/assistants?api-version=2024-12-01-preview', { base: foundry });
    expect(hubVersion.status).toBe(400);
    expect(hubVersion.body).toEqual({
      error: {
        code: 'UnsupportedApiVersionValue',
        message: "Unsupported api version '2024-12-01-preview'. The supported versions are 'v1', '2025-05-01', '2025-05-15-preview'",
      },
    });
  });

  test('lists threads (Foundry only: OpenAI has no such route)', async () => {
    const thread = await call(emulator, 'POST', `/threads${version}`, { base: foundry, body: {} });
    const list = await call(emulator, 'GET', `/threads${version}&limit=100`, { base: foundry });
    expect(list.status).toBe(200);
    expect(list.body.data.map((item: { id: string }) => item.id)).toContain(thread.body.id);
    const openai = await call(emulator, 'GET', '/threads');
    expect(openai.status).toBe(404);
    expect(openai.body.error.message).toBe('Invalid URL (GET /v1/threads)');
  });

  test("accepts Foundry's own extensions that OpenAI rejects", async () => {
    const assistant = await call(emulator, 'POST', `/assistants${version}`, { base: foundry, body: { model: 'gpt-4o' } });
    const thread = await call(emulator, 'POST', `/threads${version}`, { base: foundry, body: {} });
    const foundryRun = await call(emulator, 'POST', `/threads/${thread.body.id}/runs${version}`, {
      base: foundry,
      body: { assistant_id: assistant.body.id, tool_resources: { code_interpreter: { file_ids: [] } } },
    });
    expect(foundryRun.status).toBe(200);
    const other = await call(emulator, 'POST', '/threads', { body: {} });
    const openaiRun = await call(emulator, 'POST', `/threads/${other.body.id}/runs`, {
      body: { assistant_id: assistant.body.id, tool_resources: {} },
    });
    expect(openaiRun.status).toBe(400);
    expect(openaiRun.body.error.code).toBe('unknown_parameter');
  });
});

describe('Foundry hub-based project', () => {
  const version = '?api-version=2024-12-01-preview';

  test('serves the prefix azure-ai-projects 1.0.0b builds, with bearer auth, as its own dialect', async () => {
    expect(hub).toBe(
      `${emulator.url}/agents/v1.0/subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.MachineLearningServices/workspaces/demo-hub`,
    );
    const assistant = await call(emulator, 'POST', `/assistants${version}`, { base: hub, body: { model: 'gpt-4o' } });
    expect(assistant.status).toBe(200);
    expect(assistant.body.object).toBe('assistant');
    const thread = await call(emulator, 'POST', `/threads${version}`, { base: hub, body: {} });
    const run = await call(emulator, 'POST', `/threads/${thread.body.id}/runs${version}`, {
      base: hub,
      // Foundry's extension of create-run is accepted here too.
      body: { assistant_id: assistant.body.id, tool_resources: { code_interpreter: { file_ids: [] } } },
    });
    expect(run.status).toBe(200);
    expect(run.body.status).toBe('queued');
    const listed = await call(emulator, 'GET', `/threads${version}&limit=100`, { base: hub });
    expect(listed.body.data.map((item: { id: string }) => item.id)).toContain(thread.body.id);
    const recorded = emulator.recordedResponses().filter((response) => response.dialect === 'foundry-hub');
    expect(recorded.map((response) => `${response.method} ${response.route}`)).toEqual(
      expect.arrayContaining(['POST /assistants', 'POST /threads', 'POST /threads/{thread_id}/runs', 'GET /threads']),
    );
  });

  test('401 PermissionDenied naming the hub operation for a missing or wrong token, or an api-key', async () => {
    const apiKeyOnly = await call(emulator, 'GET', `/assistants${version}`, { base: hub, auth: false, headers: { 'api-key': emulator.apiKey } });
    expect(apiKeyOnly.status).toBe(401);
    expect(apiKeyOnly.body.error.code).toBe('PermissionDenied');
    expect(apiKeyOnly.body.error.message).toContain(
      'to perform `GET /agents/v1.0/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/' +
        'Microsoft.MachineLearningServices/workspaces/{projectName}/assistants` operation',
    );
    const wrong = await call(emulator, 'DELETE', `/threads/thread_x${version}`, { base: hub, auth: 'wrong' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.message).toContain('agents/delete` to perform `DELETE /agents/v1.0/');
    expect(wrong.body.error.message).not.toContain('wrong');
  });

  test('accepts the versions azure-ai-projects 1.0.0b sends; the project dialect\'s v1 is refused, naming them', async () => {
    for (const accepted of ['2024-07-01-preview', '2024-12-01-preview']) {
      expect((await call(emulator, 'GET', `/assistants?api-version=${accepted}`, { base: hub })).status).toBe(200);
    }
    const projectVersion = await call(emulator, 'GET', '/assistants?api-version=v1', { base: hub });
    expect(projectVersion.status).toBe(400);
    expect(projectVersion.body).toEqual({
      error: {
        code: 'UnsupportedApiVersionValue',
        message: "Unsupported api version 'v1'. The supported versions are '2024-07-01-preview', '2024-12-01-preview'",
      },
    });
    const missing = await call(emulator, 'GET', '/assistants', { base: hub });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('MissingApiVersionParameter');
  });

  test('unknown paths below the prefix get the Azure 404; unknown ids keep the OpenAI shape', async () => {
    const unknownPath = await call(emulator, 'GET', `/nothing${version}`, { base: hub });
    expect(unknownPath.status).toBe(404);
    expect(unknownPath.body).toEqual(AZURE_404);
    const unknownRun = await call(emulator, 'GET', `/threads/thread_x/runs/run_y${version}`, { base: hub });
    expect(unknownRun.status).toBe(404);
    expect(unknownRun.body.error.message).toBe("No thread found with id 'thread_x'.");
    // A prefix cut short is no dialect at all.
    const partial = await call(emulator, 'GET', `/agents/v1.0/subscriptions/sub-1/assistants${version}`, { base: emulator.url });
    expect(partial.body.error.message).toBe('Invalid URL (GET /agents/v1.0/subscriptions/sub-1/assistants)');
  });

  test('the connection string helper needs an emulator that serves HTTPS', () => {
    expect(() => emulator.foundryHubConnectionString()).toThrow('start the emulator with `tls`');
  });
});

test('all dialects share one state', async () => {
  const thread = await call(emulator, 'POST', '/threads', { body: { metadata: { from: 'openai' } } });
  const viaAzure = await call(emulator, 'GET', `/threads/${thread.body.id}?api-version=2024-05-01-preview`, { base: azure });
  const viaFoundry = await call(emulator, 'GET', `/threads/${thread.body.id}?api-version=v1`, { base: foundry });
  const viaHub = await call(emulator, 'GET', `/threads/${thread.body.id}?api-version=2024-12-01-preview`, { base: hub });
  expect(viaAzure.body).toEqual(thread.body);
  expect(viaFoundry.body).toEqual(thread.body);
  expect(viaHub.body).toEqual(thread.body);
  expect(emulator.stats().requests['GET /threads/{thread_id}']).toBeGreaterThanOrEqual(3);
});

test('paths outside every dialect get OpenAI\'s Invalid URL', async () => {
  const response = await call(emulator, 'GET', '/nowhere', { base: emulator.url });
  expect(response.status).toBe(404);
  expect(response.body.error.message).toBe('Invalid URL (GET /nowhere)');
});
