/** Provider webhooks as workflow wake-ups (README, "Webhooks"). */
export { createWebhookReceiver, OPENAI_WEBHOOK_PATH, type WebhookAnswer, type WebhookReceiver, type WebhookReceiverOptions, type WebhookReceiverStats } from './webhook-receiver';
export { startWebhookServer, type RunningWebhookServer } from './webhook-server';
