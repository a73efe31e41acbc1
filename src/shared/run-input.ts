/**
 * The input of the agent run workflow: every option of `create_and_process_run` (in
 * provider-neutral camelCase, see agent-types.ts) plus agentrun's orchestration options.
 * One zod schema, shared by the workflow (which validates once, at its edge) and the client
 * (which validates before starting, so mistakes surface at the caller).
 */
import { z } from 'zod';
import { boundedDuration, durationMs, durationSchema, POLL_INTERVAL, RETRY_INTERVAL } from './duration';

/** The longest approver name or id a decision may carry (it is recorded on every call it decides). */
export const MAX_APPROVER_CHARS = 200;

/** Metadata keys agentrun writes on runs to reconcile them; users may not set them. */
export const RESERVED_METADATA_PREFIX = 'agentrun_';
/** Run metadata allows 16 pairs; agentrun keeps two for its own tags. */
export const MAX_USER_METADATA_PAIRS = 14;

const metadataSchema = z
  .record(z.string().min(1).max(64, 'metadata keys are at most 64 characters'), z.string().max(512, 'metadata values are at most 512 characters'))
  .refine((metadata) => Object.keys(metadata).length <= 16, { message: 'at most 16 metadata pairs' });

const runMetadataSchema = metadataSchema
  .refine((metadata) => Object.keys(metadata).length <= MAX_USER_METADATA_PAIRS, {
    message: `at most ${MAX_USER_METADATA_PAIRS} metadata pairs: agentrun uses 2 of the provider's 16 to tag runs`,
  })
  .refine((metadata) => !Object.keys(metadata).some((key) => key.startsWith(RESERVED_METADATA_PREFIX)), {
    message: `keys starting with "${RESERVED_METADATA_PREFIX}" are reserved for agentrun's run tags`,
  });

const detailSchema = z.enum(['auto', 'low', 'high']);
const contentPartSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string() }).strict(),
  z.object({ type: z.literal('image_file'), fileId: z.string().min(1), detail: detailSchema.optional() }).strict(),
  z.object({ type: z.literal('image_url'), url: z.string().url(), detail: detailSchema.optional() }).strict(),
]);

/** A message to add to a thread. */
export const newMessageSchema = z
  .object({
    role: z.enum(['user', 'assistant']),
    content: z.union([z.string().min(1, 'message content may not be empty'), z.array(contentPartSchema).min(1)]),
    attachments: z.array(z.object({ fileId: z.string().min(1), tools: z.array(z.enum(['code_interpreter', 'file_search'])) }).strict()).optional(),
    metadata: metadataSchema.optional(),
  })
  .strict();

const toolResourcesSchema = z
  .object({
    codeInterpreter: z.object({ fileIds: z.array(z.string().min(1)).max(20) }).strict().optional(),
    fileSearch: z.object({ vectorStoreIds: z.array(z.string().min(1)).max(1) }).strict().optional(),
  })
  .strict();

const toolDefinitionSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('function'),
      name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'function names are 1-64 letters, digits, _ or -'),
      description: z.string().optional(),
      parameters: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().optional(),
    })
    .strict(),
  z.object({ type: z.literal('code_interpreter') }).strict(),
  z
    .object({
      type: z.literal('file_search'),
      maxNumResults: z.number().int().min(1).max(50).optional(),
      rankingOptions: z.object({ ranker: z.enum(['auto', 'default_2024_08_21']).optional(), scoreThreshold: z.number().min(0).max(1) }).strict().optional(),
    })
    .strict(),
]);

const toolChoiceSchema = z.union([
  z.enum(['none', 'auto', 'required']),
  z.object({ type: z.literal('function'), name: z.string().min(1) }).strict(),
  z.object({ type: z.enum(['file_search', 'code_interpreter']) }).strict(),
]);

const responseFormatSchema = z.union([
  z.literal('auto'),
  z.object({ type: z.enum(['text', 'json_object']) }).strict(),
  z
    .object({
      type: z.literal('json_schema'),
      jsonSchema: z.object({ name: z.string().min(1), description: z.string().optional(), schema: z.record(z.string(), z.unknown()).optional(), strict: z.boolean().optional() }).strict(),
    })
    .strict(),
]);

/** What happens to one tool's calls: run on the worker, wait for a person, or wait for an output from outside. */
export const toolPolicySchema = z.enum(['auto', 'approval', 'external']);
/** See {@link toolPolicySchema}. */
export type ToolPolicy = z.infer<typeof toolPolicySchema>;

