/**
 * `agentrun/workflow`: what your own workflow code may import (it is deterministic, bundle-safe,
 * free of Node built-ins and provider SDKs): agentrun's workflows (start one as a typed child:
 * `executeChild(agentRunWorkflow, { args: [input] })`), their signal, query and update definitions,
 * input schemas, result types and failure type strings. A workflows module of your own registers
 * agentrun's workflows on your worker by re-exporting `agentrun/workflows`.
 */
export { agentRunWorkflow, attachFileWorkflow, createFileBatchWorkflow, createVectorStoreWorkflow, ingestBatchWorkflow, ingestDocumentsWorkflow, migrateThreadWorkflow, uploadFileWorkflow, migrationProgressQuery } from './workflows';
export * from './shared/public-definitions';
