import type { Dialect } from './dialects';
import { conversationLocked, invalidRequest } from './errors';
import { newHexId, newId, unixSeconds } from './ids';
import type { Ledger } from './ledger';
import { splitIntoChunks, tokens } from './model-text';
import type { CreateResponseBody } from './response-request-schemas';
import { defaultResponseAnswer, itemText, outputAsText, outputMessage, outputText, storeInputItems, textInput } from './response-items';
import type { ResponseObserver } from './response-stream';
import type {
  AgentVersionObject,
  ConversationRecord,
  McpApprovalRecord,
  ResponseRecord,
  ResponseStore,
  ScriptCursor,
} from './response-store';
import type {
  AgentReference,
  FunctionCallItem,
  McpCallItem,
  OutputItem,
  ResponseErrorCode,
  ResponseIncompleteReason,
  ResponseItem,
  ResponseObject,
  ResponseStatus,
  ResponseStreamEventData,
} from './response-wire-types';
import { TERMINAL_RESPONSE_STATUSES } from './response-wire-types';
import { EMULATOR_SCRIPT_METADATA_KEY, parseScript, type IncompleteReason, type ScriptStep } from './script';
import type { TimerRegistry } from './timers';
import type { Metadata } from './wire-types';

/** Timing and retention knobs of the Responses status machine. */
export interface ResponseEngineOptions {
  /** Time a background response spends `queued` before `in_progress`. */
  queuedDelayMs: number;
  /** Default time the scripted model takes before it acts. */
  stepDelayMs: number;
  /** How long a background response created without `store: true` can be read. */
  unstoredRetentionSeconds: number;
  /** Foundry only: how long after a response's creation its function calls accept outputs. */
  responseToolExpirySeconds: number;
}

/** A create-response request, after validation and after the Foundry agent (if any) was found. */
export interface CreateResponseRequest {
  dialect: Dialect;
  body: CreateResponseBody;
  /** The Foundry agent version the request references. */
  agent?: { reference: AgentReference; version: AgentVersionObject };
  /** An opening stream, attached before the first event. */
  observer?: ResponseObserver;
}

/** Number of `response.output_text.delta` events an answer is split into (at most). */
const TEXT_DELTA_CHUNKS = 4;

/**
 * The Responses status machine: `queued` (background only) -> `in_progress` -> `completed` |
 * `failed` | `incomplete`, or `cancelled` (background only, by request). Each response performs ONE
 * step of its script; the step cursor carries on across `previous_response_id` and across a
 * conversation while the script text stays the same. Every event is logged with its
 * `sequence_number`, so a background stream can be resumed from any point. Transitions run on
 * timers, so a background response progresses whether or not anyone polls or streams.
 */
export class ResponseEngine {
  /** Called once when a response ends in any way (webhooks). */
  onEnded: ((record: ResponseRecord) => void) | undefined;

  constructor(
    private readonly store: ResponseStore,
    private readonly timers: TimerRegistry,
    private readonly ledger: Ledger,
    private readonly options: ResponseEngineOptions,
  ) {}

