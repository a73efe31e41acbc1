/**
 * Activities of the ingestion workflows: read documents on the worker and stream them to the
 * provider, create vector stores, files and batches, and wait on them. File content never passes
 * through workflow history. Each wait lives in one heartbeating activity (O(1) history per wait)
 * that sleeps between polls whatever the status (no hot loops, `cancelled` included).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { FileStore, UploadSource } from '../providers/provider';
import { toApplicationFailure } from '../providers/to-application-failure';
import type { DocumentSource } from '../shared/ingestion-input';
import { describeSource } from '../shared/ingestion-types';
import {
  TERMINAL_BATCH_STATUSES,
  TERMINAL_FILE_STATUSES,
  type ChunkingStrategy,
  type DocumentOutcome,
  type FileBatchInfo,
  type FileInfo,
  type NewVectorStore,
  type VectorStoreFileInfo,
  type VectorStoreInfo,
} from '../shared/ingestion-types';
import { callOptions, pause, previousProgress, providerActivity, reportProgress } from './provider-activity';

/** A document with its position in the ingestion's input. */
export interface IndexedDocument {
  index: number;
  source: DocumentSource;
}

/** A per-file problem with the document itself (missing, unreadable, too large): not retried. */
class DocumentProblem extends Error {}

/** Metadata key tagging a vector store with the workflow that created it (reconciliation). */
export const VECTOR_STORE_TAG_KEY = 'agentrun_workflow_id';

/** Failure type of a standalone upload whose document cannot be read. */
export const DOCUMENT_UNREADABLE = 'DocumentUnreadable';

/** Opens a document for streaming; throws {@link DocumentProblem} with a clear reason. */
async function openDocument(source: DocumentSource, maxFileBytes: number, signal: AbortSignal): Promise<UploadSource> {
  if ('content' in source) return { filename: source.filename, content: Buffer.from(source.content, 'utf8') };
  if ('url' in source) {
    let response: Response;
    try {
      response = await fetch(source.url, { signal });
    } catch (error) {
      throw new DocumentProblem(`cannot fetch ${source.url}: ${(error as Error).message}`);
    }
    if (!response.ok) throw new DocumentProblem(`GET ${source.url} answered ${response.status} ${response.statusText}`);
    const length = Number(response.headers.get('content-length'));
    if (Number.isFinite(length) && length > maxFileBytes) throw new DocumentProblem(`${source.url} is ${length} bytes, over the ${maxFileBytes}-byte limit`);
    const filename = source.filename ?? (decodeURIComponent(new URL(source.url).pathname.split('/').pop() ?? '') || 'download');
    return { filename, content: response };
  }
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(source.path);
  } catch {
    throw new DocumentProblem(`file not found: ${source.path} (paths are read on the worker; give an absolute path)`);
  }
  if (!stat.isFile()) throw new DocumentProblem(`not a regular file: ${source.path}`);
  if (stat.size > maxFileBytes) throw new DocumentProblem(`${source.path} is ${stat.size} bytes, over the ${maxFileBytes}-byte limit`);
  try {
    await fs.promises.access(source.path, fs.constants.R_OK);
  } catch {
    throw new DocumentProblem(`cannot read ${source.path}: permission denied`);
  }
  return { filename: source.filename ?? path.basename(source.path), content: fs.createReadStream(source.path) };
}

