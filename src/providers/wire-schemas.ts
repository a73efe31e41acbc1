/**
 * Small, permissive zod schemas for the threads/runs wire objects: they keep only what agentrun
 * reads, accept extra fields (providers add them), and turn the wire shape into the
 * provider-neutral shapes of src/shared/agent-types.ts. Also the reverse: domain options to
 * request bodies.
 */
import { z } from 'zod/v4';
import type {
  MessageContentPart,
  NewMessage,
  NewThread,
  ResponseFormat,
  RunOptions,
  RunSnapshot,
  RunStep,
  ThreadMessage,
  ToolChoice,
  ToolDefinition,
  ToolResources,
} from '../shared/agent-types';

/** A provider answered with a body agentrun cannot read. */
export class ProviderResponseError extends Error {
  override name = 'ProviderResponseError';
}

const metadataSchema = z
  .record(z.string(), z.unknown())
  .nullish()
  .transform((value) => Object.fromEntries(Object.entries(value ?? {}).map(([key, entry]) => [key, String(entry)])));

const usageSchema = z
  .object({ prompt_tokens: z.number(), completion_tokens: z.number(), total_tokens: z.number() })
  .nullish()
  .transform((usage) => (usage ? { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens, totalTokens: usage.total_tokens } : null));

const functionCallSchema = z.object({
  id: z.string(),
  type: z.string().optional(),
  function: z.object({ name: z.string(), arguments: z.string().default(''), output: z.string().nullish() }).optional(),
});

const runSchema = z.object({
  id: z.string(),
  thread_id: z.string(),
  assistant_id: z.string().nullish(),
  status: z.string(),
  required_action: z
    .object({ submit_tool_outputs: z.object({ tool_calls: z.array(functionCallSchema) }).nullish() })
    .nullish(),
  last_error: z.object({ code: z.string().nullish(), message: z.string().nullish() }).nullish(),
  incomplete_details: z.object({ reason: z.string().nullish() }).nullish(),
  usage: usageSchema,
  created_at: z.number(),
  expires_at: z.number().nullish(),
  metadata: metadataSchema,
});

const messageSchema = z.object({
  id: z.string(),
  role: z.enum(['user', 'assistant']),
  content: z.array(z.object({ type: z.string(), text: z.object({ value: z.string() }).nullish() }).loose()).default([]),
  run_id: z.string().nullish(),
  assistant_id: z.string().nullish(),
  status: z.string().nullish(),
  created_at: z.number(),
});

const stepSchema = z.object({
  id: z.string(),
  run_id: z.string(),
  type: z.enum(['message_creation', 'tool_calls']),
  status: z.string(),
  step_details: z
    .object({
      message_creation: z.object({ message_id: z.string() }).nullish(),
      tool_calls: z.array(z.object({ id: z.string(), type: z.string(), function: z.object({ name: z.string(), arguments: z.string().default(''), output: z.string().nullish() }).nullish() }).loose()).nullish(),
    })
    .loose(),
  created_at: z.number(),
  completed_at: z.number().nullish(),
  usage: usageSchema,
});

const threadSchema = z.object({
  id: z.string(),
  metadata: metadataSchema,
  tool_resources: z
    .object({
      code_interpreter: z.object({ file_ids: z.array(z.string()).nullish() }).nullish(),
      file_search: z.object({ vector_store_ids: z.array(z.string()).nullish() }).nullish(),
    })
    .nullish(),
});

