/**
 * The agent run workflow: `create_and_process_run` made durable.
 *
 * One loop: start (or find) the provider run, wait in one heartbeating activity until it needs
 * action or ends, settle the tool calls it asks for (run them, or wait for a person, or for an
 * output from outside), submit all outputs in one request, and wait again. Deterministic code
 * only: every provider call is an activity (src/activities).
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  condition,
  ContinueAsNew,
  continueAsNew,
  allHandlersFinished,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  TimeoutFailure,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { AgentrunActivities } from '../activities';
import { isTerminalRunStatus, type RunOptions, type RunSnapshot, type TokenUsage, type ToolCall, type ToolOutput } from '../shared/agent-types';
import type { ResultBounds, RunProgress, ToolInfo, WaitOptions } from '../shared/activity-types';
import { durationMs } from '../shared/duration';
import { FailureType } from '../shared/failure-types';
import { agentLabel, agentOf, conversationOf, type AgentSpec } from '../shared/agent-spec';
import type { ToolPolicy, ValidatedAgentRunInput } from '../shared/run-input';
import { checkInput, describeIssues } from '../shared/schema-issues';
import {
  approveToolCallSignal,
  decideToolCallUpdate,
  denyToolCallSignal,
  providerTroubleSignal,
  providerWebhookSignal,
  runStateQuery,
  submitToolOutputSignal,
  type ToolCallDecisionPayload,
} from '../shared/run-messages';
import type { AgentRunPhase, AgentRunResult, AgentRunState, AssistantMessage, ConversationEntry, ProviderTrouble, TimelineEntry, ToolCallDecision, ToolCallRecord, VerifiedApprover } from '../shared/run-types';
import type { DecisionVerification } from '../decisions/signed-decisions';
import { claimsMismatch } from '../shared/decision-claims';
import type { WorkerOffer } from '../activities/input-activities';
import { runSearchAttributeKeys } from '../shared/search-attributes';
import { conversationWord, turnWord } from '../shared/protocol-words';
import { truncateText } from '../shared/truncate';
import { decisionSchemas, runInputSchemas } from './lazy-schemas';
import { countDecisionRequested, countDecisionSettled, countRunFinished, countRunStarted } from './run-metrics';

/** State carried across continue-as-new: ids and decisions, no provider payloads. */
export interface CarriedRunState {
  threadId: string;
  runId: string;
  step: number;
  runIds: string[];
  rounds: number;
  usage: TokenUsage;
  toolCalls: ToolCallRecord[];
  messages: AssistantMessage[];
  timeline: TimelineEntry[];
  deadlineAt: number | null;
  reusableOutputs: Record<string, { output: string; isError: boolean }>;
  continuedAsNew: number;
  /** The user messages the first execution added (its input drops them): the conversation people read. Absent from older workers. */
  openingMessages?: ConversationEntry[];
  /** The tool round in which each assistant message was read (by message id), to order the conversation. */
  messageRounds?: Record<string, number>;
}

/**
 * Patch ids (`patched()`): behaviour added after histories were recorded. Runs that waited across
 * an upgrade replay their old path; new runs take the new one (README, "Upgrades").
 *
 * `inputCheckedByActivity` is asked first, and a run that has it has every patch before it: it
 * records one marker, not one per patch (`AgentRun.applies`). Why this matters beyond history
 * size: a `patched()` asked right after a local activity can be answered wrongly on replay. Core
 * may record the activity's marker in one task and deliver its result in the next; replay then
 * delivers the result in the first task, before the next task's markers are known, and a patch
 * the run has reads as absent (seen under load: "patch marker encountered for change
 * agentrun-watched-waits, but there is no corresponding change command"). So: ask a new patch
 * before a local activity in the same task, or in `applies` only for runs started before it.
 */
const PATCH = {
  /** A workflow that fails cancels its provider run first, and fails with the provider's own cause. */
  cleanupOnFailure: 'agentrun-cleanup-provider-run-on-failure',
  /** The thread is created by a regular activity, not a local one (see startProviderRun). */
  threadCreatedByActivity: 'agentrun-thread-created-by-activity',
  /** Edited arguments are checked against the tool's schema before the approval is accepted. */
  validateEditedArguments: 'agentrun-validate-edited-arguments',
  /** Poll and stream waits go to `watchRun` (the worker's watcher, no activity slot held) once the turn exists. */
  watchedWaits: 'agentrun-watched-waits',
  /**
   * The input is validated by a local activity, so the workflow loads no schema (see lazy-schemas.ts),
   * and every patch above applies without its own marker.
   */
  inputCheckedByActivity: 'agentrun-input-checked-by-activity',
} as const;

/** Webhook mode's default safety poll: a lost webhook delays a turn by at most this. */
const DEFAULT_SAFETY_POLL = '5 minutes';
/** How many webhook-announced turn ids a workflow remembers (for de-duplication). */
const MAX_WEBHOOK_TURNS = 50;

/** Failures after which no run of this workflow can be active at the provider. */
const NOTHING_LEFT_RUNNING: readonly string[] = [FailureType.InvalidWorkflowInput, FailureType.ThreadBusy, FailureType.RunExpired];

/** Bounds that keep state, query answers and the result far below Temporal's 2 MB payload limit. */
const MAX_TIMELINE = 200;
const MAX_RECORDED_TOOL_CALLS = 200;
const MAX_RECORDED_OUTPUT_CHARS = 2_000;
const RESULT_BOUNDS: ResultBounds = { maxMessages: 20, maxMessageChars: 8_000 };
/** Bounds of the conversation in query answers: the context people read before they decide. */
const CONVERSATION_BOUNDS = { openingMessages: 10, messageChars: 4_000, settledCalls: 20 };

/** Options of the activities that call the provider and wait on its run. */
function runActivityOptions(input: ValidatedAgentRunInput, summary: string): ActivityOptions {
  return {
    // The activity polls until the run needs action or ends; a run alone rarely lasts longer than
    // its 10-minute expiry, but waiting for someone else's run can. A timeout just retries, and
    // the retry resumes the same run.
    startToCloseTimeout: '30 minutes',
    // Short, so a dead worker is noticed fast; the activity heartbeats every second in the background.
    heartbeatTimeout: '10 seconds',
    retry: {
      initialInterval: durationMs(input.providerRetry.initialInterval),
      maximumInterval: durationMs(input.providerRetry.maximumInterval),
      // 0 means unlimited; the SDK spells that as "unset".
      maximumAttempts: input.providerRetry.maximumAttempts || undefined,
      backoffCoefficient: 2,
    },
    // On cancellation, wait until the attempt has really stopped, so the cleanup that follows sees
    // every run it may have created.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    summary,
  };
}

/**
 * Options of `watchRun`, the wait the worker's watcher holds without an activity slot. Its heartbeat
 * timeout is how long a dead worker's waits go unnoticed (`wait.takeoverAfter`): the watcher spreads
 * its heartbeats over it, so a long one is cheap for the server. Cancelling does not wait for the
 * watcher to hear of it: the workflow knows the turn and cancels it at the provider itself.
 */
function watchActivityOptions(input: ValidatedAgentRunInput): ActivityOptions {
  return {
    ...runActivityOptions(input, 'wait until the run needs action or ends (the worker\'s watcher)'),
    heartbeatTimeout: durationMs(input.wait.takeoverAfter),
    cancellationType: ActivityCancellationType.TRY_CANCEL,
  };
}

/** The provider activities, with this execution's retry settings. */
function providerActivities(input: ValidatedAgentRunInput) {
  return {
    createThread: proxyActivities<AgentrunActivities>({ ...runActivityOptions(input, 'create the thread'), startToCloseTimeout: '2 minutes' }).createThread,
    startRun: proxyActivities<AgentrunActivities>(runActivityOptions(input, 'create (or find) the run, then wait until it needs action or ends')).startRun,
    submitToolOutputs: proxyActivities<AgentrunActivities>(runActivityOptions(input, 'submit the tool outputs, then wait until the run needs action or ends')).submitToolOutputs,
    waitForRun: proxyActivities<AgentrunActivities>(runActivityOptions(input, 'wait until the run needs action or ends')).waitForRun,
    watchRun: proxyActivities<AgentrunActivities>(watchActivityOptions(input)).watchRun,
    cancelRun: proxyActivities<AgentrunActivities>({ ...runActivityOptions(input, 'cancel the run at the provider'), startToCloseTimeout: '10 minutes' }).cancelRun,
  };
}

