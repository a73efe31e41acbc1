/**
 * Queries, signals and type names of the ingestion workflows.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { IngestionBatchResult, IngestionProgress } from './ingestion-types';

/** Query: live progress of an ingestion. */
export const ingestionProgressQuery = defineQuery<IngestionProgress>('getIngestionProgress');

/** Signal from a batch (child) to its ingestion: counts at a stage boundary. */
export interface BatchProgress {
  batchIndex: number;
  uploaded: number;
  processing: number;
  /** Set when the batch is done. */
  result?: IngestionBatchResult;
}
export const batchProgressSignal = defineSignal<[BatchProgress]>('ingestionBatchProgress');

export const INGEST_DOCUMENTS_WORKFLOW_TYPE = 'ingestDocumentsWorkflow';
export const INGEST_BATCH_WORKFLOW_TYPE = 'ingestBatchWorkflow';
export const UPLOAD_FILE_WORKFLOW_TYPE = 'uploadFileWorkflow';
export const CREATE_VECTOR_STORE_WORKFLOW_TYPE = 'createVectorStoreWorkflow';
export const ATTACH_FILE_WORKFLOW_TYPE = 'attachFileWorkflow';
export const CREATE_FILE_BATCH_WORKFLOW_TYPE = 'createFileBatchWorkflow';
