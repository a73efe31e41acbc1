/**
 * The Responses protocol behind the neutral seam (OpenAI and Azure OpenAI v1, Foundry agents v2):
 * a conversation is a conversation (or a chain of `previous_response_id`), a turn is a background,
 * stored response, and answering its function calls (or MCP approval requests) creates the next
 * response of the turn.
 *
 * Lost creates: the protocol has no idempotency key and no way to list responses, so a create whose
 * answer was lost cannot be found by its tags as a run can. In a conversation, the conversation is
 * the evidence: before creating, the newest item id is recorded (a watermark, in the activity's
 * heartbeat); a retried attempt lists the items after it, and if the earlier request's input is
 * there, that response exists and is followed from the conversation's items instead of creating a
 * second one. In a chain without a conversation there is no evidence: a lost create is created
 * again (README, "Lost creates on the Responses API").
 */
import { ApplicationFailure } from '@temporalio/common';
import { isTerminalRunStatus, type RunSnapshot, type RunStreamEvent, type ToolDefinition } from '../shared/agent-types';
import type { LiveRunDetails, ResultBounds } from '../shared/activity-types';
import { FailureType } from '../shared/failure-types';
import type { AssistantMessage } from '../shared/run-types';
import { truncateText } from '../shared/truncate';
import { conversationMetadata, tagMetadata, type AgentService, type AnswerToolCallsRequest, type NewConversation, type StartedTurn, type StartTurnRequest, type TurnContext, type TurnRef } from './agent-service';
import type { CallOptions } from './provider';
import type { ResponsesApi, ResponseStreamItem } from './responses-api';
import { itemText, pendingCallsOf, toAnswerItem, toCreateResponseBody, toInputMessage, toTurn, turnStatusOfResponse, type ResponseRecord, type TurnFrame, type WireItem } from './responses-wire';
import { toApplicationFailure } from './to-application-failure';

/** Options of the Responses service. */
export interface ResponsesServiceOptions {
  /** Secrets to scrub from failure messages. */
  secrets?: readonly string[];
  /** Tool definitions of the worker's tools: an inline agent without tools of its own gets them. */
  defaultTools?: ToolDefinition[];
  /** Seconds after which a response's pending calls expire (Foundry agents v2: 600), or null (OpenAI: none). */
  toolCallExpirySeconds?: number | null;
  /** Whether the service runs Foundry agents by reference (Foundry agents v2); others take inline agents only. */
  foundryAgents?: boolean;
  /**
   * How long a response whose create answer was lost may show no output in its conversation
   * before the turn is given up as failed (default 15 minutes).
   */
  lostResponseTimeoutMs?: number;
}

/** Ids of responses whose create answer was lost: `lost_<first input item id>_<detected at, ms>`. */
const LOST_PREFIX = 'lost_';
/** How many ended responses to remember (their messages are read right after they end). */
const RESPONSE_CACHE_SIZE = 500;

/** What a Responses attempt keeps in its heartbeat besides the live details. */
interface ResponsesAttemptDetails extends Partial<LiveRunDetails> {
  /** The conversation's newest item id before this attempt's create (null: it was empty). */
  watermark?: string | null;
}

/** The Responses protocol as an {@link AgentService}. */
export class ResponsesService implements AgentService {
  readonly protocol = 'responses' as const;
  readonly canFindTurns = false;
  private readonly secrets: readonly string[];
  private readonly defaultTools: ToolDefinition[];
  private readonly toolCallExpirySeconds: number | null;
  private readonly lostResponseTimeoutMs: number;
  private readonly foundryAgents: boolean;
  /** Ended responses by id: `turnMessages` reads their output without another request. */
  private readonly ended = new Map<string, ResponseRecord>();

  constructor(
    private readonly api: ResponsesApi,
    options: ResponsesServiceOptions = {},
  ) {
    this.secrets = options.secrets ?? [];
    this.defaultTools = options.defaultTools ?? [];
    this.toolCallExpirySeconds = options.toolCallExpirySeconds ?? null;
    this.lostResponseTimeoutMs = options.lostResponseTimeoutMs ?? 15 * 60_000;
    this.foundryAgents = options.foundryAgents ?? false;
  }

  get endpoint(): string {
    return this.api.endpoint;
  }

  async createConversation(conversation: NewConversation, workflowId: string, options?: CallOptions): Promise<{ conversationId: string; messagesAdded: boolean }> {
    const { id } = await this.api.createConversation({ metadata: conversationMetadata(conversation.metadata, workflowId) }, options);
    // The messages go in as the first turn's input: that input is the evidence a lost create is found by.
    return { conversationId: id, messagesAdded: false };
  }

