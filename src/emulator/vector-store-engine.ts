import { filesNotFound, invalidRequest } from './errors';
import type { FileOutcomeScript } from './file-outcomes';
import { newId, unixSeconds } from './ids';
import { ProcessingQueue } from './processing-queue';
import type {
  ChunkingStrategyInput,
  CreateVectorStoreBody,
  CreateVectorStoreFileBatchBody,
  UpdateVectorStoreBody,
} from './request-schemas';
import type { EmulatorStore, FileBatchRecord, StoredFile, VectorStoreFileRecord, VectorStoreRecord } from './store';
import type { TimerRegistry } from './timers';
import type {
  FileCounts,
  StaticChunkingStrategyObject,
  VectorStoreExpirationAfter,
  VectorStoreFileAttributes,
  VectorStoreFileStatus,
} from './wire-types';

/** Timing of vector store ingestion. */
export interface VectorStoreEngineOptions {
  /** Default time a file spends `in_progress` before its outcome. */
  fileProcessingMs: number;
  /** Length of one `expires_after.days` day, in seconds (86400; tests shorten it). */
  vectorStoreDaySeconds: number;
  /** Time a cancelled batch keeps its files `in_progress` before they turn `cancelled`. */
  cancelDelayMs: number;
}

/** What one attachment asks for: the file, its chunking strategy and its attributes. */
export interface AttachRequest {
  file: StoredFile;
  chunkingStrategy: ChunkingStrategyInput | undefined;
  attributes: VectorStoreFileAttributes | null | undefined;
}

/** A queued completion: valid only while the record still has this generation. */
interface PendingCompletion {
  record: VectorStoreFileRecord;
  generation: number;
}

/** The chunking the service applies for `auto` (and reports as `static`). */
const AUTO_CHUNKING: StaticChunkingStrategyObject = {
  type: 'static',
  static: { max_chunk_size_tokens: 800, chunk_overlap_tokens: 400 },
};

/**
 * Vector stores, their files and file batches: the ingestion status machine.
 *
 * An attached file goes `in_progress` -> (after its scripted duration) `completed` | `failed`, or
 * stays `in_progress` ("stuck") until its batch is cancelled. One `ProcessingQueue` (one timer)
 * drives every file of every vector store, and `file_counts` / `usage_bytes` are counters moved in
 * O(1) per transition, so ten thousand files cost ten thousand heap entries, not ten thousand timers
 * or a scan per poll. A vector store is `in_progress` while any of its files is, `expired` once its
 * `expires_at` passes (checked on every read), else `completed`.
 */
