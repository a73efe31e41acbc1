/**
 * The adapter on the official `openai` package. One implementation serves every dialect; they
 * differ only in how the client is configured (after vercel/ai, where Azure reuses the OpenAI
 * implementation): base URL, `api-version` query, and key or Entra ID bearer token.
 */
import { getBearerTokenProvider, DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import OpenAI, { AzureOpenAI, toFile } from 'openai';
import type { NewMessage, NewThread, RunOptions, RunSnapshot, RunStep, RunStreamEvent, ThreadMessage, ToolOutput, ToolResources } from '../shared/agent-types';
import type { ChunkingStrategy, FileBatchInfo, FileInfo, NewVectorStore, VectorStoreFileInfo, VectorStoreInfo } from '../shared/ingestion-types';
import { toFileBatchInfo, toFileInfo, toVectorStoreFileInfo, toVectorStoreInfo, toWireChunkingStrategy } from './ingestion-wire';
import type { AgentProvider, CallOptions, ListQuery, ProviderKind, RunRetrieval, UploadSource } from './provider';
import { readProviderBudgetOptions, type ProviderConfig } from './provider-config';
import { providerBudget, type ProviderBudgetOptions } from './provider-budget';
import { observeProviderRequests } from '../telemetry/provider-requests';
import {
  compact,
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

/** Entra ID scope of Azure OpenAI. */
export const AZURE_OPENAI_SCOPE = 'https://cognitiveservices.azure.com/.default';
/** Entra ID scope of a Foundry project's Agent Service. */
export const AZURE_FOUNDRY_SCOPE = 'https://ai.azure.com/.default';
/** Entra ID scope of a hub-based Foundry project's agents (Azure Machine Learning), as `azure-ai-projects` 1.0.0b asks for it. */
export const AZURE_FOUNDRY_HUB_SCOPE = 'https://ml.azure.com/.default';

/** What the edge may inject (tests, custom auth). */
export interface OpenAIProviderDependencies {
  /** Entra ID credential for the Azure dialects; default `DefaultAzureCredential`. */
  credential?: TokenCredential;
  /** A fetch implementation (tests inject faults below the HTTP layer with it). */
  fetch?: typeof fetch;
  /**
   * The endpoint's request budget (shared by every client of that endpoint in the process).
   * Default: from `AGENTRUN_PROVIDER_MAX_CONCURRENT`, `AGENTRUN_PROVIDER_MAX_RPS`; `false`: none.
   */
  budget?: ProviderBudgetOptions | false;
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
  const endpoint = endpointOf(config);
  // Innermost: each attempt the provider sees is one span and one count, under the budget.
  const transport = observeProviderRequests(dependencies.fetch ?? fetch, endpoint);
  const budgeted = dependencies.budget === false ? transport : providerBudget(endpoint, dependencies.budget ?? readProviderBudgetOptions()).wrap(transport);
  const common = { maxRetries: 0, timeout: config.timeoutMs, fetch: realmSafeFetch(budgeted) };
  switch (config.kind) {
    case 'emulator':
    case 'emulator-responses':
      return new OpenAI({ ...common, baseURL: `${config.baseUrl}/v1`, apiKey: config.apiKey });
    case 'openai':
    case 'openai-responses':
      // openai-responses is also Azure OpenAI's v1 endpoint (https://RESOURCE.openai.azure.com/openai/v1): no api-version.
      return new OpenAI({ ...common, baseURL: config.baseUrl, apiKey: config.apiKey, organization: config.organization ?? null, project: config.project ?? null });
    case 'azure-openai': {
      const auth = config.apiKey
        ? { apiKey: config.apiKey }
        : { azureADTokenProvider: getBearerTokenProvider(dependencies.credential ?? new DefaultAzureCredential(), AZURE_OPENAI_SCOPE) };
      return new AzureOpenAI({ ...common, endpoint: config.endpoint, apiVersion: config.apiVersion, ...auth });
    }
    case 'azure-foundry': {
      // The Foundry project endpoint serves /threads, /assistants, ... directly under it with
      // ?api-version=v1 and a bearer token for https://ai.azure.com. A hub-based project's agents
      // endpoint (built from its connection string) does the same with its own api-version and a
      // token for Azure Machine Learning.
      const scope = config.projectType === 'hub' ? AZURE_FOUNDRY_HUB_SCOPE : AZURE_FOUNDRY_SCOPE;
      const token = getBearerTokenProvider(dependencies.credential ?? new DefaultAzureCredential(), scope);
      return new OpenAI({ ...common, baseURL: config.endpoint, apiKey: token, defaultQuery: { 'api-version': config.apiVersion } });
    }
    case 'azure-foundry-agents': {
      // Foundry agents v2: the project's OpenAI-compatible endpoint, as azure-ai-projects 2.x's
      // get_openai_client() builds it (`{endpoint}/openai/v1`, no api-version), with Entra ID.
      const token = getBearerTokenProvider(dependencies.credential ?? new DefaultAzureCredential(), AZURE_FOUNDRY_SCOPE);
      return new OpenAI({ ...common, baseURL: `${config.endpoint}/openai/v1`, apiKey: token });
    }
  }
}

/** Creates the {@link AgentProvider} for a configuration. */
export function createOpenAIProvider(config: ProviderConfig, dependencies: OpenAIProviderDependencies = {}): AgentProvider {
  return new OpenAIProtocolProvider(config.kind, endpointOf(config), createOpenAIClient(config, dependencies));
}

/** Where a configuration points, without credentials. */
export function endpointOf(config: ProviderConfig): string {
  switch (config.kind) {
    case 'emulator':
    case 'emulator-responses':
      return config.baseUrl;
    case 'openai':
    case 'openai-responses':
      return config.baseUrl ?? 'https://api.openai.com/v1';
    case 'azure-foundry-agents':
      return `${config.endpoint}/openai/v1`;
    default:
      return config.endpoint;
  }
}

/** Per-call options as `openai`'s request options. */
/** The provider's `openai-poll-after-ms` hint, when it sent a usable one. */
export function pollAfterMs(headers: Headers): number | undefined {
  const hint = Number(headers.get('openai-poll-after-ms'));
  return Number.isFinite(hint) && hint > 0 ? hint : undefined;
}

export function requestOptions(options: CallOptions | undefined): OpenAI.RequestOptions {
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
export class OpenAIProtocolProvider implements AgentProvider {
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
    return { run: toRunSnapshot(data), pollAfterMs: pollAfterMs(response.headers) };
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

  // ---- files and vector stores ----------------------------------------------------------------

  async uploadFile(source: UploadSource, purpose: string, options?: CallOptions): Promise<FileInfo> {
    // toFile streams Node streams and web bodies to the multipart request as they are read.
    const file = await toFile(source.content as Parameters<typeof toFile>[0], source.filename);
    return toFileInfo(await this.client.files.create({ file, purpose: purpose as never }, requestOptions(options)));
  }

  async getFile(fileId: string, options?: CallOptions): Promise<FileInfo> {
    return toFileInfo(await this.client.files.retrieve(fileId, requestOptions(options)));
  }

  async listFiles(query: ListQuery & { purpose?: string } = {}, options?: CallOptions): Promise<FileInfo[]> {
    const { before: _before, ...page } = query;
    return (await this.client.files.list(page as never, requestOptions(options))).data.map(toFileInfo);
  }

  async deleteFile(fileId: string, options?: CallOptions): Promise<void> {
    await this.client.files.delete(fileId, requestOptions(options));
  }

  async fileContent(fileId: string, options?: CallOptions): Promise<Response> {
    return this.client.files.content(fileId, requestOptions(options));
  }

  async createVectorStore(store: NewVectorStore, options?: CallOptions): Promise<VectorStoreInfo> {
    const body = compact({
      name: store.name,
      file_ids: store.fileIds,
      chunking_strategy: toWireChunkingStrategy(store.chunkingStrategy),
      expires_after: store.expiresAfterDays === undefined ? undefined : { anchor: 'last_active_at', days: store.expiresAfterDays },
      metadata: store.metadata,
    });
    return toVectorStoreInfo(await this.client.vectorStores.create(body as never, requestOptions(options)));
  }

  async getVectorStore(vectorStoreId: string, options?: CallOptions): Promise<VectorStoreInfo> {
    return toVectorStoreInfo(await this.client.vectorStores.retrieve(vectorStoreId, requestOptions(options)));
  }

  async listVectorStores(query: ListQuery = {}, options?: CallOptions): Promise<VectorStoreInfo[]> {
    return (await this.client.vectorStores.list(query, requestOptions(options))).data.map(toVectorStoreInfo);
  }

  async updateVectorStore(vectorStoreId: string, update: { name?: string; expiresAfterDays?: number | null; metadata?: Record<string, string> }, options?: CallOptions): Promise<VectorStoreInfo> {
    const body = compact({
      name: update.name,
      metadata: update.metadata,
      expires_after: update.expiresAfterDays === undefined ? undefined : update.expiresAfterDays === null ? null : { anchor: 'last_active_at', days: update.expiresAfterDays },
    });
    return toVectorStoreInfo(await this.client.vectorStores.update(vectorStoreId, body as never, requestOptions(options)));
  }

  async deleteVectorStore(vectorStoreId: string, options?: CallOptions): Promise<void> {
    await this.client.vectorStores.delete(vectorStoreId, requestOptions(options));
  }

  async createVectorStoreFile(
    vectorStoreId: string,
    fileId: string,
    settings: { chunkingStrategy?: ChunkingStrategy; attributes?: Record<string, string | number | boolean> } = {},
    options?: CallOptions,
  ): Promise<VectorStoreFileInfo> {
    const body = compact({ file_id: fileId, chunking_strategy: toWireChunkingStrategy(settings.chunkingStrategy), attributes: settings.attributes });
    return toVectorStoreFileInfo(await this.client.vectorStores.files.create(vectorStoreId, body as never, requestOptions(options)));
  }

  async getVectorStoreFile(vectorStoreId: string, fileId: string, options?: CallOptions): Promise<VectorStoreFileInfo> {
    return toVectorStoreFileInfo(await this.client.vectorStores.files.retrieve(fileId, { vector_store_id: vectorStoreId }, requestOptions(options)));
  }

  async listVectorStoreFiles(vectorStoreId: string, query: ListQuery & { filter?: 'in_progress' | 'completed' | 'failed' | 'cancelled' } = {}, options?: CallOptions): Promise<VectorStoreFileInfo[]> {
    return (await this.client.vectorStores.files.list(vectorStoreId, query, requestOptions(options))).data.map(toVectorStoreFileInfo);
  }

  async deleteVectorStoreFile(vectorStoreId: string, fileId: string, options?: CallOptions): Promise<void> {
    await this.client.vectorStores.files.delete(fileId, { vector_store_id: vectorStoreId }, requestOptions(options));
  }

  async createFileBatch(vectorStoreId: string, fileIds: string[], settings: { chunkingStrategy?: ChunkingStrategy } = {}, options?: CallOptions): Promise<FileBatchInfo> {
    const body = compact({ file_ids: fileIds, chunking_strategy: toWireChunkingStrategy(settings.chunkingStrategy) });
    return toFileBatchInfo(await this.client.vectorStores.fileBatches.create(vectorStoreId, body as never, requestOptions(options)));
  }

  async getFileBatch(vectorStoreId: string, batchId: string, options?: CallOptions): Promise<FileBatchInfo> {
    return toFileBatchInfo(await this.client.vectorStores.fileBatches.retrieve(batchId, { vector_store_id: vectorStoreId }, requestOptions(options)));
  }

  async cancelFileBatch(vectorStoreId: string, batchId: string, options?: CallOptions): Promise<FileBatchInfo> {
    return toFileBatchInfo(await this.client.vectorStores.fileBatches.cancel(batchId, { vector_store_id: vectorStoreId }, requestOptions(options)));
  }

  async listFileBatchFiles(vectorStoreId: string, batchId: string, query: ListQuery & { filter?: 'in_progress' | 'completed' | 'failed' | 'cancelled' } = {}, options?: CallOptions): Promise<VectorStoreFileInfo[]> {
    const page = await this.client.vectorStores.fileBatches.listFiles(batchId, { vector_store_id: vectorStoreId, ...query }, requestOptions(options));
    return page.data.map(toVectorStoreFileInfo);
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
