import { invalidRequest } from './errors';
import { newId, unixSeconds } from './ids';
import { defaultAnswer, messageText, splitIntoChunks, tokens } from './model-text';
import { buildRun, newAssistantMessage } from './object-builders';
import { EMULATOR_SCRIPT_METADATA_KEY, parseScript, type ScriptStep } from './script';
import { isActive, type EmulatorStore, type RunObserver, type RunRecord, type ThreadRecord } from './store';
import type { TimerRegistry } from './timers';
import type {
  AssistantObject,
  MessageObject,
  Metadata,
  ResponseFormat,
  RunErrorCode,
  RunObject,
  RunStepObject,
  StepDetails,
  ToolChoice,
  ToolDefinition,
  TruncationStrategy,
  Usage,
} from './wire-types';

/** Timing knobs of the status machine. */
export interface RunEngineOptions {
  /** Time a run (or a resumed run) spends `queued` before `in_progress`. */
  queuedDelayMs: number;
  /** Default time each scripted model step spends `in_progress` before it acts. */
  stepDelayMs: number;
  /** Lifetime of an active run: `expires_at = created_at + runExpirySeconds`. */
  runExpirySeconds: number;
  /** Told every status a run takes (the ledger follows them). */
  onStatus?: (run: RunObject) => void;
}

/** The per-run overrides a create-run request may carry. */
export interface RunOverrides {
  model?: string | null;
  instructions?: string | null;
  additional_instructions?: string | null;
  tools?: ToolDefinition[] | null;
  metadata?: Metadata | null;
  temperature?: number | null;
  top_p?: number | null;
  max_prompt_tokens?: number | null;
  max_completion_tokens?: number | null;
  truncation_strategy?: TruncationStrategy | null;
  tool_choice?: ToolChoice | null;
  parallel_tool_calls?: boolean;
  response_format?: ResponseFormat | null;
}

/** One tool output of a submit request. */
export interface ToolOutputInput {
  tool_call_id: string;
  output: string;
}

/** Number of `thread.message.delta` events an answer is split into (at most). */
const MESSAGE_DELTA_CHUNKS = 4;

/** Run events that end an open stream: the client must act (submit outputs) or the run is over. */
const STREAM_ENDING_EVENTS: ReadonlySet<string> = new Set([
  'thread.run.requires_action',
  'thread.run.completed',
  'thread.run.incomplete',
  'thread.run.failed',
  'thread.run.cancelled',
  'thread.run.expired',
]);

/** Whether this event ends the stream that carries it (the service then sends `done`). */
export function isStreamEndingEvent(event: string): boolean {
  return STREAM_ENDING_EVENTS.has(event);
}

/**
 * The run status machine: queued -> in_progress -> (requires_action | completed | failed |
 * incomplete); cancel -> cancelling -> cancelled; any active run past its deadline -> expired.
 * Transitions are driven by timers, not by polling, so expiry and progress happen even when
 * nobody is looking (a client that polls rarely must still see a run expire on time).
 */
export class RunEngine {
  constructor(
    private readonly store: EmulatorStore,
    private readonly timers: TimerRegistry,
    private readonly options: RunEngineOptions,
  ) {}

