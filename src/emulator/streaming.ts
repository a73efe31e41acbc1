import type { ServerResponse } from 'node:http';
import { isStreamEndingEvent } from './run-engine';
import type { RunObserver } from './store';
import type { StreamEvent } from './wire-types';

/**
 * What the server needs of a streamed answer: attach it to the HTTP response, drop it, and hear when
 * it has ended normally (to record its events). Run streams and response streams both are one.
 */
export interface EventStream {
  /** Starts the SSE response and flushes what was buffered. */
  attach(response: ServerResponse, headers: Record<string, string>): void;
  /** Stops the stream without (or without finishing) a response. */
  abandon(): void;
  /** Called once with every event when the stream has ended normally. */
  onFinish(listener: (events: StreamEvent[]) => void): void;
  /** Whether the stream has ended (normally or abandoned). */
  readonly isFinished: boolean;
  /** Every event sent (or to be sent). */
  readonly events: readonly StreamEvent[];
}

/** The event that closes every run stream, exactly as the service sends it. */
export const DONE_EVENT: StreamEvent = { event: 'done', data: '[DONE]' };

/**
 * One server-sent-events answer: events are buffered until the HTTP response is attached (the
 * engines emit the first event while the request is still being handled, and the server may still
 * decide to drop the connection instead of streaming), then written as they come. Run streams and
 * response streams differ only in when they end and in their closing line.
 */
export abstract class SseEventStream implements EventStream {
  private readonly pending: StreamEvent[] = [];
  private response: ServerResponse | undefined;
  private finished = false;
  private ended = false;
  private readonly finishListeners: Array<(events: StreamEvent[]) => void> = [];
  /** Every event sent (or to be sent), the closing one included, for the response log. */
  readonly events: StreamEvent[] = [];

  /** @param closing the line sent after the last event, if the protocol has one (`[DONE]`). */
  protected constructor(private readonly closing?: StreamEvent) {}

  /** Adds one event. */
  protected pushEvent(event: StreamEvent): void {
    if (this.finished) return;
    this.events.push(event);
    if (this.response === undefined) this.pending.push(event);
    else writeEvent(this.response, event);
  }

  /** Ends the stream after what was pushed. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.closing) this.events.push(this.closing);
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
    if (this.closing) writeEvent(response, this.closing);
    response.end();
    for (const listener of this.finishListeners) listener(this.events);
  }
}

/**
 * One server-sent-events response for one leg of a run (until `requires_action` or the end),
 * closed by `[DONE]`.
 */
export class RunEventStream extends SseEventStream {
  constructor() {
    super(DONE_EVENT);
  }

  /** Give this to the engine: it receives the run's events. */
  readonly observer: RunObserver = (event) => this.push(event);

  /** Adds an event by hand (`thread.created` comes from the handler, not the engine). */
  push(event: StreamEvent): void {
    this.pushEvent(event);
    if (isStreamEndingEvent(event.event)) this.finish();
  }
}

function writeEvent(response: ServerResponse, event: StreamEvent): void {
  const data = typeof event.data === 'string' ? event.data : JSON.stringify(event.data);
  response.write(`event: ${event.event}\ndata: ${data}\n\n`);
}
