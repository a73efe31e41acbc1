import { invalidRequest } from '../errors';
import { buildMessage } from '../object-builders';
import { paginate, parseListQuery } from '../pagination';
import { json, param, readBody, type Route } from '../router';
import type { EmulatorStore, ThreadRecord } from '../store';

/** Refuses a write while a run holds the thread, with the service's message. */
function assertNoActiveRunForMessages(store: EmulatorStore, thread: ThreadRecord): void {
  const active = store.activeRun(thread);
  if (active !== undefined) {
    throw invalidRequest(`Can't add messages to ${thread.thread.id} while a run ${active.run.id} is active.`);
  }
}

/** Messages: create, list (with cursor and `run_id` filter), get, modify, delete. */
export const MESSAGE_ROUTES: readonly Route[] = [
  {
    method: 'POST',
    template: '/threads/{thread_id}/messages',
    handler: (context, { store, engine }) => {
      const thread = store.thread(param(context, 'thread_id'));
      const body = readBody(context, 'CreateMessageRequest');
      // A run past its deadline no longer holds the thread even if its timer has not fired yet.
      thread.runs.forEach((record) => engine.refresh(record));
      assertNoActiveRunForMessages(store, thread);
      const message = buildMessage(thread.thread.id, body);
      thread.messages.push(message);
      return json(message);
    },
  },
  {
    method: 'GET',
    template: '/threads/{thread_id}/messages',
    handler: (context, { store }) => {
      const thread = store.thread(param(context, 'thread_id'));
      const runId = context.query.get('run_id');
      const messages = runId === null ? thread.messages : thread.messages.filter((message) => message.run_id === runId);
      return json(paginate(messages, parseListQuery(context.query)));
    },
  },
  {
    method: 'GET',
    template: '/threads/{thread_id}/messages/{message_id}',
    handler: (context, { store }) => json(store.message(param(context, 'thread_id'), param(context, 'message_id'))),
  },
  {
    method: 'POST',
    template: '/threads/{thread_id}/messages/{message_id}',
    handler: (context, { store }) => {
      const message = store.message(param(context, 'thread_id'), param(context, 'message_id'));
      const body = readBody(context, 'ModifyMessageRequest');
      if (body.metadata !== undefined) message.metadata = body.metadata ?? {};
      return json(message);
    },
  },
  {
    method: 'DELETE',
    template: '/threads/{thread_id}/messages/{message_id}',
    handler: (context, { store }) => {
      const thread = store.thread(param(context, 'thread_id'));
      const message = store.message(thread.thread.id, param(context, 'message_id'));
      thread.messages = thread.messages.filter((candidate) => candidate !== message);
      return json({ id: message.id, object: 'thread.message.deleted', deleted: true });
    },
  },
];
