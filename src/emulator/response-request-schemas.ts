import { z } from 'zod/v4';
import { boundedInteger, metadataSchema } from './request-schemas';

/**
 * Request schemas of the Responses and Conversations APIs, mirroring the official request objects
 * (`CreateResponse`, `CreateConversationBody`, `UpdateConversationBody`, the body of
 * `POST /conversations/{id}/items`) and, for Foundry, azure-ai-projects 2.x's create-agent-version
 * body. Every parameter the spec defines is accepted at the top level (an unknown one is the
 * service's `Unknown parameter` 400), but only what the emulator acts on is checked in depth: the
 * input items it models, metadata, the numbers with bounds, the function tools. The others are
 * accepted as they come (`z.unknown()`) and, where the response echoes them, echoed.
 * `test/emulator/responses-request-schema-fidelity.test.ts` keeps the key sets equal to the spec.
 */

const nullableString = z.string().nullable();
const nullableBoolean = z.boolean().nullable();

/** `InputTextContent`. */
const inputTextPart = z.strictObject({
  type: z.literal('input_text'),
  text: z.string(),
  prompt_cache_breakpoint: z.unknown().optional(),
});

/** `OutputTextContent` as a caller sends an assistant turn back (annotations and logprobs may be left out). */
const outputTextPart = z.strictObject({
  type: z.literal('output_text'),
  text: z.string(),
  annotations: z.array(z.unknown()).optional(),
  logprobs: z.array(z.unknown()).optional(),
});

/** Content parts the emulator stores without reading (images, files, refusals). */
const opaquePart = (type: string) => z.looseObject({ type: z.literal(type) });

const contentPart = z.discriminatedUnion('type', [
  inputTextPart,
  outputTextPart,
  opaquePart('input_image'),
  opaquePart('input_file'),
  opaquePart('refusal'),
]);

/** `EasyInputMessage`, `InputMessage` and `OutputMessage` as input: one object with the union of their keys. */
const messageItem = z.strictObject({
  type: z.literal('message'),
  id: z.string().optional(),
  role: z.enum(['user', 'assistant', 'system', 'developer']),
  content: z.union([z.string(), z.array(contentPart)]),
  status: z.enum(['in_progress', 'completed', 'incomplete']).optional(),
  phase: z.unknown().optional(),
});

/** `FunctionToolCall` sent back as input (manual history). */
const functionCallItem = z.strictObject({
  type: z.literal('function_call'),
  id: z.string().optional(),
  call_id: z.string(),
  name: z.string(),
  arguments: z.string(),
  status: z.enum(['in_progress', 'completed', 'incomplete']).optional(),
  namespace: z.string().optional(),
  caller: z.unknown().optional(),
});

/** `FunctionCallOutputItemParam`: the answer to a function call. */
const functionCallOutputItem = z.strictObject({
  type: z.literal('function_call_output'),
  id: nullableString.optional(),
  call_id: z.string().min(1).max(64),
  output: z.union([z.string().max(10_485_760), z.array(z.looseObject({ type: z.string() }))]),
  name: nullableString.optional(),
  namespace: nullableString.optional(),
  caller: z.unknown().optional(),
  status: z.enum(['in_progress', 'completed', 'incomplete']).nullable().optional(),
});

/**
 * `MCPApprovalResponse`: the decision on an approval request. (The spec's `required` also lists
 * `request_id`, which is not one of its properties: a defect of the spec; the service takes
 * `approval_request_id`.)
 */
const mcpApprovalResponseItem = z.strictObject({
  type: z.literal('mcp_approval_response'),
  id: nullableString.optional(),
  approval_request_id: z.string(),
  approve: z.boolean(),
  reason: nullableString.optional(),
});

/** `MCPApprovalRequest` sent back as input (manual history). */
const mcpApprovalRequestItem = z.strictObject({
  type: z.literal('mcp_approval_request'),
  id: z.string(),
  server_label: z.string(),
  name: z.string(),
  arguments: z.string(),
});

/** `MCPToolCall` sent back as input (manual history). */
const mcpCallItem = z.strictObject({
  type: z.literal('mcp_call'),
  id: z.string(),
  server_label: z.string(),
  name: z.string(),
  arguments: z.string(),
  output: nullableString.optional(),
  error: z.unknown().optional(),
  status: z.string().optional(),
  approval_request_id: nullableString.optional(),
});

