/**
 * Inputs of the ingestion workflows (the seed's `*_and_poll` helpers made durable, and one
 * composite that ingests a set of documents into a vector store). File content never enters
 * workflow history: inputs name a path or URL the worker reads, or carry small inline text.
 */
import { z } from 'zod/v4';
import { boundedDuration, durationSchema, POLL_INTERVAL, RETRY_INTERVAL } from './duration';

/** Inline content larger than this must be a path or URL (keeps history small). */
export const MAX_INLINE_CONTENT_CHARS = 64 * 1024;
/** The providers' per-file upload limit. */
export const DEFAULT_MAX_FILE_BYTES = 512 * 1024 * 1024;
/** Documents per ingestion (see the `documents` field). */
export const MAX_INGESTION_DOCUMENTS = 20_000;
/** The providers accept at most 500 files in one batch. */
export const MAX_BATCH_FILES = 500;

const pathSourceSchema = z.object({ path: z.string().min(1, 'path may not be empty'), filename: z.string().min(1).optional() }).strict();
const urlSourceSchema = z.object({ url: z.string().url('url must be an http(s) URL'), filename: z.string().min(1).optional() }).strict();
const inlineSourceSchema = z
  .object({
    content: z.string().max(MAX_INLINE_CONTENT_CHARS, `inline content is capped at ${MAX_INLINE_CONTENT_CHARS} characters: pass a path or url for larger files`),
    filename: z.string({ error: 'filename is required with inline content' }).min(1),
  })
  .strict();

/**
 * Where a document comes from: a path the worker reads, a URL it fetches, or small inline text.
 * The kind is chosen by its key (`content`, `url`, else `path`) so that an error names the field
 * that is wrong, not "Invalid input" for a union.
 */
export const documentSourceSchema = z.unknown().transform((value, context) => {
  const keys = typeof value === 'object' && value !== null ? Object.keys(value) : [];
  const schema = keys.includes('content') ? inlineSourceSchema : keys.includes('url') ? urlSourceSchema : pathSourceSchema;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data as z.infer<typeof pathSourceSchema> | z.infer<typeof urlSourceSchema> | z.infer<typeof inlineSourceSchema>;
  for (const issue of parsed.error.issues) context.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  return z.NEVER;
}) as unknown as z.ZodType<z.infer<typeof pathSourceSchema> | z.infer<typeof urlSourceSchema> | z.infer<typeof inlineSourceSchema>>;
export type DocumentSource = z.infer<typeof documentSourceSchema>;

const chunkingStrategySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auto') }).strict(),
  z.object({ type: z.literal('static'), maxChunkSizeTokens: z.number().int().min(100).max(4096), chunkOverlapTokens: z.number().int().min(0) }).strict(),
]);
const metadataSchema = z.record(z.string().max(64), z.string().max(512)).refine((value) => Object.keys(value).length <= 16, 'at most 16 metadata pairs');
const pollIntervalSchema = boundedDuration(POLL_INTERVAL).default('1s');
const providerRetrySchema = z
  .object({ initialInterval: boundedDuration(RETRY_INTERVAL).default('1s'), maximumInterval: boundedDuration(RETRY_INTERVAL).default('1 minute'), maximumAttempts: z.number().int().min(0).default(0) })
  .strict()
  .default({ initialInterval: '1s', maximumInterval: '1 minute', maximumAttempts: 0 });

/** upload_file_and_poll. */
export const uploadFileInputSchema = z
  .object({
    source: documentSourceSchema,
    purpose: z.string().min(1).default('assistants'),
    maxFileBytes: z.number().int().positive().default(DEFAULT_MAX_FILE_BYTES),
    deadline: durationSchema.default('10 minutes'),
    pollInterval: pollIntervalSchema,
    providerRetry: providerRetrySchema,
  })
  .strict();

/** create_vector_store_and_poll. */
export const createVectorStoreInputSchema = z
  .object({
    name: z.string().optional(),
    fileIds: z.array(z.string().min(1)).max(MAX_BATCH_FILES).optional(),
    chunkingStrategy: chunkingStrategySchema.optional(),
    expiresAfterDays: z.number().int().min(1).max(365).optional(),
    metadata: metadataSchema.optional(),
    deadline: durationSchema.default('1 hour'),
    pollInterval: pollIntervalSchema,
    providerRetry: providerRetrySchema,
  })
  .strict();

