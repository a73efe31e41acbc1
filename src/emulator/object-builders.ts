import { newId, unixSeconds } from './ids';
import type { CreateAssistantBody, CreateMessageBody, CreateThreadBody, ModifyAssistantBody } from './request-schemas';
import type { RunOverrides } from './run-engine';
import type { ThreadRecord } from './store';
import type {
  AssistantObject,
  MessageAttachment,
  MessageContent,
  MessageObject,
  RunObject,
  ToolDefinition,
  ToolResources,
} from './wire-types';

/**
 * Builds wire objects from validated request bodies, with the defaults the real service fills in
 * (`temperature: 1`, `response_format: 'auto'`, `metadata: {}`, `tool_resources: {}`...).
 */

/** Tool resources as a create request may give them (possibly with the `vector_stores` helper). */
type ToolResourcesInput = CreateThreadBody['tool_resources'];

/** One entry of the `vector_stores` helper: the files, chunking and metadata of a vector store to create. */
export type VectorStoreHelper = NonNullable<NonNullable<NonNullable<ToolResourcesInput>['file_search']>['vector_stores']>[number];

/** Creates the vector store a helper entry describes and returns its id (the route owns the engine). */
export type CreateHelperVectorStore = (helper: VectorStoreHelper) => string;

/**
 * Tool resources as the service returns them: the ids given, plus the id of each vector store the
 * `vector_stores` helper asked for, created (files attached and processing) by `createVectorStore`.
 * Modify requests take ids only, so they need no `createVectorStore`.
 */
export function toWireToolResources(
  input: ToolResourcesInput | ModifyAssistantBody['tool_resources'],
  createVectorStore?: CreateHelperVectorStore,
): ToolResources {
  if (input === undefined || input === null) return {};
  const { file_search: fileSearch, ...rest } = input as Record<string, unknown> & {
    file_search?: { vector_store_ids?: string[]; vector_stores?: VectorStoreHelper[] };
  };
  const resources: Record<string, unknown> = { ...rest };
  if (fileSearch !== undefined) {
    const helpers = fileSearch.vector_stores ?? [];
    if (helpers.length > 0 && createVectorStore === undefined) {
      throw new Error('toWireToolResources: the vector_stores helper needs a createVectorStore');
    }
    const helperIds = helpers.map((helper) => createVectorStore!(helper));
    resources['file_search'] = { vector_store_ids: [...(fileSearch.vector_store_ids ?? []), ...helperIds] };
  }
  return resources as ToolResources;
}

/** A new assistant; `createVectorStore` serves the `vector_stores` helper of its tool resources. */
export function buildAssistant(body: CreateAssistantBody, createVectorStore: CreateHelperVectorStore): AssistantObject {
  return {
    id: newId('asst'),
    object: 'assistant',
    created_at: unixSeconds(),
    name: body.name ?? null,
    description: body.description ?? null,
    model: body.model,
    instructions: body.instructions ?? null,
    tools: (body.tools ?? []) as ToolDefinition[],
    tool_resources: toWireToolResources(body.tool_resources, createVectorStore),
    metadata: body.metadata ?? {},
    temperature: body.temperature ?? 1,
    top_p: body.top_p ?? 1,
    response_format: body.response_format ?? 'auto',
  };
}

/** Applies a modify-assistant request: fields present replace the old values. */
export function modifyAssistant(assistant: AssistantObject, body: ModifyAssistantBody): void {
  if (body.model !== undefined) assistant.model = body.model;
  if (body.name !== undefined) assistant.name = body.name;
  if (body.description !== undefined) assistant.description = body.description;
  if (body.instructions !== undefined) assistant.instructions = body.instructions;
  if (body.tools !== undefined) assistant.tools = body.tools as ToolDefinition[];
  if (body.tool_resources !== undefined) assistant.tool_resources = toWireToolResources(body.tool_resources);
  if (body.metadata !== undefined) assistant.metadata = body.metadata ?? {};
  if (body.temperature !== undefined) assistant.temperature = body.temperature ?? 1;
  if (body.top_p !== undefined) assistant.top_p = body.top_p ?? 1;
  if (body.response_format !== undefined) assistant.response_format = body.response_format ?? 'auto';
}

