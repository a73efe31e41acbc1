/**
 * Protocol clients: the threads/runs protocol ({@link ThreadsRunsApi}) and the Files and Vector
 * Stores APIs ({@link FileStore}) that feed `file_search` under both protocols. Run activities
 * reach them through the neutral seam (agent-service.ts); ingestion activities use the file store
 * directly. Nothing above them sees a provider's wire shapes (src/shared/agent-types.ts).
 *
 * Every method throws the provider's own errors; activities turn them into Temporal failures with
 * {@link toApplicationFailure} in one place.
 */
import type {
  NewMessage,
  NewThread,
  RunOptions,
  RunSnapshot,
  RunStep,
  RunStreamEvent,
  ThreadMessage,
  ToolOutput,
  ToolResources,
} from '../shared/agent-types';
import type { ChunkingStrategy, FileBatchInfo, FileInfo, NewVectorStore, VectorStoreFileInfo, VectorStoreInfo } from '../shared/ingestion-types';

/** Per-call options. */
export interface CallOptions {
  /** Aborts the HTTP request (wired to the activity's cancellation signal). */
  signal?: AbortSignal;
  /** Request timeout; default from the provider configuration. */
  timeoutMs?: number;
}

/** A run read back, with the provider's polling hint when it sent one. */
export interface RunRetrieval {
  run: RunSnapshot;
  /** The `openai-poll-after-ms` response header. */
  pollAfterMs?: number;
}

/** A page of a list, newest first unless asked otherwise. */
export interface ListQuery {
  limit?: number;
  order?: 'asc' | 'desc';
  after?: string;
  before?: string;
}

/** File content to upload: a stream or bytes, with its name. Read on the worker, never in workflow history. */
export interface UploadSource {
  filename: string;
  /** A Node readable stream, a web `Response`/`Blob`, or bytes. */
  content: NodeJS.ReadableStream | Blob | Response | Uint8Array;
}

/** Which provider (and so which protocol and dialect) an adapter speaks. */
export type ProviderKind =
  // threads/runs
  | 'emulator'
  | 'openai'
  | 'azure-openai'
  | 'azure-foundry'
  // Responses
  | 'emulator-responses'
  | 'openai-responses'
  | 'azure-foundry-agents';

/** The threads/runs protocol (Assistants API, Azure OpenAI Assistants, Foundry classic agents). */
export interface ThreadsRunsApi {
  readonly kind: ProviderKind;
  /** Where it points, without credentials (for logs and the Web UI). */
  readonly endpoint: string;

  createThread(thread: NewThread, options?: CallOptions): Promise<{ id: string }>;
  getThread(threadId: string, options?: CallOptions): Promise<{ id: string; metadata: Record<string, string>; toolResources: ToolResources }>;
  updateThread(threadId: string, update: { metadata?: Record<string, string>; toolResources?: ToolResources }, options?: CallOptions): Promise<void>;
  deleteThread(threadId: string, options?: CallOptions): Promise<void>;

  createMessage(threadId: string, message: NewMessage, options?: CallOptions): Promise<ThreadMessage>;
  listMessages(threadId: string, query?: ListQuery & { runId?: string }, options?: CallOptions): Promise<ThreadMessage[]>;

  createRun(threadId: string, run: RunOptions, options?: CallOptions): Promise<RunSnapshot>;
  createThreadAndRun(thread: NewThread, run: RunOptions, options?: CallOptions): Promise<RunSnapshot>;
  getRun(threadId: string, runId: string, options?: CallOptions): Promise<RunRetrieval>;
  listRuns(threadId: string, query?: ListQuery, options?: CallOptions): Promise<RunSnapshot[]>;
  updateRunMetadata(threadId: string, runId: string, metadata: Record<string, string>, options?: CallOptions): Promise<RunSnapshot>;
  cancelRun(threadId: string, runId: string, options?: CallOptions): Promise<RunSnapshot>;
  /** All outputs of one `requires_action` step go in this one request (FACTS). */
  submitToolOutputs(threadId: string, runId: string, outputs: ToolOutput[], options?: CallOptions): Promise<RunSnapshot>;
  listRunSteps(threadId: string, runId: string, query?: ListQuery, options?: CallOptions): Promise<RunStep[]>;

