import { z } from 'zod/v4';
import { UploadedFile } from './multipart';

/**
 * Request schemas mirroring the official OpenAPI request objects (`CreateAssistantRequest`,
 * `CreateRunRequest`, ...). They are strict, as the real service is: an unknown key is a 400
 * `unknown_parameter`, not silently dropped, so a client that sends a misspelt parameter fails
 * against the emulator exactly as it would in production.
 *
 * Checks the OpenAI error vocabulary has a special code for (integer bounds, metadata limits) are
 * written as custom issues carrying that code in `params`; see `request-validation.ts`, which turns
 * every zod issue into the service's error object.
 */

/** What a custom issue carries so the validation layer can word it like the real service. */
export interface OpenAIIssueParams {
  /** The OpenAI error `code`, for example `integer_below_min_value`. */
  openaiCode: string;
  /** The sentence after `Invalid 'param': `. */
  detail: string;
  /** Appended to the issue's path to form `param` (for a metadata key: the key itself). */
  paramSuffix?: string;
}

function customIssue(params: OpenAIIssueParams, input: unknown) {
  return { code: 'custom' as const, message: params.detail, params: { ...params }, input };
}

/** An integer with the bounds reported in OpenAI's integer wording (`integer below minimum value`). */
export function boundedInteger(bounds: { min?: number; max?: number }) {
  return z.int().superRefine((value, context) => {
    if (bounds.min !== undefined && value < bounds.min) {
      context.addIssue(
        customIssue(
          {
            openaiCode: 'integer_below_min_value',
            detail: `integer below minimum value. Expected a value >= ${bounds.min}, but got ${value} instead.`,
          },
          value,
        ),
      );
    }
    if (bounds.max !== undefined && value > bounds.max) {
      context.addIssue(
        customIssue(
          {
            openaiCode: 'integer_above_max_value',
            detail: `integer above maximum value. Expected a value <= ${bounds.max}, but got ${value} instead.`,
          },
          value,
        ),
      );
    }
  });
}

/** Metadata limits the real service enforces: 16 pairs, keys up to 64 characters, values up to 512. */
export const METADATA_LIMITS = { maxPairs: 16, maxKeyLength: 64, maxValueLength: 512 } as const;

/** The pair limits metadata and vector store file attributes share (16 pairs, 64/512 characters). */
function checkPairLimits(value: Record<string, unknown>, context: z.RefinementCtx): void {
  const entries = Object.entries(value);
  if (entries.length > METADATA_LIMITS.maxPairs) {
    context.addIssue(
      customIssue(
        {
          openaiCode: 'object_above_max_size',
          detail:
            `too many properties. Expected an object with at most ${METADATA_LIMITS.maxPairs} properties, ` +
            `but got an object with ${entries.length} properties instead.`,
        },
        value,
      ),
    );
  }
  for (const [key, entry] of entries) {
    if (key.length > METADATA_LIMITS.maxKeyLength) {
      context.addIssue(
        customIssue(
          {
            openaiCode: 'string_above_max_length',
            detail:
              `key too long. Expected a key with maximum length ${METADATA_LIMITS.maxKeyLength}, ` +
              `but got a key with length ${key.length} instead.`,
          },
          key,
        ),
      );
    }
    if (typeof entry === 'string' && entry.length > METADATA_LIMITS.maxValueLength) {
      context.addIssue(
        customIssue(
          {
            openaiCode: 'string_above_max_length',
            paramSuffix: key,
            detail:
              `string too long. Expected a string with maximum length ${METADATA_LIMITS.maxValueLength}, ` +
              `but got a string with length ${entry.length} instead.`,
          },
          entry,
        ),
      );
    }
  }
}

const metadata = z.record(z.string(), z.string()).superRefine(checkPairLimits).nullable();

/** `metadata` with the service's limits (16 pairs, 64-character keys, 512-character values); null allowed. */
export const metadataSchema = metadata;

/** `VectorStoreFileAttributes`: like metadata, but values may also be numbers and booleans. */
const attributes = z
  .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
  .superRefine(checkPairLimits)
  .nullable();

const temperature = z.number().min(0).max(2).nullable();
const topP = z.number().min(0).max(1).nullable();
const reasoningEffort = z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max']).nullable();

const fileSearchRankingOptions = z.strictObject({
  ranker: z.enum(['auto', 'default_2024_08_21']).optional(),
  score_threshold: z.number().min(0).max(1),
});

