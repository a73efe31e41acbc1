/**
 * The typed client of the ingestion workflows, and the provider's plain file and vector-store
 * operations, so a backend service needs no second SDK.
 *
 * ```ts
 * const ingestion = await IngestionClient.connect();          // TEMPORAL_ADDRESS etc.
 * const { workflowId } = await ingestion.startIngestion({ newVectorStore: { name: 'handbook' }, documents: [{ path: '/data/a.pdf' }] });
 * const progress = await ingestion.progress(workflowId);      // uploaded / processing / completed / failed
 * const result = await ingestion.result(workflowId);          // vector store id, file_counts, failures
 *
 * const provider = new ProviderOperations(createProvider());  // the worker's provider configuration
 * await provider.saveFileContent('file-abc', './downloads/a.pdf');
 * ```
 *
 * Uploading, creating vector stores and attaching files are workflows (they wait on the provider
 * and must survive a crash: the seed's `*_and_poll` helpers made durable). Reading, listing,
 * updating, deleting and cancelling are single requests: {@link ProviderOperations} makes them
 * directly.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Client, type Workflow, type WorkflowHandle, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { AgentProvider, CallOptions, ListQuery } from './providers/provider';
import {
  attachFileInputSchema,
  createFileBatchInputSchema,
  createVectorStoreInputSchema,
  ingestDocumentsInputSchema,
  uploadFileInputSchema,
  type AttachFileInput,
  type CreateFileBatchInput,
  type CreateVectorStoreInput,
  type IngestDocumentsInput,
  type UploadFileInput,
} from './shared/ingestion-input';
import {
  ATTACH_FILE_WORKFLOW_TYPE,
  CREATE_FILE_BATCH_WORKFLOW_TYPE,
  CREATE_VECTOR_STORE_WORKFLOW_TYPE,
  INGEST_DOCUMENTS_WORKFLOW_TYPE,
  UPLOAD_FILE_WORKFLOW_TYPE,
  ingestionProgressQuery,
} from './shared/ingestion-messages';
import type { FileBatchInfo, FileInfo, IngestionProgress, IngestionResult, VectorStoreFileInfo, VectorStoreInfo } from './shared/ingestion-types';
import { describeIssues } from './shared/run-input';
import { DEFAULT_TASK_QUEUE } from './shared/run-messages';
import { connectTemporalClient } from './temporal-connection';
import { checkSearchAttributeConfig, searchAttributeConfigFromEnvironment, settingFor, type SearchAttributeConfig } from './search-attribute-config';
import type { z } from 'zod/v4/mini';

// The workflows' signatures, as the client sees them (src/workflows/ingestion-workflows.ts
// implements them under the type names of src/shared/ingestion-messages.ts).
/** `ingestDocumentsWorkflow`. */
export type IngestDocumentsWorkflow = (input: IngestDocumentsInput) => Promise<IngestionResult>;
/** `uploadFileWorkflow`. */
export type UploadFileWorkflow = (input: UploadFileInput) => Promise<FileInfo>;
/** `createVectorStoreWorkflow`. */
export type CreateVectorStoreWorkflow = (input: CreateVectorStoreInput) => Promise<VectorStoreInfo>;
/** `attachFileWorkflow`. */
export type AttachFileWorkflow = (input: AttachFileInput) => Promise<VectorStoreFileInfo>;
/** What `createFileBatchWorkflow` returns: the batch, and its files that did not complete. */
export interface FileBatchOutcome {
  batch: FileBatchInfo;
  failedFiles: VectorStoreFileInfo[];
}
/** `createFileBatchWorkflow`. */
export type CreateFileBatchWorkflow = (input: CreateFileBatchInput) => Promise<FileBatchOutcome>;

/** Thrown for input the workflow would reject; names every wrong field. */
export class InvalidIngestionInputError extends Error {
  override name = 'InvalidIngestionInputError';
}

/** Options of the `start...` functions. */
export interface IngestionStartOptions {
  /** Default: readable and unique, e.g. `ingest-<vector store or name>-<UTC time>-<random>`. */
  workflowId?: string;
}

