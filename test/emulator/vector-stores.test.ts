/**
 * Vector stores, vector store files and file batches: the ingestion status machine over time, scripted
 * outcomes (rules and the filename convention), batches that complete with failures or are cancelled
 * mid-way, filters and cursors, expiry, deletion, the service's errors, every fault kind, the
 * dialects, the official client's poll helpers, the `vector_stores` helper of assistants and threads,
 * and a scale check of the single-timer scheduler.
 */
import OpenAI, { toFile } from 'openai';
import { startEmulator, type FaultRule, type RunningEmulator } from '../../src/emulator';
import { globToRegExp } from '../../src/emulator/file-outcomes';
import { ProcessingQueue } from '../../src/emulator/processing-queue';
import { TimerRegistry } from '../../src/emulator/timers';
import { call, specViolations, upload, waitFor, type HttpResult } from '../support/emulator-http';

const FILE_PROCESSING_MS = 40;

let emulator: RunningEmulator;
let client: OpenAI;

beforeAll(async () => {
  emulator = await startEmulator({ fileProcessingMs: FILE_PROCESSING_MS, queuedDelayMs: 20, pollAfterMs: 10, recordResponses: true });
  client = new OpenAI({ baseURL: emulator.openaiBaseUrl, apiKey: emulator.apiKey, maxRetries: 0 });
});

beforeEach(() => {
  emulator.reset();
});

afterEach(() => {
  // Every response each test saw (objects, lists, errors) is one the real service could have sent.
  expect(specViolations(emulator.recordedResponses())).toEqual([]);
});

afterAll(async () => {
  await emulator.close();
});

/** Uploads a file and returns its id. */
async function uploaded(filename: string, content = `content of ${filename}`): Promise<string> {
  const response = await upload(emulator, filename, content);
  expect(response.status).toBe(200);
  return response.body.id as string;
}

async function newVectorStore(body: Record<string, unknown> = {}): Promise<string> {
  const response = await call(emulator, 'POST', '/vector_stores', { body });
  expect(response.status).toBe(200);
  return response.body.id as string;
}

