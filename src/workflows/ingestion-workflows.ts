/**
 * Ingestion workflows: the `*_and_poll` helpers of the providers' SDKs made durable, and a
 * composite that ingests a set of documents into a vector store in batches (child workflows, so
 * 10,000 files keep every history small), with per-file outcomes, retries of failed files, progress
 * in a query and in search attributes, and cancellation that cancels in-flight batches at the
 * provider. Deterministic code only.
 */
import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  executeChild,
  ParentClosePolicy,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { AgentrunActivities } from '../activities';
import { durationMs } from '../shared/duration';
import { FailureType } from '../shared/failure-types';
import type { DocumentSource, ValidatedIngestDocumentsInput } from '../shared/ingestion-input';
import { batchProgressSignal, ingestionProgressQuery, type BatchProgress } from '../shared/ingestion-messages';
import type {
  DocumentOutcome,
  FileBatchInfo,
  FileInfo,
  IngestionBatchResult,
  IngestionProgress,
  IngestionResult,
  VectorStoreFileInfo,
  VectorStoreInfo,
} from '../shared/ingestion-types';
import { describeSource } from '../shared/ingestion-types';
import { describeIssues } from '../shared/schema-issues';
import { ingestionSearchAttributeKeys, type SearchAttributeSetting } from '../shared/search-attributes';
import { ingestionSchemas } from './lazy-schemas';

/** Documents per upload activity within a batch: the granularity of upload progress. */
const UPLOAD_GROUP = 100;

/** How many failures the composite's result lists (the rest are counted). */
const MAX_REPORTED_FAILURES = 2_000;

/** Validates a workflow input once, at the edge: malformed input fails at once, naming the fields. */
function parseInput<T>(schema: { safeParse(value: unknown): { success: true; data: T } | { success: false; error: Parameters<typeof describeIssues>[0] } }, raw: unknown, what: string): T {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw ApplicationFailure.create({ type: FailureType.InvalidWorkflowInput, nonRetryable: true, message: `Invalid ${what} input: ${describeIssues(parsed.error)}` });
}

/** Activities with the input's retry settings; waits are cancelled cooperatively (cleanup at the provider). */
function activities(retry: { initialInterval: string | number; maximumInterval: string | number; maximumAttempts: number }, startToCloseMs: number, summary: string) {
  const options: ActivityOptions = {
    startToCloseTimeout: startToCloseMs,
    heartbeatTimeout: '30 seconds',
    retry: { initialInterval: durationMs(retry.initialInterval), maximumInterval: durationMs(retry.maximumInterval), backoffCoefficient: 2, maximumAttempts: retry.maximumAttempts || undefined },
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    summary,
  };
  return proxyActivities<AgentrunActivities>(options);
}

/** Slack over a wait's own deadline before Temporal times the activity out (it then retries and resumes). */
const ACTIVITY_SLACK_MS = 10 * 60_000;

/** upload_file_and_poll: uploads a document (read on the worker) and waits until it is processed. */
export async function uploadFileWorkflow(raw: unknown): Promise<FileInfo> {
  const input = parseInput(ingestionSchemas().uploadFileInputSchema(), raw, 'upload file');
  setCurrentDetails(`uploading ${describeSource(input.source)}`);
  const { uploadFileAndWait } = activities(input.providerRetry, durationMs(input.deadline) + ACTIVITY_SLACK_MS, `upload ${describeSource(input.source).slice(0, 150)} and wait until processed`);
  return uploadFileAndWait({ source: input.source, purpose: input.purpose, maxFileBytes: input.maxFileBytes, pollIntervalMs: durationMs(input.pollInterval), deadlineMs: durationMs(input.deadline) });
}

/** create_vector_store_and_poll. */
export async function createVectorStoreWorkflow(raw: unknown): Promise<VectorStoreInfo> {
  const input = parseInput(ingestionSchemas().createVectorStoreInputSchema(), raw, 'create vector store');
  setCurrentDetails(`creating vector store ${input.name ?? ''} with ${input.fileIds?.length ?? 0} file(s)`);
  const { createVectorStoreAndWait } = activities(input.providerRetry, durationMs(input.deadline) + ACTIVITY_SLACK_MS, 'create the vector store and wait while its files process');
  const store = await createVectorStoreAndWait({
    store: { name: input.name, fileIds: input.fileIds, chunkingStrategy: input.chunkingStrategy, expiresAfterDays: input.expiresAfterDays, metadata: input.metadata },
    workflowId: workflowInfo().workflowId,
    pollIntervalMs: durationMs(input.pollInterval),
    deadlineMs: durationMs(input.deadline),
  });
  keepIngestionAttributes(input.searchAttributes, { vectorStoreId: store.id });
  return store;
}

