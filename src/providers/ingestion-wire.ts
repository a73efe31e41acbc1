/**
 * Permissive zod schemas for files, vector stores, vector store files and file batches, and their
 * translation to the provider-neutral shapes of src/shared/ingestion-types.ts (and back).
 */
import { z } from 'zod/v4';
import type { ChunkingStrategy, FileBatchInfo, FileCounts, FileInfo, VectorStoreFileInfo, VectorStoreInfo } from '../shared/ingestion-types';
import { parseWire as parse } from './wire-schemas';

const fileCountsSchema = z
  .object({ in_progress: z.number(), completed: z.number(), failed: z.number(), cancelled: z.number(), total: z.number() })
  .transform((counts): FileCounts => ({ inProgress: counts.in_progress, completed: counts.completed, failed: counts.failed, cancelled: counts.cancelled, total: counts.total }));

const metadataSchema = z
  .record(z.string(), z.unknown())
  .nullish()
  .transform((value) => Object.fromEntries(Object.entries(value ?? {}).map(([key, entry]) => [key, String(entry)])));

const fileSchema = z.object({ id: z.string(), filename: z.string(), bytes: z.number(), purpose: z.string(), status: z.string().nullish(), created_at: z.number() });
const vectorStoreSchema = z.object({
  id: z.string(),
  name: z.string().nullish(),
  status: z.string(),
  file_counts: fileCountsSchema,
  usage_bytes: z.number().nullish(),
  created_at: z.number(),
  expires_at: z.number().nullish(),
  metadata: metadataSchema,
});
const vectorStoreFileSchema = z.object({
  id: z.string(),
  vector_store_id: z.string(),
  status: z.string(),
  last_error: z.object({ code: z.string().nullish(), message: z.string().nullish() }).nullish(),
  usage_bytes: z.number().nullish(),
  created_at: z.number(),
});
const fileBatchSchema = z.object({ id: z.string(), vector_store_id: z.string(), status: z.string(), file_counts: fileCountsSchema, created_at: z.number() });

/** A wire file object. */
export function toFileInfo(value: unknown): FileInfo {
  const file = parse(fileSchema, value, 'file');
  return { id: file.id, filename: file.filename, bytes: file.bytes, purpose: file.purpose, status: file.status ?? null, createdAt: file.created_at };
}

/** A wire vector store. */
export function toVectorStoreInfo(value: unknown): VectorStoreInfo {
  const store = parse(vectorStoreSchema, value, 'vector store');
  return {
    id: store.id,
    name: store.name ?? null,
    status: store.status,
    fileCounts: store.file_counts,
    usageBytes: store.usage_bytes ?? 0,
    createdAt: store.created_at,
    expiresAt: store.expires_at ?? null,
    metadata: store.metadata,
  };
}

/** A wire vector store file. */
export function toVectorStoreFileInfo(value: unknown): VectorStoreFileInfo {
  const file = parse(vectorStoreFileSchema, value, 'vector store file');
  return {
    id: file.id,
    vectorStoreId: file.vector_store_id,
    status: file.status,
    lastError: file.last_error ? { code: file.last_error.code ?? 'unknown', message: file.last_error.message ?? '' } : null,
    usageBytes: file.usage_bytes ?? 0,
    createdAt: file.created_at,
  };
}

/** A wire file batch. */
export function toFileBatchInfo(value: unknown): FileBatchInfo {
  const batch = parse(fileBatchSchema, value, 'file batch');
  return { id: batch.id, vectorStoreId: batch.vector_store_id, status: batch.status, fileCounts: batch.file_counts, createdAt: batch.created_at };
}

/** A chunking strategy on the wire. */
export function toWireChunkingStrategy(strategy: ChunkingStrategy | undefined): Record<string, unknown> | undefined {
  if (!strategy) return undefined;
  if (strategy.type === 'auto') return { type: 'auto' };
  return { type: 'static', static: { max_chunk_size_tokens: strategy.maxChunkSizeTokens, chunk_overlap_tokens: strategy.chunkOverlapTokens } };
}
