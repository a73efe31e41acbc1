/**
 * The input of the agent run workflow: every option of `create_and_process_run` (in
 * provider-neutral camelCase, see agent-types.ts) plus agentrun's orchestration options.
 * One zod Mini schema, shared by the workflow (which validates once, at its edge) and the client
 * (which validates before starting, so mistakes surface at the caller).
 */
import { z } from 'zod/v4/mini';
import { durationMs, POLL_INTERVAL, RETRY_INTERVAL } from './duration';
import { boundedDuration } from './duration-schema';
import { checkWith, integer, nonEmpty, schemaOnDemand, text } from './schema-on-demand';
import { searchAttributeSettingSchema } from './search-attribute-schema';


/** The longest approver name or id a decision may carry (it is recorded on every call it decides). */
export const MAX_APPROVER_CHARS = 200;

/** Metadata keys agentrun writes on runs to reconcile them; users may not set them. */
export const RESERVED_METADATA_PREFIX = 'agentrun_';
/** Run metadata allows 16 pairs; agentrun keeps two for its own tags. */
export const MAX_USER_METADATA_PAIRS = 14;

// The schemas are built by functions, not at module load: see schema-on-demand.ts.


function metadataSchema() {
  return z
    .record(text(z.minLength(1), z.maxLength(64, 'metadata keys are at most 64 characters')), text(z.maxLength(512, 'metadata values are at most 512 characters')))
    .check(z.refine((metadata) => Object.keys(metadata).length <= 16, { message: 'at most 16 metadata pairs' }));
}

function runMetadataSchema() {
  return metadataSchema().check(
    z.refine((metadata) => Object.keys(metadata).length <= MAX_USER_METADATA_PAIRS, {
      message: `at most ${MAX_USER_METADATA_PAIRS} metadata pairs: agentrun uses 2 of the provider's 16 to tag runs`,
    }),
    z.refine((metadata) => !Object.keys(metadata).some((key) => key.startsWith(RESERVED_METADATA_PREFIX)), {
      message: `keys starting with "${RESERVED_METADATA_PREFIX}" are reserved for agentrun's run tags`,
    }),
  );
}

function contentPartSchema() {
  const detail = z.optional(z.enum(['auto', 'low', 'high']));
  return z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('text'), text: z.string() }),
    z.strictObject({ type: z.literal('image_file'), fileId: nonEmpty(), detail }),
    z.strictObject({ type: z.literal('image_url'), url: z.url(), detail }),
  ]);
}

function buildNewMessageSchema() {
  return z.strictObject({
    role: z.enum(['user', 'assistant']),
    content: z.union([nonEmpty('message content may not be empty'), z.array(contentPartSchema()).check(z.minLength(1))]),
    attachments: z.optional(z.array(z.strictObject({ fileId: nonEmpty(), tools: z.array(z.enum(['code_interpreter', 'file_search'])) }))),
    metadata: z.optional(metadataSchema()),
  });
}

function toolResourcesSchema() {
  return z.strictObject({
    codeInterpreter: z.optional(z.strictObject({ fileIds: z.array(nonEmpty()).check(z.maxLength(20)) })),
    fileSearch: z.optional(z.strictObject({ vectorStoreIds: z.array(nonEmpty()).check(z.maxLength(1)) })),
  });
}

function toolDefinitionSchema() {
  return z.discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('function'),
      name: text(z.regex(/^[a-zA-Z0-9_-]{1,64}$/, 'function names are 1-64 letters, digits, _ or -')),
      description: z.optional(z.string()),
      parameters: z.optional(z.record(z.string(), z.unknown())),
      strict: z.optional(z.boolean()),
    }),
    z.strictObject({ type: z.literal('code_interpreter') }),
    z.strictObject({
      type: z.literal('file_search'),
      maxNumResults: z.optional(integer(z.gte(1), z.lte(50))),
      rankingOptions: z.optional(z.strictObject({ ranker: z.optional(z.enum(['auto', 'default_2024_08_21'])), scoreThreshold: z.number().check(z.gte(0), z.lte(1)) })),
    }),
  ]);
}