/**
 * The cancel that cleans up after a failure: bounded (the failure may be the provider itself being
 * unreachable), so a failing workflow ends in minutes rather than retrying its cleanup forever.
 */
function cleanupActivities(input: ValidatedAgentRunInput) {
  const options = runActivityOptions(input, 'cancel the run at the provider (the workflow is failing)');
  return proxyActivities<AgentrunActivities>({ ...options, scheduleToCloseTimeout: '5 minutes', retry: { ...options.retry, maximumAttempts: 5 } });
}

/**
 * The input check (a local activity): a few milliseconds of CPU, so a short timeout; retried a few
 * times only, since it answers bad input rather than throwing and a throw is a bug.
 */
function inputCheck() {
  return proxyLocalActivities<AgentrunActivities>({ startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 3 } });
}

/**
 * A signed decision's check (a local activity): milliseconds of CPU, or a JWKS fetch; retried a few
 * times only, since the update that carries the decision waits for it.
 */
function decisionCheck() {
  return proxyLocalActivities<AgentrunActivities>({ startToCloseTimeout: '15 seconds', retry: { maximumAttempts: 3 } });
}

/** Short provider calls as local activities: one marker event each instead of three events. */
function localActivities(input: ValidatedAgentRunInput) {
  return proxyLocalActivities<AgentrunActivities>({
    startToCloseTimeout: '1 minute',
    retry: {
      initialInterval: durationMs(input.providerRetry.initialInterval),
      maximumInterval: durationMs(input.providerRetry.maximumInterval),
      backoffCoefficient: 2,
      // As for every provider call: unlimited unless the input bounds it (0), bounded by `deadline`.
      maximumAttempts: input.providerRetry.maximumAttempts || undefined,
    },
  });
}

/** Runs an agent on a thread until the run ends, executing and approving its tool calls durably. */
export async function agentRunWorkflow(rawInput: unknown, carried?: CarriedRunState): Promise<AgentRunResult> {
  // Runs started before the check moved to an activity replay their check in the workflow.
  const inputCheckedByActivity = patched(PATCH.inputCheckedByActivity);
  const checked = inputCheckedByActivity ? await inputCheck().checkAgentRunInput(rawInput) : checkInput(runInputSchemas().agentRunInputSchema(), rawInput);
  if (!checked.valid) {
    throw ApplicationFailure.create({
      type: FailureType.InvalidWorkflowInput,
      nonRetryable: true,
      message: `Invalid agent run input: ${checked.message}`,
      details: [checked.issues],
    });
  }
  if (!carried) countRunStarted();
  try {
    const result = await new AgentRun(checked.input, carried, inputCheckedByActivity, (checked as { offer?: WorkerOffer }).offer).run();
    countRunFinished(result.status);
    return result;
  } catch (error) {
    if (!(error instanceof ContinueAsNew)) countRunFinished(isCancellation(error) ? 'cancelled' : 'failed');
    throw error;
  }
}

/** The workflow's state and behaviour; one instance per workflow execution. */
class AgentRun {
  private readonly workflowId = workflowInfo().workflowId;
  private phase: AgentRunPhase = 'starting';
  private readonly agent: AgentSpec;
  /** The agent's short name (assistant id, `name@version`, `model:...`): search attribute and state. */
  private readonly agentLabel: string;
  /**
   * The conversation (thread or conversation id): null until a new one is created; '' for a
   * Responses chain that has none (turns follow `previous_response_id`).
   */
  private threadId: string | null;
  private runId: string | null;
  private step: number;
  private runIds: string[];
  private providerStatus: string | null = null;
  /** What people see as the provider's status: its own word while a turn runs (`queued`, `in_progress`), else the neutral one. */
  private shownProviderStatus: string | null = null;
  private expiresAt: number | null = null;
  private rounds: number;
  private usage: TokenUsage;
  private toolCalls: ToolCallRecord[];
  private messages: AssistantMessage[];
  private timeline: TimelineEntry[];
  private readonly deadlineAt: number | null;
  private reusableOutputs: Record<string, { output: string; isError: boolean }>;
  private readonly continuedAsNew: number;
  /** The user messages this run added (for the conversation people read). */
  private readonly openingMessages: ConversationEntry[];
  /** The tool round in which each assistant message was read, by message id. */
  private readonly messageRounds: Record<string, number>;
  /** When the approval timeout decides each waiting call (ISO), by tool call id: for queries. */
  private readonly decideBy = new Map<string, string>();
  /** Calls of the current round, by id: what decisions can target. */
  private readonly pending = new Map<string, ToolCallRecord>();
  /** Decisions received for pending calls, by tool call id. */
  private readonly decisions = new Map<string, ToolCallDecisionPayload>();
  /** Who signed each decision that came signed (the audit trail of its record). */
  private readonly verifiedApprovers = new Map<string, VerifiedApprover>();
  /** Who decided the latest decided call (verified identity when signed): a search attribute. */
  private lastApprover: string | undefined;
  /** Signature ids this run has accepted: each decides once. */
  private readonly usedSignatures = new Set<string>();
  /** Calls whose decision is being checked (edited arguments): a second decision must wait its turn. */
  private readonly deciding = new Set<string>();
  /** The last failure of a provider call that is being retried; null once calls succeed again. */
  private providerTrouble: ProviderTrouble | null = null;
  /** Webhook mode: how long to wait for the provider's webhook before reading the turn anyway. */
  private readonly safetyPollMs: number;
  /** Turns the provider's webhooks said ended (bounded; repeated deliveries are ignored). */
  private readonly webhookTurns: string[] = [];
  private readonly toolInfo: Record<string, ToolInfo> = {};
  private readonly wait: WaitOptions;
  private lastSearchAttributes = '';
  private readonly provider: ReturnType<typeof providerActivities>;
  private readonly local: ReturnType<typeof localActivities>;
  private deadlineHit = false;

