import { createHmac } from 'node:crypto';
import { z } from 'zod/v4';
import { newHexId, unixSeconds } from './ids';
import type { Ledger } from './ledger';
import type { ResponseRecord } from './response-store';
import type { TimerRegistry } from './timers';

/**
 * Where the emulator sends webhook events and how it signs them, as a project's webhook endpoint is
 * configured at OpenAI: a URL and its `whsec_` signing secret.
 */
export interface WebhookSettings {
  /** The receiver (`http:` or `https:`). */
  url: string;
  /** `whsec_` + base64: the base64-decoded part is the HMAC key, as Standard Webhooks define it. */
  secret: string;
  /**
   * A fault for de-duplication tests: deliver every event twice, the second copy a separate delivery
   * (with its own retries) carrying the same `webhook-id`, after the first has been delivered.
   */
  duplicate?: boolean;
}

/** Validates webhook settings (from `startEmulator`, `setWebhooks` or `PUT /_emulator/webhooks`). */
const webhookSettingsSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  secret: z.string().regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'must be whsec_ followed by base64'),
  duplicate: z.boolean().optional(),
});

/** Checks settings; throws an Error naming the bad field. */
export function parseWebhookSettings(value: unknown): WebhookSettings {
  const result = webhookSettingsSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? 'the settings' : issue.path.join('.');
  throw new Error(`Invalid webhook settings at ${where}: ${issue?.message ?? 'invalid'}`);
}

/** The webhook event types of the Responses API (`WebhookResponse*` in the spec). */
export type ResponseWebhookType = 'response.completed' | 'response.failed' | 'response.cancelled' | 'response.incomplete';

/** A webhook body: the event names the response only; the receiver fetches it. */
export interface WebhookEvent {
  id: string;
  object: 'event';
  created_at: number;
  type: ResponseWebhookType;
  data: { id: string };
}

/** How long one delivery attempt may take before it counts as failed. */
const DELIVERY_TIMEOUT_MS = 10_000;

/** One event on its way: the same body and `webhook-id` on every attempt and on its duplicate. */
interface Delivery {
  event: WebhookEvent;
  rawBody: string;
  webhookId: string;
  settings: WebhookSettings;
  attempt: number;
  duplicate: boolean;
}

/**
 * Sends `response.*` webhook events when responses end, signed per Standard Webhooks (`webhook-id`,
 * `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`), which
 * the `openai` package's `webhooks.unwrap()` verifies. A delivery that fails (non-2xx or a
 * connection error) is retried after each of `retryDelaysMs` with the same `webhook-id`, then given
 * up; every attempt and its outcome goes to the ledger.
 */
export class WebhookDispatcher {
  private settings: WebhookSettings | undefined;
  private readonly inFlight = new Set<AbortController>();
  /** Bumped by reset and close: an attempt started before is neither recorded nor retried. */
  private generation = 0;

  constructor(
    private readonly timers: TimerRegistry,
    private readonly ledger: Ledger,
    private readonly retryDelaysMs: readonly number[],
    initial: WebhookSettings | undefined,
  ) {
    this.initial = initial === undefined ? undefined : parseWebhookSettings(initial);
    this.settings = this.initial;
  }

  /** The settings the emulator started with, validated. */
  private readonly initial: WebhookSettings | undefined;

  /** Sets (or, with undefined, clears) where events go. Throws a readable error for bad settings. */
  configure(settings: WebhookSettings | undefined): void {
    this.settings = settings === undefined ? undefined : parseWebhookSettings(settings);
  }

  /** The current settings (the secret included: the admin API is a loopback test harness). */
  current(): WebhookSettings | undefined {
    return this.settings === undefined ? undefined : { ...this.settings };
  }

  /** Back to the settings the emulator started with; deliveries in flight are dropped (retry timers go with the timer reset). */
  reset(): void {
    this.stop();
    this.settings = this.initial === undefined ? undefined : { ...this.initial };
  }

  /** Drops every delivery in flight (the emulator is closing or resetting). */
  stop(): void {
    this.generation += 1;
    for (const controller of this.inFlight) controller.abort();
    this.inFlight.clear();
  }

  /**
   * A response has ended: its event goes out if webhooks are configured. The caller sends only
   * responses that can be read (the event names it only: `ResponseStore.isReadable`).
   */
  responseEnded(record: ResponseRecord): void {
    const settings = this.settings;
    if (settings === undefined) return;
    const event: WebhookEvent = {
      id: newHexId('evt'),
      object: 'event',
      created_at: unixSeconds(),
      type: `response.${record.response.status}` as ResponseWebhookType,
      data: { id: record.response.id },
    };
    void this.attempt({ event, rawBody: JSON.stringify(event), webhookId: newHexId('wh'), settings, attempt: 1, duplicate: false });
  }

  private async attempt(delivery: Delivery): Promise<void> {
    const generation = this.generation;
    const timestamp = unixSeconds();
    const controller = new AbortController();
    this.inFlight.add(controller);
    const timeout = this.timers.schedule(DELIVERY_TIMEOUT_MS, () => controller.abort());
    let status: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(delivery.settings.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': delivery.webhookId,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': sign(delivery.settings.secret, delivery.webhookId, timestamp, delivery.rawBody),
        },
        body: delivery.rawBody,
        signal: controller.signal,
      });
      status = response.status;
      // The receiver's body is not read for anything but to free the connection.
      await response.arrayBuffer().catch(() => undefined);
      if (status < 200 || status > 299) error = `HTTP ${status}`;
    } catch (caught) {
      error = controller.signal.aborted ? `no answer within ${DELIVERY_TIMEOUT_MS} ms` : describeFetchError(caught);
    } finally {
      this.timers.cancel(timeout);
      this.inFlight.delete(controller);
    }
    // Stopped meanwhile (reset or close): nothing more to record or retry.
    if (generation !== this.generation) return;
    this.ledger.recordWebhookDelivery({
      webhook_id: delivery.webhookId,
      event_id: delivery.event.id,
      type: delivery.event.type,
      response_id: delivery.event.data.id,
      attempt: delivery.attempt,
      duplicate: delivery.duplicate,
      url: delivery.settings.url,
      status,
      outcome: error === null ? 'delivered' : 'failed',
      error,
      timestamp,
    });
    if (error === null) {
      if (delivery.settings.duplicate === true && !delivery.duplicate) {
        void this.attempt({ ...delivery, attempt: 1, duplicate: true });
      }
      return;
    }
    const delay = this.retryDelaysMs[delivery.attempt - 1];
    if (delay !== undefined) {
      this.timers.schedule(delay, () => void this.attempt({ ...delivery, attempt: delivery.attempt + 1 }));
    }
  }
}

/** `v1,` + base64 HMAC-SHA256 of `${id}.${timestamp}.${body}`, keyed with the secret's base64-decoded part. */
export function sign(secret: string, webhookId: string, timestamp: number, rawBody: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${webhookId}.${timestamp}.${rawBody}`).digest('base64')}`;
}

function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? `${error.message} (${code})` : error.message;
}