/** Parses a provider response with a permissive schema; a body agentrun cannot read is a {@link ProviderResponseError}. */
export function parseWire<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new ProviderResponseError(`The provider returned a ${what} agentrun cannot read: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
}

/** A wire run object as a {@link RunSnapshot}. */
export function toRunSnapshot(value: unknown): RunSnapshot {
  const run = parseWire(runSchema, value, 'run');
  return {
    id: run.id,
    threadId: run.thread_id,
    assistantId: run.assistant_id ?? '',
    status: run.status,
    requiredToolCalls:
      run.status === 'requires_action'
        ? (run.required_action?.submit_tool_outputs?.tool_calls ?? [])
            .filter((call) => call.function)
            .map((call) => ({ id: call.id, name: call.function?.name ?? '', arguments: call.function?.arguments ?? '' }))
        : [],
    lastError: run.last_error ? { code: run.last_error.code ?? 'unknown', message: run.last_error.message ?? '' } : null,
    incompleteReason: run.incomplete_details?.reason ?? null,
    usage: run.usage,
    createdAt: run.created_at,
    expiresAt: run.expires_at ?? null,
    metadata: run.metadata,
  };
}

/** A wire message as a {@link ThreadMessage}; text parts are joined. */
export function toThreadMessage(value: unknown): ThreadMessage {
  const message = parseWire(messageSchema, value, 'message');
  return {
    id: message.id,
    role: message.role,
    text: message.content.map((part) => part.text?.value ?? '').filter(Boolean).join('\n'),
    runId: message.run_id ?? null,
    assistantId: message.assistant_id ?? null,
    status: message.status ?? 'completed',
    createdAt: message.created_at,
  };
}

/** A wire run step as a {@link RunStep}. */
export function toRunStep(value: unknown): RunStep {
  const step = parseWire(stepSchema, value, 'run step');
  return {
    id: step.id,
    runId: step.run_id,
    type: step.type,
    status: step.status,
    toolCalls: (step.step_details.tool_calls ?? [])
      .filter((call) => call.function)
      .map((call) => ({ id: call.id, name: call.function?.name ?? '', arguments: call.function?.arguments ?? '', output: call.function?.output ?? null })),
    messageId: step.step_details.message_creation?.message_id ?? null,
    createdAt: step.created_at,
    completedAt: step.completed_at ?? null,
    usage: step.usage,
  };
}

/** A wire thread's id, metadata and tool resources. */
export function toThreadInfo(value: unknown): { id: string; metadata: Record<string, string>; toolResources: ToolResources } {
  const thread = parseWire(threadSchema, value, 'thread');
  const toolResources: ToolResources = {};
  if (thread.tool_resources?.code_interpreter?.file_ids) toolResources.codeInterpreter = { fileIds: thread.tool_resources.code_interpreter.file_ids };
  if (thread.tool_resources?.file_search?.vector_store_ids) toolResources.fileSearch = { vectorStoreIds: thread.tool_resources.file_search.vector_store_ids };
  return { id: thread.id, metadata: thread.metadata, toolResources };
}

// ---- domain -> wire -------------------------------------------------------------------------

type WireBody = Record<string, unknown>;

/** Drops undefined fields so the body carries only what the caller set. */
export function compact(body: WireBody): WireBody {
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
}

function toWireContent(content: string | MessageContentPart[]): unknown {
  if (typeof content === 'string') return content;
  return content.map((part) => {
    switch (part.type) {
      case 'text':
        return { type: 'text', text: part.text };
      case 'image_file':
        return { type: 'image_file', image_file: compact({ file_id: part.fileId, detail: part.detail }) };
      case 'image_url':
        return { type: 'image_url', image_url: compact({ url: part.url, detail: part.detail }) };
    }
  });
}

/** A {@link NewMessage} as a create-message body. */
export function toWireMessage(message: NewMessage): WireBody {
  return compact({
    role: message.role,
    content: toWireContent(message.content),
    attachments: message.attachments?.map((attachment) => ({ file_id: attachment.fileId, tools: attachment.tools.map((type) => ({ type })) })),
    metadata: message.metadata,
  });
}

/** {@link ToolResources} on the wire. */
export function toWireToolResources(resources: ToolResources | undefined): WireBody | undefined {
  if (!resources) return undefined;
  return compact({
    code_interpreter: resources.codeInterpreter ? { file_ids: resources.codeInterpreter.fileIds } : undefined,
    file_search: resources.fileSearch ? { vector_store_ids: resources.fileSearch.vectorStoreIds } : undefined,
  });
}

function toWireTool(tool: ToolDefinition): WireBody {
  switch (tool.type) {
    case 'function':
      return { type: 'function', function: compact({ name: tool.name, description: tool.description, parameters: tool.parameters, strict: tool.strict }) };
    case 'code_interpreter':
      return { type: 'code_interpreter' };
    case 'file_search': {
      const options = compact({
        max_num_results: tool.maxNumResults,
        ranking_options: tool.rankingOptions ? compact({ ranker: tool.rankingOptions.ranker, score_threshold: tool.rankingOptions.scoreThreshold }) : undefined,
      });
      return Object.keys(options).length ? { type: 'file_search', file_search: options } : { type: 'file_search' };
    }
  }
}

function toWireToolChoice(choice: ToolChoice | undefined): unknown {
  if (choice === undefined || typeof choice === 'string') return choice;
  return choice.type === 'function' ? { type: 'function', function: { name: choice.name } } : { type: choice.type };
}

function toWireResponseFormat(format: ResponseFormat | undefined): unknown {
  if (format === undefined || typeof format === 'string') return format;
  if (format.type !== 'json_schema') return { type: format.type };
  return { type: 'json_schema', json_schema: compact({ ...format.jsonSchema }) };
}

/** {@link RunOptions} as a create-run body (without `stream`). Tool resources are not a create-run field. */
export function toWireRun(run: RunOptions): WireBody {
  return compact({
    assistant_id: run.assistantId,
    model: run.model,
    instructions: run.instructions,
    additional_instructions: run.additionalInstructions,
    additional_messages: run.additionalMessages?.map(toWireMessage),
    tools: run.tools?.map(toWireTool),
    temperature: run.temperature,
    top_p: run.topP,
    max_prompt_tokens: run.maxPromptTokens,
    max_completion_tokens: run.maxCompletionTokens,
    truncation_strategy: run.truncationStrategy ? compact({ type: run.truncationStrategy.type, last_messages: run.truncationStrategy.lastMessages }) : undefined,
    tool_choice: toWireToolChoice(run.toolChoice),
    response_format: toWireResponseFormat(run.responseFormat),
    parallel_tool_calls: run.parallelToolCalls,
    metadata: run.metadata,
  });
}

/** A {@link NewThread} as a create-thread body. */
export function toWireThread(thread: NewThread): WireBody {
  return compact({
    messages: thread.messages?.map(toWireMessage),
    metadata: thread.metadata,
    tool_resources: toWireToolResources(thread.toolResources),
  });
}

/**
 * A create-thread-and-run body: the run's options, the thread, and the run's tool resources.
 * The endpoint has no `additional_messages`: they join the thread's messages, which is the same
 * conversation. It has no `additional_instructions` either: callers with those create the thread
 * first (see {@link needsSeparateThread}).
 */
export function toWireThreadAndRun(thread: NewThread, run: RunOptions): WireBody {
  const { additional_messages: additionalMessages, additional_instructions: _unsupported, ...runBody } = toWireRun(run);
  const threadBody = toWireThread(thread);
  if (Array.isArray(additionalMessages)) threadBody.messages = [...((threadBody.messages as unknown[] | undefined) ?? []), ...additionalMessages];
  return compact({ ...runBody, thread: threadBody, tool_resources: toWireToolResources(run.toolResources) });
}

/** True when a thread-and-run request cannot be expressed in one create-thread-and-run call. */
export function needsSeparateThread(run: RunOptions): boolean {
  return run.additionalInstructions !== undefined;
}