/** `ItemReferenceParam`: an item already stored, by id. */
const itemReference = z.strictObject({
  type: z.literal('item_reference'),
  id: z.string(),
});

/** The input item schemas by `type`, each mirroring its spec object (the fidelity test compares them). */
export const INPUT_ITEM_SCHEMAS = {
  message: messageItem,
  function_call: functionCallItem,
  function_call_output: functionCallOutputItem,
  mcp_approval_response: mcpApprovalResponseItem,
  mcp_approval_request: mcpApprovalRequestItem,
  mcp_call: mcpCallItem,
  item_reference: itemReference,
} as const;

/** The text content part schemas (`InputTextContent`, `OutputTextContent`). */
export const TEXT_PART_SCHEMAS = { input_text: inputTextPart, output_text: outputTextPart } as const;

/**
 * One input item. A message may leave out `type` (`EasyInputMessage`) and an item reference too;
 * both get it filled in before the discriminated union reads it. Item types the emulator does not
 * model (reasoning, built-in tool calls, ...) are refused with the union's `Invalid value` 400.
 */
export const inputItemSchema = z.preprocess((value) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || 'type' in value) return value;
  if ('role' in value) return { ...value, type: 'message' };
  if ('id' in value) return { ...value, type: 'item_reference' };
  return value;
}, z.discriminatedUnion('type', [messageItem, functionCallItem, functionCallOutputItem, mcpApprovalResponseItem, mcpApprovalRequestItem, mcpCallItem, itemReference]));

/** One input item after validation. */
export type InputItemInput = z.infer<typeof inputItemSchema>;

/** `FunctionTool`: checked in depth, so a Chat Completions-style `{ type, function: {...} }` is refused. */
const functionTool = z.strictObject({
  type: z.literal('function'),
  name: z.string(),
  description: nullableString.optional(),
  parameters: z.record(z.string(), z.unknown()).nullable().optional(),
  output_schema: z.record(z.string(), z.unknown()).nullable().optional(),
  strict: nullableBoolean.optional(),
  defer_loading: z.boolean().optional(),
  allowed_callers: z.unknown().optional(),
});

/** `FunctionTool` as a request sends it (for the fidelity test). */
export const FUNCTION_TOOL_SCHEMA = functionTool;

/** Built-in and MCP tools: accepted and echoed as sent (the scripted model never runs them). */
const otherTool = z.looseObject({
  type: z.enum([
    'file_search',
    'computer',
    'computer_use_preview',
    'web_search',
    'web_search_preview',
    'web_search_2025_08_26',
    'web_search_preview_2025_03_11',
    'mcp',
    'code_interpreter',
    'programmatic_tool_calling',
    'image_generation',
    'local_shell',
    'shell',
    'custom',
    'namespace',
    'tool_search',
    'apply_patch',
  ]),
});

const tool = z.union([functionTool, otherTool]);

/** `ConversationParam`: an id, or `{ id }`. */
const conversationParam = z.union([z.string(), z.strictObject({ id: z.string() })]);

/** `AgentReference` (azure-ai-projects >= 2.0.0); `version` omitted means the latest. */
const agentReference = z.strictObject({
  type: z.literal('agent_reference'),
  name: z.string().min(1),
  version: z.string().optional(),
});