/** A started workflow: its id and handle. */
export interface StartedIngestionWorkflow<W extends Workflow> {
  workflowId: string;
  handle: WorkflowHandleWithFirstExecutionRunId<W>;
}

/** Starts and inspects the ingestion workflows. */
export class IngestionClient {
  readonly taskQueue: string;
  /** Which search attributes the workflows keep, and under which names (default: AGENTRUN_SEARCH_ATTRIBUTES, AGENTRUN_SEARCH_ATTRIBUTE_PREFIX). */
  readonly searchAttributes: SearchAttributeConfig;

  constructor(
    readonly client: Client,
    options: { taskQueue?: string; searchAttributes?: Partial<SearchAttributeConfig> } = {},
  ) {
    this.taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;
    this.searchAttributes = options.searchAttributes ? checkSearchAttributeConfig(options.searchAttributes) : searchAttributeConfigFromEnvironment();
  }

  /** Connects with Temporal's usual environment (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, envconfig profiles). */
  static async connect(options: { address?: string; namespace?: string; taskQueue?: string; searchAttributes?: Partial<SearchAttributeConfig> } = {}): Promise<IngestionClient> {
    return new IngestionClient(await connectTemporalClient(options), options);
  }

  /** Closes the connection this client opened. */
  async close(): Promise<void> {
    await this.client.connection.close();
  }

  /**
   * Validates the input (throws {@link InvalidIngestionInputError}) and starts
   * `ingestDocumentsWorkflow`: upload every document, attach them to the vector store in batches,
   * wait until the provider has processed them. Follow it with {@link progress}.
   */
  async startIngestion(input: IngestDocumentsInput, options: IngestionStartOptions = {}): Promise<StartedIngestionWorkflow<IngestDocumentsWorkflow>> {
    const parsed = validate(ingestDocumentsInputSchema(), input, 'ingestion');
    const target = parsed.vectorStoreId ?? parsed.newVectorStore?.name ?? 'vector-store';
    const where = parsed.vectorStoreId ? `into ${parsed.vectorStoreId}` : `into a new vector store "${parsed.newVectorStore?.name ?? ''}"`;
    return this.startWorkflow<IngestDocumentsWorkflow>(INGEST_DOCUMENTS_WORKFLOW_TYPE, input, {
      workflowId: options.workflowId ?? readableIngestionWorkflowId('ingest', target),
      summary: `ingest ${parsed.documents.length} document(s) ${where}`,
    });
  }

  /** Starts the ingestion and waits for its result. */
  async ingest(input: IngestDocumentsInput, options: IngestionStartOptions = {}): Promise<IngestionResult> {
    return (await this.startIngestion(input, options)).handle.result();
  }

  /** Validates and starts `uploadFileWorkflow` (upload a file and wait until the provider has it). */
  async startUploadFile(input: UploadFileInput, options: IngestionStartOptions = {}): Promise<StartedIngestionWorkflow<UploadFileWorkflow>> {
    const parsed = validate(uploadFileInputSchema(), input, 'upload');
    const source = parsed.source;
    const name = source.filename ?? ('path' in source ? path.basename(source.path) : 'url' in source ? lastUrlSegment(source.url) : 'file');
    return this.startWorkflow<UploadFileWorkflow>(UPLOAD_FILE_WORKFLOW_TYPE, input, {
      workflowId: options.workflowId ?? readableIngestionWorkflowId('upload-file', name),
      summary: `upload ${name} (purpose ${parsed.purpose})`,
    });
  }

  /** Uploads a file durably and returns it (`upload_file_and_poll`). */
  async uploadFile(input: UploadFileInput, options: IngestionStartOptions = {}): Promise<FileInfo> {
    return (await this.startUploadFile(input, options)).handle.result();
  }

