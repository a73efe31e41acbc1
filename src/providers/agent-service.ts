/**
 * The neutral seam: a *turn* of an agent on a *conversation*, whatever protocol carries it.
 *
 * - threads/runs (Azure AI Foundry classic agents, Azure OpenAI and OpenAI Assistants): the
 *   conversation is a thread, a turn is a run; answering its tool calls resumes the same run.
 * - Responses (OpenAI and Azure OpenAI v1, Foundry agents v2): the conversation is a conversation
 *   (or a chain of `previous_response_id`), a turn is a background response; answering its tool
 *   calls creates the next response of the turn.
 *
 * Activities speak only this interface, in agentrun's own status vocabulary
 * ({@link TurnStatus}): each adapter maps its protocol's raw statuses once. Nothing above it sees a
 * provider's wire shape.
 */
import type { NewMessage, RunOptions, RunSnapshot, RunStreamEvent, ToolOutput } from '../shared/agent-types';
import { RUN_TAG_STEP_KEY, RUN_TAG_WORKFLOW_KEY, type ResultBounds, type WaitOptions } from '../shared/activity-types';
import type { AssistantMessage } from '../shared/run-types';
import type { CallOptions } from './provider';

/** Which protocol a service speaks. */
export type AgentProtocol = 'threads-runs' | 'responses';

/** The tags every turn agentrun starts carries in its metadata, to be found again after a lost response. */
export interface TurnTag {
  workflowId: string;
  /** The workflow's step: +1 for every run (threads) or response (Responses) it creates. */
  step: number;
}

/** The metadata that tags a turn with the workflow step that created it (found again after a lost create). */
export function tagMetadata(tag: TurnTag): Record<string, string> {
  return { [RUN_TAG_WORKFLOW_KEY]: tag.workflowId, [RUN_TAG_STEP_KEY]: String(tag.step) };
}

/** A new conversation's metadata: the caller's, with the workflow id where the provider's 16 pairs leave room. */
export function conversationMetadata(metadata: Record<string, string> | undefined, workflowId: string): Record<string, string> {
  const tagged = { ...metadata };
  if (Object.keys(tagged).length < 16) tagged[RUN_TAG_WORKFLOW_KEY] = workflowId;
  return tagged;
}

/** A conversation to create: the thread or conversation a workflow runs on. */
export interface NewConversation {
  metadata?: Record<string, string>;
  /** Threads/runs: messages of the new thread. Responses: sent as the first turn's input instead. */
  messages?: NewMessage[];
  toolResources?: RunOptions['toolResources'];
}

/** What an activity lends a service while it works: cancellation, sleeping, heartbeats, the previous attempt. */
export interface TurnContext {
  /** Per-request options wired to the activity's cancellation. */
  callOptions(): CallOptions;
  /** Sleeps, waking early with a cancellation failure when the activity is cancelled. */
  sleep(milliseconds: number): Promise<void>;
  /** Publishes where the turn stands (heartbeat details: shown in the Web UI, read by the next attempt). */
  report(turn: RunSnapshot, extra?: Record<string, unknown>): void;
  /** The activity's attempt number (1 for the first). */
  attempt: number;
  /** What the previous attempt last reported (undefined on the first attempt). */
  previous<T>(): T | undefined;
  /** How the workflow waits: poll, stream or webhook. */
  wait: WaitOptions;
  /** True once the wait was cancelled (the activity's, or the watcher's cancellation). */
  cancelled(): boolean;
}

/** How a turn was started: a snapshot (then the activity waits by polling), or its event stream. */
export type StartedTurn =
  | {
      kind: 'turn';
      turn: RunSnapshot;
      /** Found, not created: an earlier attempt created it and lost the response. */
      reconciled?: boolean;
      /** Another caller's turn that was waited for or cancelled first. */
      displacedRunId?: string;
      /** Answering tool calls: an earlier attempt's answer had already landed. */
      alreadySubmitted?: boolean;
    }
  | { kind: 'stream'; events: AsyncIterable<RunStreamEvent>; conversationId: string; displacedRunId?: string };

/** Start (or find) the turn of one workflow step. */
export interface StartTurnRequest {
  /** The thread or conversation; '' for a Responses chain without a conversation. */
  conversationId: string;
  run: RunOptions;
  tag: TurnTag;
  onActiveRun: 'wait' | 'cancel' | 'fail';
}

/** Answer the tool calls of a turn that requires action, all in one request. */
export interface AnswerToolCallsRequest {
  conversationId: string;
  /** The turn (run or response) whose calls are answered. */
  turnId: string;
  outputs: ToolOutput[];
  /** Tags of the next response (Responses); threads/runs resume the same run. */
  tag: TurnTag;
  /** The options of the turn (Responses repeat them on every response). */
  run?: RunOptions;
}

/** A turn at the provider. */
export interface TurnRef {
  conversationId: string;
  turnId: string;
}

/** The neutral seam activities drive. */
export interface AgentService {
  readonly protocol: AgentProtocol;
  /** Where it points, without credentials (logs, the Web UI). */
  readonly endpoint: string;
  /**
   * True when {@link findTurn} can find a turn by its tags (threads/runs list runs; Responses has no
   * list). Without it, an activity cancelled after starting a turn cancels that turn itself.
   */
  readonly canFindTurns: boolean;

  /**
   * Creates the conversation of a workflow (a thread, or a conversation), tagged with the workflow
   * id. `messagesAdded: false` when the protocol takes the messages as the first turn's input
   * instead (the caller then sends them with it).
   */
  createConversation(conversation: NewConversation, workflowId: string, options?: CallOptions): Promise<{ conversationId: string; messagesAdded?: boolean }>;
  /**
   * Starts the turn of one workflow step, or finds the one an earlier attempt started and lost
   * the response of. A conversation busy with another caller's turn is handled per `onActiveRun`.
   */
  startTurn(request: StartTurnRequest, context: TurnContext): Promise<StartedTurn>;
  /** Answers a turn's tool calls in one request; an answer that already landed is recognised. */
  answerToolCalls(request: AnswerToolCallsRequest, context: TurnContext): Promise<StartedTurn>;
  /** Reads a turn, with the provider's poll-after hint when it sent one. */
  getTurn(ref: TurnRef, options?: CallOptions): Promise<{ turn: RunSnapshot; pollAfterMs?: number }>;
  /**
   * Resumes waiting on a known turn: polling (undefined), or re-attaching to its stream when the
   * protocol can (Responses in background mode, from the cursor the previous attempt reported).
   */
  resumeTurn?(ref: TurnRef, context: TurnContext): Promise<StartedTurn | undefined>;
  /**
   * Asks the provider to cancel a turn; already ended is not an error. Returns the turn when the
   * cancel settles it (Responses: a response that waits on us is simply not answered any more);
   * undefined when the caller must wait for the end (threads/runs: `cancelling`, then `cancelled`).
   */
  cancelTurn(ref: TurnRef, options?: CallOptions): Promise<RunSnapshot | undefined>;
  /** The turn of a workflow step, found by its tags (cleanup after a cancellation that raced the create). */
  findTurn(conversationId: string, tag: TurnTag, options?: CallOptions): Promise<RunSnapshot | undefined>;
  /** The assistant messages an ended turn produced, bounded. */
  turnMessages(turn: RunSnapshot, bounds: ResultBounds, options?: CallOptions): Promise<AssistantMessage[]>;
}
