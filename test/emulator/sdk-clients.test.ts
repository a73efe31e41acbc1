/**
 * Real clients in their own dialects: the official `openai` client (`OpenAI`, `AzureOpenAI`) and
 * Microsoft's `@azure/ai-agents` each complete a run with a tool-call round and a streamed run, and
 * every response they received validates against the official spec.
 *
 * `@azure/ai-agents` refuses to send a bearer token over plain HTTP, so its emulator serves HTTPS with
 * the test certificate, trusted through the client option `tlsOptions: { ca }`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentsClient, type ThreadRun } from '@azure/ai-agents';
import OpenAI, { AzureOpenAI } from 'openai';
import { EMULATOR_SCRIPT_METADATA_KEY, startEmulator, type RunningEmulator } from '../../src/emulator';
import { specViolations } from '../support/emulator-http';

const TLS_DIRECTORY = join(__dirname, '..', 'fixtures', 'tls');
const certificate = readFileSync(join(TLS_DIRECTORY, 'emulator-test-cert.pem'));
const privateKey = readFileSync(join(TLS_DIRECTORY, 'emulator-test-key.pem'));

const SCRIPT = JSON.stringify({
  steps: [{ tools: [{ name: 'get_weather', arguments: { city: 'Paris' } }] }, { answer: 'It is sunny.' }],
});
const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

let plain: RunningEmulator;
let secure: RunningEmulator;

beforeAll(async () => {
  const timing = { stepDelayMs: 10, queuedDelayMs: 5, pollAfterMs: 20, recordResponses: true };
  plain = await startEmulator(timing);
  secure = await startEmulator({ ...timing, tls: { cert: certificate, key: privateKey } });
});

afterAll(async () => {
  await Promise.all([plain?.close(), secure?.close()]);
});

/** The same conversation through an `openai` client, whichever endpoint it is configured for. */
async function completeRunsWithOpenAIClient(client: OpenAI): Promise<void> {
  const assistant = await client.beta.assistants.create({
    model: 'gpt-4o',
    tools: [WEATHER_TOOL],
    metadata: { [EMULATOR_SCRIPT_METADATA_KEY]: SCRIPT },
  });
  const thread = await client.beta.threads.create({ messages: [{ role: 'user', content: 'Weather in Paris?' }] });

  // Polling: one tool round, then the answer.
  const waiting = await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: assistant.id }, { pollIntervalMs: 10 });
  expect(waiting.status).toBe('requires_action');
  const toolCall = waiting.required_action?.submit_tool_outputs.tool_calls[0];
  expect(toolCall?.function).toEqual({ name: 'get_weather', arguments: '{"city":"Paris"}' });
  const completed = await client.beta.threads.runs.submitToolOutputsAndPoll(
    waiting.id,
    { thread_id: thread.id, tool_outputs: [{ tool_call_id: toolCall?.id ?? '', output: '{"temp":22}' }] },
    { pollIntervalMs: 10 },
  );
  expect(completed.status).toBe('completed');
  const messages = await client.beta.threads.messages.list(thread.id, { run_id: completed.id });
  const answer = messages.data[0]?.content[0];
  expect(answer?.type === 'text' && answer.text.value).toBe(`It is sunny.\n[tool_output call_id=${toolCall?.id} name=get_weather] {"temp":22}`);
  const steps = await client.beta.threads.runs.steps.list(completed.id, { thread_id: thread.id });
  expect(steps.data.map((step) => step.type)).toEqual(['message_creation', 'tool_calls']);

  // Streaming: the helpers consume the emulator's events and assemble the same objects.
  const firstLeg = client.beta.threads.runs.stream(thread.id, { assistant_id: assistant.id });
  const seen: string[] = [];
  firstLeg.on('event', (event) => seen.push(event.event));
  const streamedWaiting = await firstLeg.finalRun();
  expect(streamedWaiting.status).toBe('requires_action');
  expect(seen).toContain('thread.run.step.delta');
  const streamedCall = streamedWaiting.required_action?.submit_tool_outputs.tool_calls[0];
  const secondLeg = client.beta.threads.runs.submitToolOutputsStream(streamedWaiting.id, {
    thread_id: thread.id,
    tool_outputs: [{ tool_call_id: streamedCall?.id ?? '', output: 'sunny' }],
  });
  let text = '';
  secondLeg.on('textDelta', (delta) => {
    text += delta.value ?? '';
  });
  const streamedDone = await secondLeg.finalRun();
  expect(streamedDone.status).toBe('completed');
  const expected = `It is sunny.\n[tool_output call_id=${streamedCall?.id} name=get_weather] sunny`;
  expect(text).toBe(expected);
  const finalMessages = await secondLeg.finalMessages();
  const finalContent = finalMessages[0]?.content[0];
  expect(finalContent?.type === 'text' && finalContent.text.value).toBe(expected);

  // Create-thread-and-run, streamed, with no script: answers directly.
  const direct = client.beta.threads.createAndRunStream({
    assistant_id: assistant.id,
    thread: { messages: [{ role: 'user', content: 'Hello' }] },
    metadata: { [EMULATOR_SCRIPT_METADATA_KEY]: JSON.stringify({ steps: [{ answer: 'Hi!' }] }) },
  });
  const directRun = await direct.finalRun();
  expect(directRun.status).toBe('completed');
}

