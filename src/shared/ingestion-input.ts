/**
 * Inputs of the ingestion workflows (the seed's `*_and_poll` helpers made durable, and one
 * composite that ingests a set of documents into a vector store). File content never enters
 * workflow history: inputs name a path or URL the worker reads, or carry small inline text.
 */
import { z } from 'zod/v4/mini';
import { POLL_INTERVAL, RETRY_INTERVAL } from './duration';
import { boundedDuration } from './duration-schema';
import { checkWith, integer, nonEmpty, schemaOnDemand } from './schema-on-demand';
import { searchAttributeSettingSchema } from './search-attribute-schema';

/** Inline content larger than this must be a path or URL (keeps history small). */
export const MAX_INLINE_CONTENT_CHARS = 64 * 1024;
/** The providers' per-file upload limit. */
export const DEFAULT_MAX_FILE_BYTES = 512 * 1024 * 1024;
/** Documents per ingestion (see the `documents` field). */
export const MAX_INGESTION_DOCUMENTS = 20_000;
/** The providers accept at most 500 files in one batch. */
export const MAX_BATCH_FILES = 500;

// The schemas are built by functions, not at module load: see schema-on-demand.ts.

const duration = (fallback: string) => z._default(boundedDuration(), fallback);

const pathSourceSchema = () => z.strictObject({ path: nonEmpty('path may not be empty'), filename: z.optional(nonEmpty()) });
const urlSourceSchema = () => z.strictObject({ url: z.url('url must be an http(s) URL'), filename: z.optional(nonEmpty()) });
const inlineSourceSchema = () =>
  z.strictObject({
    content: z.string().check(z.maxLength(MAX_INLINE_CONTENT_CHARS, `inline content is capped at ${MAX_INLINE_CONTENT_CHARS} characters: pass a path or url for larger files`)),
    filename: z.string({ error: 'filename is required with inline content' }).check(z.minLength(1)),
  });
type PathSource = z.infer<ReturnType<typeof pathSourceSchema>>;
type UrlSource = z.infer<ReturnType<typeof urlSourceSchema>>;
type InlineSource = z.infer<ReturnType<typeof inlineSourceSchema>>;

/**
 * Where a document comes from: a path the worker reads, a URL it fetches, or small inline text.
 * The kind is chosen by its key (`content`, `url`, else `path`) so that an error names the field
 * that is wrong, not "Invalid input" for a union.
 */
function documentSourceSchema(): z.ZodMiniType<PathSource | UrlSource | InlineSource> {
  const sources = { path: pathSourceSchema(), url: urlSourceSchema(), inline: inlineSourceSchema() };
  return z.pipe(
    z.unknown(),
    z.transform((value, context) => {
      const keys = typeof value === 'object' && value !== null ? Object.keys(value) : [];
      const schema = keys.includes('content') ? sources.inline : keys.includes('url') ? sources.url : sources.path;
      const parsed = schema.safeParse(value);
      if (parsed.success) return parsed.data as PathSource | UrlSource | InlineSource;
      for (const issue of parsed.error.issues) context.issues.push({ code: 'custom', message: issue.message, path: issue.path, input: value });
      return z.NEVER;
    }),
  ) as unknown as z.ZodMiniType<PathSource | UrlSource | InlineSource>;
}
export type DocumentSource = PathSource | UrlSource | InlineSource;

const chunkingStrategySchema = () =>
  z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('auto') }),
    z.strictObject({ type: z.literal('static'), maxChunkSizeTokens: integer(z.gte(100), z.lte(4096)), chunkOverlapTokens: integer(z.gte(0)) }),
  ]);
const metadataSchema = () => z.record(z.string().check(z.maxLength(64)), z.string().check(z.maxLength(512))).check(z.refine((value) => Object.keys(value).length <= 16, 'at most 16 metadata pairs'));
const pollIntervalSchema = () => z._default(boundedDuration(POLL_INTERVAL), '1s');
const providerRetrySchema = () =>
  z._default(
    z.strictObject({
      initialInterval: z._default(boundedDuration(RETRY_INTERVAL), '1s'),
      maximumInterval: z._default(boundedDuration(RETRY_INTERVAL), '1 minute'),
      maximumAttempts: z._default(integer(z.gte(0)), 0),
    }),
    { initialInterval: '1s', maximumInterval: '1 minute', maximumAttempts: 0 },
  );

const buildUploadFileInputSchema = () =>
  z.strictObject({
    source: documentSourceSchema(),
    purpose: z._default(nonEmpty(), 'assistants'),
    maxFileBytes: z._default(integer(z.positive()), DEFAULT_MAX_FILE_BYTES),
    deadline: duration('10 minutes'),
    pollInterval: pollIntervalSchema(),
    providerRetry: providerRetrySchema(),
    /** agentrun's ingestion search attributes: absent, their own names; `{ prefix }`; `false`, none (see SearchAttributeSetting). */
    searchAttributes: z.optional(searchAttributeSettingSchema()),
  });

const buildCreateVectorStoreInputSchema = () =>
  z.strictObject({
    name: z.optional(z.string()),
    fileIds: z.optional(z.array(nonEmpty()).check(z.maxLength(MAX_BATCH_FILES))),
    chunkingStrategy: z.optional(chunkingStrategySchema()),
    expiresAfterDays: z.optional(integer(z.gte(1), z.lte(365))),
    metadata: z.optional(metadataSchema()),
    deadline: duration('1 hour'),
    pollInterval: pollIntervalSchema(),
    providerRetry: providerRetrySchema(),
    /** agentrun's ingestion search attributes: absent, their own names; `{ prefix }`; `false`, none (see SearchAttributeSetting). */
    searchAttributes: z.optional(searchAttributeSettingSchema()),
  });

