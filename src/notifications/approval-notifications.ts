/**
 * Telling people that a tool call waits for them: a webhook to the organisation's endpoints when
 * the call starts waiting, and a reminder before the provider run expires.
 *
 * Deliveries are signed the Standard Webhooks way (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature`; the `standardwebhooks` package signs), so a receiver can check them with any
 * Standard Webhooks library. The `slack` format posts a Slack incoming-webhook message instead
 * (signed too: a receiver in between can check it). The id is the same on every retry of one
 * notification, so a receiver de-duplicates.
 *
 * Configuration lives on the worker (never in history: a Slack webhook URL is a secret):
 * `AGENTRUN_NOTIFY_URLS`, `AGENTRUN_NOTIFY_SECRET`, `AGENTRUN_NOTIFY_FORMAT`, `AGENTRUN_INBOX_URL`,
 * `AGENTRUN_NOTIFY_REMINDER_BEFORE`.
 */
import { Webhook } from 'standardwebhooks';
import { durationMs } from '../shared/duration';
import { truncateText } from '../shared/truncate';

export const NOTIFY_URLS_VARIABLE = 'AGENTRUN_NOTIFY_URLS';
export const NOTIFY_SECRET_VARIABLE = 'AGENTRUN_NOTIFY_SECRET';
export const NOTIFY_FORMAT_VARIABLE = 'AGENTRUN_NOTIFY_FORMAT';
export const INBOX_URL_VARIABLE = 'AGENTRUN_INBOX_URL';
export const NOTIFY_REMINDER_VARIABLE = 'AGENTRUN_NOTIFY_REMINDER_BEFORE';

/** Where and how a worker notifies. */
export interface NotificationConfig {
  urls: string[];
  /** `whsec_...` (base64 after the prefix): the key deliveries are signed with. */
  secret: string;
  format: 'standard' | 'slack';
  /** The approvals inbox (`agentrun approvals`), for the link in each notification. */
  inboxUrl?: string;
  /** How long before the provider run expires to remind (default 3 minutes). */
  reminderBeforeMs: number;
}

/** A configuration that cannot work, naming its variable. */
export class NotificationConfigError extends Error {
  override readonly name = 'NotificationConfigError';
}

/** The worker's notification configuration from its environment, or undefined when it has none. */
export function notificationConfigFromEnvironment(env: NodeJS.ProcessEnv = process.env): NotificationConfig | undefined {
  const urls = env[NOTIFY_URLS_VARIABLE]?.split(',').map((url) => url.trim()).filter(Boolean) ?? [];
  if (!urls.length) return undefined;
  for (const url of urls) {
    if (!/^https?:\/\/[^\s]+$/.test(url)) throw new NotificationConfigError(`${NOTIFY_URLS_VARIABLE}: "${redactUrl(url)}" is not an http(s) URL`);
  }
  const secret = env[NOTIFY_SECRET_VARIABLE]?.trim();
  if (!secret) throw new NotificationConfigError(`${NOTIFY_SECRET_VARIABLE} is required with ${NOTIFY_URLS_VARIABLE}: notifications are signed (a Standard Webhooks secret, whsec_ then base64 of 24 to 64 random bytes)`);
  try {
    new Webhook(secret);
  } catch {
    throw new NotificationConfigError(`${NOTIFY_SECRET_VARIABLE} is not a Standard Webhooks secret: whsec_ then base64, e.g. whsec_$(openssl rand -base64 32)`);
  }
  const format = (env[NOTIFY_FORMAT_VARIABLE]?.trim().toLowerCase() || 'standard') as NotificationConfig['format'];
  if (format !== 'standard' && format !== 'slack') throw new NotificationConfigError(`${NOTIFY_FORMAT_VARIABLE} must be standard or slack, got "${format}"`);
  const inboxUrl = env[INBOX_URL_VARIABLE]?.trim() || undefined;
  if (inboxUrl && !/^https?:\/\//.test(inboxUrl)) throw new NotificationConfigError(`${INBOX_URL_VARIABLE} must be an http(s) URL, got "${inboxUrl}"`);
  let reminderBeforeMs = 3 * 60_000;
  const reminder = env[NOTIFY_REMINDER_VARIABLE]?.trim();
  if (reminder) {
    try {
      reminderBeforeMs = durationMs(reminder);
    } catch {
      throw new NotificationConfigError(`${NOTIFY_REMINDER_VARIABLE} must be a duration such as 3m or 90s, got "${reminder}"`);
    }
  }
  return { urls, secret, format, ...(inboxUrl ? { inboxUrl } : {}), reminderBeforeMs };
}

/** A URL for messages: scheme, host and port only (a Slack webhook's path is its secret). */
export function redactUrl(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(not a URL)';
  }
}