  /**
   * Creates a response and starts its clock. Everything the service refuses with a 400 (exclusive
   * parameters, a busy conversation, outputs for unknown calls, missing outputs, expired calls) is
   * checked before anything is stored.
   */
  create(request: CreateResponseRequest): ResponseRecord {
    const { body, agent } = request;
    const nowMs = Date.now();
    if (body.previous_response_id != null && body.conversation != null) {
      // The spec says the two "cannot be used in conjunction"; the wording is the emulator's.
      throw invalidRequest(
        "Mutually exclusive parameters: Ensure you are only providing one of: 'previous_response_id' or 'conversation'.",
        'previous_response_id',
        'mutually_exclusive_parameters',
      );
    }
    const previous = body.previous_response_id == null ? undefined : this.store.previousResponse(body.previous_response_id, nowMs);
    if (previous !== undefined && !TERMINAL_RESPONSE_STATUSES.has(previous.response.status)) {
      // The model has nothing to continue from yet (the emulator's wording).
      throw invalidRequest(
        `Previous response with id '${previous.response.id}' is still ${previous.response.status}. Wait for it to finish before continuing from it.`,
        'previous_response_id',
        null,
      );
    }
    const conversationId = body.conversation == null ? undefined : typeof body.conversation === 'string' ? body.conversation : body.conversation.id;
    const conversation = conversationId === undefined ? undefined : this.store.conversation(conversationId);
    if (conversation?.active !== undefined) throw conversationLocked();
    const model = body.model ?? agent?.version.definition.model;
    if (model === undefined) {
      throw invalidRequest("Missing required parameter: 'model'.", 'model', 'missing_required_parameter');
    }

    const inputItems = body.input === undefined ? [] : typeof body.input === 'string' ? textInput(body.input) : storeInputItems(body.input, this.store, 'input');
    const context = contextItems(previous, conversation);
    const answers = this.checkFollowUp(request.dialect, inputItems, context, nowMs);

    const background = body.background === true;
    const metadata: Metadata = { ...(body.metadata ?? {}) };
    const response: ResponseObject = {
      id: newHexId('resp'),
      object: 'response',
      created_at: unixSeconds(nowMs),
      status: background ? 'queued' : 'in_progress',
      background,
      completed_at: null,
      error: null,
      incomplete_details: null,
      instructions: body.instructions ?? agent?.version.definition.instructions ?? null,
      max_output_tokens: body.max_output_tokens ?? null,
      max_tool_calls: body.max_tool_calls ?? null,
      model,
      output: [],
      parallel_tool_calls: body.parallel_tool_calls ?? true,
      previous_response_id: previous?.response.id ?? null,
      reasoning: (body.reasoning as Record<string, unknown> | null | undefined) ?? null,
      store: body.store ?? true,
      temperature: body.temperature ?? 1,
      text: (body.text as Record<string, unknown> | undefined) ?? { format: { type: 'text' }, verbosity: 'medium' },
      tool_choice: body.tool_choice ?? 'auto',
      tools: echoTools(body.tools ?? (agent?.version.definition.tools as unknown[] | null | undefined) ?? []),
      top_logprobs: body.top_logprobs ?? 0,
      top_p: body.top_p ?? 1,
      truncation: body.truncation ?? 'disabled',
      metadata,
      conversation: conversation === undefined ? null : { id: conversation.conversation.id },
      service_tier: 'default',
    };
    if (body.user !== undefined) response.user = body.user;
    if (typeof body.safety_identifier === 'string') response.safety_identifier = body.safety_identifier;
    if (typeof body.prompt_cache_key === 'string') response.prompt_cache_key = body.prompt_cache_key;
    if (agent !== undefined) response.agent_reference = { type: 'agent_reference', name: agent.version.name, version: agent.version.version };

    const record: ResponseRecord = {
      response,
      dialect: request.dialect,
      createdMs: nowMs,
      inputItems,
      previous,
      conversation,
      script: resolveScript(body.metadata?.[EMULATOR_SCRIPT_METADATA_KEY], agent?.version.metadata[EMULATOR_SCRIPT_METADATA_KEY], previous, conversation),
      acted: false,
      deliveredOutputs: answers.outputs,
      approvedCalls: answers.approved,
      events: [],
      observers: new Set(request.observer === undefined ? [] : [request.observer]),
      timer: undefined,
      // Background responses are kept about 10 minutes unless `store: true` was set explicitly.
      retainUntilMs: background && body.store !== true ? nowMs + this.options.unstoredRetentionSeconds * 1000 : undefined,
      unstored: !background && body.store === false,
      gone: false,
      endListeners: [],
    };
    this.store.responses.set(response.id, record);
    for (const item of inputItems) this.store.rememberItem(item);
    if (conversation !== undefined) conversation.active = record;
    this.recordCreation(record, body, agent);

    this.emit(record, 'response.created', { response: snapshot(response) });
    if (background) {
      this.emit(record, 'response.queued', { response: snapshot(response) });
      // A script's `queued_ms` keeps the response queued that long (a response stuck in `queued`).
      const queuedMs = record.script?.parsed.ok === true ? record.script.parsed.queuedMs : undefined;
      record.timer = this.timers.schedule(queuedMs ?? this.options.queuedDelayMs, () => this.start(record));
    } else {
      this.start(record);
    }
    return record;
  }