  /**
   * Creates a run on a thread and starts its clock. The observer (an opening stream) is attached
   * before the first event so it sees `thread.run.created`.
   */
  createRun(thread: ThreadRecord, assistant: AssistantObject, overrides: RunOverrides, observer?: RunObserver): RunRecord {
    const nowMs = Date.now();
    const run = buildRun(thread, assistant, overrides, nowMs, this.options.runExpirySeconds);
    // The run's own script wins over the assistant's, so one assistant can serve many scenarios.
    const scriptSource = run.metadata[EMULATOR_SCRIPT_METADATA_KEY] ?? assistant.metadata[EMULATOR_SCRIPT_METADATA_KEY];
    const record: RunRecord = {
      run,
      steps: [],
      script: scriptSource === undefined ? undefined : parseScript(scriptSource),
      nextStepIndex: 0,
      deadlineMs: nowMs + this.options.runExpirySeconds * 1000,
      pendingToolCalls: [],
      toolStep: undefined,
      toolStepUsage: undefined,
      submittedOutputs: [],
      promptTokens: 0,
      completionTokens: 0,
      observers: new Set(observer === undefined ? [] : [observer]),
      stepTimer: undefined,
      expiryTimer: undefined,
    };
    this.store.runs.set(run.id, record);
    thread.runs.push(record);
    this.emit(record, 'thread.run.created', run);
    this.emit(record, 'thread.run.queued', run);
    record.expiryTimer = this.timers.schedule(record.deadlineMs - nowMs, () => this.expire(record));
    record.stepTimer = this.timers.schedule(this.options.queuedDelayMs, () => this.start(record));
    return record;
  }

  /**
   * Expires the run if its deadline has passed. Timers do this on their own; reads call it too so a
   * response never shows an active run past its deadline (timers may fire a few ms late).
   */
  refresh(record: RunRecord): void {
    if (isActive(record.run.status) && Date.now() >= record.deadlineMs) {
      this.expire(record);
    }
  }

  /**
   * Accepts the outputs of the current `requires_action` round, all in one request as the service
   * demands, and resumes the run (`queued` again, then `in_progress`).
   */
  submitToolOutputs(record: RunRecord, outputs: readonly ToolOutputInput[], observer?: RunObserver): RunObject {
    this.refresh(record);
    const run = record.run;
    if (run.status !== 'requires_action') {
      throw invalidRequest(`Runs in status "${run.status}" do not accept tool outputs.`);
    }
    checkToolOutputs(record, outputs);
    if (observer !== undefined) record.observers.add(observer);

    const now = unixSeconds();
    const toolStep = record.toolStep;
    for (const output of outputs) {
      const call = record.pendingToolCalls.find((pending) => pending.id === output.tool_call_id);
      record.submittedOutputs.push({ toolCallId: output.tool_call_id, name: call?.name ?? '', output: output.output });
      if (toolStep?.step_details.type === 'tool_calls') {
        const stepCall = toolStep.step_details.tool_calls.find((candidate) => candidate.id === output.tool_call_id);
        if (stepCall !== undefined) stepCall.function.output = output.output;
      }
    }
    if (toolStep !== undefined) {
      toolStep.status = 'completed';
      toolStep.completed_at = now;
      toolStep.usage = record.toolStepUsage ?? null;
      this.emit(record, 'thread.run.step.completed', toolStep);
    }
    record.pendingToolCalls = [];
    record.toolStep = undefined;
    record.toolStepUsage = undefined;
    run.status = 'queued';
    run.required_action = null;
    this.emit(record, 'thread.run.queued', run);
    record.stepTimer = this.timers.schedule(this.options.queuedDelayMs, () => this.start(record));
    return run;
  }

  /** Starts cancelling: `cancelling` now, `cancelled` a moment later (as the service does). */
  cancel(record: RunRecord): RunObject {
    this.refresh(record);
    const run = record.run;
    if (run.status !== 'queued' && run.status !== 'in_progress' && run.status !== 'requires_action') {
      throw invalidRequest(`Cannot cancel run with status '${run.status}'.`);
    }
    this.timers.cancel(record.stepTimer);
    run.status = 'cancelling';
    this.emit(record, 'thread.run.cancelling', run);
    record.stepTimer = this.timers.schedule(this.options.queuedDelayMs, () => this.finishCancel(record));
    return run;
  }

  /** Stops the clocks of every run of a thread that is being deleted. */
  forgetThread(thread: ThreadRecord): void {
    for (const record of thread.runs) {
      this.stopClocks(record);
      record.observers.clear();
      this.store.runs.delete(record.run.id);
    }
  }

