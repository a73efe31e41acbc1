/**
 * The wire shapes the emulator serves: a hand-written mirror of the official OpenAPI objects
 * (`AssistantObject`, `ThreadObject`, `MessageObject`, `RunObject`, `RunStepObject`, `OpenAIFile`,
 * `VectorStoreObject`, `VectorStoreFileObject`, `VectorStoreFileBatchObject`, the list objects and
 * `ErrorResponse`). Every field the spec marks required is required here too, so the
 * compiler catches a response that would fail the spec-validation tests.
 */

/** Metadata as the spec defines it: at most 16 string pairs. */
export type Metadata = Record<string, string>;

/** A tool definition: code interpreter, file search or a function. */
export type ToolDefinition =
  | { type: 'code_interpreter' }
  | { type: 'file_search'; file_search?: Record<string, unknown> }
  | { type: 'function'; function: FunctionDefinition };

/** The function part of a function tool definition. */
export interface FunctionDefinition {
  name: string;
  description?: string;
  parameters?: Record<string, unknown>;
  strict?: boolean | null;
}

/** Tool resources of an assistant or a thread. */
export interface ToolResources {
  code_interpreter?: { file_ids?: string[] };
  file_search?: { vector_store_ids?: string[] };
}

/** `response_format` of an assistant or a run. */
export type ResponseFormat = 'auto' | { type: string; [key: string]: unknown };

/** `tool_choice` of a run. */
export type ToolChoice = 'none' | 'auto' | 'required' | { type: string; function?: { name: string } };

/** `truncation_strategy` of a run. */
export interface TruncationStrategy {
  type: 'auto' | 'last_messages';
  last_messages?: number | null;
}

/** `AssistantObject`. */
export interface AssistantObject {
  id: string;
  object: 'assistant';
  created_at: number;
  name: string | null;
  description: string | null;
  model: string;
  instructions: string | null;
  tools: ToolDefinition[];
  tool_resources: ToolResources | null;
  metadata: Metadata;
  temperature: number | null;
  top_p: number | null;
  response_format: ResponseFormat | null;
}

/** `ThreadObject`. */
export interface ThreadObject {
  id: string;
  object: 'thread';
  created_at: number;
  tool_resources: ToolResources | null;
  metadata: Metadata;
}

/** One part of a message's `content`. */
export type MessageContent =
  | { type: 'text'; text: { value: string; annotations: unknown[] } }
  | { type: 'image_file'; image_file: { file_id: string; detail?: string } }
  | { type: 'image_url'; image_url: { url: string; detail?: string } };

/** A file attached to a message. */
export interface MessageAttachment {
  file_id: string;
  tools?: Array<{ type: string }>;
}

/** `MessageObject`. */
export interface MessageObject {
  id: string;
  object: 'thread.message';
  created_at: number;
  thread_id: string;
  status: 'in_progress' | 'incomplete' | 'completed';
  incomplete_details: { reason: string } | null;
  completed_at: number | null;
  incomplete_at: number | null;
  role: 'user' | 'assistant';
  content: MessageContent[];
  assistant_id: string | null;
  run_id: string | null;
  attachments: MessageAttachment[] | null;
  metadata: Metadata;
}

/** Every status a run can have. */
export type RunStatus =
  | 'queued'
  | 'in_progress'
  | 'requires_action'
  | 'cancelling'
  | 'cancelled'
  | 'failed'
  | 'completed'
  | 'incomplete'
  | 'expired';

/** `RunToolCallObject`: one tool call the client must answer. */
export interface RunToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** Token usage of a run or a run step. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** `last_error` codes a run may carry. */
export type RunErrorCode = 'server_error' | 'rate_limit_exceeded' | 'invalid_prompt';

/** `RunObject`. */
export interface RunObject {
  id: string;
  object: 'thread.run';
  created_at: number;
  thread_id: string;
  assistant_id: string;
  status: RunStatus;
  required_action: { type: 'submit_tool_outputs'; submit_tool_outputs: { tool_calls: RunToolCall[] } } | null;
  last_error: { code: RunErrorCode; message: string } | null;
  expires_at: number | null;
  started_at: number | null;
  cancelled_at: number | null;
  failed_at: number | null;
  completed_at: number | null;
  incomplete_details: { reason: 'max_completion_tokens' | 'max_prompt_tokens' } | null;
  model: string;
  instructions: string;
  tools: ToolDefinition[];
  metadata: Metadata;
  usage: Usage | null;
  temperature: number | null;
  top_p: number | null;
  max_prompt_tokens: number | null;
  max_completion_tokens: number | null;
  truncation_strategy: TruncationStrategy | null;
  tool_choice: ToolChoice | null;
  parallel_tool_calls: boolean;
  response_format: ResponseFormat | null;
}

/** A function tool call as a run step records it (with its output once submitted). */
export interface StepFunctionToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string; output: string | null };
}

/** `step_details` of a run step. */
export type StepDetails =
  | { type: 'message_creation'; message_creation: { message_id: string } }
  | { type: 'tool_calls'; tool_calls: StepFunctionToolCall[] };