  /**
   * Cancels a background response: `cancelled` at once if it is still running (its open streams
   * close), unchanged if it was cancelled already; the service's 400 otherwise.
   */
  cancel(record: ResponseRecord): ResponseObject {
    const response = record.response;
    if (!response.background) {
      // The wording OpenAI-compatible servers use for this case (the service's own was not found).
      throw invalidRequest('Cannot cancel a synchronous response.');
    }
    if (response.status === 'cancelled') return response;
    if (TERMINAL_RESPONSE_STATUSES.has(response.status)) {
      // "Cannot cancel a completed response." was seen from the service; other statuses follow it.
      throw invalidRequest(`Cannot cancel a ${response.status} response.`);
    }
    this.end(record, 'cancelled');
    return response;
  }

  /**
   * Deletes a response: it can no longer be read; a running one stops (and releases its
   * conversation), and a request still waiting for it (a foreground create) answers with it as it was.
   */
  delete(record: ResponseRecord): void {
    record.gone = true;
    this.timers.cancel(record.timer);
    record.timer = undefined;
    if (!TERMINAL_RESPONSE_STATUSES.has(record.response.status)) this.abandon(record);
  }

  /** Resolves once the response has ended (at once if it has). */
  whenEnded(record: ResponseRecord): Promise<void> {
    if (TERMINAL_RESPONSE_STATUSES.has(record.response.status) || record.gone) return Promise.resolve();
    return new Promise((resolve) => record.endListeners.push(resolve));
  }

  /**
   * Attaches a stream to a response: the events after `startingAfter` are replayed at once, then the
   * live ones follow until the response ends. A response that has ended just replays.
   */
  attach(record: ResponseRecord, observer: ResponseObserver, startingAfter: number): void {
    for (const event of record.events) {
      if (event.sequence_number > startingAfter) observer.event(event);
    }
    if (TERMINAL_RESPONSE_STATUSES.has(record.response.status) || record.gone) {
      observer.end();
      return;
    }
    record.observers.add(observer);
  }

  /**
   * Stops every response's clock, closes their streams and lets waiting requests answer (the
   * emulator is being reset or closed).
   */
  forgetAll(): void {
    for (const record of this.store.responses.values()) {
      this.timers.cancel(record.timer);
      record.timer = undefined;
      this.abandon(record);
    }
  }

  /** A response that will never end: its conversation is free, its streams close, its waiters answer. */
  private abandon(record: ResponseRecord): void {
    if (record.conversation?.active === record) record.conversation.active = undefined;
    this.closeObservers(record);
    for (const listener of record.endListeners.splice(0)) listener();
  }

