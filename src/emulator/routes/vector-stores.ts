import { filesNotFound, invalidRequest } from '../errors';
import { paginate, parseListQuery } from '../pagination';
import { json, param, pollHeaders, readBody, type RequestContext, type Route } from '../router';
import type { VectorStoreFileRecord } from '../store';
import type { DeletionStatus, VectorStoreFileContentPage, VectorStoreFileObject, VectorStoreFileStatus } from '../wire-types';

/** Values of the `filter` query parameter of the vector store file lists. */
const FILE_STATUS_FILTERS: readonly VectorStoreFileStatus[] = ['in_progress', 'completed', 'failed', 'cancelled'];

/** Reads `filter`, refusing an unknown status as the service does. */
function parseFilter(context: RequestContext): VectorStoreFileStatus | undefined {
  const raw = context.query.get('filter');
  if (raw === null) return undefined;
  const status = FILE_STATUS_FILTERS.find((candidate) => candidate === raw);
  if (status === undefined) {
    throw invalidRequest(
      `Invalid value: '${raw}'. Supported values are: 'in_progress', 'completed', 'failed', and 'cancelled'.`,
      'filter',
      'invalid_value',
    );
  }
  return status;
}

/** A page of vector store files (oldest first in `records`), filtered by status when asked. */
function listFiles(context: RequestContext, records: Iterable<VectorStoreFileRecord>) {
  const filter = parseFilter(context);
  const query = parseListQuery(context.query);
  const files: VectorStoreFileObject[] = [];
  for (const record of records) {
    if (record.attached && (filter === undefined || record.vectorStoreFile.status === filter)) files.push(record.vectorStoreFile);
  }
  return json(paginate(files, query));
}

/** Vector stores: create (with `file_ids`), list, get, modify, delete. */
const VECTOR_STORE_ROUTES: readonly Route[] = [
  {
    method: 'POST',
    template: '/vector_stores',
    handler: (context, { vectorStores, ledger }) => {
      const record = vectorStores.createVectorStore(readBody(context, 'CreateVectorStoreRequest'));
      ledger.recordVectorStoreFilesCreated(record.files.size);
      return json(record.vectorStore);
    },
  },
  {
    method: 'GET',
    template: '/vector_stores',
    handler: (context, { store, vectorStores }) => {
      const query = parseListQuery(context.query);
      const records = [...store.vectorStores.values()];
      records.forEach((record) => vectorStores.refresh(record));
      return json(paginate(records.map((record) => record.vectorStore), query));
    },
  },
  {
    method: 'GET',
    template: '/vector_stores/{vector_store_id}',
    handler: (context, { store, vectorStores }) => {
      const record = store.vectorStore(param(context, 'vector_store_id'));
      vectorStores.refresh(record);
      return json(record.vectorStore);
    },
  },
  {
    method: 'POST',
    template: '/vector_stores/{vector_store_id}',
    handler: (context, { store, vectorStores }) => {
      const record = store.vectorStore(param(context, 'vector_store_id'));
      vectorStores.modifyVectorStore(record, readBody(context, 'UpdateVectorStoreRequest'));
      return json(record.vectorStore);
    },
  },
  {
    method: 'DELETE',
    template: '/vector_stores/{vector_store_id}',
    handler: (context, { store, vectorStores }) => {
      const record = store.vectorStore(param(context, 'vector_store_id'));
      vectorStores.deleteVectorStore(record);
      const deletion: DeletionStatus = { id: record.vectorStore.id, object: 'vector_store.deleted', deleted: true };
      return json(deletion);
    },
  },
];

