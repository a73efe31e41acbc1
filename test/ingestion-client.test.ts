/**
 * The ingestion client: ProviderOperations (the provider's plain file and vector-store calls)
 * against the emulator over real HTTP, and IngestionClient starting, following and reading the
 * ingestion workflows on the suite's Temporal server with an in-process worker.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { IngestionClient, InvalidIngestionInputError, ProviderOperations, readableIngestionWorkflowId } from '../src/ingestion-client';
import { createOpenAIProvider, type AgentProvider } from '../src/providers';
import type { IngestionProgress } from '../src/shared/ingestion-types';
import { startHarness, type Harness } from './support/agentrun-harness';

const fast = { pollInterval: 50, providerRetry: { initialInterval: 100, maximumInterval: 1_000 } };

describe('ingestion client', () => {
  let harness: Harness;
  let provider: AgentProvider;
  let operations: ProviderOperations;
  let ingestion: IngestionClient;
  let directory: string;

  beforeAll(async () => {
    harness = await startHarness('ingestion-client', { emulator: { fileProcessingMs: 50, pollAfterMs: 0 } });
    provider = createOpenAIProvider(harness.providerConfig);
    operations = new ProviderOperations(provider);
    ingestion = new IngestionClient(harness.temporal.client, { taskQueue: harness.temporal.taskQueue });
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'agentrun-ingestion-client-'));
  });
  afterAll(async () => {
    await harness?.close();
    if (directory) fs.rmSync(directory, { recursive: true, force: true });
  });

  /** Polls until `probe` returns a value. */
  async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const value = await probe();
      if (value !== undefined) return value;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  it('reads, lists, downloads and deletes files; saveFileContent writes the exact bytes, creating folders', async () => {
    const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80, ...Buffer.from('\nbinary and text\r\n')]);
    const uploaded = await provider.uploadFile({ filename: 'data.bin', content: bytes }, 'assistants');
    expect(await operations.getFile(uploaded.id)).toMatchObject({ id: uploaded.id, filename: 'data.bin', bytes: bytes.length, purpose: 'assistants' });
    expect((await operations.listFiles({ limit: 100 })).map((file) => file.id)).toContain(uploaded.id);

    const response = await operations.fileContent(uploaded.id);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(bytes);

    const destination = path.join(directory, 'nested', 'deeper', 'data.bin');
    const saved = await operations.saveFileContent(uploaded.id, destination);
    expect(saved).toEqual({ path: destination, bytes: bytes.length });
    expect(fs.readFileSync(destination)).toEqual(bytes);
    expect(fs.readdirSync(path.dirname(destination))).toEqual(['data.bin']); // no partial file left behind

    await operations.deleteFile(uploaded.id);
    await expect(operations.getFile(uploaded.id)).rejects.toMatchObject({ status: 404 });
    // A failed download leaves nothing at the destination.
    await expect(operations.saveFileContent(uploaded.id, path.join(directory, 'gone', 'x.bin'))).rejects.toMatchObject({ status: 404 });
    expect(fs.existsSync(path.join(directory, 'gone', 'x.bin'))).toBe(false);
  });

  it('gets, lists, updates and deletes vector stores and their files and batches', async () => {
    const first = await provider.uploadFile({ filename: 'a.txt', content: Buffer.from('alpha') }, 'assistants');
    const second = await provider.uploadFile({ filename: 'b.fail.txt', content: Buffer.from('beta') }, 'assistants');
    const store = await provider.createVectorStore({ name: 'client test', metadata: { team: 'docs' } });

    expect(await operations.getVectorStore(store.id)).toMatchObject({ id: store.id, name: 'client test', metadata: { team: 'docs' } });
    expect((await operations.listVectorStores({ limit: 100 })).map((listed) => listed.id)).toContain(store.id);
    const renamed = await operations.updateVectorStore(store.id, { name: 'renamed', metadata: { team: 'support' } });
    expect(renamed).toMatchObject({ id: store.id, name: 'renamed', metadata: { team: 'support' } });

    const batch = await provider.createFileBatch(store.id, [first.id, second.id]);
    const settled = await until(async () => {
      const current = await operations.getFileBatch(store.id, batch.id);
      return current.status === 'in_progress' ? undefined : current;
    }, 'the batch to finish');
    expect(settled.fileCounts).toMatchObject({ completed: 1, failed: 1, total: 2 });
    expect((await operations.listFileBatchFiles(store.id, batch.id, { filter: 'failed' })).map((file) => file.id)).toEqual([second.id]);
    // Cancelling a finished batch is refused by the provider (400), and said so.
    await expect(operations.cancelFileBatch(store.id, batch.id)).rejects.toMatchObject({ status: 400 });

    expect((await operations.listVectorStoreFiles(store.id)).map((file) => file.id).sort()).toEqual([first.id, second.id].sort());
    const failed = await operations.getVectorStoreFile(store.id, second.id);
    expect(failed).toMatchObject({ id: second.id, vectorStoreId: store.id, status: 'failed', lastError: { code: 'invalid_file' } });
    await operations.deleteVectorStoreFile(store.id, second.id);
    expect((await operations.listVectorStoreFiles(store.id)).map((file) => file.id)).toEqual([first.id]);

    await operations.deleteVectorStore(store.id);
    await expect(operations.getVectorStore(store.id)).rejects.toMatchObject({ status: 404 });
    expect(await operations.getFile(first.id)).toMatchObject({ id: first.id }); // files outlive the store
  });

  it('cancels a batch whose files are still processing', async () => {
    const stuck = await provider.uploadFile({ filename: 'c.stuck.txt', content: Buffer.from('gamma') }, 'assistants');
    const store = await provider.createVectorStore({ name: 'cancel test' });
    const batch = await provider.createFileBatch(store.id, [stuck.id]);
    await operations.cancelFileBatch(store.id, batch.id);
    const cancelled = await until(async () => {
      const current = await operations.getFileBatch(store.id, batch.id);
      return current.status === 'cancelled' ? current : undefined;
    }, 'the batch to be cancelled');
    expect(cancelled.fileCounts.cancelled).toBe(1);
  });

  it('rejects invalid input before starting anything, naming the fields', async () => {
    const invalid = ingestion.startIngestion({ documents: [], batchSize: 900 } as never);
    await expect(invalid).rejects.toBeInstanceOf(InvalidIngestionInputError);
    await expect(invalid).rejects.toThrow(/documents: documents may not be empty.*batchSize.*vectorStoreId/);
    await expect(ingestion.startFileBatch({ vectorStoreId: 'vs_1', fileIds: [] })).rejects.toThrow(/fileIds/);
  });

  it('readable workflow ids name the target and the UTC time', () => {
    const id = readableIngestionWorkflowId('ingest', 'My docs / 2026', new Date('2026-11-23T01:40:39Z'));
    expect(id).toMatch(/^ingest-My-docs-2026-20261123-014039-[0-9a-f]{10}$/);
  });

  it('uploads, creates a vector store, attaches a file and runs a batch through the workflows', async () => {
    const file = await ingestion.uploadFile({ source: { content: 'delta', filename: 'd.txt' }, ...fast });
    expect(file).toMatchObject({ filename: 'd.txt', bytes: 5 });
    const { workflowId: storeWorkflowId, handle } = await ingestion.startCreateVectorStore({ name: 'workflow store', ...fast });
    expect(storeWorkflowId).toMatch(/^create-vector-store-workflow-store-\d{8}-\d{6}-[0-9a-f]{10}$/);
    expect(await (await handle.describe()).staticSummary()).toBe('create vector store "workflow store"');
    const store = await handle.result();
    const attached = await ingestion.attachFile({ vectorStoreId: store.id, fileId: file.id, ...fast });
    expect(attached).toMatchObject({ id: file.id, vectorStoreId: store.id, status: 'completed' });
    const other = await ingestion.uploadFile({ source: { content: 'epsilon', filename: 'e.fail.txt' }, ...fast });
    const outcome = await ingestion.createFileBatch({ vectorStoreId: store.id, fileIds: [other.id], ...fast });
    expect(outcome.batch.fileCounts).toMatchObject({ failed: 1, total: 1 });
    expect(outcome.failedFiles.map((failed) => failed.id)).toEqual([other.id]);
  });

  it('ingests documents: progress while it works, then the result with the failures', async () => {
    const files = ['one.txt', 'two.fail.txt', 'three.slow.txt'].map((name) => {
      const file = path.join(directory, name);
      fs.writeFileSync(file, `contents of ${name}\n`);
      return file;
    });
    const { workflowId, handle } = await ingestion.startIngestion({ newVectorStore: { name: 'client ingest' }, documents: files.map((file) => ({ path: file })), batchSize: 2, ...fast });
    expect(workflowId).toMatch(/^ingest-client-ingest-\d{8}-\d{6}-[0-9a-f]{10}$/);
    expect(await (await handle.describe()).staticSummary()).toBe('ingest 3 document(s) into a new vector store "client ingest"');

    const seen: IngestionProgress[] = [];
    const result = ingestion.result(workflowId);
    let done = false;
    void result.finally(() => (done = true));
    while (!done) {
      const progress = await ingestion.progress(workflowId).catch(() => undefined);
      if (progress) seen.push(progress);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((progress) => progress.workflowId === workflowId && progress.total === 3)).toBe(true);
    expect(await ingestion.progress(workflowId)).toMatchObject({ phase: 'completed', completed: 2, failed: 1 });

    const final = await result;
    expect(final).toMatchObject({ workflowId, total: 3, completed: 2, failed: 1, failuresOmitted: 0 });
    expect(final.fileCounts).toMatchObject({ completed: 2, failed: 1, total: 3 });
    expect(final.failures).toEqual([expect.objectContaining({ index: 1, source: files[1], status: 'failed', stage: 'processing', error: expect.stringContaining('invalid_file') })]);
  });

  it('cancels an ingestion', async () => {
    const file = path.join(directory, 'forever.stuck.txt');
    fs.writeFileSync(file, 'never finishes\n');
    const { workflowId } = await ingestion.startIngestion({ newVectorStore: { name: 'cancelled' }, documents: [{ path: file }], ...fast });
    await until(async () => {
      const progress = await ingestion.progress(workflowId).catch(() => undefined);
      return progress && progress.processing > 0 ? progress : undefined;
    }, 'the file to be processing');
    await ingestion.cancel(workflowId);
    await expect(ingestion.result(workflowId)).rejects.toThrow(/cancel/i);
  });
});
