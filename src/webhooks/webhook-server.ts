/**
 * A small HTTP server for the webhook receiver: `POST /webhooks/openai` (and `GET /healthz`).
 * Used by `agentrun webhooks`; services with their own server mount {@link createWebhookReceiver}.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readLimitedBody } from '../http/read-body';
import { createWebhookReceiver, OPENAI_WEBHOOK_PATH, type WebhookReceiver, type WebhookReceiverOptions } from './webhook-receiver';

/** Largest body accepted: events carry only ids, so anything large is not an event. */
const MAX_BODY_BYTES = 256 * 1024;

/** A running webhook server. */
export interface RunningWebhookServer {
  /** Origin, e.g. `http://127.0.0.1:8088`. */
  url: string;
  /** The URL to register with the provider (`${url}/webhooks/openai`). */
  webhookUrl: string;
  receiver: WebhookReceiver;
  close(): Promise<void>;
}

/** Starts the server; resolves once it listens. */
export async function startWebhookServer(options: WebhookReceiverOptions & { port?: number; host?: string }): Promise<RunningWebhookServer> {
  const receiver = createWebhookReceiver(options);
  const server: Server = createServer((request, response) => {
    void (async () => {
      const path = new URL(request.url ?? '/', 'http://receiver').pathname;
      if (request.method === 'GET' && path === '/healthz') {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', ...receiver.stats() }));
        return;
      }
      if (request.method !== 'POST' || path !== OPENAI_WEBHOOK_PATH) {
        response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `POST ${OPENAI_WEBHOOK_PATH} only` }));
        return;
      }
      const body = await readLimitedBody(request, MAX_BODY_BYTES);
      if (body === undefined) {
        response.writeHead(413).end();
        return;
      }
      const answer = await receiver.handle(body, request.headers);
      response.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    })().catch((error: unknown) => {
      options.log?.(`webhook server error: ${(error as Error).message}`);
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  return {
    url,
    webhookUrl: `${url}${OPENAI_WEBHOOK_PATH}`,
    receiver,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

