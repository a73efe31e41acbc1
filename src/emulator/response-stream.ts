import type { ResponseStreamEventData } from './response-wire-types';
import { SseEventStream } from './streaming';

/** Receives a response's events as they happen, and hears when no more will come. */
export interface ResponseObserver {
  event(data: ResponseStreamEventData): void;
  /** The response has ended (or was cancelled, deleted or forgotten): the stream closes. */
  end(): void;
}

/**
 * One server-sent-events answer of the Responses API: `event: <type>` and `data: <json>` per event,
 * each carrying its `sequence_number`; no `[DONE]` line (the Responses API sends none). It is created
 * by `POST /responses` with `stream: true` and by `GET /responses/{id}?stream=true` (a resumed
 * background stream, which starts with the replayed events). It ends when the engine says the
 * response has ended (right after its last event), was cancelled, deleted or forgotten.
 */
export class ResponseEventStream extends SseEventStream {
  constructor() {
    super();
  }

  /** Give this to the engine: it receives the response's events and its end. */
  readonly observer: ResponseObserver = {
    event: (data) => this.push(data),
    end: () => this.finish(),
  };

  /** Adds one event (replayed ones come this way too). */
  push(data: ResponseStreamEventData): void {
    this.pushEvent({ event: data.type, data });
  }
}
