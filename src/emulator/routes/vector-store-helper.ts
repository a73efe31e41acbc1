import type { CreateHelperVectorStore } from '../object-builders';
import type { EmulatorServices } from '../router';

/**
 * Days a vector store made by a thread's helper lives after it was last active: OpenAI documents this
 * default for vector stores created by thread helpers (`tool_resources.file_search.vector_stores`).
 */
export const THREAD_HELPER_VECTOR_STORE_EXPIRY_DAYS = 7;

/**
 * Serves the `vector_stores` helper of `tool_resources.file_search` on create assistant, create
 * thread and create thread-and-run: each entry becomes a real vector store made by the vector store
 * engine, as `POST /vector_stores` makes one (`file_ids` checked, attached and processed,
 * `chunking_strategy`, `metadata`), so it can be read, listed, modified and deleted like any other. A
 * thread's store expires 7 days after it was last active; an assistant's never does.
 */
export function helperVectorStores(services: EmulatorServices, owner: 'assistant' | 'thread'): CreateHelperVectorStore {
  return (helper) => {
    const record = services.vectorStores.createVectorStore({
      file_ids: helper.file_ids,
      chunking_strategy: helper.chunking_strategy,
      metadata: helper.metadata,
      expires_after: owner === 'thread' ? { anchor: 'last_active_at', days: THREAD_HELPER_VECTOR_STORE_EXPIRY_DAYS } : undefined,
    });
    services.ledger.recordVectorStoreFilesCreated(record.files.size);
    return record.vectorStore.id;
  };
}
