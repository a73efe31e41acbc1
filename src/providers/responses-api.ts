/**
 * The Responses and Conversations protocol client: background responses (create, retrieve,
 * re-attach to their stream, cancel) and conversations with their items. A thin transport over the
 * official `openai` package; bodies are built and responses parsed by responses-wire.ts.
 */
import type OpenAI from 'openai';
import { pollAfterMs, requestOptions } from './openai-provider';
import type { CallOptions, ProviderKind } from './provider';
import { toResponseRecord, toWireItem, type ResponseRecord, type WireItem } from './responses-wire';

/** One event of a response stream: its position, and the response or text it carries. */
export interface ResponseStreamItem {
  /** `sequence_number`: resume after it with `starting_after`. */
  sequence: number | undefined;
  /** Lifecycle events (`response.created`, `.in_progress`, `.completed`, ...) carry the response. */
  response?: ResponseRecord;
  /** `response.output_text.delta`. */
  delta?: { itemId: string; text: string };
}

/** A page query of conversation items. */
export interface ItemQuery {
  after?: string;
  order?: 'asc' | 'desc';
  limit?: number;
}

/** What agentrun needs of the Responses protocol. */
export interface ResponsesApi {
  readonly kind: ProviderKind;
  /** Where it points, without credentials. */
  readonly endpoint: string;

  createResponse(body: Record<string, unknown>, options?: CallOptions): Promise<ResponseRecord>;
  /** `stream: true`: the events of a new (background) response. */
  createResponseStream(body: Record<string, unknown>, options?: CallOptions): AsyncIterable<ResponseStreamItem>;
  getResponse(responseId: string, options?: CallOptions): Promise<{ response: ResponseRecord; pollAfterMs?: number }>;
  /** Re-attaches to a background response's stream after `startingAfter` (from the start when undefined). */
  streamResponse(responseId: string, startingAfter: number | undefined, options?: CallOptions): AsyncIterable<ResponseStreamItem>;
  cancelResponse(responseId: string, options?: CallOptions): Promise<ResponseRecord>;

  createConversation(body: { metadata?: Record<string, string>; items?: Record<string, unknown>[] }, options?: CallOptions): Promise<{ id: string }>;
  /** At most 20 items per call (the protocol's limit). */
  addConversationItems(conversationId: string, items: Record<string, unknown>[], options?: CallOptions): Promise<WireItem[]>;
  listConversationItems(conversationId: string, query?: ItemQuery, options?: CallOptions): Promise<WireItem[]>;
}

/** The Responses protocol through the `openai` package (any base URL that speaks it). */
export class OpenAIResponsesApi implements ResponsesApi {
  constructor(
    readonly kind: ProviderKind,
    readonly endpoint: string,
    private readonly client: OpenAI,
  ) {}

  async createResponse(body: Record<string, unknown>, options?: CallOptions): Promise<ResponseRecord> {
    return toResponseRecord(await this.client.responses.create(body as never, requestOptions(options)));
  }

  async *createResponseStream(body: Record<string, unknown>, options?: CallOptions): AsyncIterable<ResponseStreamItem> {
    const stream = await this.client.responses.create({ ...body, stream: true } as never, requestOptions(options));
    yield* translateStream(stream as unknown as AsyncIterable<unknown>);
  }

  async getResponse(responseId: string, options?: CallOptions): Promise<{ response: ResponseRecord; pollAfterMs?: number }> {
    const { data, response } = await this.client.responses.retrieve(responseId, {}, requestOptions(options)).withResponse();
    return { response: toResponseRecord(data), pollAfterMs: pollAfterMs(response.headers) };
  }

  async *streamResponse(responseId: string, startingAfter: number | undefined, options?: CallOptions): AsyncIterable<ResponseStreamItem> {
    const query = startingAfter === undefined ? { stream: true as const } : { stream: true as const, starting_after: startingAfter };
    const stream = await this.client.responses.retrieve(responseId, query, requestOptions(options));
    yield* translateStream(stream as unknown as AsyncIterable<unknown>);
  }

  async cancelResponse(responseId: string, options?: CallOptions): Promise<ResponseRecord> {
    return toResponseRecord(await this.client.responses.cancel(responseId, requestOptions(options)));
  }

  async createConversation(body: { metadata?: Record<string, string>; items?: Record<string, unknown>[] }, options?: CallOptions): Promise<{ id: string }> {
    const created = await this.client.conversations.create(body as never, requestOptions(options));
    return { id: created.id };
  }

  async addConversationItems(conversationId: string, items: Record<string, unknown>[], options?: CallOptions): Promise<WireItem[]> {
    const added = await this.client.conversations.items.create(conversationId, { items } as never, requestOptions(options));
    return (added.data as unknown[]).map(toWireItem);
  }

  async listConversationItems(conversationId: string, query: ItemQuery = {}, options?: CallOptions): Promise<WireItem[]> {
    const page = await this.client.conversations.items.list(conversationId, query, requestOptions(options));
    return (page.data as unknown[]).map(toWireItem);
  }
}

/** The protocol's stream events as {@link ResponseStreamItem}s; an `error` event is thrown. */
async function* translateStream(events: AsyncIterable<unknown>): AsyncIterable<ResponseStreamItem> {
  for await (const raw of events) {
    const event = raw as { type?: string; sequence_number?: number; response?: unknown; item_id?: string; delta?: string; message?: string; code?: string };
    if (event.type === 'error') throw new ResponseStreamError(event.message ?? 'the provider sent an error event', event.code ?? null);
    const sequence = typeof event.sequence_number === 'number' ? event.sequence_number : undefined;
    if (event.response !== undefined && event.response !== null) yield { sequence, response: toResponseRecord(event.response) };
    else if (event.type === 'response.output_text.delta' && typeof event.delta === 'string') yield { sequence, delta: { itemId: event.item_id ?? '', text: event.delta } };
    else yield { sequence };
  }
}

/** An `error` event in a response stream. */
export class ResponseStreamError extends Error {
  override name = 'ResponseStreamError';
  constructor(
    message: string,
    readonly code: string | null,
  ) {
    super(message);
  }
}