  /**
   * Checks the function outputs and MCP decisions of a follow-up against what the model asked for
   * in the context (the `previous_response_id` chain or the conversation) and in the input itself:
   * every output answers a known call, every open call is answered (the service's wording), and on
   * Foundry's prefix no output comes after its response's expiry (the emulator's wording).
   */
  private checkFollowUp(
    dialect: Dialect,
    inputItems: readonly ResponseItem[],
    context: readonly ResponseItem[],
    nowMs: number,
  ): { outputs: ResponseRecord['deliveredOutputs']; approved: McpApprovalRecord[] } {
    const calls = new Map<string, FunctionCallItem>();
    const answered = new Set<string>();
    const approvalRequests = new Set<string>();
    for (const item of [...context, ...inputItems]) {
      if (item.type === 'function_call') calls.set(item.call_id, item);
      if (item.type === 'mcp_approval_request') approvalRequests.add(item.id);
    }
    for (const item of context) {
      if (item.type === 'function_call_output') answered.add(item.call_id);
    }
    const outputs: ResponseRecord['deliveredOutputs'] = [];
    const approved: McpApprovalRecord[] = [];
    inputItems.forEach((item, index) => {
      if (item.type === 'function_call_output') {
        const call = calls.get(item.call_id);
        if (call === undefined) {
          throw invalidRequest(`No tool call found for function call output with call_id ${item.call_id}.`, 'input', null);
        }
        this.checkNotExpired(dialect, item.call_id, index, nowMs);
        answered.add(item.call_id);
        outputs.push({ callId: item.call_id, name: call.name, output: outputAsText(item.output) });
      }
      if (item.type === 'mcp_approval_response') {
        if (!approvalRequests.has(item.approval_request_id)) {
          // Modelled on the service's wording for an unknown function call (the MCP one was not found).
          throw invalidRequest(
            `No approval request found for mcp_approval_response with approval_request_id ${item.approval_request_id}.`,
            'input',
            null,
          );
        }
        const request = this.store.approvals.get(item.approval_request_id);
        if (item.approve && request !== undefined) approved.push(request);
      }
    });
    for (const callId of calls.keys()) {
      // An expired call (Foundry v2) needs no output any more: like an expired run's, the
      // conversation goes on without it (the emulator's rule: the service's is undocumented).
      if (!answered.has(callId) && !this.isExpired(dialect, callId, nowMs)) throw invalidRequest(`No tool output found for function call ${callId}.`, 'input', null);
    }
    return { outputs, approved };
  }

  /** Foundry v2: whether a call's response is older than the expiry. */
  private isExpired(dialect: Dialect, callId: string, nowMs: number): boolean {
    if (dialect !== 'foundry-openai-v1') return false;
    const call = this.store.functionCalls.get(callId);
    return call !== undefined && nowMs - call.response.createdMs >= this.options.responseToolExpirySeconds * 1000;
  }

  /** Foundry v2: "Runs expire 10 minutes after creation. Submit your tool outputs before they expire." */
  private checkNotExpired(dialect: Dialect, callId: string, index: number, nowMs: number): void {
    const call = this.store.functionCalls.get(callId);
    if (call === undefined) return;
    if (this.isExpired(dialect, callId, nowMs)) {
      throw invalidRequest(
        `Response ${call.response.response.id} expired ${this.options.responseToolExpirySeconds} seconds after its creation: ` +
          `tool outputs are no longer accepted for call_id '${callId}'. Submit your tool outputs before they expire.`,
        `input[${index}]`,
        'tool_outputs_expired',
      );
    }
  }

  private recordCreation(record: ResponseRecord, body: CreateResponseBody, agent: CreateResponseRequest['agent']): void {
    const response = record.response;
    this.ledger.recordResponseCreated({
      id: response.id,
      dialect: record.dialect,
      metadata: response.metadata,
      background: response.background,
      store: body.store ?? null,
      conversation: response.conversation?.id ?? null,
      previous_response_id: response.previous_response_id,
      agent: agent === undefined ? null : { name: agent.version.name, version: agent.version.version },
      status: response.status,
      created_at: response.created_at,
      status_changed_at_ms: Date.now(),
    });
    for (const item of record.inputItems) {
      if (item.type === 'function_call_output') {
        this.ledger.recordFunctionCallOutput({
          response_id: response.id,
          call_id: item.call_id,
          output: outputAsText(item.output),
          previous_response_id: response.previous_response_id,
          conversation: response.conversation?.id ?? null,
        });
      }
      if (item.type === 'mcp_approval_response') {
        this.ledger.recordMcpApprovalResponse({
          response_id: response.id,
          approval_request_id: item.approval_request_id,
          approve: item.approve,
          reason: item.reason ?? null,
        });
      }
    }
  }

