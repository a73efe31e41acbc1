/**
 * The worker's operations endpoint (`agentrun worker --metrics-port N`): Prometheus metrics at
 * `/metrics` and a health check at `/healthz`, on one port.
 *
 * `/metrics` serves agentrun's own metrics (names starting `agentrun_`), read at scrape time from
 * the worker and the provider budgets, followed by the Temporal SDK core's metrics (names starting
 * `temporal_`), which core's own Prometheus exporter serves on a loopback port of its own: one
 * scrape target for both. `/healthz` answers 200 while the worker runs and polls, 503 otherwise.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Worker } from '@temporalio/worker';
import { providerBudgets } from '../providers/provider-budget';

/** Options of {@link startMetricsServer}. */
export interface MetricsServerOptions {
  worker: Worker;
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Core's Prometheus endpoint (`http://127.0.0.1:PORT/metrics`), appended to `/metrics`. */
  coreMetricsUrl?: string;
}

/** A running metrics server. */
export interface RunningMetricsServer {
  /** `http://host:port`. */
  url: string;
  close(): Promise<void>;
}

/** One metric family in Prometheus' text format. */
function family(name: string, type: 'counter' | 'gauge', help: string, samples: Array<{ labels?: Record<string, string>; value: number }>): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  for (const { labels, value } of samples) {
    const rendered = labels && Object.keys(labels).length ? `{${Object.entries(labels).map(([key, label]) => `${key}="${label.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}` : '';
    lines.push(`${name}${rendered} ${value}`);
  }
  return `${lines.join('\n')}\n`;
}

/** agentrun's metrics, as they stand now. */
export function agentrunMetrics(worker: Worker): string {
  const status = worker.getStatus();
  const budgets = providerBudgets().map((budget) => budget.stats());
  const byEndpoint = <K extends keyof (typeof budgets)[number]>(key: K, scale = 1) => budgets.map((stats) => ({ labels: { endpoint: stats.endpoint }, value: Number(stats[key]) * scale }));
  return [
    family('agentrun_worker_up', 'gauge', 'Whether the worker runs and polls (1) or not (0).', [{ value: isHealthy(worker) ? 1 : 0 }]),
    family('agentrun_worker_cached_workflows', 'gauge', 'Workflows kept in the worker cache (waiting runs among them).', [{ value: status.numCachedWorkflows }]),
    family('agentrun_worker_activities_in_flight', 'gauge', 'Activities running now: tool calls and provider calls (waits held by the watcher are not among them).', [{ value: status.numInFlightActivities }]),
    family('agentrun_provider_requests_total', 'counter', 'Provider requests sent, per provider endpoint.', byEndpoint('requests')),
    family('agentrun_provider_requests_in_flight', 'gauge', 'Provider requests awaiting a response (the budget allows maxConcurrent).', byEndpoint('inFlight')),
    family('agentrun_provider_requests_queued', 'gauge', 'Provider requests waiting for the budget.', byEndpoint('queued')),
    family('agentrun_provider_throttled_total', 'counter', 'Provider 429s absorbed by waiting.', byEndpoint('throttled')),
    family('agentrun_provider_throttle_errors_total', 'counter', 'Provider 429s handed to the caller (wait exhausted, quota).', byEndpoint('passedOn')),
    family('agentrun_provider_budget_wait_seconds_total', 'counter', 'Time provider requests spent waiting for the budget.', byEndpoint('waitedMs', 1 / 1000)),
  ].join('');
}

/** Running and polling for workflow tasks. */
export function isHealthy(worker: Worker): boolean {
  const status = worker.getStatus();
  return status.runState === 'RUNNING' && status.workflowPollerState === 'POLLING';
}

/** Starts the server; resolves once it listens. */
export async function startMetricsServer(options: MetricsServerOptions): Promise<RunningMetricsServer> {
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://metrics').pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET' }).end();
      return;
    }
    if (path === '/healthz') {
      const status = options.worker.getStatus();
      const healthy = isHealthy(options.worker);
      response.writeHead(healthy ? 200 : 503, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ status: healthy ? 'ok' : 'unavailable', runState: status.runState, workflowPoller: status.workflowPollerState, activityPoller: status.activityPollerState }));
      return;
    }
    if (path === '/metrics') {
      void coreMetrics(options.coreMetricsUrl).then((core) => {
        response.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
        response.end(`${agentrunMetrics(options.worker)}${core}`);
      });
      return;
    }
    response.writeHead(404, { 'Content-Type': 'text/plain' }).end('GET /metrics or /healthz\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Core's metrics text, or a comment saying why it is missing (a scrape should not fail for it). */
async function coreMetrics(url: string | undefined): Promise<string> {
  if (!url) return '';
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    return response.ok ? await response.text() : `# Temporal SDK core metrics unavailable: HTTP ${response.status}\n`;
  } catch (error) {
    return `# Temporal SDK core metrics unavailable: ${(error as Error).message}\n`;
  }
}