const buildAttachFileInputSchema = () =>
  z.strictObject({
    vectorStoreId: nonEmpty(),
    fileId: nonEmpty(),
    chunkingStrategy: z.optional(chunkingStrategySchema()),
    attributes: z.optional(z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))),
    deadline: duration('10 minutes'),
    pollInterval: pollIntervalSchema(),
    providerRetry: providerRetrySchema(),
    /** agentrun's ingestion search attributes: absent, their own names; `{ prefix }`; `false`, none (see SearchAttributeSetting). */
    searchAttributes: z.optional(searchAttributeSettingSchema()),
  });

const buildCreateFileBatchInputSchema = () =>
  z.strictObject({
    vectorStoreId: nonEmpty(),
    fileIds: z.array(nonEmpty()).check(z.minLength(1), z.maxLength(MAX_BATCH_FILES, `a batch holds at most ${MAX_BATCH_FILES} files`)),
    chunkingStrategy: z.optional(chunkingStrategySchema()),
    /** Files still processing this long after the batch started are given up on (the batch is cancelled). */
    fileDeadline: duration('10 minutes'),
    deadline: duration('1 hour'),
    pollInterval: pollIntervalSchema(),
    providerRetry: providerRetrySchema(),
    /** agentrun's ingestion search attributes: absent, their own names; `{ prefix }`; `false`, none (see SearchAttributeSetting). */
    searchAttributes: z.optional(searchAttributeSettingSchema()),
  });

const buildIngestDocumentsInputSchema = () =>
  z
    .strictObject({
      /** An existing vector store, or one to create. */
      vectorStoreId: z.optional(nonEmpty()),
      newVectorStore: z.optional(z.strictObject({ name: nonEmpty(), expiresAfterDays: z.optional(integer(z.gte(1), z.lte(365))), metadata: z.optional(metadataSchema()) })),
      /**
       * At most 20,000: the whole list travels in the workflow's input, which Temporal caps at 2 MB
       * (about 35,000 typical paths). Ingest more as several ingestions into the same vector store.
       */
      documents: z
        .array(documentSourceSchema())
        .check(
          z.minLength(1, 'documents may not be empty'),
          z.maxLength(MAX_INGESTION_DOCUMENTS, `at most ${MAX_INGESTION_DOCUMENTS} documents per ingestion (the list travels in the workflow input, capped at 2 MB): split the set into several ingestions into the same vector store`),
        ),
      chunkingStrategy: z.optional(chunkingStrategySchema()),
      /** Uploads in flight at once, per chunk of documents. */
      uploadConcurrency: z._default(integer(z.gte(1), z.lte(64)), 8),
      /** Files per batch (and per child workflow). */
      batchSize: z._default(integer(z.gte(1), z.lte(MAX_BATCH_FILES)), MAX_BATCH_FILES),
      /** Batches (child workflows) in flight at once. */
      parallelBatches: z._default(integer(z.gte(1), z.lte(16)), 2),
      fileDeadline: duration('10 minutes'),
      batchDeadline: duration('1 hour'),
      /** Failed files are attached again, in a new batch, up to `attempts` times in all, when their error code is listed. */
      retry: z._default(z.strictObject({ attempts: z._default(integer(z.gte(1), z.lte(5)), 2), onCodes: z._default(z.array(z.string()), ['server_error', 'timed_out']) }), {
        attempts: 2,
        onCodes: ['server_error', 'timed_out'],
      }),
      maxFileBytes: z._default(integer(z.positive()), DEFAULT_MAX_FILE_BYTES),
      purpose: z._default(nonEmpty(), 'assistants'),
      pollInterval: pollIntervalSchema(),
      providerRetry: providerRetrySchema(),
      searchAttributes: z.optional(searchAttributeSettingSchema()),
    })
    .check(
      checkWith((input, report) => {
        if (Boolean(input.vectorStoreId) === Boolean(input.newVectorStore)) {
          report('give vectorStoreId (an existing vector store) or newVectorStore (one to create), exactly one', ['vectorStoreId']);
        }
      }),
    );

/** upload_file_and_poll (zod Mini; built on demand, see schema-on-demand.ts). */
export const uploadFileInputSchema = schemaOnDemand(buildUploadFileInputSchema);
/** create_vector_store_and_poll. */
export const createVectorStoreInputSchema = schemaOnDemand(buildCreateVectorStoreInputSchema);
/** create_vector_store_file_and_poll. */
export const attachFileInputSchema = schemaOnDemand(buildAttachFileInputSchema);
/** create_vector_store_file_batch_and_poll. */
export const createFileBatchInputSchema = schemaOnDemand(buildCreateFileBatchInputSchema);
/** Ingest a set of documents into a vector store. */
export const ingestDocumentsInputSchema = schemaOnDemand(buildIngestDocumentsInputSchema);

export type UploadFileInput = z.input<ReturnType<typeof buildUploadFileInputSchema>>;
export type CreateVectorStoreInput = z.input<ReturnType<typeof buildCreateVectorStoreInputSchema>>;
export type AttachFileInput = z.input<ReturnType<typeof buildAttachFileInputSchema>>;
export type CreateFileBatchInput = z.input<ReturnType<typeof buildCreateFileBatchInputSchema>>;
export type IngestDocumentsInput = z.input<ReturnType<typeof buildIngestDocumentsInputSchema>>;
export type ValidatedIngestDocumentsInput = z.output<ReturnType<typeof buildIngestDocumentsInputSchema>>;