const codeInterpreterTool = z.strictObject({ type: z.literal('code_interpreter') });
const fileSearchTool = z.strictObject({
  type: z.literal('file_search'),
  file_search: z
    .strictObject({
      max_num_results: boundedInteger({ min: 1, max: 50 }).optional(),
      ranking_options: fileSearchRankingOptions.optional(),
    })
    .optional(),
});
const functionTool = z.strictObject({
  type: z.literal('function'),
  function: z.strictObject({
    name: z.string().max(64).regex(/^[a-zA-Z0-9_-]+$/),
    description: z.string().optional(),
    // A JSON Schema object: free-form by definition.
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullable().optional(),
  }),
});
const tool = z.discriminatedUnion('type', [codeInterpreterTool, fileSearchTool, functionTool]);

/** `StaticChunkingStrategy`: the overlap may be at most half the chunk size (the spec says so in prose). */
const staticChunking = z
  .strictObject({
    max_chunk_size_tokens: boundedInteger({ min: 100, max: 4096 }),
    chunk_overlap_tokens: boundedInteger({ min: 0 }),
  })
  .superRefine((value, context) => {
    const limit = Math.floor(value.max_chunk_size_tokens / 2);
    if (value.chunk_overlap_tokens > limit) {
      context.addIssue(
        customIssue(
          {
            openaiCode: 'invalid_value',
            paramSuffix: 'chunk_overlap_tokens',
            detail:
              `chunk_overlap_tokens must not exceed half of max_chunk_size_tokens. Expected a value <= ${limit}, ` +
              `but got ${value.chunk_overlap_tokens} instead.`,
          },
          value.chunk_overlap_tokens,
        ),
      );
    }
  });

/** `ChunkingStrategyRequestParam`: `auto` or `static` with its limits. */
const chunkingStrategy = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('auto') }),
  z.strictObject({ type: z.literal('static'), static: staticChunking }),
]);

/** File purposes an upload may declare (`CreateFileRequest.purpose`). */
export const FILE_PURPOSES = ['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals'] as const;

/**
 * A multipart file part. Anything else (a missing part, a text field named `file`) is reported the
 * service's way: `Missing required parameter: 'file'.` or `Invalid type for 'file': expected a file...`.
 */
const uploadedFile = z.unknown().superRefine((value, context) => {
  if (value instanceof UploadedFile) return;
  context.addIssue({ code: 'invalid_type', expected: 'file' as never, input: value });
}) as unknown as z.ZodType<UploadedFile>;

/** Multipart fields arrive as text: an integer field accepts its decimal digits. */
function formInteger(bounds: { min?: number; max?: number }) {
  return z.preprocess(
    (value) => (typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value),
    boundedInteger(bounds),
  );
}

/** `VectorStoreExpirationAfter`. */
const vectorStoreExpiration = z.strictObject({
  anchor: z.literal('last_active_at'),
  days: boundedInteger({ min: 1, max: 365 }),
});

/** `CreateVectorStoreFileRequest`, also the item of a batch's `files`. */
const createVectorStoreFile = z.strictObject({
  file_id: z.string(),
  chunking_strategy: chunkingStrategy.optional(),
  attributes: attributes.optional(),
});

const textFormat = z.strictObject({ type: z.literal('text') });
const jsonObjectFormat = z.strictObject({ type: z.literal('json_object') });
const jsonSchemaFormat = z.strictObject({
  type: z.literal('json_schema'),
  json_schema: z.strictObject({
    description: z.string().optional(),
    name: z.string().max(64).regex(/^[a-zA-Z0-9_-]+$/),
    schema: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullable().optional(),
  }),
});
const responseFormat = z.union([
  z.literal('auto'),
  z.discriminatedUnion('type', [textFormat, jsonObjectFormat, jsonSchemaFormat]),
]);

const toolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.strictObject({
    type: z.enum(['function', 'code_interpreter', 'file_search']),
    function: z.strictObject({ name: z.string() }).optional(),
  }),
]);

const truncationStrategy = z.strictObject({
  type: z.enum(['auto', 'last_messages']),
  last_messages: boundedInteger({ min: 1 }).nullable().optional(),
});

const imageDetail = z.enum(['auto', 'low', 'high']);
const contentPart = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('image_file'),
    image_file: z.strictObject({ file_id: z.string(), detail: imageDetail.optional() }),
  }),
  z.strictObject({
    type: z.literal('image_url'),
    image_url: z.strictObject({ url: z.string(), detail: imageDetail.optional() }),
  }),
  z.strictObject({ type: z.literal('text'), text: z.string() }),
]);

/** Which dialect's variant of the schemas to build. */
export interface RequestSchemaOptions {
  /**
   * Accept the extensions Microsoft's Foundry Agent Service adds to the same objects (and that
   * `@azure/ai-agents` and Microsoft's Python SDKs send): `tool_resources` on create-run,
   * `data_source` on message attachments, `azure_ai_search` in tool resources, and the upload's
   * `filename` form field.
   */
  foundryExtensions: boolean;
}

