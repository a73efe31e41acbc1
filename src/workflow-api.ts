/**
 * `agentrun/workflow`: what your own workflow code may import (it is deterministic, bundle-safe,
 * free of Node built-ins and provider SDKs): agentrun's workflows (start one as a typed child:
 * `executeChild(agentRunWorkflow, { args: [input] })`), their signal, query and update definitions,
 * input schemas, result types and failure type strings. A workflows module of your own registers
 * agentrun's workflows on your worker by re-exporting `agentrun/workflows`.
 */
export { agentRunWorkflow, attachFileWorkflow, createFileBatchWorkflow, createVectorStoreWorkflow, ingestBatchWorkflow, ingestDocumentsWorkflow, migrateThreadWorkflow, uploadFileWorkflow, migrationProgressQuery } from './workflows';
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
  approveToolCallPayloadSchema,
  denyToolCallPayloadSchema,
  submitToolOutputPayloadSchema,
  toolCallDecisionPayloadSchema,
  type ApproveToolCallPayload,
  type DenyToolCallPayload,
  type SubmitToolOutputPayload,
  type ToolCallDecisionPayload,
  type ProviderWebhookEvent,
} from './shared/run-messages';
export { agentRunInputSchema, agentOf, agentLabel, conversationOf, describeIssues, type AgentRunInput, type ValidatedAgentRunInput, type AgentSpec, type ConversationSpec, type ToolPolicy } from './shared/run-input';
export { ingestDocumentsInputSchema, type IngestDocumentsInput } from './shared/ingestion-input';
export { ingestionProgressQuery } from './shared/ingestion-messages';
export { migrateThreadInputSchema, type MigrateThreadInput, type MigrationResult } from './shared/migration-types';
export { FailureType, type FailureTypeName } from './shared/failure-types';
export { AGENTRUN_SEARCH_ATTRIBUTES } from './shared/search-attributes';
export type * from './shared/run-types';
export type * from './shared/agent-types';
export type * from './shared/ingestion-types';
