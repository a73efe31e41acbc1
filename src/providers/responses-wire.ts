/**
 * Small, permissive zod schemas for the Responses and Conversations wire objects (they keep only
 * what agentrun reads and accept extra fields), their translation into agentrun's neutral shapes,
 * and the reverse: turn options to a create-response body.
 *
 * The one place a response's raw status is interpreted: a response that ended `completed` with
 * function calls or MCP approval requests in its output is a turn that `requires_action`.
 */
import { z } from 'zod/v4';
import type { MessageContentPart, NewMessage, RunOptions, RunSnapshot, ToolCall, ToolDefinition, ToolOutput, TurnStatus } from '../shared/agent-types';
import { compact, parseWire } from './wire-schemas';

const metadataSchema = z
  .record(z.string(), z.unknown())
  .nullish()
  .transform((value) => Object.fromEntries(Object.entries(value ?? {}).map(([key, entry]) => [key, String(entry)])));

const contentPartSchema = z.object({ type: z.string(), text: z.string().nullish() }).loose();

/** Any output or conversation item: the fields agentrun reads, whatever its type. */
const itemSchema = z
  .object({
    type: z.string(),
    id: z.string().nullish(),
    role: z.string().nullish(),
    content: z.union([z.array(contentPartSchema), z.string()]).nullish(),
    call_id: z.string().nullish(),
    name: z.string().nullish(),
    arguments: z.string().nullish(),
    server_label: z.string().nullish(),
    approval_request_id: z.string().nullish(),
  })
  .loose();

/** A wire item (output item, or conversation item). */
export type WireItem = z.output<typeof itemSchema>;

const responseSchema = z.object({
  id: z.string(),
  status: z.string().nullish(),
  created_at: z.number(),
  output: z.array(itemSchema).nullish(),
  error: z.object({ code: z.string().nullish(), message: z.string().nullish() }).nullish(),
  incomplete_details: z.object({ reason: z.string().nullish() }).nullish(),
  usage: z.object({ input_tokens: z.number(), output_tokens: z.number(), total_tokens: z.number() }).nullish(),
  metadata: metadataSchema,
  conversation: z.object({ id: z.string() }).nullish(),
  model: z.string().nullish(),
});

/** A response read back: what agentrun uses of it. */
export interface ResponseRecord {
  id: string;
  /** The provider's own status (`queued`, `in_progress`, `completed`, ...). */
  status: string;
  createdAt: number;
  output: WireItem[];
  error: { code: string; message: string } | null;
  incompleteReason: string | null;
  usage: RunSnapshot['usage'];
  metadata: Record<string, string>;
  conversationId: string | null;
  model: string | null;
}

/** Parses a wire response. */
export function toResponseRecord(value: unknown): ResponseRecord {
  const response = parseWire(responseSchema, value, 'response');
  return {
    id: response.id,
    status: response.status ?? 'completed',
    createdAt: response.created_at,
    output: response.output ?? [],
    error: response.error ? { code: response.error.code ?? 'unknown', message: response.error.message ?? '' } : null,
    incompleteReason: response.incomplete_details?.reason ?? null,
    usage: response.usage ? { promptTokens: response.usage.input_tokens, completionTokens: response.usage.output_tokens, totalTokens: response.usage.total_tokens } : null,
    metadata: response.metadata,
    conversationId: response.conversation?.id ?? null,
    model: response.model ?? null,
  };
}

/** Parses a wire conversation item. */
export function toWireItem(value: unknown): WireItem {
  return parseWire(itemSchema, value, 'conversation item');
}

/** The calls an output waits on: function calls and MCP approval requests, in output order. */
export function pendingCallsOf(output: readonly WireItem[]): ToolCall[] {
  const calls: ToolCall[] = [];
  for (const item of output) {
    if (item.type === 'function_call' && item.call_id) calls.push({ id: item.call_id, name: item.name ?? '', arguments: item.arguments ?? '' });
    else if (item.type === 'mcp_approval_request' && item.id) {
      calls.push({ id: item.id, name: item.name ?? '', arguments: item.arguments ?? '', kind: 'mcp_approval', serverLabel: item.server_label ?? '' });
    }
  }
  return calls;
}

/** A response's status in agentrun's vocabulary: the one place response statuses are interpreted. */
export function turnStatusOfResponse(status: string, pendingCalls: number): TurnStatus {
  switch (status) {
    case 'completed':
      // A finished response that asks for function outputs or approvals: the turn waits on us.
      return pendingCalls > 0 ? 'requires_action' : 'completed';
    case 'failed':
    case 'incomplete':
    case 'cancelled':
      return status;
    default:
      // queued, in_progress, and statuses the protocol may add: still running.
      return 'running';
  }
}

/** The text of an item's content parts. */
export function itemText(item: WireItem): string {
  if (typeof item.content === 'string') return item.content;
  return (item.content ?? []).map((part) => part.text ?? '').filter(Boolean).join('\n');
}

/** Where a turn runs and who runs it, for {@link toTurn}. */
export interface TurnFrame {
  /** The conversation ('' for a chain). */
  conversationId: string;
  /** Seconds after creation when pending calls expire (Foundry agents v2), or null. */
  toolCallExpirySeconds: number | null;
}