/** Vector store files: attach, list (with `filter`), get, update attributes, detach, parsed content. */
const VECTOR_STORE_FILE_ROUTES: readonly Route[] = [
  {
    method: 'POST',
    template: '/vector_stores/{vector_store_id}/files',
    handler: (context, { store, vectorStores, ledger }) => {
      const record = store.vectorStore(param(context, 'vector_store_id'));
      const body = readBody(context, 'CreateVectorStoreFileRequest');
      const file = store.files.get(body.file_id);
      if (file === undefined) throw filesNotFound([body.file_id]);
      const attached = vectorStores.attachFile(record, {
        file,
        chunkingStrategy: body.chunking_strategy,
        attributes: body.attributes,
      });
      ledger.recordVectorStoreFilesCreated(1);
      return json(attached.vectorStoreFile);
    },
  },
  {
    method: 'GET',
    template: '/vector_stores/{vector_store_id}/files',
    handler: (context, { store, vectorStores }) => {
      const record = store.vectorStore(param(context, 'vector_store_id'));
      vectorStores.refresh(record);
      return listFiles(context, record.files.values());
    },
  },
  {
    method: 'GET',
    template: '/vector_stores/{vector_store_id}/files/{file_id}',
    handler: (context, { store, vectorStores, pollAfterMs }) => {
      vectorStores.catchUp();
      const record = store.vectorStoreFile(param(context, 'vector_store_id'), param(context, 'file_id'));
      // The poll-interval hint openai-node's `vectorStores.files.poll` honours.
      return json(record.vectorStoreFile, pollHeaders(pollAfterMs));
    },
  },
  {
    method: 'POST',
    template: '/vector_stores/{vector_store_id}/files/{file_id}',
    handler: (context, { store, vectorStores }) => {
      vectorStores.catchUp();
      const record = store.vectorStoreFile(param(context, 'vector_store_id'), param(context, 'file_id'));
      record.vectorStoreFile.attributes = readBody(context, 'UpdateVectorStoreFileAttributesRequest').attributes;
      return json(record.vectorStoreFile);
    },
  },
  {
    method: 'DELETE',
    template: '/vector_stores/{vector_store_id}/files/{file_id}',
    handler: (context, { store, vectorStores }) => {
      vectorStores.catchUp();
      const record = store.vectorStoreFile(param(context, 'vector_store_id'), param(context, 'file_id'));
      vectorStores.detach(record);
      const deletion: DeletionStatus = { id: record.vectorStoreFile.id, object: 'vector_store.file.deleted', deleted: true };
      return json(deletion);
    },
  },
  {
    method: 'GET',
    template: '/vector_stores/{vector_store_id}/files/{file_id}/content',
    handler: (context, { store, vectorStores }) => {
      vectorStores.catchUp();
      const record = store.vectorStoreFile(param(context, 'vector_store_id'), param(context, 'file_id'));
      // Only a processed file has parsed content; the emulator's "parser" reads the bytes as UTF-8.
      const page: VectorStoreFileContentPage = {
        object: 'vector_store.file_content.page',
        data: record.vectorStoreFile.status === 'completed' ? [{ type: 'text', text: record.file.content.toString('utf8') }] : [],
        has_more: false,
        next_page: null,
      };
      return json(page);
    },
  },
];

/** File batches: create (`file_ids` or `files`), get, cancel, list their files. */
const FILE_BATCH_ROUTES: readonly Route[] = [
  {
    method: 'POST',
    template: '/vector_stores/{vector_store_id}/file_batches',
    handler: (context, { store, vectorStores, ledger }) => {
      const record = store.vectorStore(param(context, 'vector_store_id'));
      const batch = vectorStores.createBatch(record, readBody(context, 'CreateVectorStoreFileBatchRequest'));
      ledger.recordBatchCreated(batch.files.length);
      return json(batch.batch);
    },
  },
  {
    method: 'GET',
    template: '/vector_stores/{vector_store_id}/file_batches/{batch_id}',
    handler: (context, { store, vectorStores, pollAfterMs }) => {
      vectorStores.catchUp();
      const batch = store.fileBatch(param(context, 'vector_store_id'), param(context, 'batch_id'));
      // The poll-interval hint openai-node's `fileBatches.poll` (and so `createAndPoll`) honours.
      return json(batch.batch, pollHeaders(pollAfterMs));
    },
  },
  {
    method: 'POST',
    template: '/vector_stores/{vector_store_id}/file_batches/{batch_id}/cancel',
    handler: (context, { store, vectorStores, ledger }) => {
      const batch = store.fileBatch(param(context, 'vector_store_id'), param(context, 'batch_id'));
      if (vectorStores.cancelBatch(batch)) ledger.recordBatchCancelled();
      return json(batch.batch);
    },
  },
  {
    method: 'GET',
    template: '/vector_stores/{vector_store_id}/file_batches/{batch_id}/files',
    handler: (context, { store, vectorStores }) => {
      vectorStores.catchUp();
      const batch = store.fileBatch(param(context, 'vector_store_id'), param(context, 'batch_id'));
      return listFiles(context, batch.files);
    },
  },
];

/** Every vector store endpoint except search. */
export const VECTOR_STORE_API_ROUTES: readonly Route[] = [...VECTOR_STORE_ROUTES, ...VECTOR_STORE_FILE_ROUTES, ...FILE_BATCH_ROUTES];
