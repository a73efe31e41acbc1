import { buildThread, toWireToolResources } from '../object-builders';
import { paginate, parseListQuery } from '../pagination';
import { json, param, readBody, type Route } from '../router';
import { helperVectorStores } from './vector-store-helper';

/** Threads: create (with messages), get, modify, delete; list only in the Foundry dialect. */
export const THREAD_ROUTES: readonly Route[] = [
  {
    method: 'POST',
    template: '/threads',
    handler: (context, services) => {
      const thread = buildThread(readBody(context, 'CreateThreadRequest'), helperVectorStores(services, 'thread'));
      services.store.threads.set(thread.thread.id, thread);
      return json(thread.thread);
    },
  },
  {
    // OpenAI has no "list threads"; Foundry does: @azure/ai-agents calls it, and azure-ai-projects
    // 1.0.0b10 on a hub-based project.
    method: 'GET',
    template: '/threads',
    dialects: ['foundry', 'foundry-hub'],
    handler: (context, { store }) =>
      json(paginate([...store.threads.values()].map((thread) => thread.thread), parseListQuery(context.query))),
  },
  {
    method: 'GET',
    template: '/threads/{thread_id}',
    handler: (context, { store }) => json(store.thread(param(context, 'thread_id')).thread),
  },
  {
    method: 'POST',
    template: '/threads/{thread_id}',
    handler: (context, { store }) => {
      const thread = store.thread(param(context, 'thread_id')).thread;
      const body = readBody(context, 'ModifyThreadRequest');
      if (body.tool_resources !== undefined) thread.tool_resources = toWireToolResources(body.tool_resources);
      if (body.metadata !== undefined) thread.metadata = body.metadata ?? {};
      return json(thread);
    },
  },
  {
    method: 'DELETE',
    template: '/threads/{thread_id}',
    handler: (context, { store, engine }) => {
      const thread = store.thread(param(context, 'thread_id'));
      engine.forgetThread(thread);
      store.threads.delete(thread.thread.id);
      return json({ id: thread.thread.id, object: 'thread.deleted', deleted: true });
    },
  },
];