  async startTurn(request: StartTurnRequest, context: TurnContext): Promise<StartedTurn> {
    const run = request.run;
    if (run.assistantId !== undefined) {
      throw mismatch('This worker speaks the Responses API, which has no assistants: give the agent inline (agent: { model, instructions, tools }) or as a Foundry agent (agent: { name, version }), or run the workflow on a threads/runs worker.');
    }
    if (run.model === undefined && run.agentName === undefined) throw mismatch('A Responses turn needs a model (an inline agent) or a Foundry agent name.');
    if (run.agentName !== undefined && !this.foundryAgents) {
      throw mismatch(`Agent "${run.agentName}" is a Foundry agent: run it on a worker configured for Foundry agents v2 (AGENTRUN_PROVIDER=azure-foundry-agents), or give the agent inline (agent: { model, instructions, tools }).`);
    }
    if (run.additionalMessages?.some((message) => message.attachments?.length)) {
      throw mismatch('Message attachments are a threads/runs notion: on the Responses API give the files to file_search through a vector store (toolResources.fileSearch).');
    }
    const input = (run.additionalMessages ?? []).map(toInputMessage);
    const where = { conversationId: request.conversationId, previousResponseId: run.previousResponseId };
    return this.createTurn(toCreateResponseBody(run, input, where, { ...run.metadata, ...tagMetadata(request.tag) }, this.defaultTools), input, request, context);
  }

  async answerToolCalls(request: AnswerToolCallsRequest, context: TurnContext): Promise<StartedTurn> {
    const run = request.run ?? {};
    const input = request.outputs.map((output) => toAnswerItem(output));
    const where = { conversationId: request.conversationId, previousResponseId: isLost(request.turnId) ? undefined : request.turnId };
    const body = toCreateResponseBody(run, input, where, { ...run.metadata, ...tagMetadata(request.tag) }, this.defaultTools);
    try {
      return await this.createTurn(body, input, { conversationId: request.conversationId, tag: request.tag, onActiveRun: 'wait', run }, context);
    } catch (error) {
      const failure = toApplicationFailure(error, this.secrets);
      if (failure.type !== FailureType.ProviderRunNotAcceptingToolOutputs) throw failure;
      // The calls expired (Foundry agents v2): the workflow continues the conversation with the results.
      const { turn } = await this.getTurn({ conversationId: request.conversationId, turnId: request.turnId }, context.callOptions());
      return { kind: 'turn', turn: { ...turn, status: 'expired' } };
    }
  }

  async getTurn(ref: TurnRef, options?: CallOptions): Promise<{ turn: RunSnapshot; pollAfterMs?: number }> {
    if (isLost(ref.turnId)) return { turn: await this.lostTurn(ref, options) };
    const { response, pollAfterMs } = await this.api.getResponse(ref.turnId, options);
    this.remember(response);
    return { turn: toTurn(response, this.frame(ref.conversationId)), pollAfterMs };
  }

  /**
   * Back to a known response: re-attached to its stream after the last event the previous attempt
   * saw (stream mode), or read (poll and webhook mode). Never created again.
   */
  async resumeTurn(ref: TurnRef, context: TurnContext): Promise<StartedTurn | undefined> {
    if (context.wait.mode !== 'stream' || isLost(ref.turnId)) return { kind: 'turn', turn: (await this.getTurn(ref, context.callOptions())).turn };
    const previous = context.previous<ResponsesAttemptDetails>();
    const cursor = previous?.runId === ref.turnId ? previous.streamCursor : undefined;
    return { kind: 'stream', conversationId: ref.conversationId, events: this.turnEvents(this.api.streamResponse(ref.turnId, cursor, context.callOptions()), ref.conversationId) };
  }

  /**
   * Cancels a running response (re-read after: a cancelled response has been seen to read back
   * `completed` on Azure). A response that ended asking for calls is not running: the turn ends
   * cancelled by not answering them.
   */
  async cancelTurn(ref: TurnRef, options?: CallOptions): Promise<RunSnapshot | undefined> {
    if (!isLost(ref.turnId)) {
      try {
        await this.api.cancelResponse(ref.turnId, options);
      } catch (error) {
        // Ended already: that is what we wanted.
        if (toApplicationFailure(error, this.secrets).type !== FailureType.ProviderBadRequest) throw error;
      }
    }
    // A lost response cannot be named, so not cancelled either (README says what is left).
    const { turn } = await this.getTurn(ref, options);
    if (turn.status === 'running') return undefined; // still stopping: the caller waits for its end
    return turn.status === 'requires_action' ? { ...turn, status: 'cancelled' } : turn;
  }

  /** The protocol cannot list responses: a turn whose id was never learnt cannot be found by its tags. */
  async findTurn(): Promise<RunSnapshot | undefined> {
    return undefined;
  }