  /** Validates and starts `createVectorStoreWorkflow` (create it, with files, and wait until they are processed). */
  async startCreateVectorStore(input: CreateVectorStoreInput, options: IngestionStartOptions = {}): Promise<StartedIngestionWorkflow<CreateVectorStoreWorkflow>> {
    const parsed = validate(createVectorStoreInputSchema(), input, 'vector store');
    const files = parsed.fileIds?.length ? ` with ${parsed.fileIds.length} file(s)` : '';
    return this.startWorkflow<CreateVectorStoreWorkflow>(CREATE_VECTOR_STORE_WORKFLOW_TYPE, input, {
      workflowId: options.workflowId ?? readableIngestionWorkflowId('create-vector-store', parsed.name || 'unnamed'),
      summary: `create vector store ${parsed.name ? `"${parsed.name}"` : '(unnamed)'}${files}`,
    });
  }

  /** Creates a vector store durably and returns it once its files are processed (`create_vector_store_and_poll`). */
  async createVectorStore(input: CreateVectorStoreInput, options: IngestionStartOptions = {}): Promise<VectorStoreInfo> {
    return (await this.startCreateVectorStore(input, options)).handle.result();
  }

  /** Validates and starts `attachFileWorkflow` (attach an uploaded file to a vector store and wait until it is processed). */
  async startAttachFile(input: AttachFileInput, options: IngestionStartOptions = {}): Promise<StartedIngestionWorkflow<AttachFileWorkflow>> {
    const parsed = validate(attachFileInputSchema(), input, 'attach');
    return this.startWorkflow<AttachFileWorkflow>(ATTACH_FILE_WORKFLOW_TYPE, input, {
      workflowId: options.workflowId ?? readableIngestionWorkflowId('attach-file', `${parsed.vectorStoreId}-${parsed.fileId}`),
      summary: `attach ${parsed.fileId} to ${parsed.vectorStoreId}`,
    });
  }

  /** Attaches a file durably and returns it processed (`create_vector_store_file_and_poll`); a failed file is returned with its `lastError`. */
  async attachFile(input: AttachFileInput, options: IngestionStartOptions = {}): Promise<VectorStoreFileInfo> {
    return (await this.startAttachFile(input, options)).handle.result();
  }

  /** Validates and starts `createFileBatchWorkflow` (attach up to 500 uploaded files in one batch and wait for it). */
  async startFileBatch(input: CreateFileBatchInput, options: IngestionStartOptions = {}): Promise<StartedIngestionWorkflow<CreateFileBatchWorkflow>> {
    const parsed = validate(createFileBatchInputSchema(), input, 'file batch');
    return this.startWorkflow<CreateFileBatchWorkflow>(CREATE_FILE_BATCH_WORKFLOW_TYPE, input, {
      workflowId: options.workflowId ?? readableIngestionWorkflowId('file-batch', parsed.vectorStoreId),
      summary: `attach ${parsed.fileIds.length} file(s) to ${parsed.vectorStoreId} in one batch`,
    });
  }

  /** Runs a file batch durably (`create_vector_store_file_batch_and_poll`): the batch, and its files that did not complete. */
  async createFileBatch(input: CreateFileBatchInput, options: IngestionStartOptions = {}): Promise<FileBatchOutcome> {
    return (await this.startFileBatch(input, options)).handle.result();
  }

  /**
   * Live progress of an ingestion (the `getIngestionProgress` query: it adds nothing to the
   * workflow's history, so polling it twice a second is fine). Fails before the workflow's first
   * task has run, and, for a closed workflow, without a worker to replay it.
   */
  async progress(workflowId: string): Promise<IngestionProgress> {
    return this.client.workflow.getHandle<IngestDocumentsWorkflow>(workflowId).query(ingestionProgressQuery);
  }

  /** Requests cancellation of any ingestion workflow; it cancels what it has in flight at the provider and closes as cancelled. */
  async cancel(workflowId: string): Promise<void> {
    await this.client.workflow.getHandle(workflowId).cancel();
  }

  /** The workflow's result (waits until it ends): an {@link IngestionResult} for an ingestion; pass the type for the others. */
  async result<Result = IngestionResult>(workflowId: string): Promise<Result> {
    return (await this.client.workflow.getHandle(workflowId).result()) as Result;
  }