/** What one notification is about (from the workflow: ids, the call, its deadline). */
export interface WaitingCallNotice {
  kind: 'requested' | 'reminder';
  workflowId: string;
  toolCallId: string;
  toolName: string;
  /** The model's arguments (JSON text). */
  arguments: string;
  waitingFor: 'approval' | 'output';
  /** Who may decide, when the run says (`approval.approvers`). */
  approvers?: string[];
  /** When the provider run expires (ISO), if it does. */
  expiresAt?: string;
  /** When the call stops waiting (`approval.timeout`), ISO. */
  decideBy: string;
}

/** The inbox link of a call, if an inbox is configured. */
export function inboxLink(config: Pick<NotificationConfig, 'inboxUrl'>, notice: Pick<WaitingCallNotice, 'workflowId' | 'toolCallId'>): string | undefined {
  if (!config.inboxUrl) return undefined;
  const base = config.inboxUrl.replace(/\/+$/, '');
  return `${base}/runs/${encodeURIComponent(notice.workflowId)}#${encodeURIComponent(notice.toolCallId)}`;
}

/** The webhook's type: what receivers route on. */
export function eventType(notice: Pick<WaitingCallNotice, 'kind'>): string {
  return notice.kind === 'reminder' ? 'agentrun.tool_call.reminder' : 'agentrun.tool_call.waiting';
}

/** The body of one notification in the configured format. */
export function notificationBody(config: NotificationConfig, notice: WaitingCallNotice, timestamp: Date): string {
  const link = inboxLink(config, notice);
  if (config.format === 'slack') {
    const what = notice.waitingFor === 'approval' ? 'waits for approval' : 'waits for an output';
    const headline = `${notice.kind === 'reminder' ? 'Reminder: ' : ''}Tool call \`${notice.toolName}\` ${what} in run \`${notice.workflowId}\``;
    const deadline = notice.expiresAt ? `The provider run expires at ${notice.expiresAt}.` : `Decide by ${notice.decideBy}.`;
    return JSON.stringify({
      text: `${headline}. ${deadline}${link ? ` ${link}` : ''}`,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: `*${headline}*\n${deadline}` } },
        { type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${truncateText(notice.arguments, 2_000)}\`\`\`` } },
        ...(link ? [{ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open in the approvals inbox' }, url: link }] }] : []),
      ],
    });
  }
  return JSON.stringify({
    type: eventType(notice),
    timestamp: timestamp.toISOString(),
    data: {
      workflowId: notice.workflowId,
      toolCallId: notice.toolCallId,
      toolName: notice.toolName,
      arguments: truncateText(notice.arguments, 16_384),
      waitingFor: notice.waitingFor,
      ...(notice.approvers ? { approvers: notice.approvers } : {}),
      ...(notice.expiresAt ? { expiresAt: notice.expiresAt } : {}),
      decideBy: notice.decideBy,
      ...(link ? { link } : {}),
    },
  });
}

/** The id of a notification: the same on every retry, so receivers de-duplicate. */
export function notificationId(notice: Pick<WaitingCallNotice, 'kind' | 'workflowId' | 'toolCallId'>): string {
  return `msg_${Buffer.from(`${notice.workflowId}\u0000${notice.toolCallId}\u0000${notice.kind}`).toString('base64url')}`.slice(0, 255);
}

/** Posts one notification to one URL, signed; resolves to the HTTP status (throws on a network failure). */
export async function postNotification(config: NotificationConfig, url: string, notice: WaitingCallNotice, signal?: AbortSignal): Promise<number> {
  const timestamp = new Date();
  const body = notificationBody(config, notice, timestamp);
  const id = notificationId(notice);
  const signature = new Webhook(config.secret).sign(id, timestamp, body);
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'agentrun-notifications',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': signature,
    },
    body,
    signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(10_000)]) : AbortSignal.timeout(10_000),
  });
  await response.body?.cancel().catch(() => undefined);
  return response.status;
}