/** Builds every request schema, in the OpenAI variant or with Foundry's extensions. */
export function buildRequestSchemas(options: RequestSchemaOptions) {
  const openAIAttachment = z.strictObject({
    file_id: z.string(),
    tools: z.array(z.discriminatedUnion('type', [codeInterpreterTool, z.strictObject({ type: z.literal('file_search') })])).optional(),
  });
  const attachment = options.foundryExtensions
    ? openAIAttachment.extend({ data_source: z.record(z.string(), z.unknown()).optional() })
    : openAIAttachment;

  /** Foundry's Azure AI Search tool resource; free-form here because the emulator never runs that tool. */
  const azureAISearch = z.record(z.string(), z.unknown()).optional();

  /** Tool resources as `modify` and run-level requests take them (ids only). */
  const openAIToolResources = z.strictObject({
    code_interpreter: z.strictObject({ file_ids: z.array(z.string()).max(20).optional() }).optional(),
    file_search: z.strictObject({ vector_store_ids: z.array(z.string()).max(1).optional() }).optional(),
  });
  const toolResources = options.foundryExtensions
    ? openAIToolResources.extend({ azure_ai_search: azureAISearch })
    : openAIToolResources;

  /** Tool resources as `create` requests take them: may also create a vector store from file ids. */
  const openAICreatableToolResources = z.strictObject({
    code_interpreter: z.strictObject({ file_ids: z.array(z.string()).max(20).optional() }).optional(),
    file_search: z
      .strictObject({
        vector_store_ids: z.array(z.string()).max(1).optional(),
        vector_stores: z
          .array(
            z.strictObject({
              file_ids: z.array(z.string()).optional(),
              chunking_strategy: chunkingStrategy.optional(),
              metadata: metadata.optional(),
            }),
          )
          .max(1)
          .optional(),
      })
      .optional(),
  });
  const creatableToolResources = options.foundryExtensions
    ? openAICreatableToolResources.extend({ azure_ai_search: azureAISearch })
    : openAICreatableToolResources;

  const createMessage = z.strictObject({
    role: z.enum(['user', 'assistant']),
    content: z.union([z.string(), z.array(contentPart).min(1)]),
    attachments: z.array(attachment).nullable().optional(),
    metadata: metadata.optional(),
  });

  const createThread = z.strictObject({
    messages: z.array(createMessage).optional(),
    tool_resources: creatableToolResources.nullable().optional(),
    metadata: metadata.optional(),
  });

  const assistantFields = {
    name: z.string().max(256).nullable().optional(),
    description: z.string().max(512).nullable().optional(),
    instructions: z.string().max(256_000).nullable().optional(),
    reasoning_effort: reasoningEffort.optional(),
    tools: z.array(tool).max(128).optional(),
    metadata: metadata.optional(),
    temperature: temperature.optional(),
    top_p: topP.optional(),
    response_format: responseFormat.nullable().optional(),
  };

  /** Fields create-run and create-thread-and-run share. */
  const runFields = {
    assistant_id: z.string(),
    model: z.string().nullable().optional(),
    instructions: z.string().nullable().optional(),
    tools: z.array(tool).max(20).nullable().optional(),
    metadata: metadata.optional(),
    temperature: temperature.optional(),
    top_p: topP.optional(),
    stream: z.boolean().nullable().optional(),
    max_prompt_tokens: boundedInteger({ min: 256 }).nullable().optional(),
    max_completion_tokens: boundedInteger({ min: 256 }).nullable().optional(),
    truncation_strategy: truncationStrategy.nullable().optional(),
    tool_choice: toolChoice.nullable().optional(),
    parallel_tool_calls: z.boolean().optional(),
    response_format: responseFormat.nullable().optional(),
  };

  const createRun = z.strictObject({
    ...runFields,
    reasoning_effort: reasoningEffort.optional(),
    additional_instructions: z.string().nullable().optional(),
    additional_messages: z.array(createMessage).nullable().optional(),
  });

  const createFile = z.strictObject({
    file: uploadedFile,
    purpose: z.enum(FILE_PURPOSES),
    expires_after: z
      .strictObject({ anchor: z.literal('created_at'), seconds: formInteger({ min: 3600, max: 2_592_000 }) })
      .optional(),
  });

  return {
    CreateAssistantRequest: z.strictObject({
      model: z.string(),
      ...assistantFields,
      tool_resources: creatableToolResources.nullable().optional(),
    }),
    ModifyAssistantRequest: z.strictObject({
      model: z.string().optional(),
      ...assistantFields,
      tool_resources: toolResources.nullable().optional(),
    }),
    CreateThreadRequest: createThread,
    ModifyThreadRequest: z.strictObject({
      tool_resources: toolResources.nullable().optional(),
      metadata: metadata.optional(),
    }),
    CreateMessageRequest: createMessage,
    ModifyMessageRequest: z.strictObject({ metadata: metadata.optional() }),
    CreateRunRequest: options.foundryExtensions
      ? createRun.extend({ tool_resources: toolResources.nullable().optional() })
      : createRun,
    CreateThreadAndRunRequest: z.strictObject({
      ...runFields,
      thread: createThread.optional(),
      tool_resources: toolResources.nullable().optional(),
    }),
    ModifyRunRequest: z.strictObject({ metadata: metadata.optional() }),
    SubmitToolOutputsRunRequest: z.strictObject({
      tool_outputs: z.array(z.strictObject({ tool_call_id: z.string(), output: z.string() })),
      stream: z.boolean().nullable().optional(),
    }),
    // The multipart upload's fields (validated after the form is parsed; see multipart.ts).
    CreateFileRequest: options.foundryExtensions ? createFile.extend({ filename: z.string().optional() }) : createFile,
    CreateVectorStoreRequest: z.strictObject({
      file_ids: z.array(z.string()).max(500).optional(),
      name: z.string().optional(),
      description: z.string().optional(),
      expires_after: vectorStoreExpiration.optional(),
      chunking_strategy: chunkingStrategy.optional(),
      metadata: metadata.optional(),
    }),
    UpdateVectorStoreRequest: z.strictObject({
      name: z.string().nullable().optional(),
      expires_after: vectorStoreExpiration.nullable().optional(),
      metadata: metadata.optional(),
    }),
    CreateVectorStoreFileRequest: createVectorStoreFile,
    // `file_ids` and `files` are mutually exclusive and one is needed: the handler says so (the spec's anyOf).
    CreateVectorStoreFileBatchRequest: z.strictObject({
      file_ids: z.array(z.string()).min(1).max(2000).optional(),
      files: z.array(createVectorStoreFile).min(1).max(2000).optional(),
      chunking_strategy: chunkingStrategy.optional(),
      attributes: attributes.optional(),
    }),
    UpdateVectorStoreFileAttributesRequest: z.strictObject({ attributes }),
  };
}