/**
 * Upserts the ingestion search attributes given, under the names the input's setting says (none
 * when it is `false`). Attributes are listed in a fixed order, as before the setting existed.
 */
function keepIngestionAttributes(setting: SearchAttributeSetting | undefined, values: { vectorStoreId?: string; filesDone?: number; filesFailed?: number }): void {
  const keys = ingestionSearchAttributeKeys(setting);
  if (!keys) return;
  upsertSearchAttributes([
    ...(values.vectorStoreId !== undefined ? [{ key: keys.vectorStoreId, value: values.vectorStoreId }] : []),
    ...(values.filesDone !== undefined ? [{ key: keys.filesDone, value: values.filesDone }] : []),
    ...(values.filesFailed !== undefined ? [{ key: keys.filesFailed, value: values.filesFailed }] : []),
  ] as Parameters<typeof upsertSearchAttributes>[0]);
}

/** create_vector_store_file_and_poll. Cancelling removes the unfinished file from the store. */
export async function attachFileWorkflow(raw: unknown): Promise<VectorStoreFileInfo> {
  const input = parseInput(ingestionSchemas().attachFileInputSchema(), raw, 'attach file');
  keepIngestionAttributes(input.searchAttributes, { vectorStoreId: input.vectorStoreId });
  setCurrentDetails(`attaching ${input.fileId} to ${input.vectorStoreId}`);
  const { attachFileAndWait } = activities(input.providerRetry, durationMs(input.deadline) + ACTIVITY_SLACK_MS, `attach ${input.fileId} and wait until processed`);
  return attachFileAndWait({
    vectorStoreId: input.vectorStoreId,
    fileId: input.fileId,
    chunkingStrategy: input.chunkingStrategy,
    attributes: input.attributes,
    pollIntervalMs: durationMs(input.pollInterval),
    deadlineMs: durationMs(input.deadline),
  });
}

/** create_vector_store_file_batch_and_poll, reporting the failed files. Cancelling cancels the batch at the provider. */
export async function createFileBatchWorkflow(raw: unknown): Promise<{ batch: FileBatchInfo; failedFiles: VectorStoreFileInfo[] }> {
  const input = parseInput(ingestionSchemas().createFileBatchInputSchema(), raw, 'create file batch');
  keepIngestionAttributes(input.searchAttributes, { vectorStoreId: input.vectorStoreId });
  setCurrentDetails(`batch of ${input.fileIds.length} file(s) into ${input.vectorStoreId}`);
  const { createBatchAndWait } = activities(input.providerRetry, durationMs(input.deadline) + ACTIVITY_SLACK_MS, `batch of ${input.fileIds.length} files: create and wait`);
  const { batch, failedFiles } = await createBatchAndWait({
    vectorStoreId: input.vectorStoreId,
    fileIds: input.fileIds,
    chunkingStrategy: input.chunkingStrategy,
    pollIntervalMs: durationMs(input.pollInterval),
    fileDeadlineMs: durationMs(input.fileDeadline),
    batchDeadlineMs: durationMs(input.deadline),
  });
  keepIngestionAttributes(input.searchAttributes, { filesDone: batch.fileCounts.completed + batch.fileCounts.failed + batch.fileCounts.cancelled, filesFailed: failedFiles.length });
  return { batch, failedFiles };
}

/** What the composite hands each batch. */
export interface IngestBatchParams {
  vectorStoreId: string;
  batchIndex: number;
  documents: Array<{ index: number; source: DocumentSource }>;
  settings: Omit<ValidatedIngestDocumentsInput, 'documents' | 'vectorStoreId' | 'newVectorStore'>;
}

/**
 * One batch of an ingestion (a child workflow): upload its documents with bounded concurrency,
 * attach them in one file batch, wait, and attach again the files that failed with a retryable
 * code, up to `retry.attempts` in all. Reports progress to the parent at each stage.
 */