/** Polls a GET until `done` holds; returns the last body. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- wire object
async function pollUntil(path: string, done: (body: any) => boolean, timeoutMs = 5000): Promise<any> {
  return (await waitFor(() => call(emulator, 'GET', path), (response: HttpResult) => done(response.body), timeoutMs)).body;
}

const counts = (partial: Partial<Record<'in_progress' | 'completed' | 'failed' | 'cancelled', number>>) => {
  const full = { in_progress: 0, completed: 0, failed: 0, cancelled: 0, ...partial };
  return { ...full, total: full.in_progress + full.completed + full.failed + full.cancelled };
};

describe('vector stores', () => {
  test('create, get, modify, list, delete through the official client', async () => {
    const created = await client.vectorStores.create({
      name: 'Handbook',
      metadata: { team: 'docs' },
      expires_after: { anchor: 'last_active_at', days: 30 },
    });
    expect(created).toEqual({
      id: expect.stringMatching(/^vs_[A-Za-z0-9]{24}$/),
      object: 'vector_store',
      created_at: expect.any(Number),
      name: 'Handbook',
      usage_bytes: 0,
      file_counts: counts({}),
      status: 'completed',
      expires_after: { anchor: 'last_active_at', days: 30 },
      expires_at: created.last_active_at! + 30 * 86_400,
      last_active_at: created.created_at,
      metadata: { team: 'docs' },
    });
    await expect(client.vectorStores.retrieve(created.id)).resolves.toEqual(created);

    const modified = await client.vectorStores.update(created.id, { name: 'Renamed', expires_after: null, metadata: { team: 'ops' } });
    expect(modified).toMatchObject({ name: 'Renamed', expires_at: null, metadata: { team: 'ops' } });
    expect(modified).not.toHaveProperty('expires_after');

    const unnamed = await client.vectorStores.create({});
    expect(unnamed).toMatchObject({ name: '', expires_at: null, metadata: {} });
    const listed = await client.vectorStores.list({ order: 'asc' });
    expect(listed.data.map((store) => store.id)).toEqual([created.id, unnamed.id]);

    await expect(client.vectorStores.delete(created.id)).resolves.toEqual({ id: created.id, object: 'vector_store.deleted', deleted: true });
    const missing = await call(emulator, 'GET', `/vector_stores/${created.id}`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe(`No vector store found with id '${created.id}'.`);
  });

  test('in_progress while a file processes, then completed with counts and usage', async () => {
    const fileId = await uploaded('notes.txt', 'twelve bytes');
    const created = await call(emulator, 'POST', '/vector_stores', { body: { file_ids: [fileId] } });
    expect(created.body).toMatchObject({ status: 'in_progress', file_counts: counts({ in_progress: 1 }), usage_bytes: 0 });
    const done = await pollUntil(`/vector_stores/${created.body.id}`, (body) => body.status === 'completed');
    expect(done).toMatchObject({ file_counts: counts({ completed: 1 }), usage_bytes: 12 });
    const file = (await call(emulator, 'GET', `/vector_stores/${created.body.id}/files/${fileId}`)).body;
    expect(file).toEqual({
      id: fileId,
      object: 'vector_store.file',
      usage_bytes: 12,
      created_at: expect.any(Number),
      vector_store_id: created.body.id,
      status: 'completed',
      last_error: null,
      // `auto` is reported as the static strategy it stands for.
      chunking_strategy: { type: 'static', static: { max_chunk_size_tokens: 800, chunk_overlap_tokens: 400 } },
      attributes: {},
    });
    const content = (await call(emulator, 'GET', `/vector_stores/${created.body.id}/files/${fileId}/content`)).body;
    expect(content).toEqual({
      object: 'vector_store.file_content.page',
      data: [{ type: 'text', text: 'twelve bytes' }],
      has_more: false,
      next_page: null,
    });
  });

  test('expires once expires_at passes; activity pushes it back; an expired store stays expired', async () => {
    const shortDays = await startEmulator({ vectorStoreDaySeconds: 0.1 });
    try {
      const create = (body: unknown) => call(shortDays, 'POST', '/vector_stores', { body });
      const get = (id: string) => call(shortDays, 'GET', `/vector_stores/${id}`);
      const expiring = (await create({ expires_after: { anchor: 'last_active_at', days: 10 } })).body; // 1 s
      const forever = (await create({ name: 'forever' })).body;
      expect(expiring.expires_at - expiring.last_active_at).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 400));
      // Activity (a modify) moves last_active_at, and expires_at with it.
      expect((await call(shortDays, 'POST', `/vector_stores/${expiring.id}`, { body: { metadata: { touched: 'yes' } } })).body.status).toBe(
        'completed',
      );
      await new Promise((resolve) => setTimeout(resolve, 700)); // past the first deadline, before the new one
      expect((await get(expiring.id)).body.status).toBe('completed');
      const expired = await waitFor(
        () => get(expiring.id),
        (response) => response.body.status === 'expired',
      );
      expect(expired.body.expires_after).toEqual({ anchor: 'last_active_at', days: 10 });
      expect((await call(shortDays, 'POST', `/vector_stores/${expiring.id}`, { body: { name: 'revived?' } })).body.status).toBe('expired');
      expect((await get(forever.id)).body).toMatchObject({ status: 'completed', expires_at: null });
      expect((await get(forever.id)).body).not.toHaveProperty('expires_after');
    } finally {
      await shortDays.close();
    }
  });
});

describe('scripted processing', () => {
  test('the filename convention: .fail. fails, .stuck. never finishes, .slow. takes ten times as long; empty files fail', async () => {
    const ids = {
      plain: await uploaded('plain.txt'),
      fail: await uploaded('report.fail.txt'),
      stuck: await uploaded('report.stuck.txt'),
      slow: await uploaded('report.slow.txt'),
      empty: await uploaded('empty.txt', ''),
    };
    const vectorStoreId = await newVectorStore({ file_ids: Object.values(ids) });
    const file = async (id: string) => (await call(emulator, 'GET', `/vector_stores/${vectorStoreId}/files/${id}`)).body;

    await pollUntil(`/vector_stores/${vectorStoreId}/files/${ids.plain}`, (body) => body.status === 'completed');
    expect((await file(ids.slow)).status).toBe('in_progress');
    expect(await file(ids.fail)).toMatchObject({
      status: 'failed',
      usage_bytes: 0,
      last_error: { code: 'invalid_file', message: 'The file could not be parsed.' },
    });
    expect(await file(ids.empty)).toMatchObject({ status: 'failed', last_error: { code: 'invalid_file', message: 'The file is empty.' } });

    await pollUntil(`/vector_stores/${vectorStoreId}/files/${ids.slow}`, (body) => body.status === 'completed');
    const vectorStore = (await call(emulator, 'GET', `/vector_stores/${vectorStoreId}`)).body;
    expect(vectorStore).toMatchObject({ status: 'in_progress', file_counts: counts({ completed: 2, failed: 2, in_progress: 1 }) });
    expect((await file(ids.stuck)).status).toBe('in_progress');
  });

  test('rules (in-process) by glob, with duration, error and times; they beat the convention', async () => {
    emulator.addFileOutcome({ match: 'bad-*.txt', outcome: 'failed', error: { code: 'unsupported_file', message: 'Nope.' }, times: 1 });
    emulator.addFileOutcome({ match: 'ok.fail.txt', outcome: 'completed', durationMs: 0 });
    emulator.addFileOutcome({ match: 'hang?.md', outcome: 'stuck' });
    const vectorStoreId = await newVectorStore();
    const attach = async (name: string) =>
      (await call(emulator, 'POST', `/vector_stores/${vectorStoreId}/files`, { body: { file_id: await uploaded(name) } })).body.id as string;
    const badOne = await attach('bad-1.txt');
    const badTwo = await attach('bad-2.txt'); // the rule was for one file only
    const okFail = await attach('ok.fail.txt');
    const hang = await attach('hang1.md');
    const done = await pollUntil(`/vector_stores/${vectorStoreId}`, (body) => body.file_counts.in_progress === 1);
    expect(done.file_counts).toEqual(counts({ completed: 2, failed: 1, in_progress: 1 }));
    const status = async (id: string) => (await call(emulator, 'GET', `/vector_stores/${vectorStoreId}/files/${id}`)).body;
    expect(await status(badOne)).toMatchObject({ status: 'failed', last_error: { code: 'unsupported_file', message: 'Nope.' } });
    expect((await status(badTwo)).status).toBe('completed');
    expect((await status(okFail)).status).toBe('completed');
    expect((await status(hang)).status).toBe('in_progress');

    expect(() => emulator.addFileOutcome({ match: '*', outcome: 'exploded' } as never)).toThrow(/^Invalid FileOutcomeRule at outcome: /);
    expect(() => emulator.addFileOutcome({ match: '*', outcome: 'completed', error: { code: 'server_error', message: 'x' } })).toThrow(
      /^Invalid FileOutcomeRule at error: /,
    );
    emulator.clearFileOutcomes();
    expect((await status(await attach('hang2.md'))).status).toBe('in_progress');
    await pollUntil(`/vector_stores/${vectorStoreId}/files/${await attach('hang3.md')}`, (body) => body.status === 'completed');
  });

  test('rules over the admin API', async () => {
    const admin = (method: string, body?: unknown) =>
      call(emulator, method, '/file-outcomes', { base: `${emulator.url}/_emulator`, auth: false, body });
    const added = await admin('POST', { match: '*.md', outcome: 'failed', durationMs: 5 });
    expect(added.status).toBe(200);
    expect(added.body).toEqual({ added: { match: '*.md', outcome: 'failed', durationMs: 5 } });
    const invalid = await admin('POST', { match: '', outcome: 'failed' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.message).toMatch(/^Invalid FileOutcomeRule at match: /);

    const vectorStoreId = await newVectorStore({ file_ids: [await uploaded('a.md')] });
    const [failed] = (await pollUntil(`/vector_stores/${vectorStoreId}/files`, (body) => body.data[0]?.status !== 'in_progress')).data;
    expect(failed.last_error).toEqual({ code: 'server_error', message: 'An internal error occurred while processing the file.' });
    expect((await admin('DELETE')).body).toEqual({ cleared: true });
    const after = await newVectorStore({ file_ids: [await uploaded('b.md')] });
    expect((await pollUntil(`/vector_stores/${after}`, (body) => body.status === 'completed')).file_counts).toEqual(counts({ completed: 1 }));
  });

  test('reset forgets rules, files and vector stores', async () => {
    emulator.addFileOutcome({ match: '*', outcome: 'stuck' });
    const vectorStoreId = await newVectorStore({ file_ids: [await uploaded('x.txt')] });
    emulator.reset();
    expect((await call(emulator, 'GET', `/vector_stores/${vectorStoreId}`)).status).toBe(404);
    expect((await call(emulator, 'GET', '/files')).body.data).toEqual([]);
    const fresh = await newVectorStore({ file_ids: [await uploaded('x.txt')] });
    await pollUntil(`/vector_stores/${fresh}`, (body) => body.status === 'completed');
  });
});

describe('file batches', () => {
  test('a batch completes when every file is done, even with failures; its files list with filters', async () => {
    const ids = [await uploaded('a.txt'), await uploaded('b.fail.txt'), await uploaded('c.txt'), await uploaded('d.fail.txt')];
    const vectorStoreId = await newVectorStore();
    const batch = (
      await call(emulator, 'POST', `/vector_stores/${vectorStoreId}/file_batches`, {
        body: { file_ids: [...ids, ids[0]], attributes: { source: 'import' }, chunking_strategy: { type: 'static', static: { max_chunk_size_tokens: 300, chunk_overlap_tokens: 150 } } },
      })
    ).body;
    expect(batch).toEqual({
      id: expect.stringMatching(/^vsfb_/),
      object: 'vector_store.files_batch',
      created_at: expect.any(Number),
      vector_store_id: vectorStoreId,
      status: 'in_progress',
      file_counts: counts({ in_progress: 4 }), // the repeated id counts once
    });
    const done = await pollUntil(`/vector_stores/${vectorStoreId}/file_batches/${batch.id}`, (body) => body.status !== 'in_progress');
    expect(done).toMatchObject({ status: 'completed', file_counts: counts({ completed: 2, failed: 2 }) });

    const listFiles = async (query: string) =>
      (await call(emulator, 'GET', `/vector_stores/${vectorStoreId}/file_batches/${batch.id}/files${query}`)).body;
    const failed = await listFiles('?filter=failed&order=asc');
    expect(failed.data.map((file: { id: string }) => file.id)).toEqual([ids[1], ids[3]]);
    expect(failed.data[0]).toMatchObject({
      attributes: { source: 'import' },
      chunking_strategy: { type: 'static', static: { max_chunk_size_tokens: 300, chunk_overlap_tokens: 150 } },
    });
    expect((await listFiles('?filter=completed')).data.map((file: { id: string }) => file.id)).toEqual([ids[2], ids[0]]);
    expect((await listFiles('?filter=cancelled')).data).toEqual([]);
    expect(emulator.stats()).toMatchObject({ filesUploaded: 4, vectorStoreFilesCreated: 4, batchesCreated: 1, batchesCancelled: 0 });
  });

  test('`files` gives each file its own attributes and chunking (the shared ones are ignored)', async () => {
    const [first, second] = [await uploaded('1.txt'), await uploaded('2.txt')];
    const vectorStoreId = await newVectorStore();
    const batch = await call(emulator, 'POST', `/vector_stores/${vectorStoreId}/file_batches`, {
      body: {
        files: [{ file_id: first, attributes: { n: 1 } }, { file_id: second, chunking_strategy: { type: 'static', static: { max_chunk_size_tokens: 100, chunk_overlap_tokens: 0 } } }],
      },
    });
    expect(batch.status).toBe(200);
    const files = (await call(emulator, 'GET', `/vector_stores/${vectorStoreId}/files?order=asc`)).body.data;
    expect(files[0]).toMatchObject({ id: first, attributes: { n: 1 }, chunking_strategy: { static: { max_chunk_size_tokens: 800 } } });
    expect(files[1]).toMatchObject({ id: second, attributes: {}, chunking_strategy: { static: { max_chunk_size_tokens: 100, chunk_overlap_tokens: 0 } } });
  });

  test('cancel in the middle: finished files stay, unfinished ones are cancelled, the batch ends cancelled', async () => {
    emulator.addFileOutcome({ match: 'fast-*', outcome: 'completed', durationMs: 0 });
    emulator.addFileOutcome({ match: 'hang-*', outcome: 'stuck' });
    const fast = [await uploaded('fast-1.txt'), await uploaded('fast-2.txt')];
    const hanging = [await uploaded('hang-1.txt'), await uploaded('hang-2.txt'), await uploaded('hang-3.txt')];
    const vectorStoreId = await newVectorStore();
    const batch = (await call(emulator, 'POST', `/vector_stores/${vectorStoreId}/file_batches`, { body: { file_ids: [...fast, ...hanging] } })).body;
    await pollUntil(`/vector_stores/${vectorStoreId}/file_batches/${batch.id}`, (body) => body.file_counts.completed === 2);

    const cancelling = await client.vectorStores.fileBatches.cancel(batch.id, { vector_store_id: vectorStoreId });
    // The spec has no `cancelling`: the batch reads `in_progress` until the cancellation lands.
    expect(cancelling).toMatchObject({ status: 'in_progress', file_counts: counts({ completed: 2, in_progress: 3 }) });
    const cancelled = await client.vectorStores.fileBatches.poll(vectorStoreId, batch.id, { pollIntervalMs: 5 });
    expect(cancelled).toMatchObject({ status: 'cancelled', file_counts: counts({ completed: 2, cancelled: 3 }) });

    const byStatus = async (filter: string) =>
      (await client.vectorStores.fileBatches.listFiles(batch.id, { vector_store_id: vectorStoreId, filter: filter as 'cancelled', order: 'asc' })).data.map(
        (file) => file.id,
      );
    expect(await byStatus('cancelled')).toEqual(hanging);
    expect(await byStatus('completed')).toEqual(fast);
    expect((await client.vectorStores.retrieve(vectorStoreId)).status).toBe('completed');

    // Cancelling again changes nothing; a finished batch cannot be cancelled.
    await expect(client.vectorStores.fileBatches.cancel(batch.id, { vector_store_id: vectorStoreId })).resolves.toMatchObject({ status: 'cancelled' });
    expect(emulator.stats()).toMatchObject({ batchesCreated: 1, batchesCancelled: 1 });
    const other = (await call(emulator, 'POST', `/vector_stores/${vectorStoreId}/file_batches`, { body: { file_ids: fast } })).body;
    await pollUntil(`/vector_stores/${vectorStoreId}/file_batches/${other.id}`, (body) => body.status === 'completed');
    const refused = await call(emulator, 'POST', `/vector_stores/${vectorStoreId}/file_batches/${other.id}/cancel`);
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toBe("Cannot cancel vector store file batch with status 'completed'.");
  });

  test("the official client's createAndPoll and uploadAndPoll, paced by openai-poll-after-ms", async () => {
    const vectorStore = await client.vectorStores.create({ name: 'sdk' });
    const ids = [
      (await client.files.create({ file: await toFile(Buffer.from('one'), 'one.txt'), purpose: 'assistants' })).id,
      (await client.files.create({ file: await toFile(Buffer.from('two'), 'two.fail.txt'), purpose: 'assistants' })).id,
    ];
    const polled = await client.vectorStores.fileBatches.createAndPoll(vectorStore.id, { file_ids: ids });
    expect(polled).toMatchObject({ status: 'completed', file_counts: counts({ completed: 1, failed: 1 }) });

    const uploadedBatch = await client.vectorStores.fileBatches.uploadAndPoll(vectorStore.id, {
      files: [await toFile(Buffer.from('three'), 'three.txt'), await toFile(Buffer.from('four'), 'four.txt'), await toFile(Buffer.from(''), 'five.txt')],
    });
    expect(uploadedBatch).toMatchObject({ status: 'completed', file_counts: counts({ completed: 2, failed: 1 }) });

    const single = await client.vectorStores.files.uploadAndPoll(vectorStore.id, await toFile(Buffer.from('six'), 'six.txt'));
    expect(single).toMatchObject({ status: 'completed', usage_bytes: 3, last_error: null });
    const header = await call(emulator, 'GET', `/vector_stores/${vectorStore.id}/file_batches/${polled.id}`);
    expect(header.headers.get('openai-poll-after-ms')).toBe('10');
    expect(emulator.stats()).toMatchObject({ filesUploaded: 6, vectorStoreFilesCreated: 6, batchesCreated: 2 });
    expect((await client.vectorStores.retrieve(vectorStore.id)).file_counts).toEqual(counts({ completed: 4, failed: 2 }));
  });
});

describe('vector store files', () => {
  test('list with filter and cursors, update attributes, delete; deleting the file detaches it everywhere', async () => {
    emulator.addFileOutcome({ match: 'stuck-*', outcome: 'stuck' });
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1) ids.push(await uploaded(`${index === 4 ? 'stuck' : 'file'}-${index}.txt`));
    const vectorStoreId = await newVectorStore({ file_ids: ids });
    const second = await newVectorStore({ file_ids: [ids[0]] });
    await pollUntil(`/vector_stores/${vectorStoreId}`, (body) => body.file_counts.completed === 4);

    const page = async (query: string) => (await call(emulator, 'GET', `/vector_stores/${vectorStoreId}/files${query}`)).body;
    const first = await page('?filter=completed&order=asc&limit=2');
    expect(first).toMatchObject({ first_id: ids[0], last_id: ids[1], has_more: true });
    expect((await page(`?filter=completed&order=asc&limit=2&after=${ids[1]}`)).data.map((file: { id: string }) => file.id)).toEqual([ids[2], ids[3]]);
    expect((await page(`?filter=completed&order=asc&before=${ids[2]}`)).data.map((file: { id: string }) => file.id)).toEqual([ids[0], ids[1]]);
    expect((await page('?filter=in_progress')).data.map((file: { id: string }) => file.id)).toEqual([ids[4]]);
    const badFilter = await call(emulator, 'GET', `/vector_stores/${vectorStoreId}/files?filter=done`);
    expect(badFilter.status).toBe(400);
    expect(badFilter.body.error).toEqual({
      message: "Invalid value: 'done'. Supported values are: 'in_progress', 'completed', 'failed', and 'cancelled'.",
      type: 'invalid_request_error',
      param: 'filter',
      code: 'invalid_value',
    });

    const updated = await client.vectorStores.files.update(ids[1]!, { vector_store_id: vectorStoreId, attributes: { reviewed: true } });
    expect(updated.attributes).toEqual({ reviewed: true });

    await expect(client.vectorStores.files.delete(ids[1]!, { vector_store_id: vectorStoreId })).resolves.toEqual({
      id: ids[1],
      object: 'vector_store.file.deleted',
      deleted: true,
    });
    // A stuck file leaves too, and the counts follow.
    await client.vectorStores.files.delete(ids[4]!, { vector_store_id: vectorStoreId });
    expect((await client.vectorStores.retrieve(vectorStoreId)).file_counts).toEqual(counts({ completed: 3 }));
    const gone = await call(emulator, 'GET', `/vector_stores/${vectorStoreId}/files/${ids[1]}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.message).toBe(`No file found with id '${ids[1]}' in vector store '${vectorStoreId}'.`);

    await client.files.delete(ids[0]!);
    expect((await client.vectorStores.retrieve(vectorStoreId)).file_counts).toEqual(counts({ completed: 2 }));
    expect((await client.vectorStores.retrieve(second)).file_counts).toEqual(counts({}));
    expect((await client.vectorStores.retrieve(vectorStoreId)).usage_bytes).toBe(
      (await page('')).data.reduce((sum: number, file: { usage_bytes: number }) => sum + file.usage_bytes, 0),
    );
  });

  test('unknown file ids: the 404 names them all and nothing is created', async () => {
    const real = await uploaded('real.txt');
    const create = await call(emulator, 'POST', '/vector_stores', { body: { file_ids: ['file-nope1', real, 'file-nope2'] } });
    expect(create.status).toBe(404);
    expect(create.body.error).toEqual({ message: 'Files [file-nope1, file-nope2] were not found', type: 'invalid_request_error', param: null, code: null });
    expect((await call(emulator, 'GET', '/vector_stores')).body.data).toEqual([]);

    const vectorStoreId = await newVectorStore();
    const attach = await call(emulator, 'POST', `/vector_stores/${vectorStoreId}/files`, { body: { file_id: 'file-nope' } });
    expect(attach.status).toBe(404);
    expect(attach.body.error.message).toBe('Files [file-nope] were not found');
    const batch = await call(emulator, 'POST', `/vector_stores/${vectorStoreId}/file_batches`, { body: { file_ids: [real, 'file-nope'] } });
    expect(batch.status).toBe(404);
    expect(emulator.stats()).toMatchObject({ batchesCreated: 0, vectorStoreFilesCreated: 0 });
    expect((await call(emulator, 'GET', `/vector_stores/${vectorStoreId}`)).body.file_counts).toEqual(counts({}));
    expect((await call(emulator, 'GET', `/vector_stores/${vectorStoreId}/file_batches/vsfb_nope`)).body.error.message).toBe(
      "No vector store file batch found with id 'vsfb_nope'.",
    );
  });

  test("request validation: the service's 400s", async () => {
    const vectorStoreId = await newVectorStore();
    const cases: Array<[string, string, unknown, string]> = [
      ['POST', `/vector_stores/${vectorStoreId}/file_batches`, {}, "Missing required parameter: 'file_ids' (or 'files')."],
      [
        'POST',
        `/vector_stores/${vectorStoreId}/file_batches`,
        { file_ids: ['a'], files: [{ file_id: 'a' }] },
        "'file_ids' and 'files' are mutually exclusive: send one of them.",
      ],
      [
        'POST',
        '/vector_stores',
        { chunking_strategy: { type: 'static', static: { max_chunk_size_tokens: 800, chunk_overlap_tokens: 500 } } },
        "Invalid 'chunking_strategy.static.chunk_overlap_tokens': chunk_overlap_tokens must not exceed half of max_chunk_size_tokens. Expected a value <= 400, but got 500 instead.",
      ],
      [
        'POST',
        '/vector_stores',
        { file_ids: Array.from({ length: 501 }, (_, index) => `file-${index}`) },
        "Invalid 'file_ids': array too long. Expected an array with maximum length 500, but got an array with length 501 instead.",
      ],
      [
        'POST',
        `/vector_stores/${vectorStoreId}`,
        { expires_after: { anchor: 'created_at', days: 1 } },
        "Invalid value: 'created_at'. Supported values are: 'last_active_at'.",
      ],
      ['POST', `/vector_stores/${vectorStoreId}/files`, { file_id: 'f', attributes: { nested: { no: 1 } } }, "Invalid type for 'attributes.nested': expected one of a string, a decimal or a boolean, but got an object instead."],
      ['POST', `/vector_stores/${vectorStoreId}/files`, { file_id: 'f', colour: 'red' }, "Unknown parameter: 'colour'."],
    ];
    for (const [method, path, body, message] of cases) {
      const response = await call(emulator, method, path, { body });
      expect([path, response.status, response.body.error.message]).toEqual([path, 400, message]);
    }
  });
});

describe('faults on the vector store routes', () => {
  const route = '/vector_stores/{vector_store_id}/file_batches';

  test.each<[FaultRule['kind'], number | 'connection', boolean]>([
    ['rate_limit', 429, false],
    ['quota', 429, false],
    ['server_error', 500, false],
    ['unavailable', 503, false],
    ['reset', 'connection', false],
    ['slow', 200, true],
    ['commit_then_drop', 'connection', true],
  ])('%s on create batch: answers %s, batch created: %s', async (kind, expected, applied) => {
    const fileId = await uploaded('a.txt');
    const vectorStoreId = await newVectorStore();
    emulator.addFault({ kind, method: 'POST', route, times: 1, delayMs: 30 });
    const request = call(emulator, 'POST', `/vector_stores/${vectorStoreId}/file_batches`, { body: { file_ids: [fileId] } });
    if (expected === 'connection') {
      await expect(request).rejects.toThrow();
    } else {
      expect((await request).status).toBe(expected);
    }
    const stats = emulator.stats();
    expect(stats.faultsInjected).toEqual({ [kind]: 1 });
    expect(stats.requests[`POST ${route}`]).toBe(1);
    expect(stats.batchesCreated).toBe(applied ? 1 : 0);
    expect((await call(emulator, 'GET', `/vector_stores/${vectorStoreId}`)).body.file_counts.total).toBe(applied ? 1 : 0);
  });

  test('a fault on polling a batch reaches the poll helper as the API error', async () => {
    const vectorStoreId = await newVectorStore();
    const batch = await client.vectorStores.fileBatches.create(vectorStoreId, { file_ids: [await uploaded('a.txt')] });
    emulator.addFault({ kind: 'rate_limit', route: '/vector_stores/{vector_store_id}/file_batches/{batch_id}', times: 1 });
    await expect(client.vectorStores.fileBatches.poll(vectorStoreId, batch.id, { pollIntervalMs: 5 })).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    await expect(client.vectorStores.fileBatches.poll(vectorStoreId, batch.id, { pollIntervalMs: 5 })).resolves.toMatchObject({ status: 'completed' });
  });
});

describe('the vector_stores helper of tool_resources.file_search', () => {
  const helper = (fileIds: string[], metadata: Record<string, string> = {}) => ({
    file_search: {
      vector_stores: [{ file_ids: fileIds, chunking_strategy: { type: 'static' as const, static: { max_chunk_size_tokens: 300, chunk_overlap_tokens: 100 } }, metadata }],
    },
  });

  test('an assistant gets a real vector store: files attached and processed, then readable, listable and deletable', async () => {
    const first = await client.files.create({ file: await toFile(Buffer.from('alpha'), 'alpha.txt'), purpose: 'assistants' });
    const second = await client.files.create({ file: await toFile(Buffer.from('beta'), 'beta.txt'), purpose: 'assistants' });
    const assistant = await client.beta.assistants.create({
      model: 'gpt-4o',
      tools: [{ type: 'file_search' }],
      tool_resources: helper([first.id, second.id], { source: 'helper' }),
    });
    const ids = assistant.tool_resources?.file_search?.vector_store_ids ?? [];
    expect(ids).toEqual([expect.stringMatching(/^vs_/)]);
    const vectorStoreId = ids[0]!;

    const created = await client.vectorStores.retrieve(vectorStoreId);
    expect(created).toMatchObject({ id: vectorStoreId, metadata: { source: 'helper' }, status: 'in_progress', file_counts: counts({ in_progress: 2 }) });
    expect(created.expires_after).toBeUndefined(); // an assistant's store never expires
    const done = await pollUntil(`/vector_stores/${vectorStoreId}`, (body) => body.status === 'completed');
    expect(done.file_counts).toEqual(counts({ completed: 2 }));
    expect(done.usage_bytes).toBe('alpha'.length + 'beta'.length);
    const files = await client.vectorStores.files.list(vectorStoreId);
    expect(files.data.map((file) => file.id).sort()).toEqual([first.id, second.id].sort());
    expect(files.data[0]?.chunking_strategy).toEqual({ type: 'static', static: { max_chunk_size_tokens: 300, chunk_overlap_tokens: 100 } });
    expect((await client.vectorStores.list()).data.map((store) => store.id)).toContain(vectorStoreId);
    expect(emulator.stats().vectorStoreFilesCreated).toBe(2);

    await expect(client.vectorStores.delete(vectorStoreId)).resolves.toEqual({ id: vectorStoreId, object: 'vector_store.deleted', deleted: true });
    expect((await call(emulator, 'GET', `/vector_stores/${vectorStoreId}`)).status).toBe(404);
  });

  test('a thread (and a thread-and-run) gets one that expires 7 days after it was last active, as OpenAI documents', async () => {
    const fileId = await uploaded('thread.txt');
    const thread = await client.beta.threads.create({ tool_resources: helper([fileId]) });
    const threadStoreId = thread.tool_resources?.file_search?.vector_store_ids?.[0] ?? '';
    const threadStore = await client.vectorStores.retrieve(threadStoreId);
    expect(threadStore.expires_after).toEqual({ anchor: 'last_active_at', days: 7 });
    expect(threadStore.expires_at).toBe((threadStore.last_active_at ?? 0) + 7 * 86_400);
    expect((await client.vectorStores.files.retrieve(fileId, { vector_store_id: threadStoreId })).status).toBe('in_progress');

    const assistant = await client.beta.assistants.create({ model: 'gpt-4o' });
    const run = await client.beta.threads.createAndRun({
      assistant_id: assistant.id,
      thread: { messages: [{ role: 'user', content: 'hi' }], tool_resources: helper([fileId], { for: 'run' }) },
    });
    const runThread = await client.beta.threads.retrieve(run.thread_id);
    const runStoreId = runThread.tool_resources?.file_search?.vector_store_ids?.[0] ?? '';
    expect(runStoreId).not.toBe(threadStoreId);
    expect((await client.vectorStores.retrieve(runStoreId)).metadata).toEqual({ for: 'run' });
    expect((await client.vectorStores.files.list(runStoreId)).data.map((file) => file.id)).toEqual([fileId]);
  });

  test('over raw HTTP in the Foundry dialects; unknown file ids are the 404 naming them, and nothing is created', async () => {
    const fileId = await uploaded('foundry.txt');
    const hub = emulator.foundryHubEndpoint();
    const viaHub = await call(emulator, 'POST', '/assistants?api-version=2024-12-01-preview', {
      base: hub,
      body: { model: 'gpt-4o', tool_resources: { file_search: { vector_stores: [{ file_ids: [fileId] }] } } },
    });
    expect(viaHub.status).toBe(200);
    const hubStoreId = viaHub.body.tool_resources.file_search.vector_store_ids[0];
    const listed = await call(emulator, 'GET', `/vector_stores/${hubStoreId}/files?api-version=v1`, { base: emulator.foundryEndpoint() });
    expect(listed.body.data.map((file: { id: string }) => file.id)).toEqual([fileId]);

    const storesBefore = (await call(emulator, 'GET', '/vector_stores')).body.data.length;
    const missing = await call(emulator, 'POST', '/threads?api-version=v1', {
      base: emulator.foundryEndpoint(),
      body: { tool_resources: { file_search: { vector_stores: [{ file_ids: [fileId, 'file-missing'] }] } } },
    });
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe('Files [file-missing] were not found');
    const missingAssistant = await call(emulator, 'POST', '/assistants', {
      body: { model: 'gpt-4o', tool_resources: { file_search: { vector_stores: [{ file_ids: ['file-gone'] }] } } },
    });
    expect(missingAssistant.status).toBe(404);
    expect((await call(emulator, 'GET', '/vector_stores')).body.data.length).toBe(storesBefore);
    expect((await call(emulator, 'GET', '/assistants')).body.data.map((assistant: { id: string }) => assistant.id)).toEqual([viaHub.body.id]);
  });

  test('modify takes ids only, as the spec says: the helper is an unknown parameter, a created store can be attached', async () => {
    const assistant = await client.beta.assistants.create({ model: 'gpt-4o' });
    const refused = await call(emulator, 'POST', `/assistants/${assistant.id}`, {
      body: { tool_resources: { file_search: { vector_stores: [{ file_ids: [] }] } } },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toBe("Unknown parameter: 'tool_resources.file_search.vector_stores'.");
    const thread = await client.beta.threads.create({ tool_resources: { file_search: { vector_stores: [{}] } } });
    const emptyStoreId = thread.tool_resources?.file_search?.vector_store_ids?.[0] ?? '';
    expect((await client.vectorStores.retrieve(emptyStoreId)).file_counts.total).toBe(0);
    const modified = await client.beta.assistants.update(assistant.id, { tool_resources: { file_search: { vector_store_ids: [emptyStoreId] } } });
    expect(modified.tool_resources?.file_search?.vector_store_ids).toEqual([emptyStoreId]);
  });
});

describe('dialects', () => {
  test('Azure OpenAI and Foundry create and get vector stores; all dialects share them', async () => {
    const azure = `${emulator.url}/openai`;
    const foundry = emulator.foundryEndpoint('demo');
    const fileId = await uploaded('shared.txt');
    const viaAzure = await call(emulator, 'POST', '/vector_stores?api-version=2024-08-01-preview', {
      base: azure,
      auth: false,
      headers: { 'api-key': emulator.apiKey },
      body: { name: 'azure', file_ids: [fileId] },
    });
    expect(viaAzure.status).toBe(200);
    const viaFoundry = await call(emulator, 'POST', '/vector_stores?api-version=v1', { base: foundry, body: { name: 'foundry' } });
    expect(viaFoundry.status).toBe(200);
    expect((await call(emulator, 'GET', `/vector_stores/${viaAzure.body.id}?api-version=v1`, { base: foundry })).body.name).toBe('azure');
    expect((await call(emulator, 'GET', `/vector_stores/${viaFoundry.body.id}?api-version=2024-08-01-preview`, { base: azure })).body.name).toBe(
      'foundry',
    );
    expect((await client.vectorStores.retrieve(viaFoundry.body.id)).name).toBe('foundry');
    const batch = await call(emulator, 'POST', `/vector_stores/${viaFoundry.body.id}/file_batches?api-version=v1`, {
      base: foundry,
      body: { file_ids: [fileId] },
    });
    expect(batch.body.object).toBe('vector_store.files_batch');

    const unauthorised = await call(emulator, 'GET', `/vector_stores/${viaAzure.body.id}?api-version=v1`, { base: foundry, auth: 'wrong' });
    expect(unauthorised.status).toBe(401);
    expect(unauthorised.body.error.message).toContain('`GET /api/projects/{projectName}/vector_stores/{vectorStoreId}`');
    expect((await call(emulator, 'GET', '/vector_stores', { base: azure })).status).toBe(404); // no api-version
  });
});

describe('scale', () => {
  test('10,000 files in flight are handled by one scheduler, not a timer each', async () => {
    const ids: string[] = [];
    await Promise.all(
      Array.from({ length: 16 }, async (_, worker) => {
        for (let index = worker; index < 500; index += 16) ids.push(await uploaded(`doc-${index}.txt`, `document ${index}`));
      }),
    );
    const setTimeoutSpy = jest.spyOn(global, 'setTimeout');
    try {
      // Twenty vector stores, each fed by a batch of 500: 10,000 vector store files in flight at once.
      const vectorStores: string[] = [];
      for (let store = 0; store < 20; store += 1) {
        const vectorStoreId = await newVectorStore({ name: `store-${store}` });
        vectorStores.push(vectorStoreId);
        const batch = await call(emulator, 'POST', `/vector_stores/${vectorStoreId}/file_batches`, { body: { file_ids: ids } });
        expect(batch.body.file_counts.total).toBe(500);
      }
      for (const vectorStoreId of vectorStores) {
        const done = await pollUntil(`/vector_stores/${vectorStoreId}`, (body) => body.status === 'completed');
        expect(done.file_counts).toEqual(counts({ completed: 500 }));
      }
      // Per-file timers would be 10,000 calls; the scheduler arms one timer per due time.
      expect(setTimeoutSpy.mock.calls.length).toBeLessThan(500);
    } finally {
      setTimeoutSpy.mockRestore();
    }
    expect(emulator.stats()).toMatchObject({ filesUploaded: 500, vectorStoreFilesCreated: 10_000, batchesCreated: 20 });
  });

  test('the queue handles entries in due order (first in, first out on ties) with one timer armed', () => {
    let armed = 0;
    let maxArmed = 0;
    class CountingTimers extends TimerRegistry {
      override schedule(delayMs: number, callback: () => void): NodeJS.Timeout {
        armed += 1;
        maxArmed = Math.max(maxArmed, armed);
        return super.schedule(delayMs, () => {
          armed -= 1;
          callback();
        });
      }
      override cancel(timer: NodeJS.Timeout | undefined): void {
        if (timer !== undefined) armed -= 1;
        super.cancel(timer);
      }
    }
    const timers = new CountingTimers();
    const handled: string[] = [];
    const queue = new ProcessingQueue<string>(timers, (item) => handled.push(item));
    const base = Date.now() + 60_000;
    for (let index = 0; index < 10_000; index += 1) queue.push(base + (index % 7), `item-${index}`);
    queue.push(base - 1, 'earliest');
    expect(maxArmed).toBe(1);
    queue.runDue(base);
    expect(handled[0]).toBe('earliest');
    expect(handled.slice(1, 4)).toEqual(['item-0', 'item-7', 'item-14']);
    queue.runDue(base + 10);
    expect(handled).toHaveLength(10_001);
    expect(queue.size).toBe(0);
    queue.clear();
    timers.cancelAll();
  });

  test('globs match whole names', () => {
    expect(globToRegExp('bad-*.txt').test('bad-1.txt')).toBe(true);
    expect(globToRegExp('bad-*.txt').test('bad-1.txt.bak')).toBe(false);
    expect(globToRegExp('a?c').test('abc')).toBe(true);
    expect(globToRegExp('(x)+[y].md').test('(x)+[y].md')).toBe(true);
    expect(globToRegExp('*').test('anything at all')).toBe(true);
  });
});