  async turnMessages(turn: RunSnapshot, bounds: ResultBounds, options?: CallOptions): Promise<AssistantMessage[]> {
    let output: WireItem[];
    if (isLost(turn.id)) output = (await this.itemsAfterInput(turn.threadId, lostInputItemId(turn.id), options)) ?? [];
    else output = (this.ended.get(turn.id) ?? (await this.api.getResponse(turn.id, options)).response).output;
    return output
      .filter((item) => item.type === 'message' && (item.role ?? 'assistant') === 'assistant')
      .slice(-bounds.maxMessages)
      .map((item, index) => ({ id: item.id ?? `${turn.id}/${index}`, runId: turn.id, text: truncateText(itemText(item), bounds.maxMessageChars) }));
  }

  // ---- creating a response without ever creating two --------------------------------------------

  /**
   * Creates the response of one step. In a conversation: first looks for the evidence of an
   * earlier attempt's create (its input after the watermark it recorded), then records a new
   * watermark, then creates. A conversation busy with another response is waited on or reported.
   */
  private async createTurn(body: Record<string, unknown>, input: Record<string, unknown>[], request: StartTurnRequest, context: TurnContext): Promise<StartedTurn> {
    const conversationId = request.conversationId;
    const previous = context.previous<ResponsesAttemptDetails>();
    // The watermark of the first attempt that may have created this step's response: an earlier
    // attempt's when it recorded one, else now (and kept for the attempts that follow).
    const inherited = Boolean(conversationId) && context.attempt > 1 && previous !== undefined && 'watermark' in previous && previous.threadId === conversationId;
    let watermark: string | null = null;
    if (conversationId) {
      watermark = inherited ? (previous!.watermark ?? null) : ((await this.api.listConversationItems(conversationId, { order: 'desc', limit: 1 }, context.callOptions()))[0]?.id ?? null);
      context.report(this.placeholder(conversationId, 'starting'), { watermark } satisfies ResponsesAttemptDetails);
    }

    let displacedRunId: string | undefined;
    for (let round = 0; ; round += 1) {
      // Evidence that an earlier create landed: its input after the watermark. (A response adds its
      // items when it ends, so the evidence may appear only after waiting on the lock below.)
      if (conversationId && (inherited || round > 0)) {
        const landed = await this.landedTurn(conversationId, watermark, input, context);
        if (landed) return landed;
      }
      try {
        if (context.wait.mode === 'stream') {
          return { kind: 'stream', conversationId, events: this.turnEvents(this.api.createResponseStream(body, context.callOptions()), conversationId), displacedRunId };
        }
        // Not aborted by a cancellation: a create that reached the provider must report its id, so
        // the activity can cancel what it started.
        const created = await this.api.createResponse(body);
        this.remember(created);
        return { kind: 'turn', turn: toTurn(created, this.frame(conversationId)), displacedRunId };
      } catch (error) {
        const failure = toApplicationFailure(error, this.secrets);
        if (failure.type !== FailureType.ProviderThreadBusy) throw failure;
        // Locked. On a retried attempt most likely by the response the lost create made: wait for
        // it to end and show its input, whatever onActiveRun says. Else by someone else's response.
        if (request.onActiveRun === 'fail' && !inherited) {
          throw ApplicationFailure.create({
            type: FailureType.ThreadBusy,
            nonRetryable: true,
            message: `Conversation ${conversationId} is busy with another response (${failure.message}). Set onActiveRun to "wait" to wait for it, or use another conversation.`,
            details: [{ threadId: conversationId }],
          });
        }
        // "cancel" cannot name the other response (the protocol lists none): it waits, like "wait".
        displacedRunId = 'another response (the protocol does not name it)';
        context.report(this.placeholder(conversationId, 'waiting for the conversation'), { watermark } satisfies ResponsesAttemptDetails);
        await context.sleep(Math.max(context.wait.pollIntervalMs, 1_000));
      }
    }
  }

  /**
   * The turn an earlier attempt created, when its input is in the conversation after the
   * watermark that attempt recorded; undefined when it is not (that create never landed).
   */
  private async landedTurn(conversationId: string, watermark: string | null, input: Record<string, unknown>[], context: TurnContext): Promise<StartedTurn | undefined> {
    const after = await this.api.listConversationItems(conversationId, { ...(watermark ? { after: watermark } : {}), order: 'asc', limit: 100 }, context.callOptions());
    const first = matchInput(after, input);
    if (first === undefined) return undefined;
    const turnId = `${LOST_PREFIX}${first}_${Date.now()}`;
    const turn = await this.lostTurn({ conversationId, turnId }, context.callOptions());
    return { kind: 'turn', turn, reconciled: true };
  }