/** A response as a turn snapshot. */
export function toTurn(response: ResponseRecord, frame: TurnFrame): RunSnapshot {
  const pending = pendingCallsOf(response.output);
  const status = turnStatusOfResponse(response.status, pending.length);
  return {
    id: response.id,
    threadId: response.conversationId ?? frame.conversationId,
    assistantId: response.model ? `model:${response.model}` : '',
    status,
    providerStatus: response.status,
    requiredToolCalls: status === 'requires_action' ? pending : [],
    lastError: response.error,
    incompleteReason: response.incompleteReason,
    usage: response.usage,
    createdAt: response.createdAt,
    expiresAt: status === 'requires_action' && frame.toolCallExpirySeconds !== null ? response.createdAt + frame.toolCallExpirySeconds : null,
    metadata: response.metadata,
  };
}

// ---- turn options -> wire ------------------------------------------------------------------

type WireBody = Record<string, unknown>;

/** A message as an input item. Attachments are a threads/runs notion: files reach Responses through file_search. */
export function toInputMessage(message: NewMessage): WireBody {
  const content =
    typeof message.content === 'string'
      ? message.content
      : message.content.map((part: MessageContentPart) => {
          switch (part.type) {
            case 'text':
              return { type: message.role === 'assistant' ? 'output_text' : 'input_text', text: part.text };
            case 'image_file':
              return compact({ type: 'input_image', file_id: part.fileId, detail: part.detail ?? 'auto' });
            case 'image_url':
              return compact({ type: 'input_image', image_url: part.url, detail: part.detail ?? 'auto' });
          }
        });
  return { type: 'message', role: message.role, content };
}

/** The answer to one call as an input item. */
export function toAnswerItem(output: ToolOutput): WireBody {
  if (output.approve !== undefined) {
    return compact({ type: 'mcp_approval_response', approval_request_id: output.toolCallId, approve: output.approve === true, reason: output.output || undefined });
  }
  return { type: 'function_call_output', call_id: output.toolCallId, output: output.output };
}

/** A neutral tool definition as a Responses tool. */
function toWireTool(tool: ToolDefinition, vectorStoreIds: string[] | undefined): WireBody {
  switch (tool.type) {
    case 'function':
      return compact({ type: 'function', name: tool.name, description: tool.description, parameters: tool.parameters ?? { type: 'object', properties: {} }, strict: tool.strict ?? false });
    case 'code_interpreter':
      return { type: 'code_interpreter', container: { type: 'auto' } };
    case 'file_search':
      return compact({
        type: 'file_search',
        vector_store_ids: vectorStoreIds ?? [],
        max_num_results: tool.maxNumResults,
        ranking_options: tool.rankingOptions ? compact({ ranker: tool.rankingOptions.ranker, score_threshold: tool.rankingOptions.scoreThreshold }) : undefined,
      });
  }
}

function toWireToolChoice(choice: RunOptions['toolChoice']): unknown {
  if (choice === undefined || typeof choice === 'string') return choice;
  return choice.type === 'function' ? { type: 'function', name: choice.name } : { type: choice.type };
}

function toWireTextFormat(format: RunOptions['responseFormat']): unknown {
  if (format === undefined || format === 'auto') return undefined;
  if (format.type !== 'json_schema') return { format: { type: format.type } };
  return { format: compact({ type: 'json_schema', name: format.jsonSchema.name, description: format.jsonSchema.description, schema: format.jsonSchema.schema ?? {}, strict: format.jsonSchema.strict }) };
}

/** The agent part of a create-response body: a Foundry agent reference, or an inline model. */
export function toWireAgent(run: RunOptions): WireBody {
  if (run.agentName !== undefined) return { agent_reference: compact({ type: 'agent_reference', name: run.agentName, version: run.agentVersion }) };
  return compact({ model: run.model });
}

/**
 * A create-response body from a turn's options, its input and where it runs. Background and
 * stored: a durable caller must be able to read the response back for as long as the turn lasts.
 */
export function toCreateResponseBody(run: RunOptions, input: WireBody[], where: { conversationId: string; previousResponseId?: string }, metadata: Record<string, string>, defaultTools: ToolDefinition[]): WireBody {
  const instructions = [run.instructions, run.additionalInstructions].filter((part) => part !== undefined && part !== '').join('\n') || undefined;
  // An inline agent without tools of its own uses the worker's tools (the tool module's definitions).
  const tools = run.tools ?? (run.agentName === undefined ? defaultTools : undefined);
  const vectorStoreIds = run.toolResources?.fileSearch?.vectorStoreIds;
  return compact({
    ...toWireAgent(run),
    // A Foundry agent carries its own instructions and tools; overriding them is refused by the service.
    instructions: run.agentName === undefined ? instructions : undefined,
    tools: tools?.length ? tools.map((tool) => toWireTool(tool, vectorStoreIds)) : undefined,
    input,
    conversation: where.conversationId || undefined,
    previous_response_id: where.conversationId ? undefined : where.previousResponseId,
    background: true,
    store: true,
    metadata,
    temperature: run.temperature,
    top_p: run.topP,
    max_output_tokens: run.maxCompletionTokens,
    tool_choice: toWireToolChoice(run.toolChoice),
    parallel_tool_calls: run.parallelToolCalls,
    text: toWireTextFormat(run.responseFormat),
    truncation: run.truncationStrategy ? (run.truncationStrategy.type === 'auto' ? 'auto' : 'disabled') : undefined,
    include: run.include,
  });
}
