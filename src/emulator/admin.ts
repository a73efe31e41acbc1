import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseFaultRule, type FaultRule } from './faults';
import { parseFileOutcomeRule, type FileOutcomeRule } from './file-outcomes';
import type { EmulatorStats, RecordedResponse } from './ledger';
import { parseWebhookSettings, type WebhookSettings } from './webhooks';

/** What the admin API can reach of a running emulator. */
export interface AdminControls {
  stats(): EmulatorStats;
  addFault(rule: FaultRule): void;
  clearFaults(): void;
  addFileOutcome(rule: FileOutcomeRule): void;
  clearFileOutcomes(): void;
  reset(): void;
  recordedResponses(): RecordedResponse[];
  /** Sets (or, with undefined, clears) where webhook events go. Throws a readable error for bad settings. */
  setWebhooks(settings: WebhookSettings | undefined): void;
  /** The current webhook settings. */
  webhookSettings(): WebhookSettings | undefined;
}

/** Path prefix of the admin API (no auth: it is a test harness, bound to loopback by default). */
export const ADMIN_PREFIX = '/_emulator/';

/**
 * The admin API: `GET stats`, `POST faults` (a FaultRule), `DELETE faults`, `POST file-outcomes`
 * (a FileOutcomeRule), `DELETE file-outcomes`, `PUT webhooks` (WebhookSettings), `GET webhooks`,
 * `DELETE webhooks`, `POST reset`, `GET responses`, `GET health`. Lets tests in another process (a
 * Temporal worker, a benchmark) inject faults, script file processing, point webhooks somewhere and
 * read the ledger over HTTP.
 */
export function handleAdminRequest(
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  rawBody: string,
  controls: AdminControls,
): void {
  const method = (request.method ?? 'GET').toUpperCase();
  const action = `${method} ${path.slice(ADMIN_PREFIX.length)}`;
  switch (action) {
    case 'GET health':
      return sendJson(response, 200, { status: 'ok' });
    case 'GET stats':
      return sendJson(response, 200, controls.stats());
    case 'GET responses':
      return sendJson(response, 200, controls.recordedResponses());
    case 'POST reset':
      controls.reset();
      return sendJson(response, 200, { reset: true });
    case 'DELETE faults':
      controls.clearFaults();
      return sendJson(response, 200, { cleared: true });
    case 'POST faults':
      return addRule(response, rawBody, 'FaultRule', parseFaultRule, (rule) => controls.addFault(rule));
    case 'DELETE file-outcomes':
      controls.clearFileOutcomes();
      return sendJson(response, 200, { cleared: true });
    case 'POST file-outcomes':
      return addRule(response, rawBody, 'FileOutcomeRule', parseFileOutcomeRule, (rule) => controls.addFileOutcome(rule));
    case 'GET webhooks':
      return sendJson(response, 200, { webhooks: controls.webhookSettings() ?? null });
    case 'PUT webhooks':
    case 'POST webhooks':
      return addRule(response, rawBody, 'WebhookSettings', parseWebhookSettings, (settings) => controls.setWebhooks(settings));
    case 'DELETE webhooks':
      controls.setWebhooks(undefined);
      return sendJson(response, 200, { cleared: true });
    default:
      return sendJson(response, 404, { error: { message: `Unknown admin endpoint: ${method} ${path}` } });
  }
}

/** Parses a JSON rule, adds it, and answers `{ added: rule }` (or a 400 naming the problem). */
function addRule<Rule>(
  response: ServerResponse,
  rawBody: string,
  ruleName: string,
  parse: (value: unknown) => Rule,
  add: (rule: Rule) => void,
): void {
  let json: unknown;
  try {
    json = JSON.parse(rawBody === '' ? '{}' : rawBody);
  } catch {
    return sendJson(response, 400, { error: { message: `The body must be a JSON ${ruleName}.` } });
  }
  let rule: Rule;
  try {
    rule = parse(json);
  } catch (error) {
    return sendJson(response, 400, { error: { message: (error as Error).message } });
  }
  add(rule);
  return sendJson(response, 200, { added: rule });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}
