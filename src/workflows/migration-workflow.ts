/**
 * `migrateThreadWorkflow`: copies a classic thread's messages into a new conversation of the
 * Responses API, at most 20 items per request, durably: a crash resumes after the last batch
 * copied, a lost append is recognised and not repeated, and a long thread continues as new.
 * Deterministic code only.
 */
import { ApplicationFailure, continueAsNew, defineQuery, proxyActivities, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import type { AgentrunActivities } from '../activities';
import { FailureType } from '../shared/failure-types';
import { MAX_ITEMS_PER_CALL, type MigrationProgress, type MigrationResult } from '../shared/migration-types';
import { describeIssues } from '../shared/schema-issues';
import { migrationSchemas } from './lazy-schemas';

/** Query: where the migration stands. */
export const migrationProgressQuery = defineQuery<MigrationProgress>('getMigrationProgress');

const activities = proxyActivities<AgentrunActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});

/** Copies a thread into a new conversation; returns the conversation id. */
export async function migrateThreadWorkflow(rawInput: unknown, carried?: MigrationProgress): Promise<MigrationResult> {
  const parsed = migrationSchemas().migrateThreadInputSchema().safeParse(rawInput);
  if (!parsed.success) {
    throw ApplicationFailure.create({ type: FailureType.InvalidWorkflowInput, nonRetryable: true, message: `Invalid thread migration input: ${describeIssues(parsed.error)}` });
  }
  const input = parsed.data;
  const progress: MigrationProgress = carried ?? { threadId: input.threadId, conversationId: null, after: null, copied: 0, skipped: [] };
  setHandler(migrationProgressQuery, () => progress);
  const publish = () => setCurrentDetails(`**migrating** thread \`${progress.threadId}\` to ${progress.conversationId ? `\`${progress.conversationId}\`` : 'a new conversation'}: ${progress.copied} message(s) copied`);

  // The first page is read before the conversation is created: an unknown thread leaves nothing behind.
  let page = await activities.readThreadPage({ threadId: input.threadId, after: progress.after });
  if (!progress.conversationId) {
    progress.conversationId = (await activities.createMigrationConversation({ threadId: input.threadId, workflowId: workflowInfo().workflowId, metadata: input.metadata })).conversationId;
  }
  const conversationId = progress.conversationId;
  publish();
  for (let first = true; ; first = false) {
    if (!first) page = await activities.readThreadPage({ threadId: input.threadId, after: progress.after });
    for (let start = 0; start < page.messages.length; start += MAX_ITEMS_PER_CALL) {
      const batch = page.messages.slice(start, start + MAX_ITEMS_PER_CALL);
      await activities.appendConversationItems({ conversationId, messages: batch });
      progress.copied += batch.length;
      publish();
    }
    progress.skipped.push(...page.skipped);
    progress.after = page.lastId;
    if (!page.hasMore) break;
    // A long thread: carry the cursor into a fresh history before this one grows large.
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof migrateThreadWorkflow>(input, progress);
  }
  return { threadId: input.threadId, conversationId, copied: progress.copied, skipped: progress.skipped };
}
