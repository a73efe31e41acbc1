/**
 * The search attributes agentrun registers on the Temporal server and keeps current on its
 * workflows. Pure definitions: safe to import from workflow code, the worker and the client.
 *
 * Only ids and states go here, never content or secrets: search attributes are not encrypted by a
 * payload codec and are visible to anyone who can list workflows.
 */
import { defineSearchAttributeKey, type SearchAttributeType } from '@temporalio/common';

/** A typed search attribute key (the SDK's, which it does not export by name). */
export type SearchAttributeKey<T extends SearchAttributeType> = ReturnType<typeof defineSearchAttributeKey<T>>;

/** Run status as the provider reports it (queued, in_progress, requires_action, completed, ...). */
export const AGENT_RUN_STATUS = defineSearchAttributeKey('AgentRunStatus', 'KEYWORD');
/** The assistant (agent) id the run uses. */
export const AGENT_RUN_ASSISTANT_ID = defineSearchAttributeKey('AgentRunAssistantId', 'KEYWORD');
/** The provider thread id. */
export const AGENT_RUN_THREAD_ID = defineSearchAttributeKey('AgentRunThreadId', 'KEYWORD');
/** The current provider run id. */
export const AGENT_RUN_RUN_ID = defineSearchAttributeKey('AgentRunRunId', 'KEYWORD');
/** Who decided the run's latest decided call: the signed identity when the decision was signed, else the approver named. */
export const AGENT_RUN_LAST_APPROVER = defineSearchAttributeKey('AgentRunLastApprover', 'KEYWORD');
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
  AGENT_RUN_LAST_APPROVER,
  INGESTION_VECTOR_STORE_ID,
  INGESTION_FILES_DONE,
  INGESTION_FILES_FAILED,
] as const;

/**
 * How a workflow keeps agentrun's search attributes, carried in its input (so a run keeps the names
 * it started with, and replays the same): absent, the names above; `{ prefix }`, the same names
 * after a prefix (`AcmeAgentRunStatus`), to sit beside attributes of your own; `false`, none.
 */
export type SearchAttributeSetting = false | { prefix: string };

/** agentrun's attributes by family: a deployment may register (and its workflows keep) one without the other. */
export const SEARCH_ATTRIBUTE_FAMILIES = {
  runs: [AGENT_RUN_STATUS, AGENT_RUN_ASSISTANT_ID, AGENT_RUN_THREAD_ID, AGENT_RUN_RUN_ID, AGENT_RUN_PENDING_APPROVALS, AGENT_RUN_LAST_APPROVER],
  ingestion: [INGESTION_VECTOR_STORE_ID, INGESTION_FILES_DONE, INGESTION_FILES_FAILED],
} as const;
export type SearchAttributeFamily = keyof typeof SEARCH_ATTRIBUTE_FAMILIES;

/** A prefix: a letter, then letters, digits or underscores (what Temporal accepts in a name), short enough to leave room. */
export const SEARCH_ATTRIBUTE_PREFIX_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;

/** `key` under `setting` (the same key when there is no prefix). */
export function keyUnder<T extends SearchAttributeType>(key: SearchAttributeKey<T>, setting: { prefix: string } | undefined): SearchAttributeKey<T> {
  return setting?.prefix ? defineSearchAttributeKey(`${setting.prefix}${key.name}`, key.type) : key;
}

/** The run attributes a workflow keeps under `setting`, or undefined when it keeps none. */
export function runSearchAttributeKeys(setting: SearchAttributeSetting | undefined) {
  if (setting === false) return undefined;
  return {
    status: keyUnder(AGENT_RUN_STATUS, setting),
    assistantId: keyUnder(AGENT_RUN_ASSISTANT_ID, setting),
    threadId: keyUnder(AGENT_RUN_THREAD_ID, setting),
    runId: keyUnder(AGENT_RUN_RUN_ID, setting),
    pendingApprovals: keyUnder(AGENT_RUN_PENDING_APPROVALS, setting),
    lastApprover: keyUnder(AGENT_RUN_LAST_APPROVER, setting),
  };
}

/** The ingestion attributes a workflow keeps under `setting`, or undefined when it keeps none. */
export function ingestionSearchAttributeKeys(setting: SearchAttributeSetting | undefined) {
  if (setting === false) return undefined;
  return {
    vectorStoreId: keyUnder(INGESTION_VECTOR_STORE_ID, setting),
    filesDone: keyUnder(INGESTION_FILES_DONE, setting),
    filesFailed: keyUnder(INGESTION_FILES_FAILED, setting),
  };
}

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
