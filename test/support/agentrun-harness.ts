/**
 * One test file's agentrun: the suite's Temporal server, an in-process emulator, a worker with the
 * given tools (in-process, real activities over real HTTP) and the typed client. The worker speaks
 * threads/runs by default, or the Responses API (`protocol: 'responses'`), on the OpenAI dialect or
 * (`foundry: true`) a Foundry project's over HTTPS, where pending calls expire.
 */
import { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import type OpenAI from 'openai';
import { AgentRunClient } from '../../src/client';
import type { AgentRunState } from '../../src/shared/run-types';
import { noWorkerPolls } from '../../src/commands/command-support';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/emulator';
import { createAgentService, createOpenAIClient, type OpenAIProviderDependencies, type ProviderConfig } from '../../src/providers';
import type { AgentRunInput } from '../../src/shared/run-input';
import { toolDefinitions, type Tool } from '../../src/tools/define-tool';
import { fixedTokenCredential } from './credentials';
import { fetchTrustingTestCertificate, testTls } from './test-tls';
import { createAgentrunWorker, type AgentrunWorkerOptions } from '../../src/worker';
import { connectTemporal, type TemporalTestContext } from './temporal';
import { agentrunDataConverter } from '../../src/encryption/data-converter';
import type { EncryptionKey } from '../../src/encryption/encryption-codec';
import type { DecisionTrust } from '../../src/decisions/signed-decisions';
import type { NotificationConfig } from '../../src/notifications/approval-notifications';

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
  /**
   * Responses: minimal valid input for an inline agent (or, on Foundry, a new agent version) whose
   * script is `script`, fast polling.
   */
  agentInput(script?: object, overrides?: Partial<AgentRunInput>): Promise<AgentRunInput>;
  close(): Promise<void>;
}

/** Options of {@link startHarness}. */
export interface HarnessOptions {
  tools?: Tool[];
  emulator?: EmulatorOptions;
  worker?: boolean;
  providerTimeoutMs?: number;
  /** The worker's protocol (default threads-runs). */
  protocol?: 'threads-runs' | 'responses';
  /** Responses on a Foundry project (agents v2) over HTTPS: pending calls expire. */
  foundry?: boolean;
  /** The worker's watcher (default: a new one). */
  watcher?: AgentrunWorkerOptions['watcher'];
  /** Passed to the worker (slots, cache). */
  workerOptions?: AgentrunWorkerOptions['workerOptions'];
  /** The provider budget of the worker's clients (default: the environment's). */
  budget?: OpenAIProviderDependencies['budget'];
  /** Payload encryption keys of the worker and of `client` (default: none; `temporal.client` never encrypts). */
  encryptionKeys?: EncryptionKey[];
  /** The keys the worker verifies signed decisions with (default: none). */
  decisionTrust?: DecisionTrust;
  /** Where the worker notifies waiting calls (default: nowhere, whatever the environment says). */
  notifications?: NotificationConfig;
}

