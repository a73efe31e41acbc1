import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseFaultRule, type FaultRule } from './faults';
import type { EmulatorStats, RecordedResponse } from './ledger';

/** What the admin API can reach of a running emulator. */
export interface AdminControls {
  stats(): EmulatorStats;
  addFault(rule: FaultRule): void;
  clearFaults(): void;
  reset(): void;
  recordedResponses(): RecordedResponse[];
}

/** Path prefix of the admin API (no auth: it is a test harness, bound to loopback by default). */
export const ADMIN_PREFIX = '/_emulator/';

/**
 * The admin API: `GET stats`, `POST faults` (a FaultRule), `DELETE faults`, `POST reset`,
 * `GET responses`, `GET health`. Lets tests in another process (a Temporal worker, a benchmark)
 * inject faults and read the ledger over HTTP.
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
      return addFault(response, rawBody, controls);
    default:
      return sendJson(response, 404, { error: { message: `Unknown admin endpoint: ${method} ${path}` } });
  }
}

function addFault(response: ServerResponse, rawBody: string, controls: AdminControls): void {
  let json: unknown;
  try {
    json = JSON.parse(rawBody === '' ? '{}' : rawBody);
  } catch {
    return sendJson(response, 400, { error: { message: 'The body must be a JSON FaultRule.' } });
  }
  let rule: FaultRule;
  try {
    rule = parseFaultRule(json);
  } catch (error) {
    return sendJson(response, 400, { error: { message: (error as Error).message } });
  }
  controls.addFault(rule);
  return sendJson(response, 200, { added: rule });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}