  /** `queued` -> `in_progress`, then the model "thinks" for the step's delay. */
  private start(record: ResponseRecord): void {
    record.timer = undefined;
    const response = record.response;
    if (response.status !== 'queued' && response.status !== 'in_progress') return;
    this.setStatus(record, 'in_progress');
    this.emit(record, 'response.in_progress', { response: snapshot(response) });
    record.timer = this.timers.schedule(this.stepDelay(record), () => this.act(record));
  }

  private stepDelay(record: ResponseRecord): number {
    const script = record.script;
    if (script === undefined || !script.parsed.ok) return this.options.stepDelayMs;
    return script.parsed.steps[script.index]?.delayMs ?? script.parsed.delayMs ?? this.options.stepDelayMs;
  }

  /** The model performs ONE step: approved MCP calls first, then the script's step (or a default answer). */
  private act(record: ResponseRecord): void {
    record.timer = undefined;
    if (record.response.status !== 'in_progress') return;
    record.acted = true;
    const script = record.script;
    if (record.conversation !== undefined && script !== undefined) {
      record.conversation.script = { ...script, index: script.index + 1 };
    }
    for (const approval of record.approvedCalls) this.mcpCall(record, approval);
    if (script !== undefined && !script.parsed.ok) {
      this.fail(record, 'invalid_prompt', script.parsed.problem);
      return;
    }
    const step: ScriptStep = (script?.parsed.ok === true ? script.parsed.steps[script.index] : undefined) ?? {
      kind: 'answer',
      text: defaultResponseAnswer([...contextItems(record.previous, record.conversation), ...record.inputItems]),
    };
    switch (step.kind) {
      case 'tools':
        for (const call of step.calls) this.functionCall(record, call.name, call.arguments);
        this.end(record, 'completed');
        return;
      case 'mcp_approval':
        this.approvalRequest(record, step);
        this.end(record, 'completed');
        return;
      case 'answer':
        this.answer(record, step.text);
        this.end(record, 'completed');
        return;
      case 'fail':
        this.fail(record, step.code, step.message);
        return;
      case 'incomplete':
        record.response.incomplete_details = { reason: incompleteReason(step.reason) };
        this.end(record, 'incomplete');
        return;
    }
  }

  /** A function call item, streamed as the service streams one: added empty, arguments, done. */
  private functionCall(record: ResponseRecord, name: string, argumentsText: string): void {
    const item: FunctionCallItem = { type: 'function_call', id: newHexId('fc'), call_id: newId('call'), name, arguments: '', status: 'in_progress' };
    const outputIndex = this.addOutput(record, item);
    this.emit(record, 'response.function_call_arguments.delta', { item_id: item.id, output_index: outputIndex, delta: argumentsText });
    this.emit(record, 'response.function_call_arguments.done', { item_id: item.id, output_index: outputIndex, name, arguments: argumentsText });
    item.arguments = argumentsText;
    item.status = 'completed';
    this.emit(record, 'response.output_item.done', { output_index: outputIndex, item: snapshot(item) });
    this.store.functionCalls.set(item.call_id, { item, response: record });
    this.store.rememberItem(item);
  }

  /** An `mcp_approval_request` item: the caller answers it in its next request. */
  private approvalRequest(record: ResponseRecord, step: Extract<ScriptStep, { kind: 'mcp_approval' }>): void {
    const item = { type: 'mcp_approval_request' as const, id: newHexId('mcpr'), server_label: step.serverLabel, name: step.name, arguments: step.arguments };
    const outputIndex = this.addOutput(record, item);
    this.emit(record, 'response.output_item.done', { output_index: outputIndex, item: snapshot(item) });
    this.store.approvals.set(item.id, { item, output: step.output ?? `${step.name} on ${step.serverLabel} ran with ${step.arguments}.` });
    this.store.rememberItem(item);
  }

