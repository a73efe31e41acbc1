/**
 * Every workflow agentrun's worker registers. Deterministic code only (lint-enforced).
 */
export { agentRunWorkflow, type CarriedRunState } from './agent-run-workflow';
export {
  attachFileWorkflow,
  createFileBatchWorkflow,
  createVectorStoreWorkflow,
  ingestBatchWorkflow,
  ingestDocumentsWorkflow,
  uploadFileWorkflow,
  type IngestBatchParams,
} from './ingestion-workflows';
export { migrateThreadWorkflow, migrationProgressQuery } from './migration-workflow';
