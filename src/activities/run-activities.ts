/**
 * Activities that drive a turn of an agent at the provider, through the neutral seam
 * ({@link AgentService}): the same activities serve threads/runs and the Responses API.
 *
 * Why the wait lives in the activity: polling from workflow code costs ~11 history events per
 * poll (FACTS). One heartbeating activity that polls (or consumes the stream) until the turn needs
 * action or ends costs 3 events however long it takes; heartbeats add none. A retried attempt
 * resumes the same turn by id or by its tag, never creating another.
 *
 * The activity names and parameter fields are those of the threads/runs era (`startRun`,
 * `threadId`, ...): they are in recorded histories and in activities scheduled by older workers.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { AgentService, StartedTurn, TurnContext } from '../providers/agent-service';
import { isTerminalRunStatus, type NewThread, type RunSnapshot, type RunStreamEvent } from '../shared/agent-types';
import { liveDetails, type CancelRunParams, type LiveRunDetails, type ResultBounds, type RunProgress, type StartRunParams, type SubmitToolOutputsParams, type WaitForRunParams, type WaitOptions } from '../shared/activity-types';
import { FailureType } from '../shared/failure-types';
import { toApplicationFailure } from '../providers/to-application-failure';
import type { TurnWatcher } from '../watcher/turn-watcher';
import { callOptions, pause, previousProgress, providerActivity, reportProgress } from './provider-activity';

/** Default of `wait.queuedTimeoutMs` for activities scheduled before it existed. */
const DEFAULT_QUEUED_TIMEOUT_MS = 10 * 60_000;

/** What the run activities need. */
export interface RunActivityDependencies {
  service: AgentService;
  /** Secrets to scrub from failure messages. */
  secrets: readonly string[];
  /** The worker's watcher: `watchRun` hands its wait to it. Without one, `watchRun` waits in the activity. */
  watcher?: TurnWatcher;
}

/** True when a turn needs the workflow: it requires action or has ended. */
function isActionable(turn: RunSnapshot): boolean {
  return turn.status === 'requires_action' || isTerminalRunStatus(turn.status);
}

