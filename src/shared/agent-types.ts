/**
 * Provider-neutral shapes of the agent protocol: what workflows, activities and the client speak.
 *
 * Nothing here is a provider's wire shape (camelCase, no `object` fields, no provider ids beyond
 * the opaque strings): the adapters in src/providers translate. That keeps users' workflow
 * histories valid when a Responses-API provider later sits behind the same interface.
 * Pure TypeScript, safe in the workflow sandbox; every value is JSON-plain.
 */

/**
 * agentrun's own status vocabulary for a turn (a run, or a response), whatever the protocol. Each
 * adapter maps its raw statuses once (`queued`, `in_progress`, `cancelling` and anything unknown
 * are `running`; a response that ended asking for function calls is `requires_action`). The
 * actionable names are the threads/runs ones, so histories recorded before the seam read the same.
 */
export const TURN_STATUSES = ['running', 'requires_action', 'completed', 'failed', 'incomplete', 'cancelled', 'expired'] as const;
/** A turn's status in agentrun's vocabulary. */
export type TurnStatus = (typeof TURN_STATUSES)[number];

/** Statuses after which a turn never changes again. */
export const TERMINAL_RUN_STATUSES: readonly string[] = ['cancelled', 'failed', 'completed', 'incomplete', 'expired'];

/** True when the turn has ended. Unknown statuses count as still running (FACTS: never hot-loop on them). */
export function isTerminalRunStatus(status: string): boolean {
  return TERMINAL_RUN_STATUSES.includes(status);
}

/**
 * One call the model asked for and that waits for an answer. `arguments` is the model's raw JSON
 * text, unvalidated. A function call by default; an MCP approval request (Responses) asks a person
 * whether the model may call a tool of an MCP server, and is answered by approving or denying it.
 */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
  /** Absent: a function call (every call recorded before MCP approvals existed). */
  kind?: 'function' | 'mcp_approval';
  /** For MCP approval requests: the server's label. */
  serverLabel?: string;
}

/** The answer to one tool call. */
export interface ToolOutput {
  toolCallId: string;
  /** The function's output (for an MCP approval: the reason, when one was given). */
  output: string;
  /** For an MCP approval request: whether the call was approved. */
  approve?: boolean;
}

/** Token usage of a run or step. */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/** Why a run failed. */
export interface RunError {
  code: string;
  message: string;
}

/**
 * A turn as last seen at the provider: a threads/runs run, or a response. Field names are the
 * threads/runs ones (they are in recorded histories): `threadId` is the conversation, `id` the run
 * or response, `assistantId` the agent (an assistant id, a Foundry agent, or a model).
 */
export interface RunSnapshot {
  id: string;
  threadId: string;
  assistantId: string;
  /** agentrun's vocabulary ({@link TurnStatus}). */
  status: string;
  /** The provider's own status, for people (`queued`, `in_progress`, ...). */
  providerStatus?: string;
  /** Calls waiting for outputs when status is `requires_action`; empty otherwise. */
  requiredToolCalls: ToolCall[];
  lastError: RunError | null;
  /** Why a run ended `incomplete` (e.g. `max_completion_tokens`). */
  incompleteReason: string | null;
  usage: TokenUsage | null;
  /** Unix seconds. */
  createdAt: number;
  /** Unix seconds after which the run expires, when the provider says. */
  expiresAt: number | null;
  metadata: Record<string, string>;
}

/** A content part of a new message. */
export type MessageContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_file'; fileId: string; detail?: 'auto' | 'low' | 'high' }
  | { type: 'image_url'; url: string; detail?: 'auto' | 'low' | 'high' };

/** A file attached to a message and the tools that may read it. */
export interface MessageAttachment {
  fileId: string;
  tools: Array<'code_interpreter' | 'file_search'>;
}

/** A message to add to a thread. */
export interface NewMessage {
  role: 'user' | 'assistant';
  content: string | MessageContentPart[];
  attachments?: MessageAttachment[];
  metadata?: Record<string, string>;
}

/** A message read back from a thread (text parts joined). */
export interface ThreadMessage {
  id: string;
  role: 'user' | 'assistant';
  text: string;
  runId: string | null;
  assistantId: string | null;
  status: string;
  createdAt: number;
}

/** A tool the model may use during a run. */
export type ToolDefinition =
  | { type: 'function'; name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean }
  | { type: 'code_interpreter' }
  | { type: 'file_search'; maxNumResults?: number; rankingOptions?: { ranker?: 'auto' | 'default_2024_08_21'; scoreThreshold: number } };

/** Files and vector stores made available to the built-in tools. */
export interface ToolResources {
  codeInterpreter?: { fileIds: string[] };
  fileSearch?: { vectorStoreIds: string[] };
}

/** How the provider trims the thread to fit the context window. */
export interface TruncationStrategy {
  type: 'auto' | 'last_messages';
  lastMessages?: number;
}

/** Which tool, if any, the model must call. */
export type ToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; name: string } | { type: 'file_search' } | { type: 'code_interpreter' };

/** The format the model must answer in. */
export type ResponseFormat =
  | 'auto'
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; jsonSchema: { name: string; description?: string; schema?: Record<string, unknown>; strict?: boolean } };

/**
 * Every option of starting a turn (create_and_process_run's, minus orchestration). The agent is an
 * assistant (`assistantId`, threads/runs), a Foundry agent (`agentName`, `agentVersion`), or inline
 * (`model`, `instructions`, `tools`, Responses).
 */
export interface RunOptions {
  assistantId?: string;
  /** A Foundry agent (agents v2) by name, and optionally its version. */
  agentName?: string;
  agentVersion?: string;
  /** Responses without a conversation: the response this turn continues from. */
  previousResponseId?: string;
  model?: string;
  instructions?: string;
  additionalInstructions?: string;
  additionalMessages?: NewMessage[];
  tools?: ToolDefinition[];
  /** Only on create-thread-and-run at the provider; on an existing thread, set them on the thread. */
  toolResources?: ToolResources;
  temperature?: number;
  topP?: number;
  maxPromptTokens?: number;
  maxCompletionTokens?: number;
  truncationStrategy?: TruncationStrategy;
  toolChoice?: ToolChoice;
  responseFormat?: ResponseFormat;
  parallelToolCalls?: boolean;
  metadata?: Record<string, string>;
  /** Extra fields to include in run steps, e.g. `step_details.tool_calls[*].file_search.results[*].content`. */
  include?: string[];
}

/** A thread to create (alone, or with a run). */
export interface NewThread {
  messages?: NewMessage[];
  metadata?: Record<string, string>;
  toolResources?: ToolResources;
}

/** One step of a run: a round of tool calls, or the creation of a message. */
export interface RunStep {
  id: string;
  runId: string;
  type: 'message_creation' | 'tool_calls';
  status: string;
  /** For tool_calls steps: the function calls, with outputs once submitted. */
  toolCalls: Array<{ id: string; name: string; arguments: string; output: string | null }>;
  /** For message_creation steps. */
  messageId: string | null;
  createdAt: number;
  completedAt: number | null;
  usage: TokenUsage | null;
}

/** What a streamed run reports, translated from the provider's server-sent events. */
export type RunStreamEvent =
  /** `cursor`: the event's position in a resumable stream (Responses `sequence_number`). */
  | { type: 'run'; run: RunSnapshot; cursor?: number }
  | { type: 'step'; step: RunStep }
  | { type: 'message.delta'; messageId: string; text: string; cursor?: number }
  /** Any other event of a resumable stream: only its position matters. */
  | { type: 'progress'; cursor: number }
  | { type: 'message.completed'; message: ThreadMessage };