/** Builds the ingestion activities over a provider. */
export function createIngestionActivities({ files: provider, secrets }: { files: FileStore; secrets: readonly string[] }) {
  const run = <T>(work: () => Promise<T>) => providerActivity(secrets, work);

  /** Lists every file of a batch with a status, page by page. */
  async function batchFiles(vectorStoreId: string, batchId: string, filter: 'failed' | 'cancelled'): Promise<VectorStoreFileInfo[]> {
    const all: VectorStoreFileInfo[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await provider.listFileBatchFiles(vectorStoreId, batchId, { filter, limit: 100, after, order: 'asc' }, callOptions());
      all.push(...page);
      if (page.length < 100) return all;
      after = page[page.length - 1]!.id;
    }
  }

  /** Cancels a batch at the provider and waits until it has stopped. Uses its own signal: it runs as cleanup after a cancellation too. */
  async function cancelBatch(vectorStoreId: string, batchId: string, pollIntervalMs: number): Promise<FileBatchInfo> {
    let batch = await provider.cancelFileBatch(vectorStoreId, batchId).catch(() => provider.getFileBatch(vectorStoreId, batchId));
    const deadline = Date.now() + 60_000;
    while (!TERMINAL_BATCH_STATUSES.includes(batch.status) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(pollIntervalMs, 1_000)));
      batch = await provider.getFileBatch(vectorStoreId, batchId);
    }
    return batch;
  }

  return {
    /**
     * Uploads documents with bounded concurrency. A missing, unreadable or oversize document, or
     * one the provider refuses, is a per-file failure; the rest go on. Transient provider errors
     * fail the activity, and the retry skips what the previous attempt reported done.
     */
    async uploadDocuments(params: { documents: IndexedDocument[]; purpose: string; concurrency: number; maxFileBytes: number }): Promise<{ uploaded: Array<{ index: number; fileId: string }>; failures: DocumentOutcome[] }> {
      return run(async () => {
        const done: Record<number, { fileId: string } | { error: string; stage: 'read' | 'upload' }> = { ...previousProgress<{ done: typeof done }>()?.done };
        const queue = params.documents.filter((document) => !(document.index in done));
        const worker = async () => {
          for (let next = queue.shift(); next; next = queue.shift()) {
            const document = next;
            try {
              const source = await openDocument(document.source, params.maxFileBytes, Context.current().cancellationSignal);
              const file = await provider.uploadFile(source, params.purpose, callOptions());
              done[document.index] = { fileId: file.id };
            } catch (error) {
              if (error instanceof DocumentProblem) done[document.index] = { error: error.message, stage: 'read' };
              else {
                const failure = toApplicationFailure(error, secrets);
                if (!failure.nonRetryable || Context.current().cancellationSignal.aborted) throw error;
                done[document.index] = { error: failure.message, stage: 'upload' };
              }
            }
            // The map is resent whole: every 20 files is enough for a retry to skip most work.
            if (Object.keys(done).length % 20 === 0 || queue.length === 0) reportProgress({ done });
          }
        };
        await Promise.all(Array.from({ length: Math.min(params.concurrency, Math.max(1, queue.length)) }, worker));
        const uploaded: Array<{ index: number; fileId: string }> = [];
        const failures: DocumentOutcome[] = [];
        for (const document of params.documents) {
          const outcome = done[document.index]!;
          if ('fileId' in outcome) uploaded.push({ index: document.index, fileId: outcome.fileId });
          else failures.push({ index: document.index, source: describeSource(document.source), status: 'failed', fileId: null, stage: outcome.stage, error: outcome.error });
        }
        return { uploaded, failures };
      });
    },

    /** upload_file_and_poll: uploads one document and waits until the provider has processed it. */
    async uploadFileAndWait(params: { source: DocumentSource; purpose: string; maxFileBytes: number; pollIntervalMs: number; deadlineMs: number }): Promise<FileInfo> {
      return run(async () => {
        let file = previousProgress<{ file?: FileInfo }>()?.file;
        if (!file) {
          let source: UploadSource;
          try {
            source = await openDocument(params.source, params.maxFileBytes, Context.current().cancellationSignal);
          } catch (error) {
            if (!(error instanceof DocumentProblem)) throw error;
            throw ApplicationFailure.create({ type: DOCUMENT_UNREADABLE, nonRetryable: true, message: error.message });
          }
          file = await provider.uploadFile(source, params.purpose, callOptions());
          reportProgress({ file });
        }
        const deadline = file.createdAt * 1000 + params.deadlineMs;
        while (file.status === 'uploaded' && Date.now() < deadline) {
          await pause(params.pollIntervalMs);
          file = await provider.getFile(file.id, callOptions());
          reportProgress({ file });
        }
        return file;
      });
    },

    /**
     * create_vector_store_and_poll: creates once, across retries and lost responses (the store is
     * tagged with the workflow id in its metadata and found again), then waits while files process.
     */
    async createVectorStoreAndWait(params: { store: NewVectorStore; workflowId: string; pollIntervalMs: number; deadlineMs: number }): Promise<VectorStoreInfo> {
      return run(async () => {
        const metadata = { ...params.store.metadata };
        const tagged = Object.keys(metadata).length < 16;
        if (tagged) metadata[VECTOR_STORE_TAG_KEY] = params.workflowId;
        let earlier = previousProgress<{ vectorStoreId?: string }>()?.vectorStoreId;
        if (!earlier && tagged && Context.current().info.attempt > 1) {
          const recent = await provider.listVectorStores({ limit: 100, order: 'desc' }, callOptions());
          earlier = recent.find((candidate) => candidate.metadata[VECTOR_STORE_TAG_KEY] === params.workflowId)?.id;
        }
        let store = earlier ? await provider.getVectorStore(earlier, callOptions()) : await provider.createVectorStore({ ...params.store, metadata }, callOptions());
        reportProgress({ vectorStoreId: store.id, status: store.status, fileCounts: store.fileCounts });
        const deadline = Date.now() + params.deadlineMs;
        while (store.status === 'in_progress' && Date.now() < deadline) {
          await pause(params.pollIntervalMs);
          store = await provider.getVectorStore(store.id, callOptions());
          reportProgress({ vectorStoreId: store.id, status: store.status, fileCounts: store.fileCounts });
        }
        return store;
      });
    },

    /** The vector store as it is now. */
    async getVectorStore(params: { vectorStoreId: string }): Promise<VectorStoreInfo> {
      return run(() => provider.getVectorStore(params.vectorStoreId, callOptions()));
    },

    /**
     * create_vector_store_file_and_poll: attaches a file and waits until it is processed. Past the
     * deadline, or when the workflow is cancelled, the unfinished file is removed from the store.
     */
    async attachFileAndWait(params: {
      vectorStoreId: string;
      fileId: string;
      chunkingStrategy?: ChunkingStrategy;
      attributes?: Record<string, string | number | boolean>;
      pollIntervalMs: number;
      deadlineMs: number;
    }): Promise<VectorStoreFileInfo> {
      return run(async () => {
        const { vectorStoreId, fileId } = params;
        let file: VectorStoreFileInfo | undefined;
        if (previousProgress()) file = await provider.getVectorStoreFile(vectorStoreId, fileId, callOptions()).catch(() => undefined);
        // Not aborted by a cancellation, for the same reason as a batch's create (below).
        file ??= await provider.createVectorStoreFile(vectorStoreId, fileId, { chunkingStrategy: params.chunkingStrategy, attributes: params.attributes });
        reportProgress({ vectorStoreId, fileId, status: file.status });
        const deadline = file.createdAt * 1000 + params.deadlineMs;
        try {
          while (!TERMINAL_FILE_STATUSES.includes(file.status)) {
            if (Date.now() >= deadline) {
              await provider.deleteVectorStoreFile(vectorStoreId, fileId);
              return { ...file, status: 'failed', lastError: { code: 'timed_out', message: `did not finish processing within ${params.deadlineMs} ms; removed from the vector store` } };
            }
            await pause(params.pollIntervalMs);
            file = await provider.getVectorStoreFile(vectorStoreId, fileId, callOptions());
            reportProgress({ vectorStoreId, fileId, status: file.status });
          }
          return file;
        } catch (error) {
          if (Context.current().cancellationSignal.aborted) await provider.deleteVectorStoreFile(vectorStoreId, fileId).catch(() => undefined);
          throw error;
        }
      });
    },

    /**
     * create_vector_store_file_batch_and_poll: creates the batch (once, across retries), waits until
     * it ends, and lists its failed and cancelled files (a batch is `completed` even when some files
     * failed). Files still processing at the cut-off (file deadline or batch deadline from the
     * batch's start) are given up on: the batch is cancelled and they are reported `timed_out`.
     * When the workflow is cancelled, the batch is cancelled at the provider before the activity ends.
     */
    async createBatchAndWait(params: {
      vectorStoreId: string;
      fileIds: string[];
      chunkingStrategy?: ChunkingStrategy;
      pollIntervalMs: number;
      fileDeadlineMs: number;
      batchDeadlineMs: number;
    }): Promise<{ batch: FileBatchInfo; failedFiles: VectorStoreFileInfo[]; timedOut: boolean }> {
      return run(async () => {
        const { vectorStoreId } = params;
        const earlier = previousProgress<{ batchId?: string }>()?.batchId;
        // The create is not aborted by a cancellation: a half-sent create could leave a batch at the
        // provider that this activity never learns of, so never cancels.
        let batch = earlier
          ? await provider.getFileBatch(vectorStoreId, earlier, callOptions())
          : await provider.createFileBatch(vectorStoreId, params.fileIds, { chunkingStrategy: params.chunkingStrategy });
        reportProgress({ batchId: batch.id, status: batch.status, fileCounts: batch.fileCounts });
        const cutOff = batch.createdAt * 1000 + Math.min(params.fileDeadlineMs, params.batchDeadlineMs);
        let timedOut = false;
        try {
          if (Context.current().cancellationSignal.aborted) throw Context.current().cancellationSignal.reason;
          while (!TERMINAL_BATCH_STATUSES.includes(batch.status)) {
            if (Date.now() >= cutOff) {
              timedOut = true;
              batch = await cancelBatch(vectorStoreId, batch.id, params.pollIntervalMs);
              break;
            }
            await pause(Math.min(params.pollIntervalMs, Math.max(1, cutOff - Date.now())));
            batch = await provider.getFileBatch(vectorStoreId, batch.id, callOptions());
            reportProgress({ batchId: batch.id, status: batch.status, fileCounts: batch.fileCounts });
          }
        } catch (error) {
          if (Context.current().cancellationSignal.aborted) await cancelBatch(vectorStoreId, batch.id, params.pollIntervalMs).catch(() => undefined);
          throw error;
        }
        const failed = await batchFiles(vectorStoreId, batch.id, 'failed');
        const cancelled = (await batchFiles(vectorStoreId, batch.id, 'cancelled')).map((file) =>
          timedOut ? { ...file, lastError: { code: 'timed_out', message: `did not finish processing within ${Math.min(params.fileDeadlineMs, params.batchDeadlineMs)} ms of the batch's start` } } : file,
        );
        return { batch, failedFiles: [...failed, ...cancelled], timedOut };
      });
    },
  };
}
