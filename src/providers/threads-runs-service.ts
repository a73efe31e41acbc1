/**
 * The threads/runs protocol behind the neutral seam: a conversation is a thread, a turn is a run,
 * and answering tool calls resumes the same run (`submit_tool_outputs`).
 *
 * Lost responses: creating a run has no idempotency key, so every run carries the workflow's tags
 * in its metadata and a retried start lists the thread's recent runs to find it. A thread has at
 * most one active run: another caller's is waited for, cancelled or reported, per `onActiveRun`.
 */
import { ApplicationFailure } from '@temporalio/common';
import { isTerminalRunStatus, type RunSnapshot, type RunStreamEvent, type TurnStatus } from '../shared/agent-types';
import { RUN_TAG_STEP_KEY, RUN_TAG_WORKFLOW_KEY, type ResultBounds } from '../shared/activity-types';
import { FailureType } from '../shared/failure-types';
import type { AssistantMessage } from '../shared/run-types';
import { truncateText } from '../shared/truncate';
import { conversationMetadata, tagMetadata, type AgentService, type AnswerToolCallsRequest, type NewConversation, type StartedTurn, type StartTurnRequest, type TurnContext, type TurnRef, type TurnTag } from './agent-service';
import type { CallOptions, ThreadsRunsApi } from './provider';
import { toApplicationFailure } from './to-application-failure';

/** How many recent runs to scan when reconciling a tag or finding the active run. */
const RECONCILE_SCAN = 20;

/** A run's raw status in agentrun's vocabulary: the one place threads/runs statuses are interpreted. */
function turnStatusOfRun(status: string): TurnStatus {
  switch (status) {
    case 'requires_action':
    case 'completed':
    case 'failed':
    case 'incomplete':
    case 'cancelled':
    case 'expired':
      return status;
    default:
      // queued, in_progress, cancelling, and statuses the protocol may add: still running.
      return 'running';
  }
}

/** A raw run as a turn: the status mapped, the provider's own kept for people. */
function turnOfRun(run: RunSnapshot): RunSnapshot {
  return { ...run, status: turnStatusOfRun(run.status), providerStatus: run.status };
}

/** Builds the threads/runs service over a threads/runs protocol client. */
export class ThreadsRunsService implements AgentService {
  readonly protocol = 'threads-runs' as const;
  readonly canFindTurns = true;

  constructor(
    private readonly api: ThreadsRunsApi,
    /** Secrets to scrub from failure messages. */
    private readonly secrets: readonly string[] = [],
  ) {}

  get endpoint(): string {
    return this.api.endpoint;
  }

  async createConversation(conversation: NewConversation, workflowId: string, options?: CallOptions): Promise<{ conversationId: string }> {
    const metadata = conversationMetadata(conversation.metadata, workflowId);
    const { id } = await this.api.createThread({ messages: conversation.messages, metadata, toolResources: conversation.toolResources }, options);
    return { conversationId: id };
  }

  async startTurn(request: StartTurnRequest, context: TurnContext): Promise<StartedTurn> {
    const threadId = request.conversationId;
    if (!request.run.assistantId) {
      throw ApplicationFailure.create({
        type: FailureType.ProviderProtocolMismatch,
        nonRetryable: true,
        message: 'This worker speaks the threads/runs protocol, which runs assistants: give the agent as an assistant id (assistantId), or run the workflow on a worker configured for the Responses API (AGENTRUN_PROVIDER=openai-responses or azure-foundry-agents).',
      });
    }
    let displacedRunId: string | undefined;
    for (;;) {
      const recent = await this.api.listRuns(threadId, { limit: RECONCILE_SCAN, order: 'desc' }, context.callOptions());
      const ours = recent.find((run) => isTagged(run, request.tag));
      if (ours) return { kind: 'turn', turn: turnOfRun(ours), reconciled: true, displacedRunId };
      const active = recent.find((run) => !isTerminalRunStatus(run.status));
      if (active) {
        if (request.onActiveRun === 'fail') {
          throw ApplicationFailure.create({
            type: FailureType.ThreadBusy,
            nonRetryable: true,
            message: `Thread ${threadId} already has an active run ${active.id} (${active.status}). Set onActiveRun to "wait" or "cancel" to handle it, or use another thread.`,
            details: [{ threadId, activeRunId: active.id, status: active.status }],
          });
        }
        displacedRunId = active.id;
        if (request.onActiveRun === 'cancel') await this.cancelUntilEnded({ conversationId: threadId, turnId: active.id }, context);
        else await this.waitUntilEnded({ conversationId: threadId, turnId: active.id }, context);
        continue;
      }

      const tagged = { ...request.run, metadata: { ...request.run.metadata, ...tagMetadata(request.tag) } };
      try {
        if (context.wait.mode === 'stream') {
          return { kind: 'stream', conversationId: threadId, events: mapStream(this.api.createRunStream(threadId, tagged, context.callOptions())), displacedRunId };
        }
        // Not aborted by a cancellation: the cleanup that follows finds the run by its tag, which
        // works only if the create has finished at the provider.
        const created = await this.api.createRun(threadId, tagged);
        return { kind: 'turn', turn: turnOfRun(created), displacedRunId };
      } catch (error) {
        // Someone started a run between our listing and our create: go round again.
        if (toApplicationFailure(error, this.secrets).type === FailureType.ProviderThreadBusy) continue;
        throw error;
      }
    }
  }