/** Builds the run activities over the seam. */
export function createRunActivities({ service, secrets, watcher }: RunActivityDependencies) {
  const mapped = <T>(work: () => Promise<T>) => providerActivity(secrets, work);

  /** The turn context of this activity invocation: its cancellation, heartbeat and previous attempt. */
  function turnContext(wait: WaitOptions): TurnContext {
    const context = Context.current();
    return {
      callOptions,
      sleep: (milliseconds) => context.sleep(milliseconds),
      report: (turn, extra = {}) => reportProgress(liveDetails(turn, extra)),
      attempt: context.info.attempt,
      previous: <T>() => previousProgress<T>(),
      wait,
      cancelled: () => context.cancellationSignal.aborted,
    };
  }

  /**
   * The context a start or answer creates its turn with. A turn handed to the watcher is created
   * without a stream (the watcher re-attaches to it by id); a stream the protocol cannot re-attach
   * to (threads/runs) is consumed in the activity, as before.
   */
  function startContext(wait: WaitOptions): TurnContext {
    const context = turnContext(wait);
    return handsOff(wait) && wait.mode === 'stream' ? { ...context, wait: { ...wait, mode: 'poll' } } : context;
  }

  /** Whether this wait goes to `watchRun` once the turn is started (the workflow asks; a threads/runs stream stays in the activity). */
  function handsOff(wait: WaitOptions): boolean {
    return wait.handOff === true && (wait.mode === 'poll' || (wait.mode === 'stream' && service.resumeTurn !== undefined));
  }

  /** Polls until the turn needs action or ends; the provider's poll-after hint wins over the interval. */
  async function pollUntilActionable(context: TurnContext, conversationId: string, turnId: string): Promise<RunSnapshot> {
    for (;;) {
      const { turn, pollAfterMs } = await service.getTurn({ conversationId, turnId }, context.callOptions());
      context.report(turn);
      if (isActionable(turn)) return turn;
      await giveUpIfStuck(context, turn);
      // Unknown statuses land here too: treated as running, with a delay (never a hot loop).
      await context.sleep(pollAfterMs ?? context.wait.pollIntervalMs);
    }
  }

  /** A turn `queued` past `wait.queuedTimeoutMs` since its creation is cancelled, and the activity fails for good. */
  async function giveUpIfStuck(context: TurnContext, turn: RunSnapshot): Promise<void> {
    const limit = context.wait.queuedTimeoutMs ?? DEFAULT_QUEUED_TIMEOUT_MS;
    if (turn.providerStatus !== 'queued' || !turn.createdAt || Date.now() - turn.createdAt * 1000 <= limit) return;
    await service.cancelTurn({ conversationId: turn.threadId, turnId: turn.id }, context.callOptions());
    throw ApplicationFailure.create({
      type: FailureType.ProviderTurnStuck,
      nonRetryable: true,
      message: `${turn.id} stayed queued for more than ${Math.round(limit / 1000)} s (wait.queuedTimeout); it was cancelled at the provider.`,
    });
  }

  /** Consumes a turn's events until it needs action or ends; falls back to polling if the stream stops early. */
  async function consumeStream(context: TurnContext, conversationId: string, events: AsyncIterable<RunStreamEvent>): Promise<RunSnapshot> {
    let last: RunSnapshot | undefined;
    let cursor: number | undefined;
    for await (const event of events) {
      if ('cursor' in event && event.cursor !== undefined) cursor = event.cursor;
      if (event.type !== 'run') {
        // Keep the position current: a retried attempt resumes after the last event seen.
        if (last && cursor !== undefined) context.report(last, { streamCursor: cursor });
        continue;
      }
      last = event.run;
      context.report(last, cursor === undefined ? {} : { streamCursor: cursor });
      if (isActionable(last)) return last;
    }
    if (!last) throw ApplicationFailure.create({ type: FailureType.ProviderResponseInvalid, message: `The provider's stream for ${conversationId || 'a new conversation'} ended before it named a run or response` });
    return pollUntilActionable(context, last.threadId, last.id);
  }

  /**
   * Waits on a started turn (its stream, or by polling) until it needs action or ends, and reads
   * its messages once it has ended. In webhook mode, and with `handOff` (the turn goes to
   * `watchRun`), returns the started turn as it is.
   */
  async function settle(context: TurnContext, started: StartedTurn, bounds: ResultBounds, fallbackConversationId: string, handOff = false): Promise<RunProgress> {
    const { wait } = context;
    let turn: RunSnapshot | undefined = started.kind === 'turn' ? started.turn : undefined;
    try {
      if (started.kind === 'stream') turn = await consumeStream(context, started.conversationId, started.events);
      else {
        context.report(started.turn);
        // Webhook mode: the workflow waits for the provider's webhook (each read still gives up on a
        // turn queued too long); hand-off: for watchRun.
        if (!isActionable(started.turn) && wait.mode === 'webhook') await giveUpIfStuck(context, started.turn);
        else if (!isActionable(started.turn) && !handOff) turn = await pollUntilActionable(context, started.turn.threadId, started.turn.id);
      }
    } catch (error) {
      await cancelWhatWasStarted(context, turn);
      throw error;
    }
    turn = turn!;
    const progress: RunProgress = { threadId: turn.threadId || fallbackConversationId, run: turn };
    if (started.displacedRunId) progress.displacedRunId = started.displacedRunId;
    if (started.kind === 'turn' && started.reconciled) progress.reconciled = true;
    if (started.kind === 'turn' && started.alreadySubmitted) progress.alreadySubmitted = true;
    if (isTerminalRunStatus(turn.status)) progress.messages = await service.turnMessages(turn, bounds, context.callOptions());
    return progress;
  }

  /**
   * Cancelled while waiting on a turn it started: where the protocol cannot find a turn by its tags
   * (Responses), the workflow's cleanup would never learn its id, so the activity cancels it now.
   * Threads/runs leave it to the cleanup, which finds the run by its tags and waits for its end.
   */
  async function cancelWhatWasStarted(context: TurnContext, turn: RunSnapshot | undefined): Promise<void> {
    if (service.canFindTurns || !turn?.id || isTerminalRunStatus(turn.status) || !context.cancelled()) return;
    // Its own request options: the activity's signal has fired.
    await service.cancelTurn({ conversationId: turn.threadId, turnId: turn.id }).catch(() => undefined);
  }

  /** Waits for a known turn to need action or end (re-attaching to its stream where the protocol can). */
  async function waitOnKnownTurn(context: TurnContext, params: WaitForRunParams): Promise<RunProgress> {
    const started = (await resumeKnownTurn(params.threadId, context)) ?? (await service.resumeTurn?.({ conversationId: params.threadId, turnId: params.runId }, context));
    if (started) return settle(context, started, params.bounds, params.threadId);
    return settle(context, { kind: 'turn', turn: (await service.getTurn({ conversationId: params.threadId, turnId: params.runId }, context.callOptions())).turn }, params.bounds, params.threadId);
  }

  return {
    /**
     * Creates the conversation a workflow runs on (a thread, or a conversation), tagged with the
     * workflow id. If its response is lost, a retry creates another: the first is left behind
     * empty of turns (README).
     */
    async createThread(params: { newThread: NewThread; workflowId: string }): Promise<{ threadId: string; messagesAdded?: boolean }> {
      return mapped(async () => {
        const { conversationId, messagesAdded } = await service.createConversation(params.newThread, params.workflowId, callOptions());
        // `messagesAdded: false`: the protocol takes a new conversation's messages as the first turn's input.
        return messagesAdded === false ? { threadId: conversationId, messagesAdded } : { threadId: conversationId };
      });
    },

    /**
     * Starts the turn of one workflow step, or finds it when an earlier attempt started it and lost
     * the response, then waits until it needs action or ends. A conversation busy with another
     * caller's turn is handled per `onActiveRun`.
     */
    async startRun(params: StartRunParams): Promise<RunProgress> {
      return mapped(async () => {
        const context = startContext(params.wait);
        const resumed = await resumeKnownTurn(params.threadId, context);
        const started =
          resumed ??
          (await service.startTurn({ conversationId: params.threadId, run: params.run, tag: { workflowId: params.workflowId, step: params.step }, onActiveRun: params.onActiveRun }, context));
        return settle(context, started, params.bounds, params.threadId, handsOff(params.wait));
      });
    },

    /**
     * Answers one round's tool calls in one request, then waits. An answer retried after its first
     * attempt landed is not an error; an expired turn is returned as is, for the workflow to
     * continue the conversation.
     */
    async submitToolOutputs(params: SubmitToolOutputsParams): Promise<RunProgress> {
      return mapped(async () => {
        const context = startContext(params.wait);
        const resumed = await resumeKnownTurn(params.threadId, context, params.runId);
        const started =
          resumed ??
          (await service.answerToolCalls(
            { conversationId: params.threadId, turnId: params.runId, outputs: params.outputs, tag: { workflowId: params.workflowId ?? '', step: params.step ?? 0 }, run: params.run },
            context,
          ));
        return settle(context, started, params.bounds, params.threadId, handsOff(params.wait));
      });
    },

    /** Waits for a known turn to need action or end, in the activity (webhook mode's read, continue-as-new). */
    async waitForRun(params: WaitForRunParams): Promise<RunProgress> {
      return mapped(async () => waitOnKnownTurn(turnContext(params.wait), params));
    },

    /**
     * Waits for a known turn to need action or end, without holding an activity slot: the worker's
     * watcher takes the wait over and completes this activity when the turn needs the workflow.
     * Never starts a turn, so a retry on another worker (this one died) simply watches it again.
     */
    async watchRun(params: WaitForRunParams): Promise<RunProgress> {
      if (!watcher) return mapped(async () => waitOnKnownTurn(turnContext(params.wait), params));
      return watcher.adopt(params.wait, (context) => waitOnKnownTurn(context, params), (error) => toApplicationFailure(error, secrets));
    },

    /**
     * Cancels a turn at the provider and waits until it has ended (cancelled, or whatever it reached
     * first). Without a turn id (the workflow was cancelled while creating it) the turn is found by
     * its tag; if there is none, nothing was created and there is nothing to cancel.
     */
    async cancelRun(params: CancelRunParams): Promise<RunProgress | null> {
      return mapped(async () => {
        let turnId = params.runId;
        if (!turnId) {
          turnId = (await service.findTurn(params.threadId, { workflowId: params.workflowId, step: params.step }, callOptions()))?.id ?? null;
          if (!turnId) return null;
        }
        const ref = { conversationId: params.threadId, turnId };
        let turn = (await service.cancelTurn(ref, callOptions())) ?? (await service.getTurn(ref, callOptions())).turn;
        while (!isTerminalRunStatus(turn.status)) {
          reportProgress(liveDetails(turn));
          await pause(Math.min(params.wait.pollIntervalMs, 1_000));
          ({ turn } = await service.getTurn(ref, callOptions()));
        }
        const progress: RunProgress = { threadId: turn.threadId || params.threadId, run: turn };
        progress.messages = await service.turnMessages(turn, params.bounds, callOptions());
        return progress;
      });
    },
  };

  /**
   * A retried attempt whose predecessor had already learnt its turn's id goes back to that turn
   * (re-attaching to its stream where the protocol can), instead of starting over. Only a turn the
   * previous attempt reported for this conversation, and not the one being answered (its answer may
   * not have landed: the seam checks that).
   */
  async function resumeKnownTurn(conversationId: string, context: TurnContext, answeredTurnId?: string): Promise<StartedTurn | undefined> {
    if (!service.resumeTurn || context.attempt === 1) return undefined;
    const previous = context.previous<LiveRunDetails>();
    if (!previous?.runId || previous.runId === answeredTurnId || (conversationId && previous.threadId && previous.threadId !== conversationId)) return undefined;
    return service.resumeTurn({ conversationId: previous.threadId || conversationId, turnId: previous.runId }, context);
  }
}
