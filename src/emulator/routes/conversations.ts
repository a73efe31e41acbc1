import { RESPONSES_DIALECTS } from '../dialects';
import { conversationItemNotFound } from '../errors';
import { newHexId, unixSeconds } from '../ids';
import { paginate, parseListQuery } from '../pagination';
import { storeInputItems } from '../response-items';
import type { InputItemInput } from '../response-request-schemas';
import type { ConversationRecord } from '../response-store';
import type { ResponseItem } from '../response-wire-types';
import { json, param, readResponsesBody, type EmulatorServices, type Route } from '../router';

/** Stores items in a conversation (ids given, as input items are) and notes their ids in order. */
function addItems(services: EmulatorServices, record: ConversationRecord, items: readonly InputItemInput[]): ResponseItem[] {
  const stored = storeInputItems(items, services.responses, 'items');
  record.items.push(...stored);
  for (const item of stored) services.responses.rememberItem(item);
  services.ledger.recordConversationItems(
    record.conversation.id,
    stored.map((item) => item.id),
  );
  return stored;
}

/** The spec's `ConversationItemList` of a page of items. */
function itemList(items: ResponseItem[]) {
  return { object: 'list', data: items, first_id: items[0]?.id ?? null, last_id: items[items.length - 1]?.id ?? null, has_more: false };
}

const ROUTES: readonly Route[] = [
  {
    method: 'POST',
    template: '/conversations',
    handler: (context, services) => {
      const body = readResponsesBody(context, 'CreateConversationBody');
      const record: ConversationRecord = {
        conversation: { id: newHexId('conv'), object: 'conversation', created_at: unixSeconds(), metadata: { ...(body.metadata ?? {}) } },
        items: [],
        script: undefined,
        active: undefined,
      };
      services.responses.conversations.set(record.conversation.id, record);
      services.ledger.recordConversationCreated({ ...record.conversation });
      addItems(services, record, body.items ?? []);
      return json(record.conversation);
    },
  },
  {
    method: 'GET',
    template: '/conversations/{conversation_id}',
    handler: (context, services) => json(services.responses.conversation(param(context, 'conversation_id')).conversation),
  },
  {
    method: 'POST',
    template: '/conversations/{conversation_id}',
    handler: (context, services) => {
      const record = services.responses.conversation(param(context, 'conversation_id'));
      const body = readResponsesBody(context, 'UpdateConversationBody');
      record.conversation.metadata = { ...(body.metadata ?? {}) };
      return json(record.conversation);
    },
  },
  {
    method: 'DELETE',
    template: '/conversations/{conversation_id}',
    handler: (context, services) => {
      const record = services.responses.conversation(param(context, 'conversation_id'));
      // "Items in the conversation will not be deleted": they stay reachable by `item_reference`.
      services.responses.conversations.delete(record.conversation.id);
      return json({ id: record.conversation.id, object: 'conversation.deleted', deleted: true });
    },
  },
  {
    method: 'POST',
    template: '/conversations/{conversation_id}/items',
    handler: (context, services) => {
      const record = services.responses.conversation(param(context, 'conversation_id'));
      const body = readResponsesBody(context, 'CreateConversationItemsBody');
      return json(itemList(addItems(services, record, body.items)));
    },
  },
  {
    method: 'GET',
    template: '/conversations/{conversation_id}/items',
    // `include` only adds data the emulator does not produce (logprobs, search results, ...): accepted, ignored.
    handler: (context, services) =>
      json(paginate(services.responses.conversation(param(context, 'conversation_id')).items, parseListQuery(context.query))),
  },
  {
    method: 'GET',
    template: '/conversations/{conversation_id}/items/{item_id}',
    handler: (context, services) => {
      const record = services.responses.conversation(param(context, 'conversation_id'));
      const item = record.items.find((candidate) => candidate.id === param(context, 'item_id'));
      if (item === undefined) throw conversationItemNotFound(record.conversation.id, param(context, 'item_id'));
      return json(item);
    },
  },
  {
    method: 'DELETE',
    template: '/conversations/{conversation_id}/items/{item_id}',
    handler: (context, services) => {
      const record = services.responses.conversation(param(context, 'conversation_id'));
      const index = record.items.findIndex((candidate) => candidate.id === param(context, 'item_id'));
      if (index < 0) throw conversationItemNotFound(record.conversation.id, param(context, 'item_id'));
      record.items.splice(index, 1);
      // The spec answers a deleted item with the conversation itself.
      return json(record.conversation);
    },
  },
];

/** The Conversations API: conversations (create, get, update, delete) and their items. */
export const CONVERSATION_ROUTES: readonly Route[] = ROUTES.map((route) => ({ ...route, dialects: RESPONSES_DIALECTS }));
