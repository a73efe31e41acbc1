/**
 * agentrun's public API: define tools, run workers, start and steer agent runs.
 */
export { defineTool, toolDefinitions, isTool, type Tool, type ToolContext, type ToolSpec } from './tools/define-tool';
export { loadToolModule } from './tools/load-tools';
export {
  AgentRunClient,
  DecisionRejectedError,
  InvalidAgentRunInputError,
  MissingSearchAttributesError,
  RunAlreadyFinishedError,
  readableWorkflowId,
  type AgentRunListing,
  type DecisionTransport,
  type StartOptions,
} from './client';
export { createAgentrunWorker, ensureSearchAttributes, type AgentrunWorkerOptions } from './worker';
export { agentRunInputSchema, agentOf, agentLabel, conversationOf, type AgentRunInput, type AgentSpec, type ConversationSpec, type ToolPolicy } from './shared/run-input';
export { migrateThreadInputSchema, type MigrateThreadInput, type MigrationResult } from './shared/migration-types';
export * from './shared/run-types';
export * from './shared/agent-types';
export { FailureType } from './shared/failure-types';
export { DEFAULT_TASK_QUEUE, AGENT_RUN_WORKFLOW_TYPE } from './shared/run-messages';
export {
  createProvider,
  createAgentService,
  readProviderConfig,
  ThreadsRunsService,
  ResponsesService,
  OpenAIResponsesApi,
  type AgentProvider,
  type AgentService,
  type ProviderConfig,
  type ResponsesApi,
} from './providers';
export { createWebhookReceiver, startWebhookServer, OPENAI_WEBHOOK_PATH, type WebhookReceiver, type WebhookReceiverOptions, type RunningWebhookServer } from './webhooks';
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
export * from './shared/ingestion-types';
export {
  ingestDocumentsInputSchema,
  type IngestDocumentsInput,
  type UploadFileInput,
  type CreateVectorStoreInput,
  type AttachFileInput,
  type CreateFileBatchInput,
  type DocumentSource,
} from './shared/ingestion-input';
