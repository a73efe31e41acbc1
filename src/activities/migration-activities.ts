/**
 * Activities of the thread migration: read a classic thread page by page, create the conversation,
 * and append its messages at most 20 items per request. Appending has no idempotency key: a
 * retried append first reads the conversation's newest items and recognises a batch that already
 * landed, so a lost response never doubles messages.
 */
import { Context } from '@temporalio/activity';
import type { ThreadsRunsApi } from '../providers/provider';
import { ProviderConfigurationError } from '../providers/provider-config';
import type { ResponsesApi } from '../providers/responses-api';
import { itemText, type WireItem } from '../providers/responses-wire';
import { RUN_TAG_WORKFLOW_KEY } from '../shared/activity-types';
import { MIGRATED_FROM_KEY, type MigratedMessage, type ThreadPage } from '../shared/migration-types';
import { callOptions, providerActivity } from './provider-activity';

/** What the migration needs: the classic thread's API and the successor's conversations. */
export interface MigrationDependencies {
  migration?: { threads: ThreadsRunsApi; conversations: ResponsesApi };
  secrets: readonly string[];
}

/** How many messages one page reads (the threads API's maximum). */
const PAGE_SIZE = 100;

/** Builds the migration activities; without a migration source and target they explain how to configure one. */
export function createMigrationActivities({ migration, secrets }: MigrationDependencies) {
  const mapped = <T>(work: () => Promise<T>) => providerActivity(secrets, work);
  const need = () => {
    // A configuration error, not a provider failure: retrying would make `agentrun migrate-thread` wait for ever.
    if (!migration) throw new ProviderConfigurationError('This worker has no provider that speaks both threads/runs and Responses: configure AGENTRUN_PROVIDER as azure-foundry-agents, openai-responses or emulator-responses (or their classic counterparts; azure-openai with an API key).');
    return migration;
  };

  return {
    /** One page of the thread's messages, oldest first, after `after`. */
    async readThreadPage(params: { threadId: string; after: string | null }): Promise<ThreadPage> {
      return mapped(async () => {
        const messages = await need().threads.listMessages(params.threadId, { order: 'asc', limit: PAGE_SIZE, ...(params.after ? { after: params.after } : {}) }, callOptions());
        const copied: MigratedMessage[] = [];
        const skipped: string[] = [];
        for (const message of messages) {
          if (message.text.trim() === '') skipped.push(message.id);
          else copied.push({ id: message.id, role: message.role, text: message.text });
        }
        return { messages: copied, skipped, hasMore: messages.length === PAGE_SIZE, lastId: messages.at(-1)?.id ?? params.after };
      });
    },

    /** The conversation the thread moves to, tagged with the workflow and the thread. */
    async createMigrationConversation(params: { threadId: string; workflowId: string; metadata?: Record<string, string> }): Promise<{ conversationId: string }> {
      return mapped(async () => {
        const metadata = { ...params.metadata, [RUN_TAG_WORKFLOW_KEY]: params.workflowId, [MIGRATED_FROM_KEY]: params.threadId };
        return { conversationId: (await need().conversations.createConversation({ metadata }, callOptions())).id };
      });
    },

    /**
     * Appends one batch (at most 20 messages). On a retry, a batch whose items are already the
     * conversation's newest is not appended again.
     */
    async appendConversationItems(params: { conversationId: string; messages: MigratedMessage[] }): Promise<{ appended: number; alreadyThere: boolean }> {
      return mapped(async () => {
        const { conversations } = need();
        if (Context.current().info.attempt > 1) {
          const newest = await conversations.listConversationItems(params.conversationId, { order: 'desc', limit: params.messages.length }, callOptions());
          if (sameMessages([...newest].reverse(), params.messages)) return { appended: 0, alreadyThere: true };
        }
        const items = params.messages.map((message) => ({ type: 'message', role: message.role, content: message.text }));
        await conversations.addConversationItems(params.conversationId, items, callOptions());
        return { appended: items.length, alreadyThere: false };
      });
    },
  };
}

function sameMessages(items: readonly WireItem[], messages: readonly MigratedMessage[]): boolean {
  return items.length === messages.length && items.every((item, index) => item.type === 'message' && item.role === messages[index]!.role && itemText(item) === messages[index]!.text);
}