  private start(record: RunRecord): void {
    record.stepTimer = undefined;
    const run = record.run;
    if (run.status !== 'queued') return;
    run.status = 'in_progress';
    run.started_at ??= unixSeconds();
    this.emit(record, 'thread.run.in_progress', run);
    record.stepTimer = this.timers.schedule(this.nextStepDelay(record), () => this.act(record));
  }

  /** How long the model "thinks" before the next step: the step's delay, else the script's, else the default. */
  private nextStepDelay(record: RunRecord): number {
    const script = record.script;
    if (script === undefined || !script.ok) return this.options.stepDelayMs;
    return script.steps[record.nextStepIndex]?.delayMs ?? script.delayMs ?? this.options.stepDelayMs;
  }

  /** The model acts: the next script step, or a default answer once the script has run out. */
  private act(record: RunRecord): void {
    record.stepTimer = undefined;
    if (record.run.status !== 'in_progress') return;
    const script = record.script;
    if (script !== undefined && !script.ok) {
      this.endWithFailure(record, 'invalid_prompt', script.problem);
      return;
    }
    const step: ScriptStep = script?.steps[record.nextStepIndex] ?? { kind: 'answer', text: defaultAnswer(this.thread(record)) };
    record.nextStepIndex += 1;
    switch (step.kind) {
      case 'tools':
        this.requireAction(record, step.calls);
        return;
      case 'answer':
        this.answer(record, step.text);
        return;
      case 'fail':
        this.charge(record, 0);
        this.endWithFailure(record, step.code, step.message);
        return;
      case 'incomplete':
        if (step.reason === 'content_filter') {
          // Runs have no such reason: the script was written for responses.
          this.endWithFailure(record, 'invalid_prompt', 'emulator_script: "incomplete": "content_filter" is for responses only.');
          return;
        }
        this.charge(record, 0);
        this.endIncomplete(record, step.reason === 'max_output_tokens' ? 'max_completion_tokens' : step.reason);
        return;
      case 'mcp_approval':
        // Runs have no MCP approval requests: the script was written for responses.
        this.endWithFailure(record, 'invalid_prompt', 'emulator_script: "mcp_approval" steps are for responses only.');
        return;
    }
  }