/** Every status a run step can have. */
export type RunStepStatus = 'in_progress' | 'cancelled' | 'failed' | 'completed' | 'expired';

/** `RunStepObject`. */
export interface RunStepObject {
  id: string;
  object: 'thread.run.step';
  created_at: number;
  assistant_id: string;
  thread_id: string;
  run_id: string;
  type: 'message_creation' | 'tool_calls';
  status: RunStepStatus;
  step_details: StepDetails;
  last_error: { code: 'server_error' | 'rate_limit_exceeded'; message: string } | null;
  expired_at: number | null;
  cancelled_at: number | null;
  failed_at: number | null;
  completed_at: number | null;
  metadata: Metadata;
  usage: Usage | null;
}

/** The spec's list objects. `first_id`/`last_id` are null on an empty page, as the real service sends. */
export interface ListPage<T> {
  object: 'list';
  data: T[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

/** `Delete*Response`. */
export interface DeletionStatus {
  id: string;
  object: 'assistant.deleted' | 'thread.deleted' | 'thread.message.deleted' | 'vector_store.deleted' | 'vector_store.file.deleted';
  deleted: true;
}

/** OpenAI's `Error` object. */
export interface OpenAIErrorObject {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

/** One server-sent event of a run stream. */
export interface StreamEvent {
  event: string;
  data: unknown;
}

/** `purpose` of an uploaded file (`CreateFileRequest`). */
export type FilePurpose = 'assistants' | 'batch' | 'fine-tune' | 'vision' | 'user_data' | 'evals';

/** `OpenAIFile`: an uploaded file. `status` is deprecated but still required by the spec and still sent. */
export interface OpenAIFileObject {
  id: string;
  object: 'file';
  bytes: number;
  created_at: number;
  /** Present only when the upload set `expires_after`. */
  expires_at?: number;
  filename: string;
  purpose: FilePurpose;
  status: 'uploaded' | 'processed' | 'error';
}

/** `DeleteFileResponse`. */
export interface FileDeletionStatus {
  id: string;
  object: 'file';
  deleted: true;
}

/** `file_counts` of a vector store or a file batch, kept as live counters. */
export interface FileCounts {
  in_progress: number;
  completed: number;
  failed: number;
  cancelled: number;
  total: number;
}

/** `VectorStoreExpirationAfter`. */
export interface VectorStoreExpirationAfter {
  anchor: 'last_active_at';
  days: number;
}

/** Every status a vector store can have. */
export type VectorStoreStatus = 'expired' | 'in_progress' | 'completed';

/** `VectorStoreObject`. */
export interface VectorStoreObject {
  id: string;
  object: 'vector_store';
  created_at: number;
  name: string;
  usage_bytes: number;
  file_counts: FileCounts;
  status: VectorStoreStatus;
  /** Absent when the store never expires (the spec does not let it be null). */
  expires_after?: VectorStoreExpirationAfter;
  expires_at: number | null;
  last_active_at: number | null;
  metadata: Metadata;
}

/** `StaticChunkingStrategy` with its `static` parameters, as a vector store file reports it. */
export interface StaticChunkingStrategyObject {
  type: 'static';
  static: { max_chunk_size_tokens: number; chunk_overlap_tokens: number };
}

/** Every status a vector store file can have. */
export type VectorStoreFileStatus = 'in_progress' | 'completed' | 'cancelled' | 'failed';

/** `last_error.code` of a vector store file. */
export type VectorStoreFileErrorCode = 'server_error' | 'unsupported_file' | 'invalid_file';

/** Attribute values a vector store file may carry (`VectorStoreFileAttributes`). */
export type VectorStoreFileAttributes = Record<string, string | number | boolean>;

/** `VectorStoreFileObject`: a file attached to a vector store. Its id is the file's id. */
export interface VectorStoreFileObject {
  id: string;
  object: 'vector_store.file';
  usage_bytes: number;
  created_at: number;
  vector_store_id: string;
  status: VectorStoreFileStatus;
  last_error: { code: VectorStoreFileErrorCode; message: string } | null;
  chunking_strategy: StaticChunkingStrategyObject;
  attributes: VectorStoreFileAttributes | null;
}

/** Every status a file batch can have (the spec has no `cancelling`: see README). */
export type VectorStoreFileBatchStatus = 'in_progress' | 'completed' | 'cancelled' | 'failed';

/** `VectorStoreFileBatchObject`. The spec's `object` value really is `vector_store.files_batch`. */
export interface VectorStoreFileBatchObject {
  id: string;
  object: 'vector_store.files_batch';
  created_at: number;
  vector_store_id: string;
  status: VectorStoreFileBatchStatus;
  file_counts: FileCounts;
}

/** `VectorStoreFileContentResponse`: the parsed text of a vector store file. */
export interface VectorStoreFileContentPage {
  object: 'vector_store.file_content.page';
  data: Array<{ type: 'text'; text: string }>;
  has_more: boolean;
  next_page: string | null;
}
