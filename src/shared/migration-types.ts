/**
 * Moving a classic thread to the successor protocol: its messages copied into a new conversation,
 * so a user's conversation continues on the Responses API. JSON-plain, workflow-safe.
 */
import { z } from 'zod/v4/mini';
import { schemaOnDemand } from './schema-on-demand';

const buildMigrateThreadInputSchema = () =>
  z.strictObject({
    threadId: z.string({ error: 'threadId is required: the classic thread to copy' }).check(z.minLength(1)),
    /** Metadata of the new conversation (agentrun adds `agentrun_workflow_id` and `agentrun_migrated_from`). */
    metadata: z.optional(
      z
        .record(z.string().check(z.minLength(1), z.maxLength(64)), z.string().check(z.maxLength(512)))
        .check(z.refine((metadata) => Object.keys(metadata).length <= 14, { message: 'at most 14 metadata pairs: agentrun adds 2' })),
    ),
  });

/** The migration workflow's input schema (zod Mini; built on demand, see schema-on-demand.ts). */
export const migrateThreadInputSchema = schemaOnDemand(buildMigrateThreadInputSchema);

/** The input as a caller writes it. */
export type MigrateThreadInput = z.input<ReturnType<typeof buildMigrateThreadInputSchema>>;

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