  /** An approved MCP call: the emulator "calls" the server and reports its scripted output. */
  private mcpCall(record: ResponseRecord, approval: McpApprovalRecord): void {
    const request = approval.item;
    const item: McpCallItem = {
      type: 'mcp_call',
      id: newHexId('mcp'),
      server_label: request.server_label,
      name: request.name,
      arguments: request.arguments,
      output: null,
      error: null,
      status: 'completed',
      approval_request_id: request.id,
    };
    const added = { ...item, status: 'in_progress' as const };
    record.response.output.push(item);
    const outputIndex = record.response.output.length - 1;
    this.emit(record, 'response.output_item.added', { output_index: outputIndex, item: added });
    this.emit(record, 'response.mcp_call.in_progress', { output_index: outputIndex, item_id: item.id });
    item.output = approval.output;
    this.emit(record, 'response.mcp_call.completed', { output_index: outputIndex, item_id: item.id });
    this.emit(record, 'response.output_item.done', { output_index: outputIndex, item: snapshot(item) });
    this.store.rememberItem(item);
  }

  /**
   * The answer: an assistant message, streamed part by part. The text ends with one line per
   * function output this response's input delivered, so a test can see what reached the "model".
   */
  private answer(record: ResponseRecord, text: string): void {
    const fullText =
      text + record.deliveredOutputs.map((output) => `\n[tool_output call_id=${output.callId} name=${output.name}] ${output.output}`).join('');
    const message = outputMessage(fullText);
    const added = { ...message, status: 'in_progress' as const, content: [] };
    record.response.output.push(message);
    const outputIndex = record.response.output.length - 1;
    this.emit(record, 'response.output_item.added', { output_index: outputIndex, item: added });
    const part = outputText('');
    const where = { item_id: message.id, output_index: outputIndex, content_index: 0 };
    this.emit(record, 'response.content_part.added', { ...where, part });
    for (const chunk of splitIntoChunks(fullText, TEXT_DELTA_CHUNKS)) {
      this.emit(record, 'response.output_text.delta', { ...where, delta: chunk, logprobs: [] });
    }
    this.emit(record, 'response.output_text.done', { ...where, text: fullText, logprobs: [] });
    this.emit(record, 'response.content_part.done', { ...where, part: { ...part, text: fullText } });
    this.emit(record, 'response.output_item.done', { output_index: outputIndex, item: snapshot(message) });
    this.store.rememberItem(message);
  }

  /** Adds an output item and announces it (`in_progress` for calls, whose arguments follow). */
  private addOutput(record: ResponseRecord, item: OutputItem): number {
    record.response.output.push(item);
    const outputIndex = record.response.output.length - 1;
    this.emit(record, 'response.output_item.added', { output_index: outputIndex, item: snapshot(item) });
    return outputIndex;
  }

  private fail(record: ResponseRecord, code: ResponseErrorCode, message: string): void {
    record.response.error = { code, message };
    this.end(record, 'failed');
  }

  /**
   * Terminal bookkeeping shared by every ending: usage, the terminal event (none for `cancelled`:
   * the stream events have no such type, so open streams just close), the conversation released
   * and, once completed, given the input and output items; listeners and webhooks told.
   */
  private end(record: ResponseRecord, status: Extract<ResponseStatus, 'completed' | 'failed' | 'incomplete' | 'cancelled'>): void {
    const response = record.response;
    this.timers.cancel(record.timer);
    record.timer = undefined;
    this.setStatus(record, status);
    if (status === 'completed') response.completed_at = unixSeconds();
    response.usage = this.usage(record);
    const conversation = record.conversation;
    if (conversation?.active === record) conversation.active = undefined;
    if (conversation !== undefined && (status === 'completed' || status === 'incomplete')) {
      const added = [...record.inputItems, ...response.output];
      conversation.items.push(...added.map((item) => structuredClone(item)));
      this.ledger.recordConversationItems(conversation.conversation.id, added.map((item) => item.id));
    }
    if (status !== 'cancelled') this.emit(record, `response.${status}`, { response: snapshot(response) });
    this.closeObservers(record);
    for (const listener of record.endListeners.splice(0)) listener();
    this.onEnded?.(record);
  }