/** create_vector_store_file_and_poll. */
export const attachFileInputSchema = z
  .object({
    vectorStoreId: z.string().min(1),
    fileId: z.string().min(1),
    chunkingStrategy: chunkingStrategySchema.optional(),
    attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    deadline: durationSchema.default('10 minutes'),
    pollInterval: pollIntervalSchema,
    providerRetry: providerRetrySchema,
  })
  .strict();

/** create_vector_store_file_batch_and_poll. */
export const createFileBatchInputSchema = z
  .object({
    vectorStoreId: z.string().min(1),
    fileIds: z.array(z.string().min(1)).min(1).max(MAX_BATCH_FILES, `a batch holds at most ${MAX_BATCH_FILES} files`),
    chunkingStrategy: chunkingStrategySchema.optional(),
    /** Files still processing this long after the batch started are given up on (the batch is cancelled). */
    fileDeadline: durationSchema.default('10 minutes'),
    deadline: durationSchema.default('1 hour'),
    pollInterval: pollIntervalSchema,
    providerRetry: providerRetrySchema,
  })
  .strict();

/** Ingest a set of documents into a vector store. */
export const ingestDocumentsInputSchema = z
  .object({
    /** An existing vector store, or one to create. */
    vectorStoreId: z.string().min(1).optional(),
    newVectorStore: z
      .object({ name: z.string().min(1), expiresAfterDays: z.number().int().min(1).max(365).optional(), metadata: metadataSchema.optional() })
      .strict()
      .optional(),
    /**
     * At most 20,000: the whole list travels in the workflow's input, which Temporal caps at 2 MB
     * (about 35,000 typical paths). Ingest more as several ingestions into the same vector store.
     */
    documents: z
      .array(documentSourceSchema)
      .min(1, 'documents may not be empty')
      .max(MAX_INGESTION_DOCUMENTS, `at most ${MAX_INGESTION_DOCUMENTS} documents per ingestion (the list travels in the workflow input, capped at 2 MB): split the set into several ingestions into the same vector store`),
    chunkingStrategy: chunkingStrategySchema.optional(),
    /** Uploads in flight at once, per chunk of documents. */
    uploadConcurrency: z.number().int().min(1).max(64).default(8),
    /** Files per batch (and per child workflow). */
    batchSize: z.number().int().min(1).max(MAX_BATCH_FILES).default(MAX_BATCH_FILES),
    /** Batches (child workflows) in flight at once. */
    parallelBatches: z.number().int().min(1).max(16).default(2),
    fileDeadline: durationSchema.default('10 minutes'),
    batchDeadline: durationSchema.default('1 hour'),
    /** Failed files are attached again, in a new batch, up to `attempts` times in all, when their error code is listed. */
    retry: z
      .object({ attempts: z.number().int().min(1).max(5).default(2), onCodes: z.array(z.string()).default(['server_error', 'timed_out']) })
      .strict()
      .default({ attempts: 2, onCodes: ['server_error', 'timed_out'] }),
    maxFileBytes: z.number().int().positive().default(DEFAULT_MAX_FILE_BYTES),
    purpose: z.string().min(1).default('assistants'),
    pollInterval: pollIntervalSchema,
    providerRetry: providerRetrySchema,
  })
  .strict()
  .superRefine((input, context) => {
    if (Boolean(input.vectorStoreId) === Boolean(input.newVectorStore)) {
      context.addIssue({ code: 'custom', path: ['vectorStoreId'], message: 'give vectorStoreId (an existing vector store) or newVectorStore (one to create), exactly one' });
    }
  });

export type UploadFileInput = z.input<typeof uploadFileInputSchema>;
export type CreateVectorStoreInput = z.input<typeof createVectorStoreInputSchema>;
export type AttachFileInput = z.input<typeof attachFileInputSchema>;
export type CreateFileBatchInput = z.input<typeof createFileBatchInputSchema>;
export type IngestDocumentsInput = z.input<typeof ingestDocumentsInputSchema>;
export type ValidatedIngestDocumentsInput = z.output<typeof ingestDocumentsInputSchema>;

/** A short label of a source for reports: its path, its URL, or `inline:<filename>`. */
export function describeSource(source: DocumentSource): string {
  if ('path' in source) return source.path;
  if ('url' in source) return source.url;
  return `inline:${source.filename}`;
}