  /** A tool round: a `tool_calls` step, then `requires_action` until the outputs come (or the run expires). */
  private requireAction(record: RunRecord, calls: ReadonlyArray<{ name: string; arguments: string }>): void {
    const run = record.run;
    const pending = calls.map((call) => ({ id: newId('call'), name: call.name, arguments: call.arguments }));
    // The step is announced empty and filled by a delta, as the service streams it: a client that
    // accumulates deltas onto the created snapshot must end up with each call exactly once.
    const step = this.newStep(record, { type: 'tool_calls', tool_calls: [] });
    this.emit(record, 'thread.run.step.created', step);
    this.emit(record, 'thread.run.step.in_progress', step);
    const toolCalls = pending.map((call) => ({
      id: call.id,
      type: 'function' as const,
      function: { name: call.name, arguments: call.arguments, output: null },
    }));
    step.step_details = { type: 'tool_calls', tool_calls: toolCalls };
    this.emit(record, 'thread.run.step.delta', {
      id: step.id,
      object: 'thread.run.step.delta',
      delta: {
        step_details: { type: 'tool_calls', tool_calls: toolCalls.map((call, index) => ({ index, ...call })) },
      },
    });
    record.toolStepUsage = this.charge(record, tokens(pending.map((call) => call.name + call.arguments).join('')));
    record.pendingToolCalls = pending;
    record.toolStep = step;
    run.status = 'requires_action';
    run.required_action = {
      type: 'submit_tool_outputs',
      submit_tool_outputs: {
        tool_calls: pending.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } })),
      },
    };
    this.emit(record, 'thread.run.requires_action', run);
  }

  /**
   * The final answer: a `message_creation` step and an assistant message. The text ends with one line
   * per submitted tool output so a test can see exactly which outputs reached the "provider".
   */
  private answer(record: RunRecord, text: string): void {
    const run = record.run;
    const thread = this.thread(record);
    const fullText =
      text +
      record.submittedOutputs.map((output) => `\n[tool_output call_id=${output.toolCallId} name=${output.name}] ${output.output}`).join('');
    const message = newAssistantMessage(run);
    const step = this.newStep(record, { type: 'message_creation', message_creation: { message_id: message.id } });
    this.emit(record, 'thread.run.step.created', step);
    this.emit(record, 'thread.run.step.in_progress', step);
    thread.messages.push(message);
    this.writeMessage(record, message, fullText);
    step.usage = this.charge(record, tokens(fullText));
    step.status = 'completed';
    step.completed_at = unixSeconds();
    this.emit(record, 'thread.run.step.completed', step);
    run.status = 'completed';
    run.completed_at = step.completed_at;
    this.endRun(record, 'thread.run.completed');
  }

  /** Writes the message as the service streams it: created empty, filled by deltas, then completed. */
  private writeMessage(record: RunRecord, message: MessageObject, text: string): void {
    this.emit(record, 'thread.message.created', message);
    this.emit(record, 'thread.message.in_progress', message);
    for (const chunk of splitIntoChunks(text, MESSAGE_DELTA_CHUNKS)) {
      this.emit(record, 'thread.message.delta', {
        id: message.id,
        object: 'thread.message.delta',
        delta: { content: [{ index: 0, type: 'text', text: { value: chunk, annotations: [] } }] },
      });
    }
    message.content = [{ type: 'text', text: { value: text, annotations: [] } }];
    message.status = 'completed';
    message.completed_at = unixSeconds();
    this.emit(record, 'thread.message.completed', message);
  }

  private endWithFailure(record: RunRecord, code: RunErrorCode, message: string): void {
    const run = record.run;
    run.status = 'failed';
    run.failed_at = unixSeconds();
    run.last_error = { code, message };
    this.endRun(record, 'thread.run.failed');
  }

  private endIncomplete(record: RunRecord, reason: 'max_completion_tokens' | 'max_prompt_tokens'): void {
    const run = record.run;
    run.status = 'incomplete';
    run.incomplete_details = { reason };
    this.endRun(record, 'thread.run.incomplete');
  }

  private finishCancel(record: RunRecord): void {
    record.stepTimer = undefined;
    const run = record.run;
    if (run.status !== 'cancelling') return;
    const now = unixSeconds();
    this.closeOpenSteps(record, 'cancelled', now);
    run.status = 'cancelled';
    run.cancelled_at = now;
    run.required_action = null;
    this.endRun(record, 'thread.run.cancelled');
  }

  private expire(record: RunRecord): void {
    const run = record.run;
    if (!isActive(run.status)) return;
    this.closeOpenSteps(record, 'expired', unixSeconds());
    run.status = 'expired';
    run.required_action = null;
    // An expired run keeps its `expires_at`: it is the reason the run ended.
    this.endRun(record, 'thread.run.expired', { keepExpiresAt: true });
  }

  /** Steps still `in_progress` when the run ends share its fate. */
  private closeOpenSteps(record: RunRecord, status: 'cancelled' | 'expired', now: number): void {
    for (const step of record.steps) {
      if (step.status !== 'in_progress') continue;
      step.status = status;
      if (status === 'cancelled') step.cancelled_at = now;
      else step.expired_at = now;
      step.usage = step === record.toolStep ? (record.toolStepUsage ?? null) : step.usage;
      this.emit(record, `thread.run.step.${status}`, step);
    }
    record.pendingToolCalls = [];
    record.toolStep = undefined;
  }

  /** Terminal bookkeeping shared by every ending: usage, no expiry any more, clocks stopped. */
  private endRun(record: RunRecord, event: string, options: { keepExpiresAt?: boolean } = {}): void {
    const run = record.run;
    if (options.keepExpiresAt !== true) run.expires_at = null;
    run.usage = {
      prompt_tokens: record.promptTokens,
      completion_tokens: record.completionTokens,
      total_tokens: record.promptTokens + record.completionTokens,
    };
    this.stopClocks(record);
    this.emit(record, event, run);
  }

  private stopClocks(record: RunRecord): void {
    this.timers.cancel(record.stepTimer);
    this.timers.cancel(record.expiryTimer);
    record.stepTimer = undefined;
    record.expiryTimer = undefined;
  }

  /**
   * Charges one model turn: the prompt is the whole context (instructions, thread messages, outputs
   * so far), the completion is what the model wrote. Deterministic, from text lengths.
   */
  private charge(record: RunRecord, completionTokens: number): Usage {
    const promptTokens = this.contextTokens(record);
    record.promptTokens += promptTokens;
    record.completionTokens += completionTokens;
    return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
  }

  private contextTokens(record: RunRecord): number {
    const thread = this.thread(record);
    const context =
      record.run.instructions +
      thread.messages.map(messageText).join('') +
      record.submittedOutputs.map((output) => output.output).join('');
    return Math.max(1, tokens(context));
  }

  private newStep(record: RunRecord, details: StepDetails): RunStepObject {
    const step: RunStepObject = {
      id: newId('step'),
      object: 'thread.run.step',
      created_at: unixSeconds(),
      assistant_id: record.run.assistant_id,
      thread_id: record.run.thread_id,
      run_id: record.run.id,
      type: details.type,
      status: 'in_progress',
      step_details: details,
      last_error: null,
      expired_at: null,
      cancelled_at: null,
      failed_at: null,
      completed_at: null,
      metadata: {},
      usage: null,
    };
    record.steps.push(step);
    return step;
  }

  private thread(record: RunRecord): ThreadRecord {
    return this.store.thread(record.run.thread_id);
  }

  /**
   * Sends an event to the run's observers as a snapshot (the wire objects keep changing). After an
   * event that ends a stream the observers are dropped: each stream covers one leg of the run.
   */
  private emit(record: RunRecord, event: string, data: unknown): void {
    if (event.startsWith('thread.run.') && !event.startsWith('thread.run.step.')) this.options.onStatus?.(record.run);
    if (record.observers.size === 0) return;
    const snapshot = structuredClone(data);
    for (const observer of [...record.observers]) {
      observer({ event, data: snapshot });
    }
    if (STREAM_ENDING_EVENTS.has(event)) {
      record.observers.clear();
    }
  }
}