  constructor(
    private readonly input: ValidatedAgentRunInput,
    carried: CarriedRunState | undefined,
    /** The run has `PATCH.inputCheckedByActivity`, and so every earlier patch. */
    private readonly hasEveryPatch: boolean,
    /** What the worker that checked the input offered (recorded with the check): notifications. */
    private readonly offer: WorkerOffer = {},
  ) {
    this.agent = agentOf(input);
    this.agentLabel = agentLabel(this.agent);
    const conversation = conversationOf(input);
    this.threadId = carried?.threadId ?? (conversation.kind === 'existing' ? conversation.id : conversation.kind === 'chain' ? '' : null);
    this.runId = carried?.runId ?? null;
    this.step = carried?.step ?? 1;
    this.runIds = carried?.runIds ?? [];
    this.rounds = carried?.rounds ?? 0;
    this.usage = carried?.usage ?? { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
    this.toolCalls = carried?.toolCalls ?? [];
    this.messages = carried?.messages ?? [];
    this.timeline = carried?.timeline ?? [];
    this.reusableOutputs = carried?.reusableOutputs ?? {};
    this.continuedAsNew = carried?.continuedAsNew ?? 0;
    this.openingMessages = carried?.openingMessages ?? openingMessagesOf(input, conversation.kind === 'new');
    this.messageRounds = carried?.messageRounds ?? {};
    this.deadlineAt = carried ? carried.deadlineAt : input.deadline !== undefined ? workflowInfo().startTime.getTime() + durationMs(input.deadline) : null;
    this.wait = {
      mode: input.wait.mode,
      pollIntervalMs: durationMs(input.wait.pollInterval),
      ...(input.wait.queuedTimeout !== undefined ? { queuedTimeoutMs: durationMs(input.wait.queuedTimeout) } : {}),
    };
    // Webhook mode never polls; poll and stream hand their waits to the watcher (runs started before it existed do not).
    if (input.wait.mode !== 'webhook' && this.applies(PATCH.watchedWaits)) this.wait.handOff = true;
    this.safetyPollMs = durationMs(input.wait.safetyPollInterval ?? DEFAULT_SAFETY_POLL);
    this.provider = providerActivities(input);
    this.local = localActivities(input);
    this.registerHandlers();
  }

  /** Whether a patch's behaviour applies: recorded once for all (see PATCH), or asked as runs before that were. */
  private applies(patch: Exclude<(typeof PATCH)[keyof typeof PATCH], typeof PATCH.inputCheckedByActivity>): boolean {
    return this.hasEveryPatch || patched(patch);
  }

  async run(): Promise<AgentRunResult> {
    this.note(this.continuedAsNew ? `continued as new (#${this.continuedAsNew})` : 'started');
    this.publish();
    const main = new CancellationScope();
    const deadlineTimer = new CancellationScope();
    if (this.deadlineAt !== null) {
      const remaining = Math.max(0, this.deadlineAt - Date.now());
      deadlineTimer
        .run(() => sleep(remaining))
        .then(
          () => {
            this.deadlineHit = true;
            main.cancel();
          },
          () => undefined, // the timer was cancelled: the run ended first
        );
    }
    try {
      return await main.run(() => this.loop());
    } catch (error) {
      if (error instanceof ContinueAsNew) throw error; // not a failure: the next execution carries on
      if (!isCancellation(error)) return await this.fail(error);
      this.learnTurnFromCancellation(error);
      await CancellationScope.nonCancellable(() => this.cancelAtProvider(this.deadlineHit ? 'the deadline passed' : 'the workflow was cancelled'));
      if (this.deadlineHit) {
        throw ApplicationFailure.create({
          type: FailureType.DeadlineExceeded,
          nonRetryable: true,
          message: `The run did not finish before its deadline (${this.input.deadline}); it was cancelled at the provider.`,
        });
      }
      throw error;
    } finally {
      deadlineTimer.cancel();
    }
  }

  // ---- the loop ------------------------------------------------------------------------------

  private async loop(): Promise<AgentRunResult> {
    let progress: RunProgress;
    if (this.runId && this.threadId !== null) {
      // Resumed after continue-as-new: the run is known; wait on it again (returns at once if it needs action).
      progress = await this.untilActionable(await this.provider.waitForRun({ threadId: this.threadId, runId: this.runId, wait: this.wait, bounds: RESULT_BOUNDS }));
    } else {
      progress = await this.untilActionable(await this.startProviderRun(this.runOptions()));
    }

    for (;;) {
      this.observe(progress);
      const run = progress.run;
      if (run.status !== 'requires_action') return this.finish(progress);

      if (this.shouldContinueAsNew()) await this.continueAsNew();

      this.rounds += 1;
      if (this.rounds > this.input.maxToolRounds) {
        await this.cancelAtProvider(`the tool round limit (${this.input.maxToolRounds}) was reached`);
        throw ApplicationFailure.create({
          type: FailureType.ToolRoundLimitExceeded,
          nonRetryable: true,
          message: `The run asked for more than ${this.input.maxToolRounds} tool rounds (maxToolRounds); it was cancelled at the provider.`,
        });
      }

      const settled = await this.settleToolCalls(run);
      if (settled === 'cancelled') return this.finish(await this.cancelAtProvider('an approval timed out (approval.onTimeout: cancel)'));

      this.setPhase('running', 'submitting tool outputs');
      progress = await this.provider.submitToolOutputs({
        threadId: run.threadId,
        runId: run.id,
        outputs: settled,
        wait: this.wait,
        bounds: RESULT_BOUNDS,
        // Responses answer with a new response: its tags, and the turn's options to repeat.
        workflowId: this.workflowId,
        step: this.step + 1,
        run: this.runOptions(),
      });
      // A new turn object (Responses) was created with the next step's tags; threads/runs resume the same run.
      if (progress.run.id && progress.run.id !== run.id) this.step += 1;
      // Said of the submit's own answer: the wait that follows returns a fresh reading without it.
      if (progress.alreadySubmitted) this.note('tool outputs had already reached the provider (a retried submit)');
      progress = await this.untilActionable(progress);
      if (progress.run.status === 'expired') {
        this.observe(progress);
        progress = await this.continueAfterExpiry(run, settled);
      }
    }
  }

  /** Creates (or finds) the provider run of the current step and waits for it. */
  private async startProviderRun(options: RunOptions): Promise<RunProgress> {
    if (this.threadId === null) {
      this.setPhase('starting', 'creating the thread');
      const thread = this.input.thread ?? {};
      // A regular activity since the patch: while a local activity retries (an unreachable
      // provider), the workflow task stays open, so queries and the retry reports wait for it.
      const createThread = this.applies(PATCH.threadCreatedByActivity) ? this.provider.createThread : this.local.createThread;
      const { threadId, messagesAdded } = await createThread({ newThread: { ...thread, toolResources: thread.toolResources ?? this.input.toolResources }, workflowId: this.workflowId });
      this.threadId = threadId;
      this.providerTrouble = null;
      this.note(`${conversationWord(threadId)} created`, threadId);
      options = { ...options, toolResources: undefined }; // already on the new thread
      // Responses take a new conversation's first messages as the first turn's input.
      if (messagesAdded === false && thread.messages?.length) options = { ...options, additionalMessages: [...thread.messages, ...(options.additionalMessages ?? [])] };
    }
    this.setPhase('running', `starting run step ${this.step}`);
    const progress = await this.provider.startRun({
      threadId: this.threadId,
      run: options,
      workflowId: this.workflowId,
      step: this.step,
      onActiveRun: this.input.onActiveRun,
      wait: this.wait,
      bounds: RESULT_BOUNDS,
    });
    if (progress.displacedRunId) this.note(this.input.onActiveRun === 'cancel' ? 'cancelled the active run on the thread' : 'waited for the active run on the thread', progress.displacedRunId);
    if (progress.reconciled) this.note('found the run created by an earlier attempt (lost response)', progress.run.id);
    return progress;
  }

  /**
   * The run expired before our outputs arrived (a late decision). Strategy (README, "Expiry"):
   * start a new run on the same thread whose additional message states each requested call and
   * its decided result, and answer identical calls of the new run with the same results
   * without asking again.
   */
  private async continueAfterExpiry(expired: RunSnapshot, outputs: ToolOutput[]): Promise<RunProgress> {
    if (this.input.onExpired === 'fail') {
      throw ApplicationFailure.create({
        type: FailureType.RunExpired,
        nonRetryable: true,
        message: `Run ${expired.id} expired before its tool outputs were submitted (onExpired: fail).`,
        details: [{ threadId: expired.threadId, runId: expired.id }],
      });
    }
    const lines = expired.requiredToolCalls.map((call) => {
      const output = outputs.find((candidate) => candidate.toolCallId === call.id)?.output ?? '';
      const record = this.pending.get(call.id) ?? this.toolCalls.find((candidate) => candidate.toolCallId === call.id);
      this.reusableOutputs[reuseKey(call)] = { output, isError: record?.isError ?? false };
      return `- ${call.name}(${call.arguments}) -> ${output}`;
    });
    const note = [
      `[agentrun] The previous run (${expired.id}) expired while its tool calls were being decided. Their results:`,
      ...lines,
      'Continue from these results; do not repeat the calls.',
    ].join('\n');
    this.step += 1;
    this.runId = null; // the new step's run is not known until startRun returns
    this.note('run expired; continuing with a new run on the thread', expired.id);
    const options = this.runOptions();
    return this.untilActionable(await this.startProviderRun({ ...options, additionalMessages: [{ role: 'user', content: note }] }));
  }

  /**
   * Waits until the turn needs the workflow. Webhook mode: the activities start a turn and return
   * while it runs; the workflow waits for the provider's webhook (relayed as a signal), or at most
   * `safetyPollInterval`, then reads the turn: a timer, a signal and one read per webhook, plus a
   * timer and a read per safety poll while none comes. Poll and stream mode (hand-off): `watchRun`,
   * one activity the worker's watcher completes, O(1) history however long the wait. Runs from
   * before the hand-off got actionable turns only, and return at once. (Known, left: a read after
   * the webhook that still says running reads again at once; a patch would be needed to pause.)
   */
  private async untilActionable(progress: RunProgress): Promise<RunProgress> {
    while (progress.run.status !== 'requires_action' && !isTerminalRunStatus(progress.run.status)) {
      this.observe(progress);
      const turnId = progress.run.id;
      const threadId = progress.threadId || this.threadId || '';
      if (this.wait.mode !== 'webhook') {
        this.setPhase('running', `waiting for ${turnId}`);
        progress = await this.provider.watchRun({ threadId, runId: turnId, wait: this.wait, bounds: RESULT_BOUNDS });
        continue;
      }
      this.setPhase('running', `waiting for the provider's webhook for ${turnId}`);
      const notified = await condition(() => this.webhookTurns.includes(turnId), this.safetyPollMs);
      if (!notified) this.note('no webhook yet: safety poll', turnId);
      progress = await this.provider.waitForRun({ threadId, runId: turnId, wait: this.wait, bounds: RESULT_BOUNDS });
    }
    return progress;
  }

  // ---- tool calls ----------------------------------------------------------------------------

  /** Settles every call of one round concurrently; returns the outputs, or 'cancelled' (approval timeout policy). */
  private async settleToolCalls(run: RunSnapshot): Promise<ToolOutput[] | 'cancelled'> {
    // MCP approval requests name an MCP server's tool, not one of the worker's.
    const unresolved = [...new Set(run.requiredToolCalls.filter((call) => call.kind !== 'mcp_approval').map((call) => call.name))].filter((name) => !this.toolInfo[name]);
    if (unresolved.length) Object.assign(this.toolInfo, await this.local.resolveTools(unresolved));

    this.pending.clear();
    const records = run.requiredToolCalls.map((call) => this.recordCall(run, call));
    records.forEach((record) => this.pending.set(record.toolCallId, record));
    this.note(`round ${this.rounds}: ${records.length} tool call(s)`, records.map((record) => record.name).join(', '));

    let cancelled = false;
    await Promise.all(
      records.map(async (record) => {
        const outcome = await this.settle(record);
        if (outcome === 'cancelled') cancelled = true;
        this.updateWaitingDetails();
      }),
    );
    if (cancelled) return 'cancelled';
    return records.map((record) => (record.kind === 'mcp_approval' ? { toolCallId: record.toolCallId, output: record.output ?? '', approve: record.approved === true } : { toolCallId: record.toolCallId, output: record.output ?? '' }));
  }

  private recordCall(run: RunSnapshot, call: ToolCall): ToolCallRecord {
    if (call.kind === 'mcp_approval') {
      // The provider asks whether the model may call an MCP server's tool: a person decides, unless
      // toolPolicies marks `mcp:<server>/<tool>` as auto (approved without asking).
      const policy: ToolPolicy = this.input.toolPolicies[mcpPolicyKey(call)] === 'auto' ? 'auto' : 'approval';
      const record: ToolCallRecord = { toolCallId: call.id, runId: run.id, round: this.rounds, name: call.name, arguments: call.arguments, policy, kind: 'mcp_approval', serverLabel: call.serverLabel };
      this.toolCalls.push(record);
      if (this.toolCalls.length > MAX_RECORDED_TOOL_CALLS) this.toolCalls.splice(0, this.toolCalls.length - MAX_RECORDED_TOOL_CALLS);
      return record;
    }
    const info = this.toolInfo[call.name];
    const policy: ToolPolicy | 'unknown' = this.input.toolPolicies[call.name] ?? (info?.known ? info.policy : this.input.unknownTools === 'external' ? 'external' : 'unknown');
    const record: ToolCallRecord = { toolCallId: call.id, runId: run.id, round: this.rounds, name: call.name, arguments: call.arguments, policy };
    this.toolCalls.push(record);
    if (this.toolCalls.length > MAX_RECORDED_TOOL_CALLS) this.toolCalls.splice(0, this.toolCalls.length - MAX_RECORDED_TOOL_CALLS);
    return record;
  }

  private async settle(record: ToolCallRecord): Promise<'cancelled' | void> {
    const reusable = this.reusableOutputs[reuseKey(record)];
    if (reusable) {
      // An MCP approval's decision is its answer: a denial was recorded as an error output.
      if (record.kind === 'mcp_approval') record.approved = !reusable.isError;
      this.complete(record, reusable.output, reusable.isError, { type: 'automatic' });
      record.reused = true;
      return;
    }
    if (record.kind === 'mcp_approval' && record.policy === 'auto') {
      record.approved = true;
      this.complete(record, '', false, { type: 'automatic' });
      return;
    }
    switch (record.policy) {
      case 'unknown':
        this.complete(record, toolError('unknown_tool', `No tool named "${record.name}" is available to this agent run.`), true, { type: 'automatic' });
        return;
      case 'auto':
        await this.executeTool(record, record.arguments, { type: 'automatic' });
        return;
      case 'approval':
      case 'external':
        return this.awaitDecision(record);
    }
  }

  /** Waits for a person's decision (or an outside output) on one call, with the approval timeout. */
  private async awaitDecision(record: ToolCallRecord): Promise<'cancelled' | void> {
    record.waitingFor = record.policy === 'approval' ? 'approval' : 'output';
    countDecisionRequested(record.waitingFor);
    this.setPhase(record.waitingFor === 'approval' ? 'waiting_for_approval' : 'waiting_for_output');
    this.note(record.waitingFor === 'approval' ? 'approval requested' : 'waiting for an outside output', `${record.name} (${record.toolCallId})`);
    this.updateWaitingDetails();

    const timeoutMs = durationMs(this.input.approval.timeout);
    this.decideBy.set(record.toolCallId, new Date(Date.now() + timeoutMs).toISOString());
    const notifying = this.offer.notifications ? this.notifyWhileWaiting(record, this.offer.notifications.reminderBeforeMs, timeoutMs) : undefined;
    const decided = await condition(() => this.decisions.has(record.toolCallId), timeoutMs);
    // Decided (or timed out): a notification still being retried, or a reminder not yet due, is dropped.
    notifying?.cancel();
    this.decideBy.delete(record.toolCallId);
    const now = new Date(Date.now()).toISOString();
    if (!decided) {
      countDecisionSettled('timed_out');
      this.note('decision timed out', `${record.name} (${record.toolCallId}) after ${this.input.approval.timeout}`);
      switch (this.input.approval.onTimeout) {
        case 'deny':
          this.complete(record, toolError('not_approved', `No decision on this call arrived within ${this.input.approval.timeout}; treat it as denied and do not retry it.`), true, { type: 'timed_out', at: now });
          return;
        case 'cancel':
          record.decision = { type: 'timed_out', at: now };
          record.waitingFor = undefined;
          return 'cancelled';
        case 'fail':
          record.decision = { type: 'timed_out', at: now };
          await this.cancelAtProvider('an approval timed out (approval.onTimeout: fail)');
          throw ApplicationFailure.create({
            type: FailureType.ApprovalTimedOut,
            nonRetryable: true,
            message: `No decision on tool call ${record.toolCallId} (${record.name}) arrived within ${this.input.approval.timeout}; the run was cancelled.`,
          });
      }
    }

    const decision = this.decisions.get(record.toolCallId)!;
    const verified = this.verifiedApprovers.get(record.toolCallId);
    const proof = verified ? { verified } : {};
    this.lastApprover = truncateText(verified?.subject ?? decision.approver, 200);
    countDecisionSettled(decision.decision);
    if (record.kind === 'mcp_approval') {
      // Answered with the decision itself: the provider calls the MCP tool (or not).
      record.approved = decision.decision === 'approve';
      const reason = decision.decision === 'output' ? undefined : decision.reason;
      this.note(record.approved ? 'approved' : 'denied', `${record.serverLabel ?? 'mcp'}/${record.name} (${record.toolCallId}) by ${decision.approver}`);
      this.complete(
        record,
        reason ?? '',
        !record.approved,
        record.approved ? { type: 'approved', approver: decision.approver, reason, at: now, ...proof } : { type: 'denied', approver: decision.approver, reason: reason ?? '', at: now, ...proof },
      );
      return;
    }
    switch (decision.decision) {
      case 'approve': {
        const edited = decision.arguments === undefined ? undefined : editedArgumentsText(decision.arguments);
        this.note('approved', `${record.name} (${record.toolCallId}) by ${decision.approver}${edited ? ' with edited arguments' : ''}`);
        // Recorded before the tool runs, so the update that approved it can answer at once.
        record.decision = { type: 'approved', approver: decision.approver, reason: decision.reason, editedArguments: edited, at: now, ...proof };
        await this.executeTool(record, edited ?? record.arguments, record.decision);
        return;
      }
      case 'deny':
        this.note('denied', `${record.name} (${record.toolCallId}) by ${decision.approver}`);
        this.complete(record, toolError('denied', `A person (${decision.approver}) denied this call: ${decision.reason}`), true, { type: 'denied', approver: decision.approver, reason: decision.reason, at: now, ...proof });
        return;
      case 'output':
        this.note('output supplied', `${record.name} (${record.toolCallId}) by ${decision.approver}`);
        this.complete(record, truncateText(decision.output, this.input.maxToolOutputChars), false, { type: 'output_supplied', approver: decision.approver, at: now, ...proof });
        return;
    }
  }

  /**
   * Tells people the call waits for them (the worker's endpoints, retried until delivered), then
   * reminds them before the provider run expires. Runs beside the wait; cancelled when it ends.
   */
  private notifyWhileWaiting(record: ToolCallRecord, reminderBeforeMs: number, timeoutMs: number): CancellationScope {
    const { notifyWaitingCall } = proxyActivities<AgentrunActivities>({
      startToCloseTimeout: '1 minute',
      heartbeatTimeout: '30 seconds',
      // Until delivered or decided (the scope's cancellation ends the retries).
      retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '2 minutes' },
      summary: truncateText(`notify: ${record.name} (${record.toolCallId}) waits`, 200),
    });
    const decideBy = new Date(Date.now() + timeoutMs).toISOString();
    const notice = (kind: 'requested' | 'reminder') => ({
      kind,
      workflowId: this.workflowId,
      toolCallId: record.toolCallId,
      toolName: record.name,
      arguments: record.arguments,
      waitingFor: record.waitingFor === 'output' ? ('output' as const) : ('approval' as const),
      ...(this.input.approval.approvers ? { approvers: this.input.approval.approvers } : {}),
      ...(this.expiresAt ? { expiresAt: new Date(this.expiresAt * 1000).toISOString() } : {}),
      decideBy,
    });
    // A reminder only where the provider run expires, and only when the wait begins before it is due
    // (otherwise the first notice, which names the expiry, is the reminder).
    const expiresAtMs = this.expiresAt ? this.expiresAt * 1000 : undefined;
    const remindAt = expiresAtMs !== undefined && expiresAtMs - reminderBeforeMs > Date.now() ? expiresAtMs - reminderBeforeMs : undefined;
    const scope = new CancellationScope();
    scope
      .run(async () => {
        await notifyWaitingCall(notice('requested'));
        if (remindAt === undefined) return;
        // The first notice may have taken long (its endpoint failing): the reminder is then due at once.
        if (remindAt > Date.now()) await sleep(remindAt - Date.now());
        if (Date.now() < expiresAtMs!) await notifyWaitingCall(notice('reminder'));
      })
      .catch((error: unknown) => {
        if (!isCancellation(error)) this.note('notification failed', error instanceof Error ? error.message : String(error));
      });
    return scope;
  }