function toolChoiceSchema() {
  return z.union([
    z.enum(['none', 'auto', 'required']),
    z.strictObject({ type: z.literal('function'), name: nonEmpty() }),
    z.strictObject({ type: z.enum(['file_search', 'code_interpreter']) }),
  ]);
}

function responseFormatSchema() {
  return z.union([
    z.literal('auto'),
    z.strictObject({ type: z.enum(['text', 'json_object']) }),
    z.strictObject({
      type: z.literal('json_schema'),
      jsonSchema: z.strictObject({ name: nonEmpty(), description: z.optional(z.string()), schema: z.optional(z.record(z.string(), z.unknown())), strict: z.optional(z.boolean()) }),
    }),
  ]);
}

const buildToolPolicySchema = () => z.enum(['auto', 'approval', 'external']);
/** What happens to one tool's calls: run on the worker, wait for a person, or wait for an output from outside. */
export const toolPolicySchema = schemaOnDemand(buildToolPolicySchema);
/** See {@link toolPolicySchema}. */
export type ToolPolicy = z.infer<ReturnType<typeof buildToolPolicySchema>>;

/**
 * The agent to run, in one of three forms: an assistant (threads/runs), a Foundry agent by name
 * and optional version (Foundry agents v2), or inline configuration (Responses: prompt objects are
 * ending, so the caller holds model, instructions and tools).
 */
function agentSchema() {
  return z
    .strictObject({
      assistantId: z.optional(nonEmpty('agent.assistantId may not be empty')),
      name: z.optional(text(z.regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/, 'agent.name is a Foundry agent name: 1-63 letters, digits, _, . or -'))),
      version: z.optional(text(z.minLength(1, 'agent.version may not be empty'), z.maxLength(64))),
      model: z.optional(nonEmpty('agent.model may not be empty')),
      instructions: z.optional(z.string()),
      tools: z.optional(z.array(toolDefinitionSchema()).check(z.maxLength(128))),
    })
    .check(
      checkWith((agent, report) => {
        const forms = [agent.assistantId !== undefined, agent.name !== undefined, agent.model !== undefined].filter(Boolean).length;
        if (forms !== 1) {
          report('give exactly one of assistantId (an assistant), name (a Foundry agent, with an optional version) or model (inline: model, instructions, tools)');
        }
        if (agent.version !== undefined && agent.name === undefined) report('a version belongs to a Foundry agent: give name too', ['version']);
        if ((agent.instructions !== undefined || agent.tools !== undefined) && agent.model === undefined) {
          report('instructions and tools belong to an inline agent: give model too (an assistant or a Foundry agent carries its own)');
        }
      }),
    );
}

/** Where the turn runs: an existing thread, an existing conversation, or after a previous response. */
function conversationSchema() {
  return z
    .strictObject({
      threadId: z.optional(nonEmpty()),
      conversationId: z.optional(nonEmpty()),
      previousResponseId: z.optional(nonEmpty()),
    })
    .check(
      z.refine((conversation) => Object.values(conversation).filter((value) => value !== undefined).length === 1, {
        message: 'give exactly one of threadId, conversationId or previousResponseId (or leave conversation out for a new one)',
      }),
    );
}

