/**
 * The adapter on the official `openai` package. One implementation serves every dialect; they
 * differ only in how the client is configured (after vercel/ai, where Azure reuses the OpenAI
 * implementation): base URL, `api-version` query, and key or Entra ID bearer token.
 */
import { getBearerTokenProvider, DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import OpenAI, { AzureOpenAI } from 'openai';
import type { NewMessage, NewThread, RunOptions, RunSnapshot, RunStep, RunStreamEvent, ThreadMessage, ToolOutput, ToolResources } from '../shared/agent-types';
import type { AgentProvider, CallOptions, ListQuery, ProviderKind, RunRetrieval } from './provider';
import type { ProviderConfig } from './provider-config';
import {
  needsSeparateThread,
  toRunSnapshot,
  toRunStep,
  toThreadInfo,
  toThreadMessage,
  toWireMessage,
  toWireRun,
  toWireThread,
  toWireThreadAndRun,
  toWireToolResources,
} from './wire-schemas';

/** Entra ID scopes of the two Azure services. */
export const AZURE_OPENAI_SCOPE = 'https://cognitiveservices.azure.com/.default';
export const AZURE_FOUNDRY_SCOPE = 'https://ai.azure.com/.default';

/** What the edge may inject (tests, custom auth). */
export interface OpenAIProviderDependencies {
  /** Entra ID credential for the Azure dialects; default `DefaultAzureCredential`. */
  credential?: TokenCredential;
  /** A fetch implementation (tests inject faults below the HTTP layer with it). */
  fetch?: typeof fetch;
}

/**
 * Wraps fetch so that what it throws is an `Error` of this realm with its name kept. Under a VM
 * context (jest, some sandboxes) Node's `AbortError` fails `instanceof Error`, and `openai` then
 * cannot tell a timeout from a reset.
 */
function realmSafeFetch(inner: typeof fetch): typeof fetch {
  return async (input, init) => {
    try {
      return await inner(input, init);
    } catch (error) {
      if (error instanceof Error || typeof error !== 'object' || error === null) throw error;
      const foreign = error as { name?: string; message?: string; cause?: unknown };
      const normalized = new Error(foreign.message ?? String(error), { cause: foreign.cause });
      normalized.name = foreign.name ?? 'Error';
      throw normalized;
    }
  };
}

/** Builds the `openai` client for a configuration. `maxRetries: 0`: Temporal owns retries. */
export function createOpenAIClient(config: ProviderConfig, dependencies: OpenAIProviderDependencies = {}): OpenAI {
  const common = { maxRetries: 0, timeout: config.timeoutMs, fetch: realmSafeFetch(dependencies.fetch ?? fetch) };
  switch (config.kind) {
    case 'emulator':
      return new OpenAI({ ...common, baseURL: `${config.baseUrl}/v1`, apiKey: config.apiKey });
    case 'openai':
      return new OpenAI({ ...common, baseURL: config.baseUrl, apiKey: config.apiKey, organization: config.organization ?? null, project: config.project ?? null });
    case 'azure-openai': {
      const auth = config.apiKey
        ? { apiKey: config.apiKey }
        : { azureADTokenProvider: getBearerTokenProvider(dependencies.credential ?? new DefaultAzureCredential(), AZURE_OPENAI_SCOPE) };
      return new AzureOpenAI({ ...common, endpoint: config.endpoint, apiVersion: config.apiVersion, ...auth });
    }
    case 'azure-foundry': {
      // The Foundry project endpoint serves /threads, /assistants, ... directly under it with
      // ?api-version=v1 and a bearer token for https://ai.azure.com.
      const token = getBearerTokenProvider(dependencies.credential ?? new DefaultAzureCredential(), AZURE_FOUNDRY_SCOPE);
      return new OpenAI({ ...common, baseURL: config.endpoint, apiKey: token, defaultQuery: { 'api-version': config.apiVersion } });
    }
  }
}

/** Creates the {@link AgentProvider} for a configuration. */
export function createOpenAIProvider(config: ProviderConfig, dependencies: OpenAIProviderDependencies = {}): AgentProvider {
  return new OpenAIProtocolProvider(config.kind, endpointOf(config), createOpenAIClient(config, dependencies));
}

function endpointOf(config: ProviderConfig): string {
  switch (config.kind) {
    case 'emulator':
      return config.baseUrl;
    case 'openai':
      return config.baseUrl ?? 'https://api.openai.com/v1';
    default:
      return config.endpoint;
  }
}

function requestOptions(options: CallOptions | undefined): OpenAI.RequestOptions {
  // `openai` rejects an explicit `timeout: undefined`: set only what the caller gave.
  const request: OpenAI.RequestOptions = {};
  if (options?.signal) request.signal = options.signal;
  if (options?.timeoutMs !== undefined) request.timeout = options.timeoutMs;
  return request;
}

/**
 * The threads/runs protocol through `openai`'s beta Assistants resources. The client's typed
 * params are bypassed for bodies (`as never`): bodies are built from provider-neutral options by
 * wire-schemas.ts, and responses are parsed there too, so this class stays a thin transport.
 */
class OpenAIProtocolProvider implements AgentProvider {
  constructor(
    readonly kind: ProviderKind,
    readonly endpoint: string,
    private readonly client: OpenAI,
  ) {}

  private get threads() {
    return this.client.beta.threads;
  }

  async createThread(thread: NewThread, options?: CallOptions): Promise<{ id: string }> {
    const created = await this.threads.create(toWireThread(thread) as never, requestOptions(options));
    return { id: created.id };
  }

  async getThread(threadId: string, options?: CallOptions) {
    return toThreadInfo(await this.threads.retrieve(threadId, requestOptions(options)));
  }

  async updateThread(threadId: string, update: { metadata?: Record<string, string>; toolResources?: ToolResources }, options?: CallOptions): Promise<void> {
    const body: Record<string, unknown> = {};
    if (update.metadata) body.metadata = update.metadata;
    if (update.toolResources) body.tool_resources = toWireToolResources(update.toolResources);
    await this.threads.update(threadId, body as never, requestOptions(options));
  }

  async deleteThread(threadId: string, options?: CallOptions): Promise<void> {
    await this.threads.delete(threadId, requestOptions(options));
  }

  async createMessage(threadId: string, message: NewMessage, options?: CallOptions): Promise<ThreadMessage> {
    return toThreadMessage(await this.threads.messages.create(threadId, toWireMessage(message) as never, requestOptions(options)));
  }

  async listMessages(threadId: string, query: ListQuery & { runId?: string } = {}, options?: CallOptions): Promise<ThreadMessage[]> {
    const { runId, ...page } = query;
    const result = await this.threads.messages.list(threadId, { ...page, run_id: runId }, requestOptions(options));
    return result.data.map(toThreadMessage);
  }

  async createRun(threadId: string, run: RunOptions, options?: CallOptions): Promise<RunSnapshot> {
    // create-run has no tool_resources: they belong to the thread, so set them there first.
    if (run.toolResources) await this.updateThread(threadId, { toolResources: run.toolResources }, options);
    const created = await this.threads.runs.create(threadId, { ...toWireRun(run), include: run.include } as never, requestOptions(options));
    return toRunSnapshot(created);
  }

  async createThreadAndRun(thread: NewThread, run: RunOptions, options?: CallOptions): Promise<RunSnapshot> {
    if (needsSeparateThread(run)) {
      const { id } = await this.createThread({ ...thread, toolResources: thread.toolResources ?? run.toolResources }, options);
      return this.createRun(id, { ...run, toolResources: undefined }, options);
    }
    return toRunSnapshot(await this.threads.createAndRun(toWireThreadAndRun(thread, run) as never, requestOptions(options)));
  }

  async getRun(threadId: string, runId: string, options?: CallOptions): Promise<RunRetrieval> {
    const { data, response } = await this.threads.runs.retrieve(runId, { thread_id: threadId }, requestOptions(options)).withResponse();
    const hint = Number(response.headers.get('openai-poll-after-ms'));
    return { run: toRunSnapshot(data), pollAfterMs: Number.isFinite(hint) && hint > 0 ? hint : undefined };
  }

  async listRuns(threadId: string, query: ListQuery = {}, options?: CallOptions): Promise<RunSnapshot[]> {
    const page = await this.threads.runs.list(threadId, query, requestOptions(options));
    return page.data.map(toRunSnapshot);
  }

  async updateRunMetadata(threadId: string, runId: string, metadata: Record<string, string>, options?: CallOptions): Promise<RunSnapshot> {
    return toRunSnapshot(await this.threads.runs.update(runId, { thread_id: threadId, metadata }, requestOptions(options)));
  }

  async cancelRun(threadId: string, runId: string, options?: CallOptions): Promise<RunSnapshot> {
    return toRunSnapshot(await this.threads.runs.cancel(runId, { thread_id: threadId }, requestOptions(options)));
  }

  async submitToolOutputs(threadId: string, runId: string, outputs: ToolOutput[], options?: CallOptions): Promise<RunSnapshot> {
    const body = { thread_id: threadId, tool_outputs: outputs.map((output) => ({ tool_call_id: output.toolCallId, output: output.output })) };
    return toRunSnapshot(await this.threads.runs.submitToolOutputs(runId, body, requestOptions(options)));
  }

  async listRunSteps(threadId: string, runId: string, query: ListQuery = {}, options?: CallOptions): Promise<RunStep[]> {
    const page = await this.threads.runs.steps.list(runId, { thread_id: threadId, ...query }, requestOptions(options));
    return page.data.map(toRunStep);
  }

  async *createRunStream(threadId: string, run: RunOptions, options?: CallOptions): AsyncIterable<RunStreamEvent> {
    if (run.toolResources) await this.updateThread(threadId, { toolResources: run.toolResources }, options);
    const stream = await this.threads.runs.create(threadId, { ...toWireRun(run), include: run.include, stream: true } as never, requestOptions(options));
    yield* translateStream(stream as unknown as AsyncIterable<unknown>);
  }

  async *createThreadAndRunStream(thread: NewThread, run: RunOptions, options?: CallOptions): AsyncIterable<RunStreamEvent> {
    if (needsSeparateThread(run)) {
      const { id } = await this.createThread({ ...thread, toolResources: thread.toolResources ?? run.toolResources }, options);
      yield* this.createRunStream(id, { ...run, toolResources: undefined }, options);
      return;
    }
    const stream = await this.threads.createAndRun({ ...toWireThreadAndRun(thread, run), stream: true } as never, requestOptions(options));
    yield* translateStream(stream as unknown as AsyncIterable<unknown>);
  }

  async *submitToolOutputsStream(threadId: string, runId: string, outputs: ToolOutput[], options?: CallOptions): AsyncIterable<RunStreamEvent> {
    const body = { thread_id: threadId, stream: true as const, tool_outputs: outputs.map((output) => ({ tool_call_id: output.toolCallId, output: output.output })) };
    const stream = await this.threads.runs.submitToolOutputs(runId, body, requestOptions(options));
    yield* translateStream(stream as unknown as AsyncIterable<unknown>);
  }
}

/**
 * Provider server-sent events as {@link RunStreamEvent}s. Unknown events are skipped (the
 * protocol says new ones may appear); `error` events are thrown by the `openai` stream itself.
 */
async function* translateStream(events: AsyncIterable<unknown>): AsyncIterable<RunStreamEvent> {
  for await (const raw of events) {
    const { event, data } = raw as { event: string; data: unknown };
    if (/^thread\.run\.(created|queued|in_progress|requires_action|completed|incomplete|failed|cancelling|cancelled|expired)$/.test(event)) {
      yield { type: 'run', run: toRunSnapshot(data) };
    } else if (/^thread\.run\.step\.(created|in_progress|completed|failed|cancelled|expired)$/.test(event)) {
      yield { type: 'step', step: toRunStep(data) };
    } else if (event === 'thread.message.delta') {
      const delta = data as { id: string; delta?: { content?: Array<{ text?: { value?: string } }> } };
      const text = (delta.delta?.content ?? []).map((part) => part.text?.value ?? '').join('');
      if (text) yield { type: 'message.delta', messageId: delta.id, text };
    } else if (event === 'thread.message.completed') {
      yield { type: 'message.completed', message: toThreadMessage(data) };
    }
  }
}