  /** Runs one call on the worker; a handler that keeps failing becomes an error output the model reads. */
  private async executeTool(record: ToolCallRecord, argumentsText: string, decision: ToolCallDecision): Promise<void> {
    record.waitingFor = 'execution';
    this.setPhase('running_tools');
    const info = this.toolInfo[record.name];
    const { runTool } = proxyActivities<AgentrunActivities>({
      startToCloseTimeout: info?.timeoutMs ?? 5 * 60_000,
      heartbeatTimeout: '10 seconds',
      // Only idempotent tools are retried: a second attempt of a non-idempotent tool could repeat its side effect.
      retry: info?.idempotent ? { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 3 } : { maximumAttempts: 1 },
      summary: truncateText(`tool ${record.name} (${record.toolCallId})`, 200),
    });
    try {
      const result = await runTool({ workflowId: this.workflowId, toolCallId: record.toolCallId, name: record.name, arguments: argumentsText, maxOutputChars: this.input.maxToolOutputChars });
      this.complete(record, result.output, result.isError, decision);
    } catch (error) {
      if (isCancellation(error)) throw error;
      if (!info?.idempotent && error instanceof ActivityFailure && error.cause instanceof TimeoutFailure) {
        // The handler was interrupted (its worker died, or it ran past its timeout) before it
        // reported: it may have had its effect. Saying "failed" would invite the model to repeat it.
        record.outcomeUnknown = true;
        this.note('tool call outcome unknown', `${record.name} (${record.toolCallId}): ${error.cause.message}`);
        this.complete(
          record,
          toolError('outcome_unknown', `${record.name} was interrupted before it reported a result (${error.cause.message}). It may or may not have taken effect: do not assume it ran or failed, and do not call it again before checking.`),
          true,
          decision,
        );
        return;
      }
      const cause = error instanceof ActivityFailure && error.cause ? error.cause.message : error instanceof Error ? error.message : String(error);
      this.complete(record, toolError('tool_error', cause), true, decision);
    }
  }

