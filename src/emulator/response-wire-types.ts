/**
 * The wire shapes of the Responses and Conversations APIs as the emulator serves them: a hand-written
 * mirror of the official objects (`Response`, the output and conversation items, `ConversationResource`,
 * the stream events; the webhook events are in `webhooks.ts`). Fields the spec marks required are required here; fields
 * the spec does not allow to be null are optional and left out rather than sent as null.
 */
import type { Metadata } from './wire-types';

/** Every status a response can have. `queued` and `in_progress` are still running. */
export type ResponseStatus = 'queued' | 'in_progress' | 'completed' | 'failed' | 'cancelled' | 'incomplete';

/** The statuses after which a response never changes again. */
export const TERMINAL_RESPONSE_STATUSES: ReadonlySet<ResponseStatus> = new Set(['completed', 'failed', 'cancelled', 'incomplete']);

/** `ResponseErrorCode` values the scripted model can fail with. */
export type ResponseErrorCode = 'server_error' | 'rate_limit_exceeded' | 'invalid_prompt';

/** `incomplete_details.reason`. */
export type ResponseIncompleteReason = 'max_output_tokens' | 'content_filter';

/** `ResponseUsage`. */
export interface ResponseUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number; cache_write_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/** A text part of an input message (`InputTextContent`). */
export interface InputTextPart {
  type: 'input_text';
  text: string;
}

/** A text part of an output message (`OutputTextContent`). */
export interface OutputTextPart {
  type: 'output_text';
  text: string;
  annotations: unknown[];
  logprobs: unknown[];
}

/** A message the caller sent (`InputMessageResource` / the conversation's `Message`). */
export interface InputMessageItem {
  type: 'message';
  id: string;
  role: 'user' | 'system' | 'developer';
  status: 'completed';
  /** Text parts as sent; other content parts (images, files) are kept as the caller sent them. */
  content: Array<InputTextPart | Record<string, unknown>>;
}

/** An assistant message (`OutputMessage`): the model's answer, or an assistant turn sent as input. */
export interface OutputMessageItem {
  type: 'message';
  id: string;
  role: 'assistant';
  status: 'in_progress' | 'completed' | 'incomplete';
  content: OutputTextPart[];
}

/** `FunctionToolCall` (output) / `FunctionToolCallResource` (items): the model asks for a function. */
export interface FunctionCallItem {
  type: 'function_call';
  id: string;
  call_id: string;
  name: string;
  /** JSON text, exactly as the model wrote it. */
  arguments: string;
  status: 'in_progress' | 'completed' | 'incomplete';
}

/** `FunctionToolCallOutputResource`: the caller's answer to a function call. */
export interface FunctionCallOutputItem {
  type: 'function_call_output';
  id: string;
  call_id: string;
  /** A string, or content parts as the caller sent them. */
  output: string | unknown[];
  status: 'in_progress' | 'completed' | 'incomplete';
}

/** `MCPApprovalRequest`: the model wants to call a tool on an MCP server and asks first. */
export interface McpApprovalRequestItem {
  type: 'mcp_approval_request';
  id: string;
  server_label: string;
  name: string;
  /** JSON text of the arguments. */
  arguments: string;
}

/** `MCPApprovalResponseResource`: the caller's decision on an approval request. */
export interface McpApprovalResponseItem {
  type: 'mcp_approval_response';
  id: string;
  approval_request_id: string;
  approve: boolean;
  reason?: string | null;
}

/** `MCPToolCall`: a call the service made to an MCP server. */
export interface McpCallItem {
  type: 'mcp_call';
  id: string;
  server_label: string;
  name: string;
  arguments: string;
  output: string | null;
  error: null;
  status: 'completed';
  approval_request_id: string | null;
}

/** Items the emulator models: what a response outputs, takes as input, and a conversation holds. */
export type ResponseItem =
  | InputMessageItem
  | OutputMessageItem
  | FunctionCallItem
  | FunctionCallOutputItem
  | McpApprovalRequestItem
  | McpApprovalResponseItem
  | McpCallItem;

/** Items a response may put in `output`. */
export type OutputItem = OutputMessageItem | FunctionCallItem | McpApprovalRequestItem | McpCallItem;

/** A Foundry agent a response runs (`AgentReference`, azure-ai-projects 2.x). */
export interface AgentReference {
  type: 'agent_reference';
  name: string;
  version?: string;
}

/** The `Response` object. */
export interface ResponseObject {
  id: string;
  object: 'response';
  created_at: number;
  status: ResponseStatus;
  background: boolean;
  /** Only set once the response is `completed`. */
  completed_at: number | null;
  error: { code: ResponseErrorCode; message: string } | null;
  incomplete_details: { reason: ResponseIncompleteReason } | null;
  instructions: string | null;
  max_output_tokens: number | null;
  max_tool_calls: number | null;
  model: string;
  output: OutputItem[];
  parallel_tool_calls: boolean;
  previous_response_id: string | null;
  reasoning: Record<string, unknown> | null;
  /** Sent by the service although the spec's `Response` does not list it. */
  store: boolean;
  temperature: number | null;
  text: Record<string, unknown>;
  tool_choice: unknown;
  tools: unknown[];
  top_logprobs: number | null;
  top_p: number | null;
  truncation: 'auto' | 'disabled' | null;
  /** Present once the response has ended (the spec does not let it be null). */
  usage?: ResponseUsage;
  metadata: Metadata;
  conversation: { id: string } | null;
  service_tier: 'auto' | 'default' | 'flex' | 'scale' | 'priority' | null;
  /** Echoed when the request set them (the spec does not let `user` be null). */
  user?: string;
  safety_identifier?: string;
  prompt_cache_key?: string;
  /** Foundry only: the agent version this response ran (the emulator's guess of the field; see README). */
  agent_reference?: AgentReference;
}

/** `ConversationResource`. */
export interface ConversationObject {
  id: string;
  object: 'conversation';
  created_at: number;
  metadata: Metadata;
}

/** One event of a response stream: `type` and `sequence_number` plus the event's own fields. */
export interface ResponseStreamEventData {
  type: string;
  sequence_number: number;
  [field: string]: unknown;
}