/** A new thread with its initial messages; `createVectorStore` serves the `vector_stores` helper. */
export function buildThread(body: CreateThreadBody, createVectorStore: CreateHelperVectorStore): ThreadRecord {
  const thread: ThreadRecord = {
    thread: {
      id: newId('thread'),
      object: 'thread',
      created_at: unixSeconds(),
      tool_resources: toWireToolResources(body.tool_resources, createVectorStore),
      metadata: body.metadata ?? {},
    },
    messages: [],
    runs: [],
  };
  for (const message of body.messages ?? []) {
    thread.messages.push(buildMessage(thread.thread.id, message));
  }
  return thread;
}

/** A message created through the API (not by a run): `run_id` and `assistant_id` are null. */
export function buildMessage(threadId: string, body: CreateMessageBody): MessageObject {
  return {
    id: newId('msg'),
    object: 'thread.message',
    created_at: unixSeconds(),
    thread_id: threadId,
    status: 'completed',
    incomplete_details: null,
    completed_at: null,
    incomplete_at: null,
    role: body.role,
    content: toWireContent(body.content),
    assistant_id: null,
    run_id: null,
    attachments: (body.attachments ?? []) as MessageAttachment[],
    metadata: body.metadata ?? {},
  };
}

/** Request content (a string or request parts) as message content parts. */
function toWireContent(content: CreateMessageBody['content']): MessageContent[] {
  if (typeof content === 'string') {
    return [{ type: 'text', text: { value: content, annotations: [] } }];
  }
  return content.map((part): MessageContent => {
    switch (part.type) {
      case 'text':
        return { type: 'text', text: { value: part.text, annotations: [] } };
      case 'image_file':
        return { type: 'image_file', image_file: { ...part.image_file } };
      case 'image_url':
        return { type: 'image_url', image_url: { ...part.image_url } };
    }
  });
}

/** A new run object: `queued`, with what it inherits from the assistant unless overridden. */
export function buildRun(
  thread: ThreadRecord,
  assistant: AssistantObject,
  overrides: RunOverrides,
  nowMs: number,
  runExpirySeconds: number,
): RunObject {
  const createdAt = unixSeconds(nowMs);
  return {
    id: newId('run'),
    object: 'thread.run',
    created_at: createdAt,
    thread_id: thread.thread.id,
    assistant_id: assistant.id,
    status: 'queued',
    required_action: null,
    last_error: null,
    expires_at: createdAt + runExpirySeconds,
    started_at: null,
    cancelled_at: null,
    failed_at: null,
    completed_at: null,
    incomplete_details: null,
    model: overrides.model ?? assistant.model,
    instructions: runInstructions(assistant, overrides),
    tools: overrides.tools ?? assistant.tools,
    metadata: overrides.metadata ?? {},
    usage: null,
    // The service's defaults, shown on the run even when nobody set them.
    temperature: overrides.temperature ?? assistant.temperature ?? 1,
    top_p: overrides.top_p ?? assistant.top_p ?? 1,
    max_prompt_tokens: overrides.max_prompt_tokens ?? null,
    max_completion_tokens: overrides.max_completion_tokens ?? null,
    truncation_strategy: overrides.truncation_strategy ?? { type: 'auto', last_messages: null },
    tool_choice: overrides.tool_choice ?? 'auto',
    parallel_tool_calls: overrides.parallel_tool_calls ?? true,
    response_format: overrides.response_format ?? assistant.response_format ?? 'auto',
  };
}

/** The assistant message a run writes, empty and `in_progress` until its text is streamed. */
export function newAssistantMessage(run: RunObject): MessageObject {
  return {
    id: newId('msg'),
    object: 'thread.message',
    created_at: unixSeconds(),
    thread_id: run.thread_id,
    status: 'in_progress',
    incomplete_details: null,
    completed_at: null,
    incomplete_at: null,
    role: 'assistant',
    content: [],
    assistant_id: run.assistant_id,
    run_id: run.id,
    attachments: [],
    metadata: {},
  };
}

/** The run's instructions: the override or the assistant's, with `additional_instructions` appended. */
export function runInstructions(assistant: AssistantObject, overrides: RunOverrides): string {
  const base = overrides.instructions ?? assistant.instructions ?? '';
  const additional = overrides.additional_instructions;
  if (additional === undefined || additional === null || additional === '') return base;
  return base === '' ? additional : `${base}\n${additional}`;
}