  private complete(record: ToolCallRecord, output: string, isError: boolean, decision: ToolCallDecision): void {
    record.output = output;
    record.isError = isError;
    record.decision = decision;
    record.waitingFor = undefined;
    this.note(isError ? 'tool call answered with an error' : 'tool call answered', `${record.name} (${record.toolCallId})`);
  }

  // ---- decisions: signals and the validated update --------------------------------------------

  private registerHandlers(): void {
    setHandler(runStateQuery, () => this.state());
    setHandler(
      decideToolCallUpdate,
      async (payload) => {
        const record = await this.acceptDecision(payload);
        // Return once the workflow has taken the decision in (not after the tool ran).
        await condition(() => record.decision !== undefined);
        return stripForQuery(record);
      },
      { validator: (payload) => void this.validateDecision(payload) },
    );
    setHandler(approveToolCallSignal, (payload) => this.acceptSignal({ ...payload, decision: 'approve' }));
    setHandler(denyToolCallSignal, (payload) => this.acceptSignal({ ...payload, decision: 'deny' }));
    setHandler(submitToolOutputSignal, (payload) => this.acceptSignal({ ...payload, decision: 'output' }));
    setHandler(providerWebhookSignal, (event) => {
      if (this.webhookTurns.includes(event.turnId)) return; // a repeated delivery
      this.webhookTurns.push(event.turnId);
      if (this.webhookTurns.length > MAX_WEBHOOK_TURNS) this.webhookTurns.shift();
      this.note(`webhook ${event.type}`, event.turnId);
    });
    setHandler(providerTroubleSignal, (trouble) => {
      this.providerTrouble = trouble;
      this.note('provider call failing, retrying', `${trouble.activity} attempt ${trouble.attempt}: ${trouble.type}${trouble.status ? ` (${trouble.status})` : ''}: ${trouble.message}`);
      this.publish();
    });
  }

  /**
   * Checks a decision; throws an `InvalidDecision` failure that says what is wrong. Synchronous:
   * update validators must be (an async validator's promise is ignored).
   */
  private validateDecision(payload: unknown): { decision: ToolCallDecisionPayload; record: ToolCallRecord } {
    const parsed = decisionSchemas().toolCallDecisionPayloadSchema().safeParse(payload);
    if (!parsed.success) throw invalidDecision(`Malformed decision: ${describeIssues(parsed.error)}`);
    const decision = parsed.data;
    const record = this.pending.get(decision.toolCallId);
    if (!record) {
      const open = [...this.pending.values()].filter((candidate) => candidate.waitingFor === 'approval' || candidate.waitingFor === 'output').map((candidate) => candidate.toolCallId);
      throw invalidDecision(`No tool call ${decision.toolCallId} is waiting for a decision in this run. Waiting: ${open.length ? open.join(', ') : 'none'}.`);
    }
    if (this.deciding.has(decision.toolCallId)) {
      throw invalidDecision(`Tool call ${decision.toolCallId} (${record.name}) is being decided by another decision right now; look at the run again in a moment.`);
    }
    if (this.decisions.has(decision.toolCallId) || (record.waitingFor !== 'approval' && record.waitingFor !== 'output')) {
      const earlier = this.decisions.get(decision.toolCallId);
      throw invalidDecision(`Tool call ${decision.toolCallId} was already decided${earlier ? ` (${earlier.decision} by ${earlier.approver})` : ''}.`);
    }
    if (record.kind === 'mcp_approval' && decision.decision === 'output') {
      throw invalidDecision(`Tool call ${decision.toolCallId} is an MCP approval request (${record.serverLabel}/${record.name}): approve or deny it; the MCP server gives the output.`);
    }
    if (record.kind === 'mcp_approval' && decision.decision === 'approve' && decision.arguments !== undefined) {
      throw invalidDecision(`Tool call ${decision.toolCallId} is an MCP approval request (${record.serverLabel}/${record.name}): its arguments cannot be edited, only approved or denied.`);
    }
    if (record.waitingFor === 'output' && decision.decision === 'approve') {
      throw invalidDecision(`Tool call ${decision.toolCallId} (${record.name}) waits for an output from outside, not an approval: send decision "output" (or "deny").`);
    }
    if (decision.signature !== undefined) {
      // What can be read without a key is checked here, before anything reaches history: a copy
      // meant for another call, verb or run, another audience, or an expired one.
      const mismatch = claimsMismatch(decision.signature, { workflowId: this.workflowId, toolCallId: decision.toolCallId, decision: decision.decision }, Date.now());
      if (mismatch) throw invalidDecision(`The signed decision on ${record.name} (${record.toolCallId}) was refused: ${mismatch}.`);
    }
    if (decision.signature === undefined && this.input.approval.requireSignedDecisions) {
      throw invalidDecision(
        `This run accepts only signed decisions (approval.requireSignedDecisions): sign it (agentrun ${decision.decision} ... --sign-key KEY, signDecision() in code, or the approvals inbox).`,
      );
    }
    // A signed decision's approver is checked once its signature is (groups come from it).
    const approvers = this.input.approval.approvers;
    if (approvers && decision.signature === undefined && !approvers.includes(decision.approver)) {
      throw invalidDecision(`Approver "${decision.approver}" may not decide calls of this run.`);
    }
    if (decision.decision === 'approve' && typeof decision.arguments === 'string') {
      try {
        const value: unknown = JSON.parse(decision.arguments);
        if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
      } catch {
        throw invalidDecision('Edited arguments must be a JSON object (as text or as an object).');
      }
    }
    return { decision, record };
  }