  /** The workflow handle, for anything this client does not wrap. */
  handle<W extends Workflow = IngestDocumentsWorkflow>(workflowId: string): WorkflowHandle<W> {
    return this.client.workflow.getHandle<W>(workflowId);
  }

  private async startWorkflow<W extends Workflow>(
    workflowType: string,
    input: unknown,
    options: { workflowId: string; summary: string },
  ): Promise<StartedIngestionWorkflow<W>> {
    // The input goes as given: the workflow applies the schema's defaults itself, so history
    // shows what the caller asked for. The search attribute setting is the deployment's, unless the input names one.
    const setting = settingFor(this.searchAttributes, 'ingestion');
    const sent = setting !== undefined && (input as { searchAttributes?: unknown }).searchAttributes === undefined ? { ...(input as object), searchAttributes: setting } : input;
    try {
      const handle = await this.client.workflow.start(workflowType, {
        taskQueue: this.taskQueue,
        workflowId: options.workflowId,
        args: [sent],
        staticSummary: options.summary,
      });
      return { workflowId: options.workflowId, handle: handle as unknown as WorkflowHandleWithFirstExecutionRunId<W> };
    } catch (error) {
      // The whole input is one payload, and the server refuses payloads over its blob size limit
      // (2 MB by default, `limit.blobSize.error`): say so instead of "Failed to start Workflow".
      const cause = (error as { cause?: { message?: string } }).cause?.message ?? '';
      if (!/blob data size exceeds limit/i.test(cause)) throw error;
      const bytes = Buffer.byteLength(JSON.stringify(input));
      throw new InvalidIngestionInputError(
        `The input is ${(bytes / 1024 / 1024).toFixed(1)} MB as JSON, over the Temporal server's limit for one payload (2 MB by default), so the server refused it (${cause}). ` +
          'Split the documents into several ingestions (each document costs its path length plus about 12 bytes).',
      );
    }
  }
}

