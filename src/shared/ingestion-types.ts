/**
 * Provider-neutral shapes of files, vector stores and file batches (camelCase, JSON-plain), for
 * activities, workflows and the client. The adapters translate the wire shapes.
 */
import type { DocumentSource } from './ingestion-input';

/** An uploaded file. */
export interface FileInfo {
  id: string;
  filename: string;
  bytes: number;
  purpose: string;
  /** Deprecated by the providers but still sent: `uploaded`, `processed` or `error`. */
  status: string | null;
  createdAt: number;
}

/** How a vector store splits files into chunks. */
export type ChunkingStrategy = { type: 'auto' } | { type: 'static'; maxChunkSizeTokens: number; chunkOverlapTokens: number };

/** Counts of a vector store's or a batch's files by status. */
export interface FileCounts {
  inProgress: number;
  completed: number;
  failed: number;
  cancelled: number;
  total: number;
}

/** A vector store. */
export interface VectorStoreInfo {
  id: string;
  name: string | null;
  /** `in_progress`, `completed` or `expired`. */
  status: string;
  fileCounts: FileCounts;
  usageBytes: number;
  createdAt: number;
  expiresAt: number | null;
  metadata: Record<string, string>;
}

/** Options of a new vector store. */
export interface NewVectorStore {
  name?: string;
  fileIds?: string[];
  chunkingStrategy?: ChunkingStrategy;
  /** Expire this many days after last activity. */
  expiresAfterDays?: number;
  metadata?: Record<string, string>;
}

/** A file attached to a vector store. */
export interface VectorStoreFileInfo {
  /** The file id. */
  id: string;
  vectorStoreId: string;
  /** `in_progress`, `completed`, `failed` or `cancelled`. */
  status: string;
  lastError: { code: string; message: string } | null;
  usageBytes: number;
  createdAt: number;
}

/** A batch of files being attached to a vector store. */
export interface FileBatchInfo {
  id: string;
  vectorStoreId: string;
  /** `in_progress`, `completed` (even when some files failed: read `fileCounts.failed`), `cancelled` or `failed`. */
  status: string;
  fileCounts: FileCounts;
  createdAt: number;
}

/** Final statuses of a vector store file. */
export const TERMINAL_FILE_STATUSES: readonly string[] = ['completed', 'failed', 'cancelled'];
/** Final statuses of a file batch. */
export const TERMINAL_BATCH_STATUSES: readonly string[] = ['completed', 'failed', 'cancelled'];

/** What happened to one input document of an ingestion. */
export interface DocumentOutcome {
  /** Position in the input's `documents`. */
  index: number;
  /** Its path, URL, or `inline:<filename>`. */
  source: string;
  status: 'completed' | 'failed';
  fileId: string | null;
  /** For a failure: the stage it failed in and why. */
  stage?: 'read' | 'upload' | 'processing';
  error?: string;
}

/** Live progress of an ingestion (the `getIngestionProgress` query). */
export interface IngestionProgress {
  workflowId: string;
  phase: 'starting' | 'ingesting' | 'completed' | 'cancelled';
  vectorStoreId: string | null;
  total: number;
  uploaded: number;
  /** Attached and still being processed by the provider. */
  processing: number;
  completed: number;
  failed: number;
  batchesTotal: number;
  batchesDone: number;
  startedAt: string;
}

/** The composite ingestion's result. */
export interface IngestionResult {
  workflowId: string;
  vectorStoreId: string;
  /** The vector store's `file_counts` as the provider reports them at the end. */
  fileCounts: FileCounts;
  total: number;
  completed: number;
  failed: number;
  /** The failed documents (the first 2,000; `failuresOmitted` counts the rest). Every other document completed. */
  failures: DocumentOutcome[];
  failuresOmitted: number;
}

/** What one batch (child workflow) of an ingestion reports. */
export interface IngestionBatchResult {
  completed: number;
  failures: DocumentOutcome[];
}

/** A short label of a source for reports: its path, its URL, or `inline:<filename>`. */
export function describeSource(source: DocumentSource): string {
  if ('path' in source) return source.path;
  if ('url' in source) return source.url;
  return `inline:${source.filename}`;
}
