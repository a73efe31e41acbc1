/**
 * The workflow-safe definitions both public entries export: `agentrun` (the client) and
 * `agentrun/workflow` (code inside workflows). One list, so the two cannot drift: message
 * definitions and payload schemas, input schemas, failure type strings, search attributes, and
 * the types of inputs, state and results. Nothing here imports Node built-ins or provider SDKs.
 */
export {
  DEFAULT_TASK_QUEUE,
  AGENT_RUN_WORKFLOW_TYPE,
  approveToolCallSignal,
  denyToolCallSignal,
  submitToolOutputSignal,
  decideToolCallUpdate,
  runStateQuery,
  providerWebhookSignal,
  providerTroubleSignal,
  type ApproveToolCallPayload,
  type DenyToolCallPayload,
  type SubmitToolOutputPayload,
  type ToolCallDecisionPayload,
  type ProviderWebhookEvent,
} from './run-messages';
export { approveToolCallPayloadSchema, denyToolCallPayloadSchema, submitToolOutputPayloadSchema, toolCallDecisionPayloadSchema } from './decision-schemas';
export { agentRunInputSchema, agentOf, agentLabel, conversationOf, describeIssues, type AgentRunInput, type ValidatedAgentRunInput, type AgentSpec, type ConversationSpec, type ToolPolicy } from './run-input';
export {
  ingestDocumentsInputSchema,
  type IngestDocumentsInput,
  type UploadFileInput,
  type CreateVectorStoreInput,
  type AttachFileInput,
  type CreateFileBatchInput,
  type DocumentSource,
} from './ingestion-input';
export { ingestionProgressQuery } from './ingestion-messages';
export { migrateThreadInputSchema, type MigrateThreadInput } from './migration-input';
export type { MigrationResult, MigrationProgress } from './migration-types';
export { FailureType, type FailureTypeName } from './failure-types';
export { AGENTRUN_SEARCH_ATTRIBUTES } from './search-attributes';
export type * from './run-types';
export type * from './agent-types';
export type * from './ingestion-types';