  /**
   * A response known only by the input it was given (its create answer was lost): its state read
   * from the conversation. Running until output items follow its input; then the calls it asks
   * for, or its answer. Failed if nothing follows within `lostResponseTimeoutMs`.
   */
  private async lostTurn(ref: TurnRef, options?: CallOptions): Promise<RunSnapshot> {
    const inputItemId = lostInputItemId(ref.turnId);
    const detectedAt = Number(ref.turnId.slice(ref.turnId.lastIndexOf('_') + 1));
    const output = (await this.itemsAfterInput(ref.conversationId, inputItemId, options)) ?? [];
    const base: RunSnapshot = {
      id: ref.turnId,
      threadId: ref.conversationId,
      assistantId: '',
      status: 'running',
      providerStatus: 'unknown (create answer lost)',
      requiredToolCalls: [],
      lastError: null,
      incompleteReason: null,
      usage: null,
      createdAt: Math.floor(detectedAt / 1000),
      expiresAt: null,
      metadata: {},
    };
    if (output.length === 0) {
      if (Date.now() - detectedAt < this.lostResponseTimeoutMs) return base;
      return { ...base, status: 'failed', lastError: { code: 'lost_response', message: `A response was created (its create answer was lost) but added nothing to conversation ${ref.conversationId} within ${Math.round(this.lostResponseTimeoutMs / 60_000)} minutes.` } };
    }
    const pending = pendingCallsOf(output);
    const status = turnStatusOfResponse('completed', pending.length);
    return { ...base, status, providerStatus: 'completed', requiredToolCalls: status === 'requires_action' ? pending : [] };
  }

  /** The items that follow a lost response's input (its output), or undefined when the input is gone. */
  private async itemsAfterInput(conversationId: string, inputItemId: string, options?: CallOptions): Promise<WireItem[] | undefined> {
    const items = await this.api.listConversationItems(conversationId, { after: inputItemId, order: 'asc', limit: 100 }, options);
    // Skip the rest of the input (messages and answers agentrun sent); what follows is the output.
    return items.filter((item) => item.type !== 'function_call_output' && item.type !== 'mcp_approval_response' && !(item.type === 'message' && item.role === 'user'));
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private frame(conversationId: string): TurnFrame {
    return { conversationId, toolCallExpirySeconds: this.toolCallExpirySeconds };
  }

  private placeholder(conversationId: string, providerStatus: string): RunSnapshot {
    return { id: '', threadId: conversationId, assistantId: '', status: 'running', providerStatus, requiredToolCalls: [], lastError: null, incompleteReason: null, usage: null, createdAt: 0, expiresAt: null, metadata: {} };
  }

  private remember(response: ResponseRecord): void {
    if (!isTerminalRunStatus(response.status)) return;
    this.ended.set(response.id, response);
    if (this.ended.size > RESPONSE_CACHE_SIZE) this.ended.delete(this.ended.keys().next().value!);
  }

  /** A response stream as turn events, each with its position for a later `starting_after`. */
  private async *turnEvents(events: AsyncIterable<ResponseStreamItem>, conversationId: string): AsyncIterable<RunStreamEvent> {
    const frame = this.frame(conversationId);
    for await (const event of events) {
      if (event.response) {
        this.remember(event.response);
        yield { type: 'run', run: toTurn(event.response, frame), cursor: event.sequence };
      } else if (event.delta) yield { type: 'message.delta', messageId: event.delta.itemId, text: event.delta.text, cursor: event.sequence };
      else if (event.sequence !== undefined) yield { type: 'progress', cursor: event.sequence };
    }
  }
}

function isLost(turnId: string): boolean {
  return turnId.startsWith(LOST_PREFIX);
}

/** The first input item id a lost response's id names. */
function lostInputItemId(turnId: string): string {
  return turnId.slice(LOST_PREFIX.length, turnId.lastIndexOf('_'));
}

/**
 * The id of the first of `items` that begins with exactly the input agentrun sent (answers by
 * their call ids, messages by role and text), or undefined when the items do not start with it.
 */
function matchInput(items: readonly WireItem[], input: readonly Record<string, unknown>[]): string | undefined {
  if (input.length === 0 || items.length < input.length) return undefined;
  for (const [index, sent] of input.entries()) {
    const item = items[index]!;
    if (item.type !== sent.type) return undefined;
    if (sent.type === 'function_call_output' && item.call_id !== sent.call_id) return undefined;
    if (sent.type === 'mcp_approval_response' && item.approval_request_id !== sent.approval_request_id) return undefined;
    if (sent.type === 'message' && (item.role !== sent.role || itemText(item) !== itemText(sent as WireItem))) return undefined;
  }
  return items[0]!.id ?? undefined;
}

function mismatch(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: FailureType.ProviderProtocolMismatch, nonRetryable: true, message });
}