function validate<Schema extends z.ZodMiniType>(schema: Schema, input: unknown, what: string): z.output<Schema> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new InvalidIngestionInputError(`Invalid ${what} input: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

function lastUrlSegment(url: string): string {
  try {
    return path.posix.basename(new URL(url).pathname) || 'download';
  } catch {
    return 'download';
  }
}

/**
 * `<prefix>-<label>-<yyyymmdd-hhmmss>-<4 hex>`, e.g. `ingest-vs_abc123-20261123-014039-0852`:
 * sortable and readable; the label keeps letters, digits, `_` and `-` (other characters become `-`).
 */
export function readableIngestionWorkflowId(prefix: string, label: string, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const cleaned =
    label
      .replace(/[^a-zA-Z0-9_-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'unnamed';
  return `${prefix}-${cleaned}-${stamp}-${randomBytes(5).toString('hex')}`;
}

/** A list filter by processing status. */
export type FileStatusFilter = 'in_progress' | 'completed' | 'failed' | 'cancelled';

/** Where {@link ProviderOperations.saveFileContent} wrote a file. */
export interface SavedFile {
  /** The absolute path written. */
  path: string;
  bytes: number;
}

/**
 * The provider's single-request file and vector-store operations (read, list, update, delete,
 * download, cancel), over the same {@link AgentProvider} the worker uses, so callers need no
 * second SDK. Provider errors are thrown as the provider's SDK raised them.
 *
 * ```ts
 * const operations = new ProviderOperations(createProvider()); // AGENTRUN_PROVIDER and its variables
 * ```
 */
export class ProviderOperations {
  constructor(readonly provider: AgentProvider) {}

  // -- files --

  /** One uploaded file. */
  async getFile(fileId: string, options?: CallOptions): Promise<FileInfo> {
    return this.provider.getFile(fileId, options);
  }

  /** A page of uploaded files (page on with `after`: the last id). */
  async listFiles(query?: ListQuery & { purpose?: string }, options?: CallOptions): Promise<FileInfo[]> {
    return this.provider.listFiles(query, options);
  }

  /** Deletes an uploaded file (it disappears from every vector store it was in). */
  async deleteFile(fileId: string, options?: CallOptions): Promise<void> {
    await this.provider.deleteFile(fileId, options);
  }

  /** The file's bytes as a web `Response` (read `body` as a stream, or `arrayBuffer()`). */
  async fileContent(fileId: string, options?: CallOptions): Promise<Response> {
    return this.provider.fileContent(fileId, options);
  }

  /**
   * Streams a file's bytes to `destination` (parent folders are created). The bytes go to a
   * temporary file next to it that is renamed at the end, so `destination` never holds half a file.
   */
  async saveFileContent(fileId: string, destination: string, options?: CallOptions): Promise<SavedFile> {
    const target = path.resolve(destination);
    const response = await this.provider.fileContent(fileId, options);
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    const partial = `${target}.partial-${randomBytes(4).toString('hex')}`;
    try {
      const body = response.body ? Readable.fromWeb(response.body as WebReadableStream<Uint8Array>) : Readable.from([]);
      await pipeline(body, fs.createWriteStream(partial), options?.signal ? { signal: options.signal } : {});
      await fs.promises.rename(partial, target);
    } catch (error) {
      await fs.promises.rm(partial, { force: true });
      throw error;
    }
    return { path: target, bytes: (await fs.promises.stat(target)).size };
  }

  // -- vector stores --

  /** One vector store, with its `fileCounts`. */
  async getVectorStore(vectorStoreId: string, options?: CallOptions): Promise<VectorStoreInfo> {
    return this.provider.getVectorStore(vectorStoreId, options);
  }

  /** A page of vector stores. */
  async listVectorStores(query?: ListQuery, options?: CallOptions): Promise<VectorStoreInfo[]> {
    return this.provider.listVectorStores(query, options);
  }

  /** Renames a vector store, changes its expiry (`null`: never) or replaces its metadata. */
  async updateVectorStore(vectorStoreId: string, update: { name?: string; expiresAfterDays?: number | null; metadata?: Record<string, string> }, options?: CallOptions): Promise<VectorStoreInfo> {
    return this.provider.updateVectorStore(vectorStoreId, update, options);
  }

  /** Deletes a vector store (its files stay uploaded). */
  async deleteVectorStore(vectorStoreId: string, options?: CallOptions): Promise<void> {
    await this.provider.deleteVectorStore(vectorStoreId, options);
  }

  /** A page of a vector store's files, optionally only those with one status. */
  async listVectorStoreFiles(vectorStoreId: string, query?: ListQuery & { filter?: FileStatusFilter }, options?: CallOptions): Promise<VectorStoreFileInfo[]> {
    return this.provider.listVectorStoreFiles(vectorStoreId, query, options);
  }

  /** One file of a vector store, with its status and `lastError`. */
  async getVectorStoreFile(vectorStoreId: string, fileId: string, options?: CallOptions): Promise<VectorStoreFileInfo> {
    return this.provider.getVectorStoreFile(vectorStoreId, fileId, options);
  }

  /** Removes a file from a vector store (the file itself stays uploaded). */
  async deleteVectorStoreFile(vectorStoreId: string, fileId: string, options?: CallOptions): Promise<void> {
    await this.provider.deleteVectorStoreFile(vectorStoreId, fileId, options);
  }

  // -- file batches --

  /** One file batch, with its `fileCounts`. */
  async getFileBatch(vectorStoreId: string, batchId: string, options?: CallOptions): Promise<FileBatchInfo> {
    return this.provider.getFileBatch(vectorStoreId, batchId, options);
  }

  /** A page of a batch's files, optionally only those with one status. */
  async listFileBatchFiles(vectorStoreId: string, batchId: string, query?: ListQuery & { filter?: FileStatusFilter }, options?: CallOptions): Promise<VectorStoreFileInfo[]> {
    return this.provider.listFileBatchFiles(vectorStoreId, batchId, query, options);
  }

  /** Cancels a batch: its files still processing end `cancelled`. */
  async cancelFileBatch(vectorStoreId: string, batchId: string, options?: CallOptions): Promise<FileBatchInfo> {
    return this.provider.cancelFileBatch(vectorStoreId, batchId, options);
  }
}