  async answerToolCalls(request: AnswerToolCallsRequest, context: TurnContext): Promise<StartedTurn> {
    const ref = { conversationId: request.conversationId, turnId: request.turnId };
    const submittedIds = new Set(request.outputs.map((output) => output.toolCallId));
    if (context.attempt > 1) {
      // A previous attempt may have landed and the run may already ask for the next round.
      const { turn } = await this.getTurn(ref, context.callOptions());
      const sameRound = turn.status === 'requires_action' && turn.requiredToolCalls.every((call) => submittedIds.has(call.id));
      if (!sameRound) return { kind: 'turn', turn, alreadySubmitted: turn.status !== 'expired' };
    }
    try {
      if (context.wait.mode === 'stream') {
        return { kind: 'stream', conversationId: request.conversationId, events: mapStream(this.api.submitToolOutputsStream(request.conversationId, request.turnId, request.outputs, context.callOptions())) };
      }
      await this.api.submitToolOutputs(request.conversationId, request.turnId, request.outputs, context.callOptions());
      return { kind: 'turn', turn: (await this.getTurn(ref, context.callOptions())).turn };
    } catch (error) {
      if (toApplicationFailure(error, this.secrets).type !== FailureType.ProviderRunNotAcceptingToolOutputs) throw error;
      // Expired (the workflow continues the conversation), or moved on because an earlier submit landed.
      const { turn } = await this.getTurn(ref, context.callOptions());
      return { kind: 'turn', turn, alreadySubmitted: turn.status !== 'expired' };
    }
  }

  async getTurn(ref: TurnRef, options?: CallOptions): Promise<{ turn: RunSnapshot; pollAfterMs?: number }> {
    const { run, pollAfterMs } = await this.api.getRun(ref.conversationId, ref.turnId, options);
    return { turn: turnOfRun(run), pollAfterMs };
  }

  async cancelTurn(ref: TurnRef, options?: CallOptions): Promise<undefined> {
    try {
      await this.api.cancelRun(ref.conversationId, ref.turnId, options);
    } catch (error) {
      // Already ended between our read and the cancel: that is what we wanted.
      if (toApplicationFailure(error, this.secrets).type !== FailureType.ProviderBadRequest) throw error;
    }
    return undefined; // cancelling, then cancelled: the caller waits
  }

  async findTurn(conversationId: string, tag: TurnTag, options?: CallOptions): Promise<RunSnapshot | undefined> {
    const recent = await this.api.listRuns(conversationId, { limit: RECONCILE_SCAN, order: 'desc' }, options);
    const run = recent.find((candidate) => isTagged(candidate, tag));
    return run && turnOfRun(run);
  }

  async turnMessages(turn: RunSnapshot, bounds: ResultBounds, options?: CallOptions): Promise<AssistantMessage[]> {
    const messages = await this.api.listMessages(turn.threadId, { runId: turn.id, order: 'asc', limit: Math.min(100, bounds.maxMessages) }, options);
    return messages
      .filter((message) => message.role === 'assistant')
      .slice(-bounds.maxMessages)
      .map((message) => ({ id: message.id, runId: turn.id, text: truncateText(message.text, bounds.maxMessageChars) }));
  }

  /** Waits until a run that is not ours has ended (onActiveRun: wait). */
  private async waitUntilEnded(ref: TurnRef, context: TurnContext): Promise<void> {
    // requires_action is not an end for someone else's run: keep waiting until it ends or expires.
    for (;;) {
      const { turn, pollAfterMs } = await this.getTurn(ref, context.callOptions());
      context.report(turn);
      if (isTerminalRunStatus(turn.status)) return;
      await context.sleep(Math.max(pollAfterMs ?? context.wait.pollIntervalMs, 1_000));
    }
  }

  /** Cancels a run and waits until it has ended (onActiveRun: cancel). */
  private async cancelUntilEnded(ref: TurnRef, context: TurnContext): Promise<void> {
    await this.cancelTurn(ref, context.callOptions());
    for (;;) {
      const { turn } = await this.getTurn(ref, context.callOptions());
      if (isTerminalRunStatus(turn.status)) return;
      await context.sleep(Math.min(context.wait.pollIntervalMs, 1_000));
    }
  }
}

function isTagged(run: RunSnapshot, tag: TurnTag): boolean {
  return run.metadata[RUN_TAG_WORKFLOW_KEY] === tag.workflowId && run.metadata[RUN_TAG_STEP_KEY] === String(tag.step);
}

/** The protocol's stream with every run snapshot in agentrun's vocabulary. */
async function* mapStream(events: AsyncIterable<RunStreamEvent>): AsyncIterable<RunStreamEvent> {
  for await (const event of events) yield event.type === 'run' ? { ...event, run: turnOfRun(event.run) } : event;
}
