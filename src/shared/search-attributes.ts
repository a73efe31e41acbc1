/**
 * The search attributes agentrun registers on the Temporal server and keeps current on its
 * workflows. Pure definitions: safe to import from workflow code, the worker and the client.
 *
 * Only ids and states go here, never content or secrets: search attributes are not encrypted by a
 * payload codec and are visible to anyone who can list workflows.
 */
import { defineSearchAttributeKey } from '@temporalio/common';

/** Run status as the provider reports it (queued, in_progress, requires_action, completed, ...). */
export const AGENT_RUN_STATUS = defineSearchAttributeKey('AgentRunStatus', 'KEYWORD');
/** The assistant (agent) id the run uses. */
export const AGENT_RUN_ASSISTANT_ID = defineSearchAttributeKey('AgentRunAssistantId', 'KEYWORD');
/** The provider thread id. */
export const AGENT_RUN_THREAD_ID = defineSearchAttributeKey('AgentRunThreadId', 'KEYWORD');
/** The current provider run id. */
export const AGENT_RUN_RUN_ID = defineSearchAttributeKey('AgentRunRunId', 'KEYWORD');
/** How many tool calls wait for a human decision right now. */
export const AGENT_RUN_PENDING_APPROVALS = defineSearchAttributeKey('AgentRunPendingApprovals', 'INT');
/** Ingestion progress: the vector store being filled. */
export const INGESTION_VECTOR_STORE_ID = defineSearchAttributeKey('IngestionVectorStoreId', 'KEYWORD');
/** Ingestion progress: files that reached a final state (completed or failed). */
export const INGESTION_FILES_DONE = defineSearchAttributeKey('IngestionFilesDone', 'INT');
/** Ingestion progress: files that failed. */
export const INGESTION_FILES_FAILED = defineSearchAttributeKey('IngestionFilesFailed', 'INT');

/** Every key above, for registration on a server (`temporal operator search-attribute create`). */
export const AGENTRUN_SEARCH_ATTRIBUTES = [
  AGENT_RUN_STATUS,
  AGENT_RUN_ASSISTANT_ID,
  AGENT_RUN_THREAD_ID,
  AGENT_RUN_RUN_ID,
  AGENT_RUN_PENDING_APPROVALS,
  INGESTION_VECTOR_STORE_ID,
  INGESTION_FILES_DONE,
  INGESTION_FILES_FAILED,
] as const;

/** The CLI spelling of a search attribute type (`--search-attribute Name=Keyword`). */
export function searchAttributeCliType(type: string): string {
  const names: Record<string, string> = {
    KEYWORD: 'Keyword',
    INT: 'Int',
    TEXT: 'Text',
    BOOL: 'Bool',
    DOUBLE: 'Double',
    DATETIME: 'Datetime',
    KEYWORD_LIST: 'KeywordList',
  };
  return names[type] ?? type;
}
