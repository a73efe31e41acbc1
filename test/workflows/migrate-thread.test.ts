/**
 * Moving a classic thread to the successor protocol: `migrateThreadWorkflow` copies its messages
 * into a new conversation at most 20 items per request, recognises an append whose answer was lost,
 * and calling it again returns the same conversation instead of copying twice.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { startHarness, type Harness } from '../support/agentrun-harness';
import { recordHistory } from '../support/histories';

describe('thread migration', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness('migrate-thread', { protocol: 'responses' });
  });
  afterAll(async () => harness.close());

  /** A classic thread with `count` alternating user and assistant messages. */
  async function thread(count: number): Promise<string> {
    const messages = Array.from({ length: Math.min(count, 32) }, (_, index) => ({ role: index % 2 ? ('assistant' as const) : ('user' as const), content: `message ${index + 1}` }));
    const created = await harness.openai.beta.threads.create({ messages });
    for (let index = 32; index < count; index += 1) {
      await harness.openai.beta.threads.messages.create(created.id, { role: index % 2 ? 'assistant' : 'user', content: `message ${index + 1}` });
    }
    return created.id;
  }

  it('copies every message in order, 20 per request, and a second call returns the same conversation', async () => {
    const threadId = await thread(45);
    const itemCallsBefore = harness.emulator.stats().requests['POST /conversations/{conversation_id}/items'] ?? 0;
    const result = await harness.client.migrateThread({ threadId });
    await recordHistory(harness.client.client.workflow.getHandle(`migrate-thread-${threadId}`), 'migrate-thread');
    expect(result).toMatchObject({ threadId, copied: 45, skipped: [] });
    expect(result.conversationId).toMatch(/^conv_/);
    expect((harness.emulator.stats().requests['POST /conversations/{conversation_id}/items'] ?? 0) - itemCallsBefore).toBe(3);
    const items = await harness.openai.conversations.items.list(result.conversationId, { order: 'asc', limit: 100 });
    expect(items.data.map((item) => [(item as { role: string }).role, ((item as { content: Array<{ text: string }> }).content[0]!).text])).toEqual(
      Array.from({ length: 45 }, (_, index) => [index % 2 ? 'assistant' : 'user', `message ${index + 1}`]),
    );
    const conversation = await harness.openai.conversations.retrieve(result.conversationId);
    expect(conversation.metadata).toMatchObject({ agentrun_migrated_from: threadId, agentrun_workflow_id: `migrate-thread-${threadId}` });

    const again = await harness.client.migrateThread({ threadId });
    expect(again.conversationId).toBe(result.conversationId);
    expect(harness.emulator.stats().conversationsCreated.filter((entry) => entry.metadata.agentrun_migrated_from === threadId)).toHaveLength(1);

    // The conversation goes on under the Responses API.
    const next = await harness.client.run(await harness.agentInput({ steps: [{ answer: 'continued after migration' }] }, { thread: undefined, conversation: { conversationId: result.conversationId }, additionalMessages: [{ role: 'user', content: 'and now?' }] }));
    expect(next).toMatchObject({ status: 'completed', threadId: result.conversationId });
  });

  it('does not copy a batch twice when the answer to its append was lost', async () => {
    const threadId = await thread(25);
    harness.emulator.addFault({ kind: 'commit_then_drop', method: 'POST', route: '/conversations/{conversation_id}/items', times: 1 });
    try {
      const result = await harness.client.migrateThread({ threadId });
      expect(result.copied).toBe(25);
      expect(harness.emulator.stats().faultsInjected.commit_then_drop).toBeGreaterThanOrEqual(1);
      const items = await harness.openai.conversations.items.list(result.conversationId, { order: 'asc', limit: 100 });
      expect(items.data).toHaveLength(25);
    } finally {
      harness.emulator.clearFaults();
    }
  });

  it('fails clearly for an unknown thread', async () => {
    const conversationsBefore = harness.emulator.stats().conversationsCreated.length;
    const error = await harness.client.migrateThread({ threadId: 'thread_nosuch' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(((error as WorkflowFailedError).cause as { cause?: { type?: string } }).cause?.type).toBe('ProviderNotFound');
    // Nothing was left behind: the thread is read before the conversation is created.
    expect(harness.emulator.stats().conversationsCreated).toHaveLength(conversationsBefore);
  });
});
