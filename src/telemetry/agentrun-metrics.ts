/**
 * agentrun's own process metrics (names start `agentrun_`), in one prom-client registry: what the
 * provider requests and the watcher record as they happen, and what the provider budgets hold,
 * read at scrape time. The worker's metrics endpoint (metrics-server.ts) serves this registry with
 * the worker's own gauges and the SDK core's metrics.
 *
 * Runs, decisions and approvals are counted by the workflows themselves (workflows/run-metrics.ts,
 * through the SDK's workflow metric meter): they arrive with core's metrics.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { providerBudgets } from '../providers/provider-budget';
import type { ProviderErrorType } from './provider-requests';

/** The registry of this process's agentrun metrics. */
export const agentrunRegistry = new Registry();

const providerResponses = new Counter({
  name: 'agentrun_provider_responses_total',
  help: 'Provider HTTP responses received, per endpoint and status class (2xx, 4xx, 5xx).',
  labelNames: ['endpoint', 'status_class'] as const,
  registers: [agentrunRegistry],
});

const providerErrors = new Counter({
  name: 'agentrun_provider_errors_total',
  help: 'Provider requests that failed, per endpoint and type: rate_limited (429), server_error (5xx), client_error (other 4xx), timeout (no response in time, or aborted), network.',
  labelNames: ['endpoint', 'type'] as const,
  registers: [agentrunRegistry],
});

const turnNoticeDelay = new Histogram({
  name: 'agentrun_turn_notice_delay_seconds',
  help:
    'How late the watcher told a workflow that its provider turn needs it: from the last sight of the turn still working (its last poll, or the stream event before the end) to the workflow being told. An upper bound of the notice delay.',
  labelNames: ['mode'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
  registers: [agentrunRegistry],
});

/** Counts one provider response (and its error type, if it is one). */
export function recordProviderResponse(endpoint: string, status: number, errorType: ProviderErrorType | undefined): void {
  providerResponses.inc({ endpoint, status_class: `${Math.floor(status / 100)}xx` });
  if (errorType) providerErrors.inc({ endpoint, type: errorType });
}

/** Counts one provider request that got no response. */
export function recordProviderFailure(endpoint: string, errorType: ProviderErrorType): void {
  providerErrors.inc({ endpoint, type: errorType });
}

/** Records how late a finished turn was noticed. */
export function recordTurnNoticeDelay(mode: 'poll' | 'stream', seconds: number): void {
  turnNoticeDelay.observe({ mode }, Math.max(0, seconds));
}

/** Budget gauges and counters, read from every provider budget at scrape time. */
function budgetMetric(name: string, help: string, kind: 'gauge' | 'counter', read: (stats: ReturnType<ReturnType<typeof providerBudgets>[number]['stats']>) => number): void {
  // Cumulative numbers kept by the budget are exposed as counters by setting them at collect time.
  const Type = kind === 'gauge' ? Gauge : Counter;
  new Type({
    name,
    help,
    labelNames: ['endpoint'] as const,
    registers: [agentrunRegistry],
    collect(this: Gauge<'endpoint'> | Counter<'endpoint'>) {
      this.reset();
      for (const budget of providerBudgets()) {
        const stats = budget.stats();
        const value = read(stats);
        if (this instanceof Gauge) this.set({ endpoint: stats.endpoint }, value);
        else if (value > 0) this.inc({ endpoint: stats.endpoint }, value);
      }
    },
  });
}

budgetMetric('agentrun_provider_requests_total', 'Provider requests sent through the budget, per provider endpoint.', 'counter', (stats) => stats.requests);
budgetMetric('agentrun_provider_requests_in_flight', 'Provider requests awaiting a response (the budget allows maxConcurrent).', 'gauge', (stats) => stats.inFlight);
budgetMetric('agentrun_provider_requests_queued', 'Provider requests waiting for the budget.', 'gauge', (stats) => stats.queued);
budgetMetric('agentrun_provider_throttled_total', 'Provider 429s absorbed by waiting.', 'counter', (stats) => stats.throttled);
budgetMetric('agentrun_provider_throttle_errors_total', 'Provider 429s handed to the caller (wait exhausted, quota).', 'counter', (stats) => stats.passedOn);
budgetMetric('agentrun_provider_budget_wait_seconds_total', 'Time provider requests spent waiting for the budget.', 'counter', (stats) => stats.waitedMs / 1000);