/** The agent run workflow's input. */
export const agentRunInputSchema = z
  .object({
    // -- where: an existing thread, or a thread to create (neither: a new empty thread) --
    threadId: z.string().min(1).optional(),
    thread: z.object({ messages: z.array(newMessageSchema).optional(), metadata: metadataSchema.optional(), toolResources: toolResourcesSchema.optional() }).strict().optional(),

    // -- the run: every option of create_and_process_run --
    assistantId: z.string({ error: 'assistantId is required: the id of the assistant (agent) to run' }).min(1),
    model: z.string().min(1).optional(),
    instructions: z.string().optional(),
    additionalInstructions: z.string().optional(),
    additionalMessages: z.array(newMessageSchema).optional(),
    tools: z.array(toolDefinitionSchema).max(128).optional(),
    toolResources: toolResourcesSchema.optional(),
    temperature: z.number().min(0).max(2).optional(),
    topP: z.number().min(0).max(1).optional(),
    maxPromptTokens: z.number().int().min(256).optional(),
    maxCompletionTokens: z.number().int().min(256).optional(),
    truncationStrategy: z.object({ type: z.enum(['auto', 'last_messages']), lastMessages: z.number().int().min(1).optional() }).strict().optional(),
    toolChoice: toolChoiceSchema.optional(),
    responseFormat: responseFormatSchema.optional(),
    parallelToolCalls: z.boolean().optional(),
    metadata: runMetadataSchema.optional(),
    include: z.array(z.string()).optional(),

    // -- orchestration --
    /** How to wait for the run: poll at `pollInterval` (sleep_interval; the provider's openai-poll-after-ms wins when sent), or consume the stream. */
    wait: z
      .object({ mode: z.enum(['poll', 'stream']).default('poll'), pollInterval: boundedDuration(POLL_INTERVAL).default('1s') })
      .strict()
      .default({ mode: 'poll', pollInterval: '1s' }),
    /** Per-tool policy, overriding the policy the tool was defined with on the worker. */
    toolPolicies: z.record(z.string(), toolPolicySchema).default({}),
    /** A tool no worker knows: answer with an error output, or wait for an output from outside. */
    unknownTools: z.enum(['error', 'external']).default('error'),
    approval: z
      .object({
        /** How long a call waits for a decision (or an outside output). */
        timeout: durationSchema.default('24 hours'),
        /** deny: the model reads a denial; cancel: cancel the run and end cancelled; fail: cancel the run and fail. */
        onTimeout: z.enum(['deny', 'cancel', 'fail']).default('deny'),
        /** When set, only these approvers' decisions are accepted. */
        approvers: z.array(z.string().trim().min(1, 'approvers may not be empty').max(MAX_APPROVER_CHARS, `approvers are at most ${MAX_APPROVER_CHARS} characters each`)).min(1).optional(),
      })
      .strict()
      .default({ timeout: '24 hours', onTimeout: 'deny' }),
    /** The thread already has an active run that is not ours: wait for it to end, cancel it, or fail. */
    onActiveRun: z.enum(['wait', 'cancel', 'fail']).default('wait'),
    /** The run expired (a late decision): continue with a new run on the thread carrying the results, or fail. */
    onExpired: z.enum(['continue', 'fail']).default('continue'),
    /** Tool rounds (requires_action steps) before the run is cancelled and the workflow fails. */
    maxToolRounds: z.number().int().min(1).max(10_000).default(25),
    /** Overall deadline from the workflow's start; past it the run is cancelled and the workflow fails. */
    deadline: durationSchema.optional(),
    /** Tool outputs longer than this are truncated, with a note the model can read. */
    maxToolOutputChars: z.number().int().min(256).max(1_000_000).default(32_768),
    /** Retries of provider calls (Temporal owns them; the provider's retry-after headers win when sent). */
    providerRetry: z
      .object({
        initialInterval: boundedDuration(RETRY_INTERVAL).default('1s'),
        maximumInterval: boundedDuration(RETRY_INTERVAL).default('1 minute'),
        /** 0: unlimited (bounded by `deadline`); non-retryable errors (400, 401, 404, quota) never retry. */
        maximumAttempts: z.number().int().min(0).default(0),
      })
      .strict()
      .default({ initialInterval: '1s', maximumInterval: '1 minute', maximumAttempts: 0 }),
    /** Continue-as-new once history has this many events (also whenever the server suggests it). */
    continueAsNewAfterEvents: z.number().int().min(50).optional(),
  })
  .strict()
  .superRefine((input, context) => {
    if (input.threadId && input.thread) {
      context.addIssue({ code: 'custom', path: ['thread'], message: 'give threadId (an existing thread) or thread (a thread to create), not both' });
    }
    if (durationMs(input.providerRetry.maximumInterval) < durationMs(input.providerRetry.initialInterval)) {
      context.addIssue({ code: 'custom', path: ['providerRetry', 'maximumInterval'], message: 'must be at least providerRetry.initialInterval' });
    }
  });

/** The workflow input as a caller writes it (defaults optional). */
export type AgentRunInput = z.input<typeof agentRunInputSchema>;
/** The workflow input after validation (defaults filled). */
export type ValidatedAgentRunInput = z.output<typeof agentRunInputSchema>;

/**
 * Turns zod issues into one sentence per field: `temperature: Too big: expected number to be <=2`.
 * The path uses the caller's field names so the fix is obvious.
 */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.length ? issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : part)).join('.').replace(/\.\[/g, '[') : '(input)';
      return `${path}: ${issue.message}`;
    })
    .join('; ');
}
