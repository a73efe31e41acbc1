/**
 * The input of the agent run workflow: every option of `create_and_process_run` (in
 * provider-neutral camelCase, see agent-types.ts) plus agentrun's orchestration options.
 * One zod schema, shared by the workflow (which validates once, at its edge) and the client
 * (which validates before starting, so mistakes surface at the caller).
 */
import { z } from 'zod/v4';
import { boundedDuration, durationMs, durationSchema, POLL_INTERVAL, RETRY_INTERVAL } from './duration';

// zod 3.25's `zod/v4` sets its English messages in a module that a bundler honouring zod's
// `sideEffects: false` leaves out, as Temporal's workflow bundle does: every issue in the workflow
// would read "Invalid input". zod 4 now sets them on first use; do the same here (every workflow
// imports this module), and only when no locale is set, so a caller's own `z.config` wins.
if (!z.config().localeError) z.config(z.locales.en());

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

/**
 * The agent to run, in one of three forms: an assistant (threads/runs), a Foundry agent by name
 * and optional version (Foundry agents v2), or inline configuration (Responses: prompt objects are
 * ending, so the caller holds model, instructions and tools).
 */
const agentSchema = z
  .object({
    assistantId: z.string().min(1, 'agent.assistantId may not be empty').optional(),
    name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/, 'agent.name is a Foundry agent name: 1-63 letters, digits, _, . or -').optional(),
    version: z.string().min(1, 'agent.version may not be empty').max(64).optional(),
    model: z.string().min(1, 'agent.model may not be empty').optional(),
    instructions: z.string().optional(),
    tools: z.array(toolDefinitionSchema).max(128).optional(),
  })
  .strict()
  .superRefine((agent, context) => {
    const forms = [agent.assistantId !== undefined, agent.name !== undefined, agent.model !== undefined].filter(Boolean).length;
    if (forms !== 1) {
      context.addIssue({ code: 'custom', message: 'give exactly one of assistantId (an assistant), name (a Foundry agent, with an optional version) or model (inline: model, instructions, tools)' });
    }
    if (agent.version !== undefined && agent.name === undefined) context.addIssue({ code: 'custom', path: ['version'], message: 'a version belongs to a Foundry agent: give name too' });
    if ((agent.instructions !== undefined || agent.tools !== undefined) && agent.model === undefined) {
      context.addIssue({ code: 'custom', message: 'instructions and tools belong to an inline agent: give model too (an assistant or a Foundry agent carries its own)' });
    }
  });

/** Where the turn runs: an existing thread, an existing conversation, or after a previous response. */
const conversationSchema = z
  .object({
    threadId: z.string().min(1).optional(),
    conversationId: z.string().min(1).optional(),
    previousResponseId: z.string().min(1).optional(),
  })
  .strict()
  .refine((conversation) => Object.values(conversation).filter((value) => value !== undefined).length === 1, {
    message: 'give exactly one of threadId, conversationId or previousResponseId (or leave conversation out for a new one)',
  });

