/**
 * The ingestion workflows on the real dev server and the emulator: each `*_and_poll` helper, and
 * the composite with files that fail, files stuck until their deadline, unreadable documents,
 * retries, a cancelled batch and every fault kind.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import type { FaultRule } from '../../src/emulator';
import type { IngestDocumentsInput } from '../../src/shared/ingestion-input';
import type { FileBatchInfo, FileInfo, IngestionProgress, IngestionResult, VectorStoreFileInfo, VectorStoreInfo } from '../../src/shared/ingestion-types';
import { eventually, startHarness, type Harness } from '../support/agentrun-harness';
import { recordHistory } from '../support/histories';

const fast = { pollInterval: 50, providerRetry: { initialInterval: 100, maximumInterval: 1_000 } };

describe('ingestion workflows', () => {
  let harness: Harness;
  let directory: string;

  beforeAll(async () => {
    harness = await startHarness('ingestion', { emulator: { fileProcessingMs: 100 } });
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'agentrun-ingest-'));
  });
  afterEach(() => harness.emulator.clearFaults());
  afterAll(async () => {
    await harness.close();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  function writeFile(name: string, content = `contents of ${name}\n`): string {
    const file = path.join(directory, name);
    fs.writeFileSync(file, content);
    return file;
  }

  async function start<T>(type: string, input: object, name?: string): Promise<T> {
    const handle = await harness.temporal.client.workflow.start(type, { taskQueue: harness.temporal.taskQueue, workflowId: `${type}-${Date.now()}-${Math.random().toString(16).slice(2, 6)}`, args: [input] });
    const result = (await handle.result()) as T;
    if (name) await recordHistory(handle, name);
    return result;
  }

  async function uploadedFileId(name: string): Promise<string> {
    const file = await start<FileInfo>('uploadFileWorkflow', { source: { path: writeFile(name) }, ...fast });
    return file.id;
  }

  it('uploadFileWorkflow streams a file from a path, or inline content, and waits until processed', async () => {
    const file = await start<FileInfo>('uploadFileWorkflow', { source: { path: writeFile('guide.md', '# Guide\n') }, ...fast }, 'ingestion-upload-file');
    expect(file).toMatchObject({ filename: 'guide.md', bytes: 8, purpose: 'assistants', status: 'processed' });
    const content = await harness.openai.files.content(file.id);
    expect(await content.text()).toBe('# Guide\n');
    const inline = await start<FileInfo>('uploadFileWorkflow', { source: { content: 'small text', filename: 'note.txt' }, ...fast });
    expect(inline).toMatchObject({ filename: 'note.txt', bytes: 10 });
  });

  it('uploadFileWorkflow fails clearly and without retrying for a missing file', async () => {
    const error = await start('uploadFileWorkflow', { source: { path: path.join(directory, 'nope.txt') }, ...fast }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause?.cause as { type?: string; message: string };
    expect(cause.type).toBe('DocumentUnreadable');
    expect(cause.message).toContain('file not found');
  });

  it('rejects malformed input at once, naming the field', async () => {
    const error = await start('ingestDocumentsWorkflow', { documents: [{ content: 'x' }], batchSize: 900 }).catch((caught: unknown) => caught);
    const cause = (error as WorkflowFailedError).cause as { type?: string; message: string };
    expect(cause.type).toBe('InvalidWorkflowInput');
    expect(cause.message).toMatch(/documents\[0\]\.filename: filename is required with inline content/);
    expect(cause.message).toMatch(/batchSize/);
    const neither = await start('ingestDocumentsWorkflow', { documents: [{ content: 'x', filename: 'x.txt' }] }).catch((caught: unknown) => caught);
    expect(((neither as WorkflowFailedError).cause as { message: string }).message).toMatch(/vectorStoreId: give vectorStoreId .* or newVectorStore/);
  });

  it('createVectorStoreWorkflow waits while its files process', async () => {
    const fileIds = [await uploadedFileId('a.txt'), await uploadedFileId('b.fail.txt')];
    const store = await start<VectorStoreInfo>('createVectorStoreWorkflow', { name: 'docs', fileIds, ...fast }, 'ingestion-create-vector-store');
    expect(store.status).toBe('completed');
    expect(store.fileCounts).toMatchObject({ completed: 1, failed: 1, inProgress: 0, total: 2 });
  });

  it('attachFileWorkflow: processed, failed with the reason, or stuck until its deadline and removed', async () => {
    const store = await harness.openai.vectorStores.create({ name: 'attach' });
    const ok = await start<VectorStoreFileInfo>('attachFileWorkflow', { vectorStoreId: store.id, fileId: await uploadedFileId('ok.txt'), ...fast }, 'ingestion-attach-file');
    expect(ok.status).toBe('completed');
    const failed = await start<VectorStoreFileInfo>('attachFileWorkflow', { vectorStoreId: store.id, fileId: await uploadedFileId('bad.fail.txt'), ...fast });
    expect(failed).toMatchObject({ status: 'failed', lastError: { code: 'invalid_file' } });
    const stuckId = await uploadedFileId('hang.stuck.txt');
    const stuck = await start<VectorStoreFileInfo>('attachFileWorkflow', { vectorStoreId: store.id, fileId: stuckId, deadline: '1s', ...fast });
    expect(stuck).toMatchObject({ status: 'failed', lastError: { code: 'timed_out' } });
    await expect(harness.openai.vectorStores.files.retrieve(stuckId, { vector_store_id: store.id })).rejects.toThrow(/404|No/);
  });

  it('createFileBatchWorkflow reports the failed files of a completed batch, and gives up on stuck ones at the file deadline', async () => {
    const store = await harness.openai.vectorStores.create({ name: 'batch' });
    const fileIds = [await uploadedFileId('one.txt'), await uploadedFileId('two.fail.txt'), await uploadedFileId('three.stuck.txt')];
    const { batch, failedFiles } = await start<{ batch: FileBatchInfo; failedFiles: VectorStoreFileInfo[] }>(
      'createFileBatchWorkflow',
      { vectorStoreId: store.id, fileIds, fileDeadline: '2s', ...fast },
      'ingestion-file-batch',
    );
    expect(batch.status).toBe('cancelled');
    expect(failedFiles.map((file) => [file.id, file.status, file.lastError?.code]).sort()).toEqual(
      [
        [fileIds[1], 'failed', 'invalid_file'],
        [fileIds[2], 'cancelled', 'timed_out'],
      ].sort(),
    );
    const completedBatch = await start<{ batch: FileBatchInfo; failedFiles: VectorStoreFileInfo[] }>('createFileBatchWorkflow', {
      vectorStoreId: store.id,
      fileIds: [await uploadedFileId('four.txt'), await uploadedFileId('five.fail.txt')],
      ...fast,
    });
    expect(completedBatch.batch).toMatchObject({ status: 'completed', fileCounts: { completed: 1, failed: 1 } });
  });

  it('cancelling the workflow in the middle of a batch cancels the batch at the provider', async () => {
    const store = await harness.openai.vectorStores.create({ name: 'cancel me' });
    const fileIds = [await uploadedFileId('quick.txt'), await uploadedFileId('slow-1.stuck.txt'), await uploadedFileId('slow-2.stuck.txt')];
    const handle = await harness.temporal.client.workflow.start('createFileBatchWorkflow', {
      taskQueue: harness.temporal.taskQueue,
      workflowId: `cancel-batch-${Date.now()}`,
      args: [{ vectorStoreId: store.id, fileIds, ...fast }],
    });
    const batches = await eventually(async () => {
      const page = await harness.openai.vectorStores.files.list(store.id);
      return page.data.length === 3 ? page.data : undefined;
    }, 15_000, 'the batch');
    expect(batches).toHaveLength(3);
    await handle.cancel();
    await handle.result().catch(() => undefined);
    await recordHistory(handle, 'ingestion-file-batch-cancelled');
    const stats = harness.emulator.stats();
    expect(stats.batchesCancelled).toBeGreaterThanOrEqual(1);
    const files = (await harness.openai.vectorStores.files.list(store.id)).data;
    expect(files.filter((file) => file.status === 'cancelled').map((file) => file.id).sort()).toEqual([fileIds[1], fileIds[2]].sort());
    expect(files.find((file) => file.id === fileIds[0])?.status).toBe('completed');
  });

  it('ingests a set of documents in batches, reporting each failure with its reason and retrying retryable ones', async () => {
    const good = Array.from({ length: 12 }, (_, index) => writeFile(`doc-${index}.txt`));
    const flaky = writeFile('flaky.txt');
    harness.emulator.addFileOutcome({ match: 'flaky.txt', outcome: 'failed', error: { code: 'server_error', message: 'transient' }, times: 1 });
    const documents: IngestDocumentsInput['documents'] = [
      ...good.map((file) => ({ path: file })),
      { path: flaky },
      { path: writeFile('broken.fail.txt') },
      { path: writeFile('hangs.stuck.txt') },
      { path: path.join(directory, 'missing.txt') },
      { path: writeFile('huge.txt', 'x'.repeat(5_000)) },
      { content: 'inline words', filename: 'inline.txt' },
    ];
    const handle = await harness.temporal.client.workflow.start('ingestDocumentsWorkflow', {
      taskQueue: harness.temporal.taskQueue,
      workflowId: `ingest-${Date.now()}`,
      args: [{ newVectorStore: { name: 'knowledge' }, documents, batchSize: 5, parallelBatches: 2, uploadConcurrency: 3, maxFileBytes: 1_000, fileDeadline: '2s', ...fast } satisfies IngestDocumentsInput],
    });
    const result = (await handle.result()) as IngestionResult;
    await recordHistory(handle, 'ingestion-documents');
    await recordHistory(harness.temporal.client.workflow.getHandle(`${handle.workflowId}/batch-3-of-4`), 'ingestion-batch-with-retry');

    const byIndex = Object.fromEntries(result.failures.map((failure) => [failure.index, failure]));
    expect(result).toMatchObject({ total: documents.length, completed: 14, failed: 4, failuresOmitted: 0 });
    expect(byIndex[13]).toMatchObject({ stage: 'processing', error: expect.stringContaining('invalid_file') });
    expect(byIndex[14]).toMatchObject({ stage: 'processing', error: expect.stringContaining('timed_out') });
    expect(byIndex[15]).toMatchObject({ stage: 'read', fileId: null, error: expect.stringContaining('file not found') });
    expect(byIndex[16]).toMatchObject({ stage: 'read', error: expect.stringContaining('over the 1000-byte limit') });
    expect(byIndex[12]).toBeUndefined(); // flaky: failed once with server_error, attached again, completed
    expect(result.fileCounts.completed).toBe(14);

    const progress = await handle.query<IngestionProgress>('getIngestionProgress');
    expect(progress).toMatchObject({ phase: 'completed', completed: 14, failed: 4, batchesDone: 4, batchesTotal: 4, vectorStoreId: result.vectorStoreId });
    const attributes = (await handle.describe()).searchAttributes as Record<string, unknown[]>;
    expect(attributes).toMatchObject({ IngestionVectorStoreId: [result.vectorStoreId], IngestionFilesDone: [18], IngestionFilesFailed: [4] });
  });

  it('an agent run can search a vector store made by an ingestion (tool_resources)', async () => {
    const ingested = await start<IngestionResult>('ingestDocumentsWorkflow', { newVectorStore: { name: 'for a run' }, documents: [{ path: writeFile('faq.md', '# FAQ\n') }], ...fast } satisfies IngestDocumentsInput);
    const assistantId = await harness.assistant({ steps: [{ answer: 'Found it in the FAQ.' }] });
    const result = await harness.client.run(
      harness.input(assistantId, { tools: [{ type: 'file_search' }], toolResources: { fileSearch: { vectorStoreIds: [ingested.vectorStoreId] } } }),
    );
    expect(result.status).toBe('completed');
    const thread = await harness.openai.beta.threads.retrieve(result.threadId);
    expect(thread.tool_resources?.file_search?.vector_store_ids).toEqual([ingested.vectorStoreId]);
  });

  it('cancelling an ingestion cancels its in-flight batches at the provider', async () => {
    const documents = Array.from({ length: 6 }, (_, index) => ({ path: writeFile(`wait-${index}.stuck.txt`) }));
    const handle = await harness.temporal.client.workflow.start('ingestDocumentsWorkflow', {
      taskQueue: harness.temporal.taskQueue,
      workflowId: `ingest-cancel-${Date.now()}`,
      args: [{ newVectorStore: { name: 'abandoned' }, documents, batchSize: 3, parallelBatches: 2, ...fast } satisfies IngestDocumentsInput],
    });
    const before = harness.emulator.stats();
    await eventually(async () => harness.emulator.stats().batchesCreated - before.batchesCreated === 2, 20_000, 'both batches at the provider');
    await handle.cancel();
    await handle.result().catch(() => undefined);
    await recordHistory(handle, 'ingestion-cancelled');
    expect(harness.emulator.stats().batchesCancelled - before.batchesCancelled).toBe(2);
    const progress = await handle.query<IngestionProgress>('getIngestionProgress');
    expect(progress.phase).toBe('cancelled');
  });

  const faults: FaultRule[] = [{ kind: 'rate_limit', retryAfterMs: 100 }, { kind: 'server_error' }, { kind: 'unavailable' }, { kind: 'reset' }, { kind: 'slow', delayMs: 1_000 }, { kind: 'commit_then_drop' }];
  it.each(faults)('completes an ingestion through $kind on every ingestion route', async (fault) => {
    for (const route of ['/files', '/vector_stores', '/vector_stores/{vector_store_id}/file_batches', '/vector_stores/{vector_store_id}/file_batches/{batch_id}', '/vector_stores/{vector_store_id}/file_batches/{batch_id}/files']) {
      harness.emulator.addFault({ ...fault, route, times: 1 });
    }
    const documents = Array.from({ length: 3 }, (_, index) => ({ path: writeFile(`${fault.kind}-${index}.txt`) }));
    const result = await start<IngestionResult>('ingestDocumentsWorkflow', { newVectorStore: { name: fault.kind }, documents, ...fast } satisfies IngestDocumentsInput, `ingestion-fault-${fault.kind}`);
    expect(result).toMatchObject({ completed: 3, failed: 0 });
    expect(harness.emulator.stats().faultsInjected[fault.kind]).toBeGreaterThanOrEqual(3);
  });
});