test('openai client, OpenAI dialect', async () => {
  await completeRunsWithOpenAIClient(new OpenAI({ baseURL: plain.openaiBaseUrl, apiKey: plain.apiKey, maxRetries: 0 }));
  expect(plain.stats().requests['GET /threads/{thread_id}/runs/{run_id}']).toBeGreaterThan(0);
});

test('openai AzureOpenAI client, Azure OpenAI dialect', async () => {
  const before = plain.recordedResponses().filter((response) => response.dialect === 'azure-openai').length;
  await completeRunsWithOpenAIClient(
    new AzureOpenAI({ endpoint: plain.azureOpenAIEndpoint, apiKey: plain.apiKey, apiVersion: '2024-08-01-preview', maxRetries: 0 }),
  );
  const azureResponses = plain.recordedResponses().filter((response) => response.dialect === 'azure-openai');
  expect(azureResponses.length).toBeGreaterThan(before + 10);
});

test('@azure/ai-agents client, Foundry dialect over HTTPS', async () => {
  const credential = {
    getToken: async () => ({ token: secure.apiKey, expiresOnTimestamp: Date.now() + 3_600_000 }),
  };
  const client = new AgentsClient(secure.foundryEndpoint(), credential, { tlsOptions: { ca: certificate.toString() } });

  const agent = await client.createAgent('gpt-4o', {
    name: 'weather',
    tools: [{ type: 'function', function: WEATHER_TOOL.function }],
    metadata: { [EMULATOR_SCRIPT_METADATA_KEY]: SCRIPT },
  });
  expect(agent.id).toMatch(/^asst_/);
  const thread = await client.threads.create();
  await client.messages.create(thread.id, 'user', 'Weather in Paris?');

  // Polling by hand: the SDK's createAndPoll treats requires_action as "still running".
  const created = await client.runs.create(thread.id, agent.id);
  const waiting = await pollAgentRun(client, thread.id, created.id, ['requires_action']);
  const action = waiting.requiredAction as { submitToolOutputs?: { toolCalls: Array<{ id: string; function: { name: string; arguments: string } }> } };
  const toolCall = action.submitToolOutputs?.toolCalls[0];
  expect(toolCall?.function).toEqual({ name: 'get_weather', arguments: '{"city":"Paris"}' });
  await client.runs.submitToolOutputs(thread.id, created.id, [{ toolCallId: toolCall?.id ?? '', output: '22 C' }]);
  const completed = await pollAgentRun(client, thread.id, created.id, ['completed', 'failed', 'expired']);
  expect(completed.status).toBe('completed');
  const texts: string[] = [];
  for await (const message of client.messages.list(thread.id, { runId: created.id })) {
    for (const part of message.content) {
      if (part.type === 'text') texts.push((part as { text: { value: string } }).text.value);
    }
  }
  expect(texts).toEqual([`It is sunny.\n[tool_output call_id=${toolCall?.id} name=get_weather] 22 C`]);
  const stepTypes: string[] = [];
  for await (const step of client.runSteps.list(thread.id, created.id)) stepTypes.push(step.type);
  expect(stepTypes).toEqual(['message_creation', 'tool_calls']);

  // Streaming with the SDK's own SSE reader.
  const firstLeg = await client.runs.create(thread.id, agent.id).stream();
  const firstEvents: string[] = [];
  let streamedRun: ThreadRun | undefined;
  for await (const event of firstLeg) {
    firstEvents.push(event.event);
    if (event.event === 'thread.run.requires_action') streamedRun = event.data as ThreadRun;
  }
  expect(firstEvents.slice(-2)).toEqual(['thread.run.requires_action', 'done']);
  const streamedAction = streamedRun?.requiredAction as { submitToolOutputs?: { toolCalls: Array<{ id: string }> } } | undefined;
  const streamedCallId = streamedAction?.submitToolOutputs?.toolCalls[0]?.id ?? '';
  const secondLeg = await client.runs.submitToolOutputs(thread.id, streamedRun?.id ?? '', [{ toolCallId: streamedCallId, output: 'sunny' }]).stream();
  const secondEvents: string[] = [];
  for await (const event of secondLeg) secondEvents.push(event.event);
  expect(secondEvents).toContain('thread.message.delta');
  expect(secondEvents.slice(-2)).toEqual(['thread.run.completed', 'done']);

  // Listing what exists, as the SDK pages it.
  const agents: string[] = [];
  for await (const listed of client.listAgents()) agents.push(listed.id);
  expect(agents).toContain(agent.id);
  const threads: string[] = [];
  for await (const listed of client.threads.list()) threads.push(listed.id);
  expect(threads).toContain(thread.id);
});

async function pollAgentRun(client: AgentsClient, threadId: string, runId: string, statuses: string[]): Promise<ThreadRun> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const run = await client.runs.get(threadId, runId);
    if (statuses.includes(run.status)) return run;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`run ${runId} never reached ${statuses.join('/')}`);
}

test('every response the clients received matches the official spec', () => {
  const responses = [...plain.recordedResponses(), ...secure.recordedResponses()];
  expect(responses.filter((response) => response.dialect === 'foundry').length).toBeGreaterThan(10);
  const failures = specViolations(responses);
  if (failures.length > 0) {
    throw new Error(`${failures.length} responses do not match the spec:\n${failures.join('\n')}`);
  }
});
