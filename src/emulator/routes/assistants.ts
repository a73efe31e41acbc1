import { buildAssistant, modifyAssistant } from '../object-builders';
import { paginate, parseListQuery } from '../pagination';
import { json, param, readBody, type Route } from '../router';
import { helperVectorStores } from './vector-store-helper';

/** Assistants: create, list, get, modify, delete. */
export const ASSISTANT_ROUTES: readonly Route[] = [
  {
    method: 'POST',
    template: '/assistants',
    handler: (context, services) => {
      const assistant = buildAssistant(readBody(context, 'CreateAssistantRequest'), helperVectorStores(services, 'assistant'));
      services.store.assistants.set(assistant.id, assistant);
      return json(assistant);
    },
  },
  {
    method: 'GET',
    template: '/assistants',
    handler: (context, { store }) => json(paginate([...store.assistants.values()], parseListQuery(context.query))),
  },
  {
    method: 'GET',
    template: '/assistants/{assistant_id}',
    handler: (context, { store }) => json(store.assistant(param(context, 'assistant_id'))),
  },
  {
    method: 'POST',
    template: '/assistants/{assistant_id}',
    handler: (context, { store }) => {
      const assistant = store.assistant(param(context, 'assistant_id'));
      modifyAssistant(assistant, readBody(context, 'ModifyAssistantRequest'));
      return json(assistant);
    },
  },
  {
    method: 'DELETE',
    template: '/assistants/{assistant_id}',
    handler: (context, { store }) => {
      const assistant = store.assistant(param(context, 'assistant_id'));
      store.assistants.delete(assistant.id);
      return json({ id: assistant.id, object: 'assistant.deleted', deleted: true });
    },
  },
];