function buildAgentRunInputSchema() {
  const newMessage = buildNewMessageSchema();
  const toolResources = toolResourcesSchema();
  return z
    .strictObject({
      // -- where: an existing thread, or a thread to create (neither: a new empty thread) --
      threadId: z.optional(nonEmpty()),
      /** An existing conversation (thread, conversation, or a previous response to continue from). */
      conversation: z.optional(conversationSchema()),
      /** A new conversation's first messages (and, for threads, its metadata and tool resources). */
      thread: z.optional(z.strictObject({ messages: z.optional(z.array(newMessage)), metadata: z.optional(metadataSchema()), toolResources: z.optional(toolResources) })),

      // -- the agent: an assistant id (as before), or `agent` in any of its forms --
      assistantId: z.optional(nonEmpty('assistantId may not be empty')),
      agent: z.optional(agentSchema()),
      // -- the run: every option of create_and_process_run --
      model: z.optional(nonEmpty()),
      instructions: z.optional(z.string()),
      additionalInstructions: z.optional(z.string()),
      additionalMessages: z.optional(z.array(newMessage)),
      tools: z.optional(z.array(toolDefinitionSchema()).check(z.maxLength(128))),
      toolResources: z.optional(toolResources),
      temperature: z.optional(z.number().check(z.gte(0), z.lte(2))),
      topP: z.optional(z.number().check(z.gte(0), z.lte(1))),
      maxPromptTokens: z.optional(integer(z.gte(256))),
      maxCompletionTokens: z.optional(integer(z.gte(256))),
      truncationStrategy: z.optional(z.strictObject({ type: z.enum(['auto', 'last_messages']), lastMessages: z.optional(integer(z.gte(1))) })),
      toolChoice: z.optional(toolChoiceSchema()),
      responseFormat: z.optional(responseFormatSchema()),
      parallelToolCalls: z.optional(z.boolean()),
      metadata: z.optional(runMetadataSchema()),
      include: z.optional(z.array(z.string())),

      // -- orchestration --
      /**
       * How to wait for a turn: poll at `pollInterval` (sleep_interval; the provider's
       * openai-poll-after-ms wins when sent), consume the stream (resumable on the Responses API), or
       * wait for the provider's webhook (Responses; `agentrun webhooks` relays it) with a safety poll
       * every `safetyPollInterval`. A turn still queued `queuedTimeout` after its creation is cancelled.
       * Poll and stream waits are held by the worker's watcher, not an activity slot; if that worker
       * dies, another takes its waits over after `takeoverAfter` (the watcher's heartbeat timeout).
       */
      wait: z._default(
        z.strictObject({
          mode: z._default(z.enum(['poll', 'stream', 'webhook']), 'poll'),
          pollInterval: z._default(boundedDuration(POLL_INTERVAL), '1s'),
          safetyPollInterval: z.optional(boundedDuration({ min: 1_000, max: 24 * 60 * 60_000 })),
          queuedTimeout: z.optional(boundedDuration({ min: 1_000, max: 24 * 60 * 60_000 })),
          takeoverAfter: z._default(boundedDuration({ min: 5_000, max: 60 * 60_000 }), '60s'),
        }),
        { mode: 'poll', pollInterval: '1s', takeoverAfter: '60s' },
      ),
      /** Per-tool policy, overriding the policy the tool was defined with on the worker. */
      toolPolicies: z._default(z.record(z.string(), buildToolPolicySchema()), {}),
      /** A tool no worker knows: answer with an error output, or wait for an output from outside. */
      unknownTools: z._default(z.enum(['error', 'external']), 'error'),
      approval: z._default(
        z.strictObject({
          /** How long a call waits for a decision (or an outside output). */
          timeout: z._default(boundedDuration(), '24 hours'),
          /** deny: the model reads a denial; cancel: cancel the run and end cancelled; fail: cancel the run and fail. */
          onTimeout: z._default(z.enum(['deny', 'cancel', 'fail']), 'deny'),
          /**
           * When set, only these approvers' decisions are accepted: identities, or `group:NAME` for
           * the members of a group (groups are known only from signed decisions).
           */
          approvers: z.optional(
            z.array(text(z.trim(), z.minLength(1, 'approvers may not be empty'), z.maxLength(MAX_APPROVER_CHARS, `approvers are at most ${MAX_APPROVER_CHARS} characters each`))).check(z.minLength(1)),
          ),
          /** Accept only decisions signed by a key the workers trust (signals and updates alike); the record keeps who signed. */
          requireSignedDecisions: z.optional(z.boolean()),
        }),
        { timeout: '24 hours', onTimeout: 'deny' },
      ),
      /** The thread already has an active run that is not ours: wait for it to end, cancel it, or fail. */
      onActiveRun: z._default(z.enum(['wait', 'cancel', 'fail']), 'wait'),
      /** The run expired (a late decision): continue with a new run on the thread carrying the results, or fail. */
      onExpired: z._default(z.enum(['continue', 'fail']), 'continue'),
      /** Tool rounds (requires_action steps) before the run is cancelled and the workflow fails. */
      maxToolRounds: z._default(integer(z.gte(1), z.lte(10_000)), 25),
      /** Overall deadline from the workflow's start; past it the run is cancelled and the workflow fails. */
      deadline: z.optional(boundedDuration()),
      /** Tool outputs longer than this are truncated, with a note the model can read. */
      maxToolOutputChars: z._default(integer(z.gte(256), z.lte(1_000_000)), 32_768),
      /** Retries of provider calls (Temporal owns them; the provider's retry-after headers win when sent). */
      providerRetry: z._default(
        z.strictObject({
          initialInterval: z._default(boundedDuration(RETRY_INTERVAL), '1s'),
          maximumInterval: z._default(boundedDuration(RETRY_INTERVAL), '1 minute'),
          /** 0: unlimited (bounded by `deadline`); non-retryable errors (400, 401, 404, quota) never retry. */
          maximumAttempts: z._default(integer(z.gte(0)), 0),
        }),
        { initialInterval: '1s', maximumInterval: '1 minute', maximumAttempts: 0 },
      ),
      /** Continue-as-new once history has this many events (also whenever the server suggests it). */
      continueAsNewAfterEvents: z.optional(integer(z.gte(50))),
      /**
       * agentrun's search attributes on this run: absent, their own names; `{ prefix }`, the names
       * after a prefix; `false`, none. Clients fill it from AGENTRUN_SEARCH_ATTRIBUTES and
       * AGENTRUN_SEARCH_ATTRIBUTE_PREFIX, so that it matches what the worker registered.
       */
      searchAttributes: z.optional(searchAttributeSettingSchema()),
    })
    .check(
      checkWith((input, report) => {
        if (input.assistantId === undefined && input.agent === undefined) {
          report('the agent is required: assistantId (an assistant), or agent: { name[, version] } (a Foundry agent) or { model, instructions?, tools? } (inline)', ['agent']);
        }
        if (input.assistantId !== undefined && input.agent !== undefined) {
          report('give assistantId or agent, not both', ['assistantId']);
        }
        if (input.agent?.model !== undefined && (input.model !== undefined || input.instructions !== undefined || input.tools !== undefined)) {
          report('an inline agent holds model, instructions and tools: give them in agent, not also at the top level', ['agent']);
        }
        if (input.threadId && input.conversation) {
          report('give threadId or conversation, not both', ['conversation']);
        }
        if ((input.threadId || input.conversation) && input.thread) {
          report('give an existing conversation (threadId or conversation) or thread (one to create), not both; add messages to an existing one with additionalMessages', ['thread']);
        }
        if (durationMs(input.providerRetry.maximumInterval) < durationMs(input.providerRetry.initialInterval)) {
          report('must be at least providerRetry.initialInterval', ['providerRetry', 'maximumInterval']);
        }
      }),
    );
}

/** The agent run workflow's input schema (zod Mini; built on demand, see schema-on-demand.ts). */
export const agentRunInputSchema = schemaOnDemand(buildAgentRunInputSchema);

/** The workflow input as a caller writes it (defaults optional). */
export type AgentRunInput = z.input<ReturnType<typeof buildAgentRunInputSchema>>;
/** The workflow input after validation (defaults filled). */
export type ValidatedAgentRunInput = z.output<ReturnType<typeof buildAgentRunInputSchema>>;

// Read by workflows, which load this module only when they validate (see lazy-schemas.ts).
export { describeIssues } from './schema-issues';
export { agentOf, agentLabel, conversationOf, type AgentSpec, type ConversationSpec } from './agent-spec';
