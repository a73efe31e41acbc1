/**
 * The receiver of the Responses API's webhooks: it turns "response X ended" into a wake-up of the
 * workflow waiting on X, so a waiting run costs no polling (`wait.mode: 'webhook'`).
 *
 * Every delivery is verified (Standard Webhooks signature and timestamp, by the official `openai`
 * package); a bad or stale signature is answered 401 and changes nothing. A repeated delivery
 * (same `webhook-id`), an event about a response agentrun did not create, or one no workflow waits
 * on any more is answered 2xx and ignored. The event names only the response: its metadata
 * (`agentrun_workflow_id`) says which workflow to wake. Trouble on our side (Temporal or the
 * provider unreachable) is answered 503, so the provider delivers again later.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import OpenAI, { APIError, InvalidWebhookSignatureError } from 'openai';
import type { ResponsesApi } from '../providers/responses-api';
import { redactSecrets } from '../providers/to-application-failure';
import { RUN_TAG_WORKFLOW_KEY } from '../shared/activity-types';
import { providerWebhookSignal } from '../shared/run-messages';

/** The path `agentrun webhooks` serves. */
export const OPENAI_WEBHOOK_PATH = '/webhooks/openai';

/** What a receiver needs. */
export interface WebhookReceiverOptions {
  /** A Temporal client of the namespace the workflows run in. */
  temporal: Client;
  /** The endpoint's signing secret (`whsec_...`), as the provider shows it. */
  webhookSecret: string;
  /** Reads a response's metadata (to find its workflow). */
  responses: Pick<ResponsesApi, 'getResponse'>;
  /** How many delivery ids to remember for de-duplication (default 10,000). */
  rememberDeliveries?: number;
  /** Signature tolerance in seconds (default 300, the Standard Webhooks default). */
  toleranceSeconds?: number;
  log?: (line: string) => void;
}

/** A receiver's answer to one delivery. */
export interface WebhookAnswer {
  status: number;
  body: { status: 'delivered' | 'duplicate' | 'ignored' | 'rejected' | 'retry'; reason?: string; workflowId?: string };
}

/** Counts of what a receiver did, for tests, benchmarks and health checks. */
export interface WebhookReceiverStats {
  delivered: number;
  duplicates: number;
  ignored: number;
  rejected: number;
  retries: number;
}

/** A framework-neutral receiver: give it the raw body and the headers, answer with what it returns. */
export interface WebhookReceiver {
  handle(rawBody: string, headers: Record<string, string | string[] | undefined>): Promise<WebhookAnswer>;
  stats(): WebhookReceiverStats;
}

/**
 * Creates a receiver. Mount it in your own server (the body must be the raw bytes, unparsed:
 * the signature covers them), or use {@link startWebhookServer}.
 */
export function createWebhookReceiver(options: WebhookReceiverOptions): WebhookReceiver {
  // Only the verifier of the `openai` package is used: no API key, no request is ever sent with it.
  const verifier = new OpenAI({ apiKey: 'unused-by-webhook-verification', webhookSecret: options.webhookSecret });
  const seen = new Set<string>();
  const capacity = options.rememberDeliveries ?? 10_000;
  const stats: WebhookReceiverStats = { delivered: 0, duplicates: 0, ignored: 0, rejected: 0, retries: 0 };
  const log = options.log ?? (() => undefined);

  const remember = (deliveryId: string) => {
    seen.add(deliveryId);
    if (seen.size > capacity) seen.delete(seen.values().next().value!);
  };

  return {
    stats: () => ({ ...stats }),
    async handle(rawBody, headers) {
      const flat = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), Array.isArray(value) ? value[0] : value])) as Record<string, string>;
      let event: { type: string; data?: { id?: string } };
      try {
        event = (await verifier.webhooks.unwrap(rawBody, flat, options.webhookSecret, options.toleranceSeconds)) as typeof event;
      } catch (error) {
        stats.rejected += 1;
        const reason = error instanceof InvalidWebhookSignatureError ? error.message : `not a webhook event (${(error as Error).message})`;
        log(`webhook rejected: ${reason}`);
        return { status: error instanceof InvalidWebhookSignatureError ? 401 : 400, body: { status: 'rejected', reason } };
      }
      const deliveryId = flat['webhook-id'] ?? '';
      if (seen.has(deliveryId)) {
        stats.duplicates += 1;
        return { status: 200, body: { status: 'duplicate' } };
      }
      const responseId = event.data?.id;
      if (!event.type.startsWith('response.') || !responseId) {
        stats.ignored += 1;
        remember(deliveryId);
        return { status: 200, body: { status: 'ignored', reason: `not a response event (${event.type})` } };
      }
      try {
        const { response } = await options.responses.getResponse(responseId);
        const workflowId = response.metadata[RUN_TAG_WORKFLOW_KEY];
        if (!workflowId) {
          stats.ignored += 1;
          remember(deliveryId);
          return { status: 200, body: { status: 'ignored', reason: `${responseId} was not created by agentrun` } };
        }
        await options.temporal.workflow.getHandle(workflowId).signal(providerWebhookSignal, { turnId: responseId, type: event.type, eventId: deliveryId });
        stats.delivered += 1;
        remember(deliveryId);
        log(`webhook ${event.type} ${responseId} -> ${workflowId}`);
        return { status: 200, body: { status: 'delivered', workflowId } };
      } catch (error) {
        if (error instanceof APIError && error.status === 404) {
          stats.ignored += 1;
          remember(deliveryId);
          return { status: 200, body: { status: 'ignored', reason: `${responseId} is not known to the provider` } };
        }
        if (error instanceof WorkflowNotFoundError || (error as { code?: number }).code === 5) {
          stats.ignored += 1;
          remember(deliveryId);
          return { status: 200, body: { status: 'ignored', reason: `no workflow waits on ${responseId} any more` } };
        }
        // Ours to fix (Temporal or the provider unreachable): the provider delivers again later.
        stats.retries += 1;
        const reason = redactSecrets((error as Error).message ?? String(error));
        log(`webhook for ${responseId} not relayed yet: ${reason}`);
        return { status: 503, body: { status: 'retry', reason } };
      }
    },
  };
}
