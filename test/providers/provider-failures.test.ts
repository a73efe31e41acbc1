/**
 * Every emulator fault kind and every protocol error reaches the provider layer over real HTTP, and
 * `toApplicationFailure` maps each to the right failure type, retryability and retry delay.
 */
import { ApplicationFailure } from '@temporalio/common';
import { startEmulator, type FaultRule, type RunningEmulator } from '../../src/emulator';
import { createOpenAIClient, createOpenAIProvider, toApplicationFailure, type AgentProvider, type ProviderConfig } from '../../src/providers';
import { FailureType } from '../../src/shared/failure-types';

async function failureOf(call: () => Promise<unknown>, secrets: string[] = []): Promise<ApplicationFailure> {
  try {
    await call();
  } catch (error) {
    return toApplicationFailure(error, secrets);
  }
  throw new Error('expected the call to fail');
}

describe('provider failures', () => {
  let emulator: RunningEmulator;
  let config: ProviderConfig;
  let provider: AgentProvider;
  let assistantId: string;

  beforeAll(async () => {
    emulator = await startEmulator({ stepDelayMs: 20, queuedDelayMs: 5, runExpirySeconds: 2 });
    config = { kind: 'emulator', baseUrl: emulator.url, apiKey: emulator.apiKey, timeoutMs: 400 };
    // No provider budget: these check the mapping of each failure the budget would otherwise absorb (a 429).
    provider = createOpenAIProvider(config, { budget: false });
    assistantId = (await createOpenAIClient(config).beta.assistants.create({ model: 'gpt-4o' })).id;
  });
  afterEach(() => emulator.clearFaults());
  afterAll(async () => emulator.close());

  const faults: Array<[FaultRule, string, boolean, number | undefined]> = [
    [{ kind: 'rate_limit', retryAfterMs: 1500, times: 1 }, FailureType.ProviderRateLimited, false, 1500],
    [{ kind: 'quota', times: 1 }, FailureType.ProviderQuotaExhausted, true, undefined],
    [{ kind: 'server_error', times: 1 }, FailureType.ProviderServerError, false, undefined],
    [{ kind: 'unavailable', times: 1 }, FailureType.ProviderUnavailable, false, undefined],
    [{ kind: 'reset', times: 1 }, FailureType.ProviderConnectionError, false, undefined],
    [{ kind: 'slow', delayMs: 1_500, times: 1 }, FailureType.ProviderTimeout, false, undefined],
    [{ kind: 'commit_then_drop', times: 1 }, FailureType.ProviderConnectionError, false, undefined],
  ];

  it.each(faults)('%o becomes %s (nonRetryable %s)', async (rule, type, nonRetryable, delay) => {
    const { id: threadId } = await provider.createThread({});
    emulator.addFault({ ...rule, method: 'POST', route: '/threads/{thread_id}/messages' });
    const failure = await failureOf(() => provider.createMessage(threadId, { role: 'user', content: 'hi' }));
    expect(failure.type).toBe(type);
    expect(failure.nonRetryable).toBe(nonRetryable);
    expect(failure.nextRetryDelay).toBe(delay);
    expect(emulator.stats().faultsInjected[rule.kind]).toBeGreaterThanOrEqual(1);
  });

  it('commit_then_drop applied the write although the client saw no response', async () => {
    const { id: threadId } = await provider.createThread({});
    emulator.addFault({ kind: 'commit_then_drop', method: 'POST', route: '/threads/{thread_id}/runs', times: 1 });
    const before = emulator.stats().runsCreated.length;
    const failure = await failureOf(() => provider.createRun(threadId, { assistantId }));
    expect(failure.type).toBe(FailureType.ProviderConnectionError);
    const created = emulator.stats().runsCreated.slice(before);
    expect(created).toHaveLength(1);
    expect(created[0]!.thread_id).toBe(threadId);
    // A blind retry now hits the run the lost response created: why runs are tagged and reconciled.
    const retry = await failureOf(() => provider.createRun(threadId, { assistantId }));
    expect(retry.type).toBe(FailureType.ProviderThreadBusy);
    expect(retry.message).toContain(created[0]!.id);
  });

  it('maps the protocol errors', async () => {
    const { id: threadId } = await provider.createThread({});
    expect((await failureOf(() => provider.getRun(threadId, 'run_doesnotexist'))).type).toBe(FailureType.ProviderNotFound);
    expect((await failureOf(() => provider.createRun(threadId, { assistantId, temperature: 7 }))).type).toBe(FailureType.ProviderBadRequest);

    const slow = JSON.stringify({ steps: [{ answer: 'later', delay_ms: 3_000 }] });
    await provider.createRun(threadId, { assistantId, metadata: { emulator_script: slow } });
    const busy = await failureOf(() => provider.createRun(threadId, { assistantId }));
    expect(busy).toMatchObject({ type: FailureType.ProviderThreadBusy, nonRetryable: true });
    const busyMessage = await failureOf(() => provider.createMessage(threadId, { role: 'user', content: 'more' }));
    expect(busyMessage.type).toBe(FailureType.ProviderThreadBusy);
  });

  it('maps a late submit after expiry', async () => {
    const script = JSON.stringify({ steps: [{ tools: [{ name: 'slow_tool', arguments: {} }] }] });
    const run = await provider.createThreadAndRun({ messages: [{ role: 'user', content: 'x' }] }, { assistantId, metadata: { emulator_script: script } });
    let current = run;
    const deadline = Date.now() + 8_000;
    while (current.status !== 'expired' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      current = (await provider.getRun(run.threadId, run.id)).run;
    }
    expect(current.status).toBe('expired');
    const late = await failureOf(() => provider.submitToolOutputs(run.threadId, run.id, [{ toolCallId: 'call_x', output: 'late' }]));
    expect(late).toMatchObject({ type: FailureType.ProviderRunNotAcceptingToolOutputs, nonRetryable: true });
    expect(late.message).toContain('Runs in status "expired" do not accept tool outputs.');
  });

  it('maps wrong credentials and never leaks them', async () => {
    const wrongKey = 'sk-wrong-secret-key-123456';
    const wrong = createOpenAIProvider({ ...config, apiKey: wrongKey } as ProviderConfig);
    const failure = await failureOf(() => wrong.createThread({}), [wrongKey]);
    expect(failure).toMatchObject({ type: FailureType.ProviderAuthenticationFailed, nonRetryable: true });
    expect(JSON.stringify({ message: failure.message, details: failure.details, cause: failure.cause?.message })).not.toContain(wrongKey);
    expect(JSON.stringify({ message: failure.message })).not.toContain('wrong-secret');
  });
});
