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
import { Gauge, Registry } from 'prom-client';
import { Client, type ConnectionLike } from '@temporalio/client';
import { agentrunRegistry } from './agentrun-metrics';
import { settingFor, type SearchAttributeConfig } from '../search-attribute-config';
import { runSearchAttributeKeys } from '../shared/search-attributes';

/** Options of {@link startMetricsServer}. */
export interface MetricsServerOptions {
  worker: Worker;
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Core's Prometheus endpoint (`http://127.0.0.1:PORT/metrics`), appended to `/metrics`. */
  coreMetricsUrl?: string;
  /** Counts the runs of the worker's task queue that wait for a decision now (a visibility count). */
  runsWaitingForDecision?: () => Promise<number>;
}

/** A running metrics server. */
export interface RunningMetricsServer {
  /** `http://host:port`. */
  url: string;
  close(): Promise<void>;
}

/**
 * The worker's gauges, read from `worker` at scrape time, in a registry of their own (a process may
 * run more than one worker; agentrun's process-wide metrics are in {@link agentrunRegistry}).
 */
function workerRegistry(worker: Worker, runsWaitingForDecision?: () => Promise<number>): Registry {
  const registry = new Registry();
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect(this: Gauge) {
        this.set(read());
      },
    });
  gauge('agentrun_worker_up', 'Whether the worker runs and polls (1) or not (0).', () => (isHealthy(worker) ? 1 : 0));
  gauge('agentrun_worker_cached_workflows', 'Workflows kept in the worker cache (waiting runs among them).', () => worker.getStatus().numCachedWorkflows);
  gauge('agentrun_worker_activities_in_flight', 'Activities running now: tool calls and provider calls (waits held by the watcher are not among them).', () => worker.getStatus().numInFlightActivities);
  if (runsWaitingForDecision) {
    new Gauge({
      name: 'agentrun_runs_waiting_for_decision',
      help: "Runs of this worker's task queue waiting for a person's decision or an outside output now (a visibility count, across every worker of the queue).",
      registers: [registry],
      async collect(this: Gauge) {
        this.set(await runsWaitingForDecision());
      },
    });
  }
  return registry;
}

/**
 * A metrics reader for `worker`: its gauges and agentrun's process metrics, merged once (their
 * values are read at each call), in Prometheus' text format.
 */
export function agentrunMetrics(worker: Worker, runsWaitingForDecision?: () => Promise<number>): () => Promise<string> {
  const registry = Registry.merge([workerRegistry(worker, runsWaitingForDecision), agentrunRegistry]);
  return () => registry.metrics();
}

/**
 * A visibility count of the runs of `taskQueue` waiting for a decision, kept for `maxAgeMs` (each
 * scrape would otherwise query visibility), or undefined when runs keep no search attributes.
 */
export function runsWaitingForDecisionCounter(connection: ConnectionLike, namespace: string, taskQueue: string, config: SearchAttributeConfig, maxAgeMs = 5_000): (() => Promise<number>) | undefined {
  const keys = runSearchAttributeKeys(settingFor(config, 'runs'));
  if (!keys) return undefined;
  const client = new Client({ connection, namespace });
  const query = `${keys.pendingApprovals.name} > 0 AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue.replace(/'/g, "\\'")}'`;
  let cached: { at: number; count: Promise<number> } | undefined;
  return () => {
    if (!cached || Date.now() - cached.at > maxAgeMs) {
      const count = client.workflow.count(query).then((result) => result.count);
      // A failed count is retried at the next scrape, not cached.
      count.catch(() => (cached = undefined));
      cached = { at: Date.now(), count };
    }
    return cached.count;
  };
}

/** Running and polling for workflow tasks. */
export function isHealthy(worker: Worker): boolean {
  const status = worker.getStatus();
  return status.runState === 'RUNNING' && status.workflowPollerState === 'POLLING';
}

/** Starts the server; resolves once it listens. */
export async function startMetricsServer(options: MetricsServerOptions): Promise<RunningMetricsServer> {
  const readMetrics = agentrunMetrics(options.worker, options.runsWaitingForDecision);
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
      void Promise.all([readMetrics(), coreMetrics(options.coreMetricsUrl)]).then(
        ([own, core]) => {
          response.writeHead(200, { 'Content-Type': agentrunRegistry.contentType });
          response.end(`${own}${core}`);
        },
        (error: unknown) => {
          response.writeHead(500, { 'Content-Type': 'text/plain' }).end(`metrics failed: ${(error as Error).message}\n`);
        },
      );
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