const createResponseFields = {
  // ModelResponseProperties / CreateModelResponseProperties
  metadata: metadataSchema.optional(),
  top_logprobs: boundedInteger({ min: 0, max: 20 }).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  user: z.string().optional(),
  safety_identifier: z.string().max(64).nullable().optional(),
  prompt_cache_key: nullableString.optional(),
  prompt_cache_retention: z.unknown().optional(),
  prompt_cache_options: z.unknown().optional(),
  // ResponseProperties
  previous_response_id: nullableString.optional(),
  model: z.string().optional(),
  background: nullableBoolean.optional(),
  max_tool_calls: z.int().nullable().optional(),
  text: z.unknown().optional(),
  tools: z.array(tool).optional(),
  tool_choice: z.unknown().optional(),
  prompt: z.unknown().optional(),
  // CreateResponse's own
  service_tier: z.enum(['auto', 'default', 'flex', 'scale', 'priority', 'fast', 'ultrafast']).nullable().optional(),
  truncation: z.enum(['auto', 'disabled']).nullable().optional(),
  reasoning: z.unknown().optional(),
  input: z.union([z.string(), z.array(inputItemSchema)]).optional(),
  include: z.array(z.string()).nullable().optional(),
  parallel_tool_calls: nullableBoolean.optional(),
  store: nullableBoolean.optional(),
  instructions: nullableString.optional(),
  moderation: z.unknown().optional(),
  stream: nullableBoolean.optional(),
  stream_options: z.unknown().optional(),
  conversation: conversationParam.nullable().optional(),
  context_management: z.unknown().optional(),
  max_output_tokens: boundedInteger({ min: 16 }).nullable().optional(),
};

/** `InputItem` lists of the Conversations API: at most 20 items per call. */
const conversationItems = z.array(inputItemSchema).max(20);

/** Which variant of the schemas to build. */
interface ResponsesSchemaOptions {
  /** Accept Foundry's `agent_reference` (and its older name `agent`) on create-response. */
  foundryAgents: boolean;
}

/** Builds the Responses and Conversations request schemas, in the OpenAI variant or Foundry's. */
function buildResponsesRequestSchemas(options: ResponsesSchemaOptions) {
  const createResponse = z.strictObject(createResponseFields);
  return {
    CreateResponse: options.foundryAgents
      ? createResponse.extend({ agent_reference: agentReference.optional(), agent: agentReference.optional() })
      : createResponse,
    CreateConversationBody: z.strictObject({
      metadata: metadataSchema.optional(),
      items: conversationItems.nullable().optional(),
    }),
    UpdateConversationBody: z.strictObject({ metadata: metadataSchema }),
    /** The body of `POST /conversations/{conversation_id}/items` (inline in the spec). */
    CreateConversationItemsBody: z.strictObject({ items: conversationItems }),
  };
}

/** The Responses and Conversations request schemas, by the spec's names. */
export type ResponsesRequestSchemas = ReturnType<typeof buildResponsesRequestSchemas>;

/** OpenAI and Azure OpenAI v1: exactly the official request objects. */
export const OPENAI_RESPONSES_REQUEST_SCHEMAS: ResponsesRequestSchemas = buildResponsesRequestSchemas({ foundryAgents: false });

/** A Foundry project's OpenAI endpoint: the official objects plus `agent_reference` / `agent`. */
export const FOUNDRY_RESPONSES_REQUEST_SCHEMAS: ResponsesRequestSchemas = buildResponsesRequestSchemas({ foundryAgents: true });

/** The parsed body of a create-response request. */
export type CreateResponseBody = z.infer<ResponsesRequestSchemas['CreateResponse']> & {
  agent_reference?: z.infer<typeof agentReference>;
  agent?: z.infer<typeof agentReference>;
};

/**
 * Foundry agents v2: the body of `POST /agents/{agent_name}/versions` as azure-ai-projects 2.10.0's
 * `create_version` sends it (`definition`, `metadata`, `description`, and the preview's
 * `blueprint_reference` and `draft`, accepted and ignored). Only `prompt` agents are served; a
 * definition's other fields are accepted as sent.
 */
export const CreateAgentVersionRequest = z.strictObject({
  definition: z.discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('prompt'),
      model: z.string(),
      instructions: nullableString.optional(),
      tools: z.array(tool).nullable().optional(),
      tool_choice: z.unknown().optional(),
      temperature: z.number().nullable().optional(),
      top_p: z.number().nullable().optional(),
      reasoning: z.unknown().optional(),
      text: z.unknown().optional(),
      structured_inputs: z.unknown().optional(),
      skills: z.unknown().optional(),
      harness: z.unknown().optional(),
      rai_config: z.unknown().optional(),
    }),
  ]),
  description: nullableString.optional(),
  metadata: metadataSchema.optional(),
  blueprint_reference: z.unknown().optional(),
  draft: z.boolean().nullable().optional(),
});

/** The parsed body of a create-agent-version request. */