  private async acceptDecision(payload: unknown): Promise<ToolCallRecord> {
    const { decision, record } = this.validateDecision(payload);
    // Only decisions that carry a signature (a field runs before it existed never saw) are verified:
    // histories without one replay unchanged.
    const verified = decision.signature === undefined ? undefined : await this.verifySignature(record, decision, decision.signature);
    if (verified) this.validateDecision(payload); // the call may have been settled (timed out) meanwhile
    if (decision.decision === 'approve' && decision.arguments !== undefined && this.applies(PATCH.validateEditedArguments)) {
      await this.checkEditedArguments(record, editedArgumentsText(decision.arguments));
      this.validateDecision(payload); // the call may have been settled (timed out) meanwhile
    }
    this.decisions.set(decision.toolCallId, decision);
    if (verified) {
      this.verifiedApprovers.set(decision.toolCallId, verified);
      this.usedSignatures.add(verified.signatureId);
    }
    return record;
  }

  /**
   * Checks a signed decision on the worker (a local activity: the trusted keys live there) and then
   * what only the run knows: the signature is new to it, its identity is the approver named, and
   * that identity (or one of its groups) may decide here. Throws an `InvalidDecision` saying why not.
   */
  private async verifySignature(record: ToolCallRecord, decision: ToolCallDecisionPayload, signature: string): Promise<VerifiedApprover> {
    this.deciding.add(record.toolCallId);
    let verification: DecisionVerification;
    try {
      verification = await decisionCheck().verifyDecisionSignature({
        signature,
        content: {
          workflowId: this.workflowId,
          toolCallId: decision.toolCallId,
          decision: decision.decision,
          ...(decision.decision === 'approve' && decision.arguments !== undefined ? { arguments: decision.arguments } : {}),
          ...(decision.decision === 'output' ? { output: decision.output } : {}),
          ...(decision.decision !== 'output' && decision.reason !== undefined ? { reason: decision.reason } : {}),
        },
      });
    } finally {
      this.deciding.delete(record.toolCallId);
    }
    if (!verification.valid) throw invalidDecision(`The signed decision on ${record.name} (${record.toolCallId}) was refused: ${verification.reason}.`);
    const approver = verification.approver;
    if (this.usedSignatures.has(approver.signatureId)) throw invalidDecision(`The signed decision ${approver.signatureId} was used already in this run: a signature decides once.`);
    if (approver.subject !== decision.approver) {
      throw invalidDecision(`The approver "${decision.approver}" is not the signed identity "${approver.subject}": send the decision as ${approver.subject}.`);
    }
    const approvers = this.input.approval.approvers;
    if (approvers && !approvers.includes(approver.subject) && !(approver.groups ?? []).some((group) => approvers.includes(`group:${group}`))) {
      throw invalidDecision(`${approver.subject} (signed by ${approver.issuer}${approver.groups?.length ? `, groups ${approver.groups.join(', ')}` : ''}) may not decide calls of this run.`);
    }
    return approver;
  }

  /**
   * Checks a person's edit against the tool's schema on the worker (a local activity: the schema
   * is a zod object that lives there). A bad edit is rejected to its sender with each wrong field,
   * instead of being accepted and handed to the model as `invalid_arguments`.
   */
  private async checkEditedArguments(record: ToolCallRecord, argumentsText: string): Promise<void> {
    this.deciding.add(record.toolCallId);
    try {
      const check = await this.local.checkToolArguments({ name: record.name, arguments: argumentsText });
      if (!check.valid) {
        const fields = check.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
        throw invalidDecision(`Edited arguments for ${record.name} (${record.toolCallId}) do not match its parameters${fields ? ` (${fields})` : `: ${check.message}`}. Fix them and approve again; the call still waits.`);
      }
    } finally {
      this.deciding.delete(record.toolCallId);
    }
  }

  /** Signals cannot answer their sender: a bad one is logged and kept in the timeline. */
  private async acceptSignal(payload: ToolCallDecisionPayload): Promise<void> {
    try {
      await this.acceptDecision(payload);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log.warn('Rejected a tool call decision signal', { error: message });
      this.note('rejected a decision signal', message);
    }
  }

  // ---- cancellation and the end ----------------------------------------------------------------

  /**
   * A waiting activity cancelled mid-turn reports the turn it had started (its live details): the
   * cleanup cancels that one even when the workflow had not learnt its id yet.
   */
  private learnTurnFromCancellation(error: unknown): void {
    const cause = error instanceof ActivityFailure ? error.cause : undefined;
    const live = cause instanceof CancelledFailure ? (cause.details?.[0] as { runId?: unknown; threadId?: unknown } | undefined) : undefined;
    if (this.runId || typeof live?.runId !== 'string' || !live.runId || (this.threadId && live.threadId !== this.threadId)) return;
    this.runId = live.runId;
    this.note('the cancelled activity had started', live.runId);
  }

  /** Cancels the current run at the provider and waits until it has ended. */
  private async cancelAtProvider(why: string): Promise<RunProgress> {
    // Calls still waiting will never be decided now: they must not count as pending approvals.
    for (const record of this.pending.values()) record.waitingFor = undefined;
    this.setPhase('cancelling', `cancelling the run: ${why}`);
    this.note('cancelling the run at the provider', why);
    if (this.threadId === null) {
      this.setPhase('cancelled');
      return { threadId: '', run: this.emptyRun('cancelled') };
    }
    const progress = await this.provider.cancelRun({ threadId: this.threadId, runId: this.runId, workflowId: this.workflowId, step: this.step, wait: this.wait, bounds: RESULT_BOUNDS });
    if (!progress) {
      this.setPhase('cancelled', 'cancelled before a run was created');
      return { threadId: this.threadId, run: this.emptyRun('cancelled') };
    }
    this.observe(progress);
    this.setPhase('cancelled');
    return progress;
  }

  /**
   * The workflow fails: cancel its provider run first (a run left in `requires_action` would block
   * the thread until it expires), then fail with the root cause (the provider's own error, not
   * "Activity task failed") and say what happened to the run. Non-cancellable: a cancellation
   * request arriving now must not skip the cleanup.
   */
  private async fail(error: unknown): Promise<never> {
    if (!this.applies(PATCH.cleanupOnFailure)) throw error;
    const cause = rootFailure(error);
    let outcome = '';
    if (this.threadId !== null && !NOTHING_LEFT_RUNNING.includes(cause.type) && !(this.runId && this.providerStatus && isTerminalRunStatus(this.providerStatus))) {
      outcome = await CancellationScope.nonCancellable(() => this.cleanUpAfterFailure());
    }
    this.setPhase('failed', `${cause.type}: ${truncateText(cause.message, 300)}${outcome}`);
    this.note('failed', `${cause.type}: ${cause.message}${outcome}`);
    if (error instanceof ApplicationFailure && !outcome) throw error;
    throw ApplicationFailure.create({ type: cause.type, nonRetryable: true, message: `${cause.message}${outcome}`, details: cause.details });
  }