  private setStatus(record: ResponseRecord, status: ResponseStatus): void {
    record.response.status = status;
    this.ledger.updateResponseStatus(record.response.id, status);
  }

  /** Deterministic usage from text lengths: the context and input read, the output written. */
  private usage(record: ResponseRecord): ResponseObject['usage'] {
    const context = [...contextItems(record.previous, record.conversation), ...record.inputItems].map(itemText).join('');
    const inputTokens = Math.max(1, tokens((record.response.instructions ?? '') + context));
    const outputTokens = tokens(record.response.output.map(itemText).join(''));
    return {
      input_tokens: inputTokens,
      input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
      output_tokens: outputTokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: inputTokens + outputTokens,
    };
  }

  /** Logs an event with the next `sequence_number` and sends it to the open streams. */
  private emit(record: ResponseRecord, type: string, fields: Record<string, unknown>): void {
    const event: ResponseStreamEventData = { type, sequence_number: record.events.length, ...fields };
    record.events.push(event);
    for (const observer of [...record.observers]) observer.event(event);
  }

  private closeObservers(record: ResponseRecord): void {
    const observers = [...record.observers];
    record.observers.clear();
    for (const observer of observers) observer.end();
  }
}

/** A copy of a wire object as it is now (it keeps changing afterwards). */
function snapshot<T>(value: T): T {
  return structuredClone(value);
}

/**
 * What the model sees before this response's input: the conversation's items, or the input and
 * output items of every response up the `previous_response_id` chain, oldest first.
 */
function contextItems(previous: ResponseRecord | undefined, conversation: ConversationRecord | undefined): ResponseItem[] {
  if (conversation !== undefined) return conversation.items;
  const chain: ResponseRecord[] = [];
  for (let record = previous; record !== undefined; record = record.previous) chain.unshift(record);
  return chain.flatMap((record) => [...record.inputItems, ...record.response.output]);
}

/**
 * The script a new response follows and the step it performs. A script in the request wins; it
 * carries on from where the previous response or the conversation left off only when its text is
 * the same, else it starts at step 0. Without one, the inherited script carries on; without that
 * either, the Foundry agent version's script starts. (The agent's script comes after the inherited
 * one so that a chain whose first request overrode it keeps following the override.)
 */
function resolveScript(
  requestSource: string | undefined,
  agentSource: string | undefined,
  previous: ResponseRecord | undefined,
  conversation: ConversationRecord | undefined,
): ScriptCursor | undefined {
  const inherited = conversation !== undefined ? conversation.script : cursorAfter(previous);
  if (requestSource === undefined) {
    if (inherited !== undefined) return { ...inherited };
    return agentSource === undefined ? undefined : { source: agentSource, parsed: parseScript(agentSource), index: 0 };
  }
  if (inherited !== undefined && inherited.source === requestSource) return { ...inherited };
  return { source: requestSource, parsed: parseScript(requestSource), index: 0 };
}

/** Where a response leaves its script: one step further if it acted. */
function cursorAfter(record: ResponseRecord | undefined): ScriptCursor | undefined {
  const script = record?.script;
  if (record === undefined || script === undefined) return undefined;
  return { ...script, index: record.acted ? script.index + 1 : script.index };
}

/** Responses know `max_output_tokens` and `content_filter`; the runs' reasons read as `max_output_tokens`. */
function incompleteReason(reason: IncompleteReason): ResponseIncompleteReason {
  return reason === 'content_filter' ? 'content_filter' : 'max_output_tokens';
}

/** Tools as the response echoes them: a function tool gets the service's defaults (`strict: true`). */
function echoTools(tools: readonly unknown[]): unknown[] {
  return tools.map((tool) => {
    if (typeof tool !== 'object' || tool === null || (tool as { type?: unknown }).type !== 'function') return tool;
    const functionTool = tool as Record<string, unknown>;
    return { ...functionTool, parameters: functionTool['parameters'] ?? null, strict: functionTool['strict'] ?? true };
  });
}
