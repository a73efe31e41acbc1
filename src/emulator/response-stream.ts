import type { ServerResponse } from 'node:http';
import type { ResponseStreamEventData } from './response-wire-types';
import type { EventStream } from './streaming';
import type { StreamEvent } from './wire-types';

/** Receives a response's events as they happen, and hears when no more will come. */
export interface ResponseObserver {
  event(data: ResponseStreamEventData): void;
  /** The response has ended (or was cancelled, deleted or forgotten): the stream closes. */
  end(): void;
}

/** Events after which a response stream closes: the response has ended. */
const TERMINAL_EVENTS: ReadonlySet<string> = new Set(['response.completed', 'response.failed', 'response.incomplete']);

/** Whether this event is a response's last. */
export function isTerminalResponseEvent(type: string): boolean {
  return TERMINAL_EVENTS.has(type);
}

/**
 * One server-sent-events answer of the Responses API: `event: <type>` and `data: <json>` per event,
 * each carrying its `sequence_number`; no `[DONE]` line (the Responses API sends none). It is created
 * by `POST /responses` with `stream: true` and by `GET /responses/{id}?stream=true` (a resumed
 * background stream, which starts with the replayed events).
 *
 * Events are buffered until the HTTP response is attached (the engine emits `response.created`
 * while the request is still being handled, and the server may still decide to drop the connection).
 */
export class ResponseEventStream implements EventStream {
  private readonly pending: StreamEvent[] = [];
  private response: ServerResponse | undefined;
  private finished = false;
  private ended = false;
  private readonly finishListeners: Array<(events: StreamEvent[]) => void> = [];
  /** Every event sent (or to be sent), for the response log. */
  readonly events: StreamEvent[] = [];

  /** Give this to the engine: it receives the response's events and its end. */
  readonly observer: ResponseObserver = {
    event: (data) => this.push(data),
    end: () => this.finish(),
  };

  /** Adds one event (replayed ones come this way too). */
  push(data: ResponseStreamEventData): void {
    if (this.finished) return;
    const event: StreamEvent = { event: data.type, data };
    this.events.push(event);
    if (this.response === undefined) this.pending.push(event);
    else writeEvent(this.response, event);
    if (isTerminalResponseEvent(data.type)) this.finish();
  }

  /** Ends the stream after what was pushed (the response ended, or was cancelled). */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.response !== undefined) this.end();
  }

  /** {@inheritDoc EventStream.attach} */
  attach(response: ServerResponse, headers: Record<string, string>): void {
    this.response = response;
    response.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    for (const event of this.pending.splice(0)) writeEvent(response, event);
    if (this.finished) this.end();
  }

  /** {@inheritDoc EventStream.abandon} */
  abandon(): void {
    this.finished = true;
    this.pending.length = 0;
    if (this.response !== undefined && !this.response.writableEnded) this.response.end();
  }

  /** {@inheritDoc EventStream.onFinish} */
  onFinish(listener: (events: StreamEvent[]) => void): void {
    this.finishListeners.push(listener);
  }

  /** {@inheritDoc EventStream.isFinished} */
  get isFinished(): boolean {
    return this.finished;
  }

  private end(): void {
    const response = this.response;
    if (this.ended || response === undefined || response.writableEnded) return;
    this.ended = true;
    response.end();
    for (const listener of this.finishListeners) listener(this.events);
  }
}

function writeEvent(response: ServerResponse, event: StreamEvent): void {
  response.write(`event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`);
}