export async function ingestBatchWorkflow(params: IngestBatchParams): Promise<IngestionBatchResult> {
  const { settings } = params;
  const pollIntervalMs = durationMs(settings.pollInterval);
  const fileDeadlineMs = durationMs(settings.fileDeadline);
  const batchDeadlineMs = durationMs(settings.batchDeadline);
  const parent = workflowInfo().parent;
  const report = async (progress: Omit<BatchProgress, 'batchIndex'>) => {
    if (parent) await getExternalWorkflowHandle(parent.workflowId, parent.runId).signal(batchProgressSignal, { batchIndex: params.batchIndex, ...progress });
  };

  // Uploads in groups, reporting after each, so progress moves every UPLOAD_GROUP files rather
  // than once per batch (3 events per group: a few dozen per batch of 500).
  const uploaded: Array<{ index: number; fileId: string }> = [];
  const failures: DocumentOutcome[] = [];
  for (let start = 0; start < params.documents.length; start += UPLOAD_GROUP) {
    setCurrentDetails(`uploading documents ${start + 1}-${Math.min(start + UPLOAD_GROUP, params.documents.length)} of ${params.documents.length}`);
    const documents = params.documents.slice(start, start + UPLOAD_GROUP);
    const { uploadDocuments } = activities(settings.providerRetry, 60 * 60_000, `upload documents ${start + 1}-${start + documents.length} of ${params.documents.length} (${settings.uploadConcurrency} at a time)`);
    const group = await uploadDocuments({ documents, purpose: settings.purpose, concurrency: settings.uploadConcurrency, maxFileBytes: settings.maxFileBytes });
    uploaded.push(...group.uploaded);
    failures.push(...group.failures);
    await report({ uploaded: uploaded.length, processing: uploaded.length });
  }

  const sourceOf = new Map(params.documents.map((document) => [document.index, describeSource(document.source)]));
  const indexOf = new Map(uploaded.map((entry) => [entry.fileId, entry.index]));
  let pending = uploaded.map((entry) => entry.fileId);
  /** Files that failed for good: a code not worth retrying, or out of attempts. */
  const failedForGood = new Map<string, VectorStoreFileInfo>();
  for (let attempt = 1; pending.length; attempt += 1) {
    setCurrentDetails(`attaching ${pending.length} files (attempt ${attempt} of ${settings.retry.attempts})`);
    const { createBatchAndWait } = activities(settings.providerRetry, batchDeadlineMs + ACTIVITY_SLACK_MS, `batch of ${pending.length} files: attach and wait (attempt ${attempt})`);
    const { failedFiles } = await createBatchAndWait({ vectorStoreId: params.vectorStoreId, fileIds: pending, chunkingStrategy: settings.chunkingStrategy, pollIntervalMs, fileDeadlineMs, batchDeadlineMs });
    pending = [];
    for (const file of failedFiles) {
      const retryable = settings.retry.onCodes.includes(file.lastError?.code ?? 'unknown') && attempt < settings.retry.attempts;
      if (retryable) pending.push(file.id);
      else failedForGood.set(file.id, file);
    }
  }

  for (const [fileId, file] of failedForGood) {
    const index = indexOf.get(fileId)!;
    const why = file.lastError ? `${file.lastError.code}: ${file.lastError.message}` : `ended ${file.status}`;
    failures.push({ index, source: sourceOf.get(index) ?? '', status: 'failed', fileId, stage: 'processing', error: why });
  }
  const result: IngestionBatchResult = { completed: uploaded.length - failedForGood.size, failures: failures.sort((left, right) => left.index - right.index) };
  await report({ uploaded: uploaded.length, processing: 0, result });
  return result;
}

/**
 * Ingests a set of documents into a vector store: batches of `batchSize` as child workflows,
 * `parallelBatches` at a time; per-file outcomes; the provider's final `file_counts`.
 */
