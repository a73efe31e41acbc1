/**
 * One test file's agentrun: the suite's Temporal server, an in-process emulator, a worker with the
 * given tools (in-process, real activities over real HTTP) and the typed client.
 */
import type { Worker } from '@temporalio/worker';
import type OpenAI from 'openai';
import { AgentRunClient } from '../../src/client';
import { noWorkerPolls } from '../../src/commands/command-support';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/emulator';
import { createOpenAIClient, createOpenAIProvider, type ProviderConfig } from '../../src/providers';
import type { AgentRunInput } from '../../src/shared/run-input';
import type { Tool } from '../../src/tools/define-tool';
import { createAgentrunWorker } from '../../src/worker';
import { connectTemporal, type TemporalTestContext } from './temporal';

export interface Harness {
  temporal: TemporalTestContext;
  emulator: RunningEmulator;
  client: AgentRunClient;
  openai: OpenAI;
  /** Absent with `worker: false` (tests that run workers as child processes). */
  worker?: Worker;
  providerConfig: ProviderConfig;
  /** Creates an assistant whose default script is `script` (or none). */
  assistant(script?: object, name?: string): Promise<string>;
  /** Resolves once the worker polls its task queue (CLI commands warn on stderr until then). */
  workerPolling(): Promise<void>;
  /** Minimal valid input for an assistant, fast polling. */
  input(assistantId: string, overrides?: Partial<AgentRunInput>): AgentRunInput;
  close(): Promise<void>;
}

export async function startHarness(label: string, options: { tools?: Tool[]; emulator?: EmulatorOptions; worker?: boolean; providerTimeoutMs?: number } = {}): Promise<Harness> {
  const temporal = await connectTemporal(label);
  const emulator = await startEmulator({ stepDelayMs: 30, queuedDelayMs: 5, pollAfterMs: 0, ...options.emulator });
  const providerConfig: ProviderConfig = { kind: 'emulator', baseUrl: emulator.url, apiKey: emulator.apiKey, timeoutMs: options.providerTimeoutMs ?? 5_000 };
  const worker = options.worker === false ? undefined : await createAgentrunWorker({
    connection: temporal.workerConnection,
    taskQueue: temporal.taskQueue,
    tools: options.tools ?? [],
    provider: createOpenAIProvider(providerConfig),
    secrets: [emulator.apiKey],
    registerSearchAttributes: false,
    log: () => undefined,
  });
  const running = worker?.run();
  const openai = createOpenAIClient(providerConfig);
  return {
    temporal,
    emulator,
    openai,
    worker,
    providerConfig,
    client: new AgentRunClient(temporal.client, { taskQueue: temporal.taskQueue }),
    async assistant(script, name = 'test assistant') {
      const created = await openai.beta.assistants.create({ model: 'gpt-4o', name, metadata: script ? { emulator_script: JSON.stringify(script) } : undefined });
      return created.id;
    },
    async workerPolling() {
      const client = new AgentRunClient(temporal.client, { taskQueue: temporal.taskQueue });
      await eventually(async () => !(await noWorkerPolls(client)), 15_000, 'the worker polling');
    },
    input(assistantId, overrides = {}) {
      return { assistantId, thread: { messages: [{ role: 'user', content: 'Hello' }] }, wait: { mode: 'poll', pollInterval: 50 }, providerRetry: { initialInterval: 100, maximumInterval: 1_000 }, ...overrides };
    },
    async close() {
      if (worker) {
        worker.shutdown();
        await running;
      }
      await emulator.close();
      await temporal.close();
    },
  };
}

/** Polls `probe` until it returns a truthy value (for waiting on a workflow's state in tests). */
export async function eventually<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
}
