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
// Payload encryption (AES-256-GCM with key ids): the same codec in clients, workers and the codec server.
export { agentrunDataConverter, type EncryptionKeySource } from './encryption/data-converter';
export { AesGcmPayloadCodec, encryptionKeysFromEnvironment, EncryptionKeysError, PayloadDecryptionError, ENCRYPTION_KEYS_VARIABLE, type EncryptionKey } from './encryption/encryption-codec';
export {
  signDecision,
  decisionDigest,
  trustPublicKeys,
  trustJwks,
  decisionTrustFromEnvironment,
  DECISION_AUDIENCE,
  type DecisionContent,
  type DecisionTrust,
  type SignDecisionOptions,
  type VerifiedApprover,
} from './decisions/signed-decisions';
export { searchAttributeConfigFromEnvironment, type SearchAttributeConfig } from './search-attribute-config';
export * from './shared/public-definitions';
// Kept from 0.2 for clients that wait on a run's status themselves.
export { TERMINAL_RUN_STATUSES, isTerminalRunStatus } from './shared/agent-types';
export { TERMINAL_FILE_STATUSES, TERMINAL_BATCH_STATUSES } from './shared/ingestion-types';