/** The request schemas, keyed by the name the official OpenAPI spec gives each request object. */
export type RequestSchemas = ReturnType<typeof buildRequestSchemas>;

/** The name of one request schema, as in the official spec. */
export type RequestSchemaName = keyof RequestSchemas;

/** The OpenAI (and Azure OpenAI) variant: exactly the official request objects. */
export const OPENAI_REQUEST_SCHEMAS: RequestSchemas = buildRequestSchemas({ foundryExtensions: false });

/** The Foundry Agent Service variant: the official objects plus Microsoft's documented extensions. */
export const FOUNDRY_REQUEST_SCHEMAS: RequestSchemas = buildRequestSchemas({ foundryExtensions: true });

/** The parsed body of each request. */
export type CreateAssistantBody = z.infer<RequestSchemas['CreateAssistantRequest']>;
/** The parsed body of a modify-assistant request. */
export type ModifyAssistantBody = z.infer<RequestSchemas['ModifyAssistantRequest']>;
/** The parsed body of a create-thread request. */
export type CreateThreadBody = z.infer<RequestSchemas['CreateThreadRequest']>;
/** The parsed body of a modify-thread request. */
export type ModifyThreadBody = z.infer<RequestSchemas['ModifyThreadRequest']>;
/** The parsed body of a create-message request. */
export type CreateMessageBody = z.infer<RequestSchemas['CreateMessageRequest']>;
/** The parsed body of a create-run request. */
export type CreateRunBody = z.infer<RequestSchemas['CreateRunRequest']>;
/** The parsed body of a create-thread-and-run request. */
export type CreateThreadAndRunBody = z.infer<RequestSchemas['CreateThreadAndRunRequest']>;
/** The parsed body of a submit-tool-outputs request. */
export type SubmitToolOutputsBody = z.infer<RequestSchemas['SubmitToolOutputsRunRequest']>;
/** The parsed fields of a multipart file upload. */
export type CreateFileBody = z.infer<RequestSchemas['CreateFileRequest']>;
/** The parsed body of a create-vector-store request. */
export type CreateVectorStoreBody = z.infer<RequestSchemas['CreateVectorStoreRequest']>;
/** The parsed body of a modify-vector-store request. */
export type UpdateVectorStoreBody = z.infer<RequestSchemas['UpdateVectorStoreRequest']>;
/** The parsed body of an attach-file request (and one item of a batch's `files`). */
export type CreateVectorStoreFileBody = z.infer<RequestSchemas['CreateVectorStoreFileRequest']>;
/** The parsed body of a create-file-batch request. */
export type CreateVectorStoreFileBatchBody = z.infer<RequestSchemas['CreateVectorStoreFileBatchRequest']>;
/** A chunking strategy as a request gives it. */
export type ChunkingStrategyInput = NonNullable<CreateVectorStoreFileBody['chunking_strategy']>;