  /** Cancels whatever run the failing workflow may have left active; returns a sentence saying what happened. */
  private async cleanUpAfterFailure(): Promise<string> {
    for (const record of this.pending.values()) record.waitingFor = undefined;
    this.setPhase('cancelling', 'the workflow is failing: cancelling its run at the provider');
    try {
      const progress = await cleanupActivities(this.input).cancelRun({ threadId: this.threadId ?? '', runId: this.runId, workflowId: this.workflowId, step: this.step, wait: this.wait, bounds: RESULT_BOUNDS });
      if (!progress) return ' No run of this workflow was left at the provider.';
      this.observe(progress);
      return ` Its run ${progress.run.id} was cancelled at the provider (now ${progress.run.status}).`;
    } catch (cleanupError) {
      const cleanupCause = rootFailure(cleanupError);
      return ` Cancelling its run${this.runId ? ` ${this.runId}` : ''} at the provider failed too (${cleanupCause.type}: ${cleanupCause.message}); it ends when the provider expires it.`;
    }
  }

  private finish(progress: RunProgress): AgentRunResult {
    const run = progress.run;
    const status = (['completed', 'failed', 'incomplete', 'expired', 'cancelled'].includes(run.status) ? run.status : 'failed') as AgentRunResult['status'];
    if (status === 'expired' && this.input.onExpired === 'fail') {
      throw ApplicationFailure.create({ type: FailureType.RunExpired, nonRetryable: true, message: `Run ${run.id} expired (onExpired: fail).` });
    }
    this.setPhase(status);
    return {
      workflowId: this.workflowId,
      threadId: this.threadId ?? progress.threadId,
      runIds: [...this.runIds],
      status,
      lastError: run.lastError,
      incompleteDetails: run.incompleteReason ? { reason: run.incompleteReason } : null,
      usage: this.usage,
      rounds: this.rounds,
      toolCalls: this.toolCalls.map(stripForQuery),
      messages: this.messages,
    };
  }

  /** Takes in what an activity saw of the run. */
  private observe(progress: RunProgress): void {
    const run = progress.run;
    this.providerTrouble = null; // a provider call succeeded
    if (!run.id) return;
    this.threadId = progress.threadId || this.threadId;
    if (!this.runIds.includes(run.id)) {
      this.runIds.push(run.id);
      this.note(`${turnWord(run.id)} created`, run.id);
    }
    this.runId = run.id;
    if (run.status !== this.providerStatus) this.note(`${turnWord(run.id)} ${run.status}`, run.lastError ? `${run.lastError.code}: ${run.lastError.message}` : undefined);
    this.providerStatus = run.status;
    this.shownProviderStatus = run.status === 'running' ? (run.providerStatus ?? run.status) : run.status;
    this.expiresAt = run.expiresAt;
    if (progress.messages) {
      if (run.usage) {
        this.usage = {
          promptTokens: this.usage.promptTokens + run.usage.promptTokens,
          completionTokens: this.usage.completionTokens + run.usage.completionTokens,
          totalTokens: this.usage.totalTokens + run.usage.totalTokens,
        };
      }
      this.messages = [...this.messages, ...progress.messages].slice(-RESULT_BOUNDS.maxMessages);
      for (const message of progress.messages) this.messageRounds[message.id] ??= this.rounds;
      for (const id of Object.keys(this.messageRounds)) if (!this.messages.some((message) => message.id === id)) delete this.messageRounds[id];
    }
    this.publish();
  }

  private shouldContinueAsNew(): boolean {
    const info = workflowInfo();
    return info.continueAsNewSuggested || (this.input.continueAsNewAfterEvents !== undefined && info.historyLength >= this.input.continueAsNewAfterEvents);
  }

  private async continueAsNew(): Promise<never> {
    this.note('continuing as new', `history has ${workflowInfo().historyLength} events`);
    await condition(allHandlersFinished);
    const carried: CarriedRunState = {
      threadId: this.threadId!,
      runId: this.runId!,
      step: this.step,
      runIds: this.runIds,
      rounds: this.rounds,
      usage: this.usage,
      toolCalls: this.toolCalls,
      messages: this.messages,
      timeline: this.timeline.slice(-50),
      deadlineAt: this.deadlineAt,
      reusableOutputs: this.reusableOutputs,
      continuedAsNew: this.continuedAsNew + 1,
      openingMessages: this.openingMessages,
      messageRounds: this.messageRounds,
    };
    // The conversation exists now: the next execution must not create it or re-add the first
    // messages (the carried state names it; an input that gave `conversation` keeps it).
    const input = { ...this.input, ...(this.input.conversation ? {} : { threadId: this.threadId! }), thread: undefined, additionalMessages: undefined };
    return continueAsNew<typeof agentRunWorkflow>(input, carried);
  }

  // ---- what people see ---------------------------------------------------------------------------

  private state(): AgentRunState {
    const pendingToolCalls = [...this.pending.values()]
      .filter((record) => record.waitingFor !== undefined)
      .map((record) => {
        const decideBy = this.decideBy.get(record.toolCallId);
        return { ...stripForQuery(record), ...(decideBy && (record.waitingFor === 'approval' || record.waitingFor === 'output') ? { decideBy } : {}) };
      });
    const { approvers, requireSignedDecisions, timeout, onTimeout } = this.input.approval;
    const requestedBy = this.input.metadata?.requested_by;
    return {
      workflowId: this.workflowId,
      phase: this.phase,
      assistantId: this.agentLabel,
      threadId: this.threadId,
      runId: this.runId,
      runIds: [...this.runIds],
      providerStatus: this.shownProviderStatus,
      expiresAt: this.expiresAt ? new Date(this.expiresAt * 1000).toISOString() : null,
      rounds: this.rounds,
      pendingToolCalls,
      pendingApprovals: pendingToolCalls.filter((record) => record.waitingFor === 'approval' || record.waitingFor === 'output'),
      usage: this.usage,
      timeline: [...this.timeline],
      providerTrouble: this.providerTrouble,
      approval: { ...(approvers ? { approvers: [...approvers] } : {}), ...(requireSignedDecisions !== undefined ? { requireSignedDecisions } : {}), timeout, onTimeout, onExpired: this.input.onExpired },
      conversation: this.conversation(),
      ...(requestedBy ? { requestedBy } : {}),
    };
  }

  /**
   * The conversation people read before deciding, oldest first: the user messages the run added,
   * then assistant messages and settled calls by the round in which they came (a turn's messages
   * were read after the round before it was answered).
   */
  private conversation(): ConversationEntry[] {
    const ordered: Array<{ order: number; entry: ConversationEntry }> = [];
    for (const message of this.messages) {
      ordered.push({ order: (this.messageRounds[message.id] ?? 0) + 0.5, entry: { kind: 'assistant', runId: message.runId, text: truncateText(message.text, CONVERSATION_BOUNDS.messageChars) } });
    }
    const settled = this.toolCalls.filter((record) => record.waitingFor === undefined && record.decision !== undefined).slice(-CONVERSATION_BOUNDS.settledCalls);
    for (const record of settled) ordered.push({ order: record.round, entry: { kind: 'tool_call', call: stripForQuery(record) } });
    ordered.sort((left, right) => left.order - right.order);
    return [...this.openingMessages, ...ordered.map(({ entry }) => entry)];
  }

  private setPhase(phase: AgentRunPhase, details?: string): void {
    this.phase = phase;
    this.publish(details);
  }