/** Checks a submission against the pending calls: every call answered once, nothing unknown. */
function checkToolOutputs(record: RunRecord, outputs: readonly ToolOutputInput[]): void {
  const pendingIds = record.pendingToolCalls.map((call) => call.id);
  const seen = new Set<string>();
  outputs.forEach((output, index) => {
    if (!pendingIds.includes(output.tool_call_id)) {
      throw invalidRequest(
        `Invalid 'tool_outputs[${index}].tool_call_id': no pending tool call with id '${output.tool_call_id}' on run ${record.run.id}.`,
        `tool_outputs[${index}].tool_call_id`,
        'invalid_value',
      );
    }
    if (seen.has(output.tool_call_id)) {
      throw invalidRequest(
        `Duplicate tool output for tool call '${output.tool_call_id}'.`,
        `tool_outputs[${index}].tool_call_id`,
        'invalid_value',
      );
    }
    seen.add(output.tool_call_id);
  });
  const missing = pendingIds.filter((id) => !seen.has(id));
  if (missing.length > 0) {
    throw invalidRequest(
      `Missing tool output for tool_call_id '${missing[0]}'. Expected tool outputs for call_ids ` +
        `[${pendingIds.map((id) => `'${id}'`).join(', ')}], got [${[...seen].map((id) => `'${id}'`).join(', ')}].`,
      'tool_outputs',
      null,
    );
  }
}

