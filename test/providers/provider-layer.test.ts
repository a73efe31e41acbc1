/**
 * The provider layer against the emulator over real HTTP: a whole run with a tool round, polled and
 * streamed, in every dialect agentrun configures. The hub-based Foundry project is reached the way a
 * user configures it, from `AZURE_AI_PROJECT_CONNECTION_STRING`, which means `https://HOST`: its
 * emulator serves HTTPS with the test certificate, trusted through an injected `fetch`.
 */
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import {
  createOpenAIClient,
  createOpenAIProvider,
  readProviderConfig,
  type AgentProvider,
  type OpenAIProviderDependencies,
  type ProviderConfig,
} from '../../src/providers';
import { isTerminalRunStatus, type RunSnapshot, type RunStreamEvent } from '../../src/shared/agent-types';
import { fetchTrustingTestCertificate, testTls } from '../support/test-tls';

import { fixedTokenCredential } from '../support/credentials';

const toolScript = JSON.stringify({ steps: [{ tools: [{ name: 'get_weather', arguments: { city: 'Paris' } }] }, { answer: 'Forecast sent.' }] });

async function waitForStatus(provider: AgentProvider, run: RunSnapshot, wanted: (status: string) => boolean): Promise<RunSnapshot> {
  const deadline = Date.now() + 10_000;
  let current = run;
  while (!wanted(current.status)) {
    if (Date.now() > deadline) throw new Error(`run ${run.id} stuck in ${current.status}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
    current = (await provider.getRun(run.threadId, run.id)).run;
  }
  return current;
}

async function collect(events: AsyncIterable<RunStreamEvent>): Promise<RunStreamEvent[]> {
  const all: RunStreamEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

describe('provider layer on the emulator', () => {
  let emulator: RunningEmulator;
  let secure: RunningEmulator;
  let trusting: ReturnType<typeof fetchTrustingTestCertificate>;
  const scopes: string[] = [];

  beforeAll(async () => {
    const timing = { stepDelayMs: 20, queuedDelayMs: 5, pollAfterMs: 250 };
    emulator = await startEmulator(timing);
    secure = await startEmulator({ ...timing, tls: testTls(), recordResponses: true });
    trusting = fetchTrustingTestCertificate();
  });
  afterAll(async () => {
    await Promise.all([emulator.close(), secure.close(), trusting.close()]);
  });

  const dialects: Array<[string, () => ProviderConfig, (() => Partial<OpenAIProviderDependencies>)?]> = [
    ['emulator (OpenAI dialect)', () => ({ kind: 'emulator', baseUrl: emulator.url, apiKey: emulator.apiKey, timeoutMs: 5_000 })],
    ['openai', () => ({ kind: 'openai', baseUrl: emulator.openaiBaseUrl, apiKey: emulator.apiKey, timeoutMs: 5_000 })],
    ['azure-openai with a key', () => ({ kind: 'azure-openai', endpoint: emulator.azureOpenAIEndpoint, apiKey: emulator.apiKey, apiVersion: '2024-08-01-preview', timeoutMs: 5_000 })],
    ['azure-openai with Entra ID', () => ({ kind: 'azure-openai', endpoint: emulator.azureOpenAIEndpoint, apiVersion: '2024-08-01-preview', timeoutMs: 5_000 })],
    ['azure-foundry with Entra ID', () => ({ kind: 'azure-foundry', endpoint: emulator.foundryEndpoint('agentrun'), apiVersion: 'v1', timeoutMs: 5_000 })],
    [
      'azure-foundry hub-based project from its connection string, with Entra ID',
      () =>
        readProviderConfig({
          AGENTRUN_PROVIDER: 'azure-foundry',
          AZURE_AI_PROJECT_CONNECTION_STRING: secure.foundryHubConnectionString('hub-project'),
          AGENTRUN_PROVIDER_TIMEOUT_MS: '5000',
        }),
      () => ({ fetch: trusting.fetch }),
    ],
  ];

  describe.each(dialects)('%s', (_name, makeConfig, makeDependencies) => {
    let provider: AgentProvider;
    let assistantId: string;

    beforeAll(async () => {
      const config = makeConfig();
      const dependencies = { credential: fixedTokenCredential(emulator.apiKey, scopes), ...makeDependencies?.() };
      provider = createOpenAIProvider(config, dependencies);
      const assistant = await createOpenAIClient(config, dependencies).beta.assistants.create({
        model: 'gpt-4o',
        name: 'weather',
        tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      });
      assistantId = assistant.id;
    });

    it('completes a run with a tool round, polling', async () => {
      const created = await provider.createThreadAndRun(
        { messages: [{ role: 'user', content: 'Weather in Paris?' }] },
        { assistantId, metadata: { emulator_script: toolScript }, temperature: 0.2 },
      );
      expect(created.status).toBe('queued');
      expect(created.metadata.emulator_script).toBe(toolScript);

      const waiting = await waitForStatus(provider, created, (status) => status === 'requires_action');
      expect(waiting.requiredToolCalls).toEqual([{ id: expect.stringMatching(/^call_/), name: 'get_weather', arguments: '{"city":"Paris"}' }]);
      expect(waiting.expiresAt).toBeGreaterThan(waiting.createdAt);
      const retrieval = await provider.getRun(waiting.threadId, waiting.id);
      expect(retrieval.pollAfterMs).toBe(250);

      const callId = waiting.requiredToolCalls[0]!.id;
      await provider.submitToolOutputs(waiting.threadId, waiting.id, [{ toolCallId: callId, output: '21 C, sunny' }]);
      const done = await waitForStatus(provider, waiting, isTerminalRunStatus);
      expect(done.status).toBe('completed');
      expect(done.usage?.totalTokens).toBeGreaterThan(0);

      const messages = await provider.listMessages(done.threadId, { runId: done.id });
      expect(messages).toHaveLength(1);
      expect(messages[0]!.role).toBe('assistant');
      expect(messages[0]!.text).toContain('Forecast sent.');
      expect(messages[0]!.text).toContain(`[tool_output call_id=${callId} name=get_weather] 21 C, sunny`);

      const steps = await provider.listRunSteps(done.threadId, done.id, { order: 'asc' });
      expect(steps.map((step) => step.type)).toEqual(['tool_calls', 'message_creation']);
      expect(steps[0]!.toolCalls[0]).toMatchObject({ id: callId, name: 'get_weather', output: '21 C, sunny' });
      expect(steps[1]!.messageId).toBe(messages[0]!.id);
    });

    it('streams a run with a tool round', async () => {
      const { id: threadId } = await provider.createThread({ messages: [{ role: 'user', content: 'Stream it' }] });
      const first = await collect(provider.createRunStream(threadId, { assistantId, metadata: { emulator_script: toolScript } }));
      const runEvents = first.filter((event) => event.type === 'run').map((event) => event.run.status);
      expect(runEvents).toEqual(['queued', 'queued', 'in_progress', 'requires_action']);
      const waiting = first.filter((event) => event.type === 'run').pop()!.run;
      const callId = waiting.requiredToolCalls[0]!.id;

      const second = await collect(provider.submitToolOutputsStream(threadId, waiting.id, [{ toolCallId: callId, output: 'cloudy' }]));
      const text = second.flatMap((event) => (event.type === 'message.delta' ? [event.text] : [])).join('');
      expect(text).toContain(`[tool_output call_id=${callId} name=get_weather] cloudy`);
      const completed = second.find((event) => event.type === 'message.completed');
      expect(completed?.type === 'message.completed' && completed.message.text).toBe(text);
      expect(second.filter((event) => event.type === 'run').pop()?.type === 'run' && second.filter((event) => event.type === 'run').pop()).toMatchObject({ run: { status: 'completed' } });
    });

    it('cancels a run', async () => {
      const slow = JSON.stringify({ steps: [{ answer: 'late', delay_ms: 5_000 }] });
      const run = await provider.createThreadAndRun({ messages: [{ role: 'user', content: 'slow' }] }, { assistantId, metadata: { emulator_script: slow } });
      const cancelling = await provider.cancelRun(run.threadId, run.id);
      expect(['cancelling', 'cancelled']).toContain(cancelling.status);
      expect((await waitForStatus(provider, run, isTerminalRunStatus)).status).toBe('cancelled');
    });
  });

  it('asked Entra ID for the right scope per Azure service', () => {
    expect(scopes).toContain('https://cognitiveservices.azure.com/.default');
    expect(scopes).toContain('https://ai.azure.com/.default');
    expect(scopes).toContain('https://ml.azure.com/.default');
  });

  it('reached the hub-based project through its own prefix and api-version', () => {
    const hubResponses = secure.recordedResponses().filter((response) => response.dialect === 'foundry-hub');
    expect(hubResponses.map((response) => `${response.method} ${response.route}`)).toEqual(
      expect.arrayContaining(['POST /assistants', 'POST /threads/runs', 'POST /threads/{thread_id}/runs/{run_id}/submit_tool_outputs']),
    );
    expect(secure.recordedResponses().every((response) => response.dialect === 'foundry-hub' && response.status === 200)).toBe(true);
  });
});