export class VectorStoreEngine {
  private readonly queue: ProcessingQueue<PendingCompletion>;
  /** Timers of batches in their cancel delay, so `clear()` can stop them. */
  private readonly cancelTimers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly store: EmulatorStore,
    private readonly timers: TimerRegistry,
    private readonly outcomes: FileOutcomeScript,
    private readonly options: VectorStoreEngineOptions,
  ) {
    this.queue = new ProcessingQueue(timers, (pending) => this.complete(pending));
  }

  /** Applies every completion already due (timers may fire a few ms late; reads must not show that). */
  catchUp(): void {
    this.queue.runDue();
  }

  /** Brings a vector store's `status` and expiry up to date before it is shown. */
  refresh(record: VectorStoreRecord): void {
    this.catchUp();
    const vectorStore = record.vectorStore;
    const policy = vectorStore.expires_after;
    if (!record.expired && policy !== undefined && Date.now() >= this.expiresAtMs(record, policy)) {
      record.expired = true;
    }
    if (record.expired) vectorStore.status = 'expired';
    else vectorStore.status = vectorStore.file_counts.in_progress > 0 ? 'in_progress' : 'completed';
  }

  /**
   * Creates a vector store, attaching `file_ids` (all must exist, or nothing is created: the
   * service's 404 names the missing ones).
   */
  createVectorStore(body: CreateVectorStoreBody): VectorStoreRecord {
    const files = this.resolveFiles(unique(body.file_ids ?? []));
    const nowMs = Date.now();
    const record: VectorStoreRecord = {
      vectorStore: {
        id: newId('vs'),
        object: 'vector_store',
        created_at: unixSeconds(nowMs),
        name: body.name ?? '',
        usage_bytes: 0,
        file_counts: emptyCounts(),
        status: 'completed',
        expires_at: null,
        last_active_at: unixSeconds(nowMs),
        metadata: body.metadata ?? {},
      },
      files: new Map(),
      batches: new Map(),
      lastActiveMs: nowMs,
      expired: false,
    };
    if (body.expires_after !== undefined) record.vectorStore.expires_after = { ...body.expires_after };
    this.touch(record, nowMs);
    this.store.vectorStores.set(record.vectorStore.id, record);
    for (const file of files) {
      this.attach(record, { file, chunkingStrategy: body.chunking_strategy, attributes: undefined }, undefined);
    }
    this.refresh(record);
    return record;
  }

  /** Applies a modify request: `name`, `expires_after` (null removes it), `metadata`. Counts as activity. */
  modifyVectorStore(record: VectorStoreRecord, body: UpdateVectorStoreBody): void {
    this.refresh(record);
    const vectorStore = record.vectorStore;
    if (body.name !== undefined) vectorStore.name = body.name ?? '';
    if (body.metadata !== undefined) vectorStore.metadata = body.metadata ?? {};
    if (body.expires_after === null) {
      delete vectorStore.expires_after;
    } else if (body.expires_after !== undefined) {
      vectorStore.expires_after = { ...body.expires_after };
    }
    this.touch(record, Date.now());
    this.refresh(record);
  }

  /** Deletes a vector store: its files stop processing and leave it (the uploaded files remain). */
  deleteVectorStore(record: VectorStoreRecord): void {
    for (const fileRecord of record.files.values()) {
      fileRecord.generation += 1;
      fileRecord.attached = false;
      fileRecord.file.attachments.delete(record);
    }
    record.files.clear();
    this.store.vectorStores.delete(record.vectorStore.id);
  }

  /** Attaches one file (`POST /vector_stores/{id}/files`); re-attaching a file starts it over. */
  attachFile(record: VectorStoreRecord, request: AttachRequest): VectorStoreFileRecord {
    this.refresh(record);
    const fileRecord = this.attach(record, request, undefined);
    this.touch(record, Date.now());
    return fileRecord;
  }

  /**
   * Creates a file batch from `file_ids` (with the shared chunking and attributes) or `files` (each
   * with its own; the shared ones are then ignored, as the spec says). Duplicate ids count once.
   */
  createBatch(record: VectorStoreRecord, body: CreateVectorStoreFileBatchBody): FileBatchRecord {
    if (body.file_ids !== undefined && body.files !== undefined) {
      throw invalidRequest("'file_ids' and 'files' are mutually exclusive: send one of them.", 'files', null);
    }
    const items =
      body.files ??
      (body.file_ids ?? []).map((fileId) => ({ file_id: fileId, chunking_strategy: body.chunking_strategy, attributes: body.attributes }));
    if (items.length === 0) {
      throw invalidRequest("Missing required parameter: 'file_ids' (or 'files').", 'file_ids', 'missing_required_parameter');
    }
    const firstById = new Map<string, (typeof items)[number]>();
    for (const item of items) if (!firstById.has(item.file_id)) firstById.set(item.file_id, item);
    const distinct = [...firstById.values()];
    const files = this.resolveFiles(distinct.map((item) => item.file_id));
    this.refresh(record);
    const nowMs = Date.now();
    const batch: FileBatchRecord = {
      batch: {
        id: newId('vsfb'),
        object: 'vector_store.files_batch',
        created_at: unixSeconds(nowMs),
        vector_store_id: record.vectorStore.id,
        status: 'in_progress',
        file_counts: emptyCounts(),
      },
      vectorStore: record,
      files: [],
      cancelRequested: false,
    };
    record.batches.set(batch.batch.id, batch);
    distinct.forEach((item, index) => {
      this.attach(record, { file: files[index]!, chunkingStrategy: item.chunking_strategy, attributes: item.attributes }, batch);
    });
    this.touch(record, nowMs);
    this.refresh(record);
    return batch;
  }

  /**
   * Cancels a batch: its unfinished files stop processing at once and turn `cancelled` after the
   * cancel delay, when the batch turns `cancelled` too (until then both read `in_progress`: the spec
   * has no `cancelling` status for batches). Files already finished keep their status. Returns
   * whether this call started the cancellation (false: already cancelling or cancelled).
   */
  cancelBatch(batch: FileBatchRecord): boolean {
    this.catchUp();
    if (batch.batch.status === 'cancelled' || batch.cancelRequested) return false;
    if (batch.batch.status !== 'in_progress') {
      throw invalidRequest(`Cannot cancel vector store file batch with status '${batch.batch.status}'.`);
    }
    batch.cancelRequested = true;
    for (const fileRecord of batch.files) {
      if (fileRecord.vectorStoreFile.status === 'in_progress') fileRecord.generation += 1;
    }
    const timer = this.timers.schedule(this.options.cancelDelayMs, () => {
      this.cancelTimers.delete(timer);
      this.finishCancel(batch);
    });
    this.cancelTimers.add(timer);
    return true;
  }

  /** Removes a file from its vector store (`DELETE /vector_stores/{id}/files/{file_id}`). */
  detach(fileRecord: VectorStoreFileRecord): void {
    if (!fileRecord.attached) return;
    // An unfinished file leaves as `cancelled`, so its batch can still finish.
    if (fileRecord.vectorStoreFile.status === 'in_progress') this.finish(fileRecord, 'cancelled');
    fileRecord.generation += 1;
    fileRecord.attached = false;
    const record = fileRecord.vectorStore;
    const counts = record.vectorStore.file_counts;
    counts[fileRecord.vectorStoreFile.status] -= 1;
    counts.total -= 1;
    record.vectorStore.usage_bytes -= fileRecord.vectorStoreFile.usage_bytes;
    record.files.delete(fileRecord.vectorStoreFile.id);
    fileRecord.file.attachments.delete(record);
  }

  /** Deletes an uploaded file: it leaves every vector store it was attached to, as the service does. */
  deleteFile(file: StoredFile): void {
    for (const record of [...file.attachments]) {
      const fileRecord = record.files.get(file.file.id);
      if (fileRecord !== undefined) this.detach(fileRecord);
    }
    this.store.files.delete(file.file.id);
  }

  /** Drops every queued completion and cancel timer (with `reset()`). */
  clear(): void {
    this.queue.clear();
    for (const timer of this.cancelTimers) this.timers.cancel(timer);
    this.cancelTimers.clear();
  }

  /** Files for these ids, or the service's 404 naming every id that does not exist. */
  private resolveFiles(ids: readonly string[]): StoredFile[] {
    const missing = ids.filter((id) => !this.store.files.has(id));
    if (missing.length > 0) throw filesNotFound(missing);
    return ids.map((id) => this.store.files.get(id)!);
  }

  private attach(record: VectorStoreRecord, request: AttachRequest, batch: FileBatchRecord | undefined): VectorStoreFileRecord {
    const fileId = request.file.file.id;
    const existing = record.files.get(fileId);
    if (existing !== undefined) this.detach(existing);
    const nowMs = Date.now();
    const plan = this.outcomes.plan(request.file.file.filename, request.file.content.length, this.options.fileProcessingMs);
    const fileRecord: VectorStoreFileRecord = {
      vectorStoreFile: {
        id: fileId,
        object: 'vector_store.file',
        usage_bytes: 0,
        created_at: unixSeconds(nowMs),
        vector_store_id: record.vectorStore.id,
        status: 'in_progress',
        last_error: null,
        chunking_strategy: toWireChunking(request.chunkingStrategy),
        attributes: request.attributes === undefined ? {} : request.attributes,
      },
      vectorStore: record,
      file: request.file,
      batch,
      plan,
      generation: 0,
      attached: true,
    };
    record.files.set(fileId, fileRecord);
    request.file.attachments.add(record);
    record.vectorStore.file_counts.in_progress += 1;
    record.vectorStore.file_counts.total += 1;
    if (batch !== undefined) {
      batch.files.push(fileRecord);
      batch.batch.file_counts.in_progress += 1;
      batch.batch.file_counts.total += 1;
    }
    if (plan.outcome !== 'stuck') {
      this.queue.push(nowMs + plan.durationMs, { record: fileRecord, generation: fileRecord.generation });
    }
    return fileRecord;
  }

  /** A queued completion came due: the file reaches its scripted outcome unless it moved on meanwhile. */
  private complete(pending: PendingCompletion): void {
    const { record, generation } = pending;
    if (record.generation !== generation || record.vectorStoreFile.status !== 'in_progress') return;
    this.finish(record, record.plan.outcome === 'failed' ? 'failed' : 'completed');
  }

  /** Moves an `in_progress` file to a final status, updating every counter it appears in. */
  private finish(fileRecord: VectorStoreFileRecord, status: Exclude<VectorStoreFileStatus, 'in_progress'>): void {
    const vectorStoreFile = fileRecord.vectorStoreFile;
    vectorStoreFile.status = status;
    vectorStoreFile.last_error = status === 'failed' && fileRecord.plan.outcome === 'failed' ? { ...fileRecord.plan.error } : null;
    vectorStoreFile.usage_bytes = status === 'completed' ? fileRecord.file.content.length : 0;
    if (fileRecord.attached) {
      const vectorStore = fileRecord.vectorStore.vectorStore;
      moveCount(vectorStore.file_counts, status);
      vectorStore.usage_bytes += vectorStoreFile.usage_bytes;
    }
    const batch = fileRecord.batch;
    if (batch !== undefined) {
      moveCount(batch.batch.file_counts, status);
      // Done when every file is, even if some failed: callers read `file_counts.failed`.
      if (batch.batch.file_counts.in_progress === 0 && !batch.cancelRequested && batch.batch.status === 'in_progress') {
        batch.batch.status = 'completed';
      }
    }
  }

  private finishCancel(batch: FileBatchRecord): void {
    this.catchUp();
    for (const fileRecord of batch.files) {
      if (fileRecord.vectorStoreFile.status === 'in_progress') this.finish(fileRecord, 'cancelled');
    }
    batch.batch.status = 'cancelled';
  }

  /** Marks activity: `last_active_at` moves, and with it `expires_at` (an expired store stays expired). */
  private touch(record: VectorStoreRecord, nowMs: number): void {
    if (!record.expired) {
      record.lastActiveMs = nowMs;
      record.vectorStore.last_active_at = unixSeconds(nowMs);
    }
    const policy = record.vectorStore.expires_after;
    record.vectorStore.expires_at = policy === undefined ? null : unixSeconds(this.expiresAtMs(record, policy));
  }

  private expiresAtMs(record: VectorStoreRecord, policy: VectorStoreExpirationAfter): number {
    return record.lastActiveMs + policy.days * this.options.vectorStoreDaySeconds * 1000;
  }
}

function emptyCounts(): FileCounts {
  return { in_progress: 0, completed: 0, failed: 0, cancelled: 0, total: 0 };
}

/** One file left `in_progress` for `status`. */
function moveCount(counts: FileCounts, status: Exclude<VectorStoreFileStatus, 'in_progress'>): void {
  counts.in_progress -= 1;
  counts[status] += 1;
}

/** `auto` is reported as the static strategy it stands for (800/400), as the service does. */
function toWireChunking(strategy: ChunkingStrategyInput | undefined): StaticChunkingStrategyObject {
  if (strategy === undefined || strategy.type === 'auto') return structuredClone(AUTO_CHUNKING);
  return { type: 'static', static: { ...strategy.static } };
}

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}