export async function startHarness(label: string, options: HarnessOptions = {}): Promise<Harness> {
  const temporal = await connectTemporal(label);
  const foundry = options.protocol === 'responses' && options.foundry === true;
  const emulator = await startEmulator({ stepDelayMs: 30, queuedDelayMs: 5, pollAfterMs: 0, ...(foundry ? { tls: testTls() } : {}), ...options.emulator });
  const timeoutMs = options.providerTimeoutMs ?? 5_000;
  const trusting = foundry ? fetchTrustingTestCertificate() : undefined;
  const dependencies = trusting ? { fetch: trusting.fetch, credential: fixedTokenCredential(emulator.apiKey) } : {};
  const providerConfig: ProviderConfig =
    options.protocol !== 'responses'
      ? { kind: 'emulator', baseUrl: emulator.url, apiKey: emulator.apiKey, timeoutMs }
      : foundry
        ? { kind: 'azure-foundry-agents', endpoint: emulator.foundryEndpoint(), timeoutMs, toolCallExpirySeconds: options.emulator?.responseToolExpirySeconds ?? 600 }
        : { kind: 'emulator-responses', baseUrl: emulator.url, apiKey: emulator.apiKey, timeoutMs };
  const tools = options.tools ?? [];
  const worker = options.worker === false ? undefined : await createAgentrunWorker({
    connection: temporal.workerConnection,
    taskQueue: temporal.taskQueue,
    tools,
    service: createAgentService(providerConfig, { secrets: [emulator.apiKey], defaultTools: toolDefinitions(tools) }, { ...dependencies, ...(options.budget !== undefined ? { budget: options.budget } : {}) }),
    secrets: [emulator.apiKey],
    registerSearchAttributes: false,
    log: () => undefined,
    // An empty list: no encryption, whatever the environment says.
    encryptionKeys: options.encryptionKeys ?? (() => []),
    ...(options.watcher !== undefined ? { watcher: options.watcher } : {}),
    ...(options.decisionTrust ? { decisionTrust: options.decisionTrust } : {}),
    notifications: options.notifications ?? false,
    ...(options.workerOptions !== undefined ? { workerOptions: options.workerOptions } : {}),
  });
  const running = worker?.run();
  const openai = createOpenAIClient(providerConfig, dependencies);
  let agentVersions = 0;
  return {
    temporal,
    emulator,
    openai,
    worker,
    providerConfig,
    client: new AgentRunClient(options.encryptionKeys ? encryptingClient(temporal, options.encryptionKeys) : temporal.client, { taskQueue: temporal.taskQueue }),
    async assistant(script, name = 'test assistant') {
      const created = await openai.beta.assistants.create({ model: 'gpt-4o', name, metadata: script ? { emulator_script: JSON.stringify(script) } : undefined });
      return created.id;
    },
    async workerPolling() {
      const client = new AgentRunClient(temporal.client, { taskQueue: temporal.taskQueue });
      await eventually(async () => !(await noWorkerPolls(client)), 15_000, 'the worker polling');
    },
    async agentInput(script, overrides = {}) {
      const metadata = script ? { emulator_script: JSON.stringify(script) } : undefined;
      const common = { thread: { messages: [{ role: 'user' as const, content: 'Hello' }] }, wait: { mode: 'poll' as const, pollInterval: 50 }, providerRetry: { initialInterval: 100, maximumInterval: 1_000 } };
      if (!foundry) return { agent: { model: 'gpt-4o' }, ...(metadata ? { metadata } : {}), ...common, ...overrides };
      // A Foundry agent version carrying the script (its tools: the worker's).
      agentVersions += 1;
      const name = `agent-${label}-${agentVersions}`;
      const response = await (dependencies.fetch ?? fetch)(`${emulator.foundryEndpoint()}/agents/${name}/versions?api-version=v1`, {
        method: 'POST',
        headers: { authorization: `Bearer ${emulator.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ definition: { kind: 'prompt', model: 'gpt-4o', tools: toolDefinitions(tools).map((tool) => ({ ...tool, strict: false })) }, ...(metadata ? { metadata } : {}) }),
      });
      if (!response.ok) throw new Error(`creating agent ${name} failed: ${response.status} ${await response.text()}`);
      const version = ((await response.json()) as { version: string }).version;
      return { agent: { name, version }, ...common, ...overrides };
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
      await trusting?.close();
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

/** The run's state once a call of it waits for a person's approval (polls `status`). */
export async function waitingForApproval(client: AgentRunClient, workflowId: string, timeoutMs = 15_000): Promise<AgentRunState> {
  return eventually(async () => {
    const state = await client.status(workflowId);
    return state.pendingApprovals.length ? state : undefined;
  }, timeoutMs, `a pending approval of ${workflowId}`);
}

/** A client on the test's connection that encrypts payloads with `keys`. */
function encryptingClient(temporal: TemporalTestContext, keys: EncryptionKey[]): Client {
  return new Client({ connection: temporal.connection, namespace: temporal.client.options.namespace, dataConverter: agentrunDataConverter(keys)! });
}