  /** Keeps search attributes (only when they change: each upsert is a history event) and current details. */
  private publish(details?: string): void {
    const pendingApprovals = [...this.pending.values()].filter((record) => record.waitingFor === 'approval' || record.waitingFor === 'output').length;
    setCurrentDetails(this.describeNow(details));
    // Under the names the run started with (its input); none when the deployment keeps none.
    const keys = runSearchAttributeKeys(this.input.searchAttributes);
    if (!keys) return;
    const attributes = [
      { key: keys.status, value: this.phase },
      { key: keys.assistantId, value: this.agentLabel },
      ...(this.threadId ? [{ key: keys.threadId, value: this.threadId }] : []),
      ...(this.runId ? [{ key: keys.runId, value: this.runId }] : []),
      { key: keys.pendingApprovals, value: pendingApprovals },
      // Runs recorded before 0.3 keep the attributes they had (their upserts replay as recorded); a
      // worker that encrypts payloads keeps identities out of search attributes, which are never encrypted.
      ...(this.lastApprover && this.hasEveryPatch && !this.offer.encryptedPayloads ? [{ key: keys.lastApprover, value: this.lastApprover }] : []),
    ];
    const fingerprint = JSON.stringify(attributes.map((attribute) => attribute.value));
    if (fingerprint !== this.lastSearchAttributes) {
      this.lastSearchAttributes = fingerprint;
      upsertSearchAttributes(attributes as Parameters<typeof upsertSearchAttributes>[0]);
    }
  }

  private updateWaitingDetails(): void {
    const waiting = [...this.pending.values()].filter((record) => record.waitingFor === 'approval' || record.waitingFor === 'output');
    if (waiting.length) this.phase = waiting.some((record) => record.waitingFor === 'approval') ? 'waiting_for_approval' : 'waiting_for_output';
    else if ([...this.pending.values()].some((record) => record.waitingFor === 'execution')) this.phase = 'running_tools';
    this.publish();
  }

  /** The Web UI's "current details": what the run waits for, in markdown. */
  private describeNow(extra?: string): string {
    const lines = [`**${this.phase.replace(/_/g, ' ')}**${extra ? `: ${extra}` : ''}`];
    const trouble = this.providerTrouble;
    if (trouble) {
      lines.push(`**provider calls failing, retrying** (${trouble.activity}, attempt ${trouble.attempt}, ${trouble.at}): \`${trouble.type}\`${trouble.status ? ` ${trouble.status}` : ''}: ${truncateText(trouble.message, 300)}`);
    }
    if (this.threadId) lines.push(`${conversationWord(this.threadId)} \`${this.threadId}\`${this.runId ? `, ${turnWord(this.runId)} \`${this.runId}\` (${this.shownProviderStatus ?? '?'})` : ''}`);
    for (const record of this.pending.values()) {
      if (record.waitingFor === 'approval') lines.push(`- waiting for approval: \`${record.name}\` (${record.toolCallId}) ${truncateText(record.arguments, 200)}`);
      else if (record.waitingFor === 'output') lines.push(`- waiting for an outside output: \`${record.name}\` (${record.toolCallId})`);
      else if (record.waitingFor === 'execution') lines.push(`- running \`${record.name}\` (${record.toolCallId})`);
    }
    // The audit trail people see in the Web UI: who decided what, proven or claimed.
    const decided = this.toolCalls.filter((record) => record.decision && 'approver' in record.decision).slice(-10);
    for (const record of decided) {
      const decision = record.decision as Extract<ToolCallDecision, { approver: string }>;
      const verb = decision.type === 'approved' ? 'approved' : decision.type === 'denied' ? 'denied' : 'output supplied';
      const who = decision.verified ? `${decision.verified.subject} (signed, ${decision.verified.issuer})` : `${decision.approver} (unsigned)`;
      lines.push(`- ${verb}: \`${record.name}\` (${record.toolCallId}) by ${who} at ${decision.at}`);
    }
    if (this.expiresAt && this.providerStatus === 'requires_action') lines.push(`run expires at ${new Date(this.expiresAt * 1000).toISOString()} (a later decision continues with a new run)`);
    lines.push(`rounds ${this.rounds}, tokens ${this.usage.totalTokens}`);
    return lines.join('\n');
  }

  private note(event: string, detail?: string): void {
    this.timeline.push({ at: new Date(Date.now()).toISOString(), event, ...(detail ? { detail: truncateText(detail, 300) } : {}) });
    if (this.timeline.length > MAX_TIMELINE) this.timeline.splice(0, this.timeline.length - MAX_TIMELINE);
  }

  /** The turn's options: the input's provider options, with the agent in its protocol-neutral fields. */
  private runOptions(): RunOptions {
    const {
      threadId: _threadId,
      thread: _thread,
      conversation,
      assistantId: _assistantId,
      agent: _agent,
      wait: _wait,
      toolPolicies: _policies,
      unknownTools: _unknown,
      approval: _approval,
      onActiveRun: _active,
      onExpired: _expired,
      maxToolRounds: _rounds,
      deadline: _deadline,
      maxToolOutputChars: _chars,
      continueAsNewAfterEvents: _events,
      providerRetry: _retry,
      ...options
    } = this.input;
    const agent = this.agent;
    const agentOptions: Partial<RunOptions> =
      agent.kind === 'assistant'
        ? { assistantId: agent.assistantId }
        : agent.kind === 'foundry-agent'
          ? { agentName: agent.name, ...(agent.version !== undefined ? { agentVersion: agent.version } : {}) }
          : { model: agent.model, ...(agent.instructions !== undefined ? { instructions: agent.instructions } : {}), ...(agent.tools !== undefined ? { tools: agent.tools } : {}) };
    // A chain continues after the last response this workflow saw, else after the one it was given.
    const chain = this.threadId === '' ? { previousResponseId: this.runId ?? conversation?.previousResponseId } : {};
    return { ...options, ...agentOptions, ...chain };
  }

  private emptyRun(status: string): RunSnapshot {
    return { id: '', threadId: this.threadId ?? '', assistantId: this.agentLabel, status, requiredToolCalls: [], lastError: null, incompleteReason: null, usage: null, createdAt: 0, expiresAt: null, metadata: {} };
  }
}

/** The `toolPolicies` key of an MCP server's tool: `mcp:<server label>/<tool name>`. */
function mcpPolicyKey(call: { name: string; serverLabel?: string }): string {
  return `mcp:${call.serverLabel ?? ''}/${call.name}`;
}

/** The key under which a decided result can answer an identical call of a continuation run. */
function reuseKey(call: { name: string; arguments: string }): string {
  return `${call.name}\u0000${call.arguments}`;
}

/** The JSON error object the model reads as a tool output. */
function toolError(type: string, message: string): string {
  return JSON.stringify({ error: { type, message } });
}

/** Edited arguments as JSON text (a person may send an object or text). */
function editedArgumentsText(value: string | Record<string, unknown>): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A failure's root cause: the innermost failure that has a type (the provider's, or ours). */
interface RootFailure {
  type: string;
  message: string;
  details?: unknown[];
}

function rootFailure(error: unknown): RootFailure {
  let deepest: RootFailure | undefined;
  for (let current: unknown = error; current instanceof Error; current = (current as { cause?: unknown }).cause) {
    if (current instanceof ApplicationFailure && current.type) deepest = { type: current.type, message: current.message, details: current.details as unknown[] | undefined };
    else if (current instanceof TimeoutFailure && !deepest) deepest = { type: 'Timeout', message: current.message };
  }
  return deepest ?? { type: 'WorkflowError', message: error instanceof Error ? error.message : String(error) };
}

function invalidDecision(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: FailureType.InvalidDecision, nonRetryable: true, message });
}

/**
 * The messages a run adds to its conversation, as people read them: a new conversation's first
 * messages (when this run creates it) and `additionalMessages`; text parts only, bounded.
 */
function openingMessagesOf(input: ValidatedAgentRunInput, createsConversation: boolean): ConversationEntry[] {
  const messages = [...(createsConversation ? (input.thread?.messages ?? []) : []), ...(input.additionalMessages ?? [])];
  return messages.slice(0, CONVERSATION_BOUNDS.openingMessages).map((message) => {
    const text =
      typeof message.content === 'string' ? message.content : message.content.map((part) => (part.type === 'text' ? part.text : `[${part.type === 'image_file' ? 'image file' : 'image'}]`)).join('\n');
    const bounded = truncateText(text, CONVERSATION_BOUNDS.messageChars);
    return message.role === 'assistant' ? { kind: 'assistant' as const, text: bounded } : { kind: 'user' as const, text: bounded };
  });
}

/** A record with its output bounded, for queries and the result. */
function stripForQuery(record: ToolCallRecord): ToolCallRecord {
  return { ...record, output: record.output === undefined ? undefined : truncateText(record.output, MAX_RECORDED_OUTPUT_CHARS) };
}
