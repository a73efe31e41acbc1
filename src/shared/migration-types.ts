/**
 * Moving a classic thread to the successor protocol: its messages copied into a new conversation,
 * so a user's conversation continues on the Responses API. JSON-plain, workflow-safe.
 */
export type { MigrateThreadInput } from './migration-input';

/** One message to copy: role and text (non-text parts are reported, not copied). */
export interface MigratedMessage {
  id: string;
  role: 'user' | 'assistant';
  text: string;
}

/** A page of the thread, oldest first. */
export interface ThreadPage {
  messages: MigratedMessage[];
  /** Messages of the page with nothing to copy (no text: images, files only). */
  skipped: string[];
  hasMore: boolean;
  /** The last message id of the page: the next page starts after it. */
  lastId: string | null;
}

/** Where a migration stands (the query, and what continue-as-new carries). */
export interface MigrationProgress {
  threadId: string;
  conversationId: string | null;
  /** The last thread message id copied (the next page starts after it). */
  after: string | null;
  copied: number;
  skipped: string[];
}

/** The migration's result. */
export interface MigrationResult {
  threadId: string;
  conversationId: string;
  /** Messages copied as conversation items. */
  copied: number;
  /** Ids of messages with no text, not copied. */
  skipped: string[];
}

/** Metadata key naming the thread a conversation was migrated from. */
export const MIGRATED_FROM_KEY = 'agentrun_migrated_from';
/** Conversation items per request: the protocol's limit. */
export const MAX_ITEMS_PER_CALL = 20;
