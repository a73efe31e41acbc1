import { invalidRequest } from '../errors';
import { buildMessage, buildThread } from '../object-builders';
import { paginate, parseListQuery } from '../pagination';
import { json, param, readBody, type EmulatorServices, type HandlerResult, type RequestContext, type Route } from '../router';
import type { RunOverrides } from '../run-engine';
import type { ThreadRecord } from '../store';
import { RunEventStream } from '../streaming';
import type { AssistantObject, StreamEvent } from '../wire-types';
import { helperVectorStores } from './vector-store-helper';

/** The fields of a create-run body that shape the run (everything but ids, messages and `stream`). */
type RunRequestFields = RunOverrides & { stream?: boolean | null };

/** Refuses a second run while one holds the thread, with the service's message. */
function assertNoActiveRun(services: EmulatorServices, thread: ThreadRecord): void {
  thread.runs.forEach((record) => services.engine.refresh(record));
  const active = services.store.activeRun(thread);
  if (active !== undefined) {
    throw invalidRequest(`Thread ${thread.thread.id} already has an active run ${active.run.id}.`);
  }
}

/**
 * Creates the run and answers with the run object, or with its event stream when `stream: true`.
 * `leadingEvents` go first on the stream (`thread.created` for create-thread-and-run).
 */
function startRun(
  services: EmulatorServices,
  thread: ThreadRecord,
  assistant: AssistantObject,
  fields: RunRequestFields,
  leadingEvents: StreamEvent[] = [],
): HandlerResult {
  const stream = fields.stream === true ? new RunEventStream() : undefined;
  for (const event of leadingEvents) stream?.push(event);
  const overrides: RunOverrides = {
    model: fields.model,
    instructions: fields.instructions,
    additional_instructions: fields.additional_instructions,
    tools: fields.tools,
    metadata: fields.metadata,
    temperature: fields.temperature,
    top_p: fields.top_p,
    max_prompt_tokens: fields.max_prompt_tokens,
    max_completion_tokens: fields.max_completion_tokens,
    truncation_strategy: fields.truncation_strategy,
    tool_choice: fields.tool_choice,
    parallel_tool_calls: fields.parallel_tool_calls,
    response_format: fields.response_format,
  };
  const record = services.engine.createRun(thread, assistant, overrides, stream?.observer);
  services.ledger.recordRunCreated(record.run);
  return stream === undefined ? json(record.run) : { kind: 'stream', stream };
}

function createRun(context: RequestContext, services: EmulatorServices): HandlerResult {
  const thread = services.store.thread(param(context, 'thread_id'));
  const body = readBody(context, 'CreateRunRequest');
  const assistant = services.store.assistant(body.assistant_id);
  assertNoActiveRun(services, thread);
  for (const message of body.additional_messages ?? []) {
    thread.messages.push(buildMessage(thread.thread.id, message));
  }
  return startRun(services, thread, assistant, body as RunRequestFields);
}

function createThreadAndRun(context: RequestContext, services: EmulatorServices): HandlerResult {
  const body = readBody(context, 'CreateThreadAndRunRequest');
  const assistant = services.store.assistant(body.assistant_id);
  const thread = buildThread(body.thread ?? {}, helperVectorStores(services, 'thread'));
  services.store.threads.set(thread.thread.id, thread);
  return startRun(services, thread, assistant, body as RunRequestFields, [
    { event: 'thread.created', data: structuredClone(thread.thread) },
  ]);
}

function submitToolOutputs(context: RequestContext, services: EmulatorServices): HandlerResult {
  const record = services.store.run(param(context, 'thread_id'), param(context, 'run_id'));
  const body = readBody(context, 'SubmitToolOutputsRunRequest');
  const stream = body.stream === true ? new RunEventStream() : undefined;
  const run = services.engine.submitToolOutputs(record, body.tool_outputs, stream?.observer);
  services.ledger.recordToolOutputs(run, body.tool_outputs);
  return stream === undefined ? json(run) : { kind: 'stream', stream };
}

/** Runs: create, create-thread-and-run, list, get, modify, cancel, submit tool outputs. */
export const RUN_ROUTES: readonly Route[] = [
  // `include[]` on create is accepted and ignored: it only concerns file-search results.
  { method: 'POST', template: '/threads/{thread_id}/runs', handler: createRun },
  { method: 'POST', template: '/threads/runs', handler: createThreadAndRun },
  {
    method: 'GET',
    template: '/threads/{thread_id}/runs',
    handler: (context, { store, engine }) => {
      const thread = store.thread(param(context, 'thread_id'));
      thread.runs.forEach((record) => engine.refresh(record));
      return json(paginate(thread.runs.map((record) => record.run), parseListQuery(context.query)));
    },
  },
  {
    method: 'GET',
    template: '/threads/{thread_id}/runs/{run_id}',
    handler: (context, { store, engine, pollAfterMs }) => {
      const record = store.run(param(context, 'thread_id'), param(context, 'run_id'));
      engine.refresh(record);
      // The service's poll-interval hint, which openai-node's poll helpers honour.
      return json(record.run, pollAfterMs > 0 ? { 'openai-poll-after-ms': String(pollAfterMs) } : undefined);
    },
  },
  {
    method: 'POST',
    template: '/threads/{thread_id}/runs/{run_id}',
    handler: (context, { store, engine }) => {
      const record = store.run(param(context, 'thread_id'), param(context, 'run_id'));
      const body = readBody(context, 'ModifyRunRequest');
      engine.refresh(record);
      if (body.metadata !== undefined) record.run.metadata = body.metadata ?? {};
      return json(record.run);
    },
  },
  {
    method: 'POST',
    template: '/threads/{thread_id}/runs/{run_id}/cancel',
    handler: (context, { store, engine }) =>
      json(engine.cancel(store.run(param(context, 'thread_id'), param(context, 'run_id')))),
  },
  { method: 'POST', template: '/threads/{thread_id}/runs/{run_id}/submit_tool_outputs', handler: submitToolOutputs },
];