export async function ingestDocumentsWorkflow(raw: unknown): Promise<IngestionResult> {
  const input = parseInput(ingestionSchemas().ingestDocumentsInputSchema(), raw, 'ingestion');
  const { documents, vectorStoreId: givenStore, newVectorStore, ...settings } = input;
  const workflowId = workflowInfo().workflowId;
  const batches: IngestBatchParams['documents'][] = [];
  for (let start = 0; start < documents.length; start += input.batchSize) {
    batches.push(documents.slice(start, start + input.batchSize).map((source, offset) => ({ index: start + offset, source })));
  }

  const progress: IngestionProgress = {
    workflowId,
    phase: 'starting',
    vectorStoreId: givenStore ?? null,
    total: documents.length,
    uploaded: 0,
    processing: 0,
    completed: 0,
    failed: 0,
    batchesTotal: batches.length,
    batchesDone: 0,
    startedAt: workflowInfo().startTime.toISOString(),
  };
  const perBatch = new Map<number, BatchProgress>();
  const results = new Map<number, IngestionBatchResult>();
  let lastSettled = '';
  const publish = () => {
    const reports = [...perBatch.values()];
    progress.uploaded = reports.reduce((sum, report) => sum + report.uploaded, 0);
    progress.processing = reports.reduce((sum, report) => sum + report.processing, 0);
    progress.completed = [...results.values()].reduce((sum, result) => sum + result.completed, 0);
    progress.failed = [...results.values()].reduce((sum, result) => sum + result.failures.length, 0);
    progress.batchesDone = results.size;
    const settled = `${progress.completed + progress.failed}/${progress.failed}`;
    if (settled !== lastSettled && progress.vectorStoreId) {
      // Only on change: each upsert is a history event.
      lastSettled = settled;
      keepIngestionAttributes(input.searchAttributes, { filesDone: progress.completed + progress.failed, filesFailed: progress.failed });
    }
    setCurrentDetails(
      `**${progress.phase}** ${progress.total} documents into \`${progress.vectorStoreId ?? '(new vector store)'}\`\n` +
        `uploaded ${progress.uploaded}, processing ${progress.processing}, completed ${progress.completed}, failed ${progress.failed}; batches ${progress.batchesDone}/${progress.batchesTotal}`,
    );
  };
  setHandler(ingestionProgressQuery, () => ({ ...progress }));
  setHandler(batchProgressSignal, (report) => {
    perBatch.set(report.batchIndex, report);
    if (report.result) results.set(report.batchIndex, report.result);
    publish();
  });
  publish();

  const pollIntervalMs = durationMs(input.pollInterval);
  /** The loops that run the batches, `parallelBatches` at a time. */
  let lanes: Promise<void>[] = [];
  const { createVectorStoreAndWait, getVectorStore } = activities(input.providerRetry, 15 * 60_000, 'the vector store');
  try {
    const vectorStoreId =
      givenStore ??
      (await createVectorStoreAndWait({ store: { ...newVectorStore, chunkingStrategy: input.chunkingStrategy }, workflowId, pollIntervalMs, deadlineMs: 5 * 60_000 })).id;
    progress.vectorStoreId = vectorStoreId;
    progress.phase = 'ingesting';
    keepIngestionAttributes(input.searchAttributes, { vectorStoreId });
    publish();

    // Child workflows keep every history small: the parent holds ~10 events per batch.
    let next = 0;
    const runBatches = async () => {
      for (let batchIndex = next++; batchIndex < batches.length; batchIndex = next++) {
        const result = await executeChild(ingestBatchWorkflow, {
          workflowId: `${workflowId}/batch-${batchIndex + 1}-of-${batches.length}`,
          args: [{ vectorStoreId, batchIndex, documents: batches[batchIndex]!, settings }],
          staticSummary: `batch ${batchIndex + 1} of ${batches.length}: ${batches[batchIndex]!.length} documents`,
          // Even if this workflow is terminated, its batches are cancelled (and clean up at the provider).
          parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        });
        results.set(batchIndex, result); // also arrives by signal; the return value is authoritative
        publish();
      }
    };
    lanes = Array.from({ length: Math.min(input.parallelBatches, batches.length) }, runBatches);
    await Promise.all(lanes);

    const store = await getVectorStore({ vectorStoreId });
    const failures = [...results.values()].flatMap((result) => result.failures).sort((left, right) => left.index - right.index);
    progress.phase = 'completed';
    publish();
    return {
      workflowId,
      vectorStoreId,
      fileCounts: store.fileCounts,
      total: documents.length,
      completed: documents.length - failures.length,
      failed: failures.length,
      failures: failures.slice(0, MAX_REPORTED_FAILURES),
      failuresOmitted: Math.max(0, failures.length - MAX_REPORTED_FAILURES),
    };
  } catch (error) {
    if (isCancellation(error)) {
      // Child workflows were cancelled with us, and each cancels its batch at the provider before it
      // ends. Wait for every one: Promise.all rejected at the first, and closing now would end the
      // others before their cleanup ran.
      await CancellationScope.nonCancellable(async () => {
        await Promise.allSettled(lanes);
        progress.phase = 'cancelled';
        publish();
      });
    }
    throw error;
  }
}

