/**
 * `agentrun`: the client entry, for services that start, steer and inspect agent runs (and
 * ingestions) and define tools. It loads no native module and no provider SDK: the worker lives in
 * `agentrun/worker`, workflow-safe definitions in `agentrun/workflow`, the emulator and the dev
 * server in `agentrun/testing`.
 */
export { defineTool, toolDefinitions, isTool, type Tool, type ToolContext, type ToolSpec } from './tools/define-tool';
export {
  AgentRunClient,
  DecisionRejectedError,
  InvalidAgentRunInputError,
  MissingSearchAttributesError,
  RunAlreadyFinishedError,
  readableWorkflowId,
  migrationWorkflowId,
  MIGRATE_THREAD_WORKFLOW_TYPE,
  type AgentRunListing,
  type DecisionTransport,
  type StartOptions,
} from './client';
export {
  IngestionClient,
  ProviderOperations,
  InvalidIngestionInputError,
  readableIngestionWorkflowId,
  type IngestionStartOptions,
  type StartedIngestionWorkflow,
  type FileBatchOutcome,
  type SavedFile,
  type FileStatusFilter,
} from './ingestion-client';
export { connectTemporalClient, temporalSettings } from './temporal-connection';
export { agentRunInputSchema, agentOf, agentLabel, conversationOf, describeIssues, type AgentRunInput, type ValidatedAgentRunInput, type AgentSpec, type ConversationSpec, type ToolPolicy } from './shared/run-input';
export { migrateThreadInputSchema, type MigrateThreadInput, type MigrationResult, type MigrationProgress } from './shared/migration-types';
export * from './shared/run-types';
export * from './shared/agent-types';
export * from './shared/ingestion-types';
export { FailureType, type FailureTypeName } from './shared/failure-types';
export {
  DEFAULT_TASK_QUEUE,
  AGENT_RUN_WORKFLOW_TYPE,
  approveToolCallSignal,
  denyToolCallSignal,
  submitToolOutputSignal,
  decideToolCallUpdate,
  runStateQuery,
  providerWebhookSignal,
  type ApproveToolCallPayload,
  type DenyToolCallPayload,
  type SubmitToolOutputPayload,
  type ToolCallDecisionPayload,
  type ProviderWebhookEvent,
} from './shared/run-messages';
export {
  ingestDocumentsInputSchema,
  type IngestDocumentsInput,
  type UploadFileInput,
  type CreateVectorStoreInput,
  type AttachFileInput,
  type CreateFileBatchInput,
  type DocumentSource,
} from './shared/ingestion-input';