  /** `stream: true` variants: events until the run needs action or ends. */
  createRunStream(threadId: string, run: RunOptions, options?: CallOptions): AsyncIterable<RunStreamEvent>;
  createThreadAndRunStream(thread: NewThread, run: RunOptions, options?: CallOptions): AsyncIterable<RunStreamEvent>;
  submitToolOutputsStream(threadId: string, runId: string, outputs: ToolOutput[], options?: CallOptions): AsyncIterable<RunStreamEvent>;
}

/** Files and vector stores: what ingestion needs, the same under both protocols. */
export interface FileStore {
  readonly kind: ProviderKind;
  /** Where it points, without credentials (for logs and the Web UI). */
  readonly endpoint: string;

  // -- files --
  uploadFile(source: UploadSource, purpose: string, options?: CallOptions): Promise<FileInfo>;
  getFile(fileId: string, options?: CallOptions): Promise<FileInfo>;
  listFiles(query?: ListQuery & { purpose?: string }, options?: CallOptions): Promise<FileInfo[]>;
  deleteFile(fileId: string, options?: CallOptions): Promise<void>;
  /** The file's bytes as a web stream (save it with the client's `saveFileContent`). */
  fileContent(fileId: string, options?: CallOptions): Promise<Response>;

  // -- vector stores --
  createVectorStore(store: NewVectorStore, options?: CallOptions): Promise<VectorStoreInfo>;
  getVectorStore(vectorStoreId: string, options?: CallOptions): Promise<VectorStoreInfo>;
  listVectorStores(query?: ListQuery, options?: CallOptions): Promise<VectorStoreInfo[]>;
  updateVectorStore(vectorStoreId: string, update: { name?: string; expiresAfterDays?: number | null; metadata?: Record<string, string> }, options?: CallOptions): Promise<VectorStoreInfo>;
  deleteVectorStore(vectorStoreId: string, options?: CallOptions): Promise<void>;

  createVectorStoreFile(vectorStoreId: string, fileId: string, settings?: { chunkingStrategy?: ChunkingStrategy; attributes?: Record<string, string | number | boolean> }, options?: CallOptions): Promise<VectorStoreFileInfo>;
  getVectorStoreFile(vectorStoreId: string, fileId: string, options?: CallOptions): Promise<VectorStoreFileInfo>;
  listVectorStoreFiles(vectorStoreId: string, query?: ListQuery & { filter?: 'in_progress' | 'completed' | 'failed' | 'cancelled' }, options?: CallOptions): Promise<VectorStoreFileInfo[]>;
  deleteVectorStoreFile(vectorStoreId: string, fileId: string, options?: CallOptions): Promise<void>;

  createFileBatch(vectorStoreId: string, fileIds: string[], settings?: { chunkingStrategy?: ChunkingStrategy }, options?: CallOptions): Promise<FileBatchInfo>;
  getFileBatch(vectorStoreId: string, batchId: string, options?: CallOptions): Promise<FileBatchInfo>;
  cancelFileBatch(vectorStoreId: string, batchId: string, options?: CallOptions): Promise<FileBatchInfo>;
  listFileBatchFiles(vectorStoreId: string, batchId: string, query?: ListQuery & { filter?: 'in_progress' | 'completed' | 'failed' | 'cancelled' }, options?: CallOptions): Promise<VectorStoreFileInfo[]>;
}

/** A threads/runs provider with its file store: what the `openai` adapter gives for one configuration. */
export interface AgentProvider extends ThreadsRunsApi, FileStore {
  readonly kind: ProviderKind;
  readonly endpoint: string;
}