/** The agent run workflow's input. */
export const agentRunInputSchema = z
  .object({
    // -- where: an existing thread, or a thread to create (neither: a new empty thread) --
    threadId: z.string().min(1).optional(),
    /** An existing conversation (thread, conversation, or a previous response to continue from). */
    conversation: conversationSchema.optional(),
    /** A new conversation's first messages (and, for threads, its metadata and tool resources). */
    thread: z.object({ messages: z.array(newMessageSchema).optional(), metadata: metadataSchema.optional(), toolResources: toolResourcesSchema.optional() }).strict().optional(),

    // -- the agent: an assistant id (as before), or `agent` in any of its forms --
    assistantId: z.string().min(1, 'assistantId may not be empty').optional(),
    agent: agentSchema.optional(),
    // -- the run: every option of create_and_process_run --
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
    /**
     * How to wait for a turn: poll at `pollInterval` (sleep_interval; the provider's
     * openai-poll-after-ms wins when sent), consume the stream (resumable on the Responses API), or
     * wait for the provider's webhook (Responses; `agentrun webhooks` relays it) with a safety poll
     * every `safetyPollInterval`. A turn still queued `queuedTimeout` after its creation is cancelled.
     * Poll and stream waits are held by the worker's watcher, not an activity slot; if that worker
     * dies, another takes its waits over after `takeoverAfter` (the watcher's heartbeat timeout).
     */
    wait: z
      .object({
        mode: z.enum(['poll', 'stream', 'webhook']).default('poll'),
        pollInterval: boundedDuration(POLL_INTERVAL).default('1s'),
        safetyPollInterval: boundedDuration({ min: 1_000, max: 24 * 60 * 60_000 }).optional(),
        queuedTimeout: boundedDuration({ min: 1_000, max: 24 * 60 * 60_000 }).optional(),
        takeoverAfter: boundedDuration({ min: 5_000, max: 60 * 60_000 }).default('60s'),
      })
      .strict()
      .default({ mode: 'poll', pollInterval: '1s', takeoverAfter: '60s' }),
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
    if (input.assistantId === undefined && input.agent === undefined) {
      context.addIssue({ code: 'custom', path: ['agent'], message: 'the agent is required: assistantId (an assistant), or agent: { name[, version] } (a Foundry agent) or { model, instructions?, tools? } (inline)' });
    }
    if (input.assistantId !== undefined && input.agent !== undefined) {
      context.addIssue({ code: 'custom', path: ['assistantId'], message: 'give assistantId or agent, not both' });
    }
    if (input.agent?.model !== undefined && (input.model !== undefined || input.instructions !== undefined || input.tools !== undefined)) {
      context.addIssue({ code: 'custom', path: ['agent'], message: 'an inline agent holds model, instructions and tools: give them in agent, not also at the top level' });
    }
    if (input.threadId && input.conversation) {
      context.addIssue({ code: 'custom', path: ['conversation'], message: 'give threadId or conversation, not both' });
    }
    if ((input.threadId || input.conversation) && input.thread) {
      context.addIssue({ code: 'custom', path: ['thread'], message: 'give an existing conversation (threadId or conversation) or thread (one to create), not both; add messages to an existing one with additionalMessages' });
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

/** The agent of a validated input, in its one form. */
export type AgentSpec =
  | { kind: 'assistant'; assistantId: string }
  | { kind: 'foundry-agent'; name: string; version?: string }
  | { kind: 'inline'; model: string; instructions?: string; tools?: ValidatedAgentRunInput['tools'] };

/** The input's agent, whichever way it was given. */
export function agentOf(input: ValidatedAgentRunInput): AgentSpec {
  const agent = input.agent;
  if (input.assistantId !== undefined || agent?.assistantId !== undefined) return { kind: 'assistant', assistantId: (input.assistantId ?? agent?.assistantId)! };
  if (agent?.name !== undefined) return { kind: 'foundry-agent', name: agent.name, ...(agent.version !== undefined ? { version: agent.version } : {}) };
  return { kind: 'inline', model: agent?.model ?? '', ...(agent?.instructions !== undefined ? { instructions: agent.instructions } : {}), ...(agent?.tools !== undefined ? { tools: agent.tools } : {}) };
}

/** A short name of the agent for ids, search attributes and people: `asst_...`, `name@version`, `model:gpt-4o`. */
export function agentLabel(agent: AgentSpec): string {
  switch (agent.kind) {
    case 'assistant':
      return agent.assistantId;
    case 'foundry-agent':
      return agent.version ? `${agent.name}@${agent.version}` : agent.name;
    case 'inline':
      return `model:${agent.model}`;
  }
}

/** Where a validated input's turn runs. */
export type ConversationSpec =
  | { kind: 'new' }
  /** An existing thread or conversation (the two are the same for the workflow: an id the provider knows). */
  | { kind: 'existing'; id: string }
  /** A Responses chain without a conversation, continuing after this response. */
  | { kind: 'chain'; previousResponseId: string };

/** The input's conversation, whichever way it was given. */
export function conversationOf(input: ValidatedAgentRunInput): ConversationSpec {
  const existing = input.threadId ?? input.conversation?.threadId ?? input.conversation?.conversationId;
  if (existing !== undefined) return { kind: 'existing', id: existing };
  if (input.conversation?.previousResponseId !== undefined) return { kind: 'chain', previousResponseId: input.conversation.previousResponseId };
  return { kind: 'new' };
}
