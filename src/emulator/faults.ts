import { z } from 'zod/v4';
import {
  EmulatorHttpError,
  insufficientQuota,
  rateLimitExceeded,
  serverError,
  serviceUnavailable,
} from './errors';

/** Every fault the emulator can inject. */
export const FAULT_KINDS = ['rate_limit', 'quota', 'server_error', 'unavailable', 'reset', 'slow', 'commit_then_drop'] as const;

/** One fault kind. */
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * A fault to inject into matching requests.
 *
 * - `rate_limit`: 429 `rate_limit_exceeded` with `retry-after-ms` / `retry-after`.
 * - `quota`: 429 `insufficient_quota` (not retryable).
 * - `server_error`: 500. `unavailable`: 503.
 * - `reset`: the socket is destroyed without a response and the request is NOT applied.
 * - `slow`: waits `delayMs`, then handles the request normally.
 * - `commit_then_drop`: the request IS applied (a run is created, outputs are accepted), then the
 *   socket is destroyed without a response: the case that makes a retried create double-submit.
 *
 * With neither `times` nor `rate`, the rule applies to every matching request until cleared.
 */
export interface FaultRule {
  kind: FaultKind;
  /** HTTP method to match (any if absent). */
  method?: string;
  /** Dialect-neutral route template to match, e.g. `/threads/{thread_id}/runs` (any if absent). */
  route?: string;
  /** Apply to the next N matching requests, then retire the rule. */
  times?: number;
  /** Probability (0..1) of applying to each matching request, drawn from the seeded PRNG. */
  rate?: number;
  /** For `rate_limit` / `unavailable`: the advertised retry delay (default 1000 ms for `rate_limit`). */
  retryAfterMs?: number;
  /** For `slow`: how long to wait (default 1000 ms). */
  delayMs?: number;
}

/** Validates a rule posted to `POST /_emulator/faults` or passed to `addFault`. */
export const faultRuleSchema = z.strictObject({
  kind: z.enum(FAULT_KINDS),
  method: z.string().min(1).optional(),
  route: z.string().startsWith('/').optional(),
  times: z.int().min(1).optional(),
  rate: z.number().min(0).max(1).optional(),
  retryAfterMs: z.int().min(0).optional(),
  delayMs: z.int().min(0).optional(),
});

/** Checks a rule (from code or from the admin API); throws an Error naming the bad field. */
export function parseFaultRule(value: unknown): FaultRule {
  const result = faultRuleSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? 'the rule' : issue.path.join('.');
  throw new Error(`Invalid FaultRule at ${where}: ${issue?.message ?? 'invalid'}`);
}

/** A fault chosen for one request. */
export interface FaultDecision {
  kind: FaultKind;
  retryAfterMs?: number;
  delayMs?: number;
}

/** Default retry delay advertised by `rate_limit`. */
const DEFAULT_RETRY_AFTER_MS = 1000;
/** Default wait of `slow`. */
const DEFAULT_SLOW_DELAY_MS = 1000;

interface ActiveRule {
  rule: FaultRule;
  remaining: number | undefined;
}

/**
 * Chooses which requests fail. Rate-based rules draw from a seeded PRNG so a benchmark or a test that
 * injects "10% of requests" sees the same requests fail on every run.
 */
export class FaultInjector {
  private rules: ActiveRule[] = [];
  private random: () => number;

  constructor(private readonly seed: number) {
    this.random = mulberry32(seed);
  }

  /** Adds a rule (validated; throws a readable error for a bad one). */
  add(rule: FaultRule): void {
    const parsed = parseFaultRule(rule);
    this.rules.push({ rule: parsed, remaining: parsed.times });
  }

  /** Removes every rule. */
  clear(): void {
    this.rules = [];
  }

  /** Removes every rule and restarts the PRNG from the seed. */
  reset(): void {
    this.clear();
    this.random = mulberry32(this.seed);
  }

  /** The fault for this request, if a rule matches (first matching rule wins). */
  decide(method: string, routeTemplate: string): FaultDecision | undefined {
    for (const active of this.rules) {
      const { rule } = active;
      if (rule.method !== undefined && rule.method.toUpperCase() !== method) continue;
      if (rule.route !== undefined && rule.route !== routeTemplate) continue;
      if (rule.rate !== undefined && this.random() >= rule.rate) continue;
      if (active.remaining !== undefined) {
        active.remaining -= 1;
        if (active.remaining <= 0) {
          this.rules = this.rules.filter((candidate) => candidate !== active);
        }
      }
      return { kind: rule.kind, retryAfterMs: rule.retryAfterMs, delayMs: rule.delayMs };
    }
    return undefined;
  }
}

/**
 * Parses the per-request header `x-emulator-fault: <kind>[;retry_after_ms=N][;delay_ms=N]`.
 * Returns undefined for an absent header; throws a message for a malformed one.
 */
export function parseFaultHeader(value: string | undefined): FaultDecision | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const [kindText, ...options] = value.split(';').map((part) => part.trim());
  const kind = FAULT_KINDS.find((candidate) => candidate === kindText);
  if (kind === undefined) {
    throw new Error(`Unknown fault kind '${kindText ?? ''}' in x-emulator-fault. Known kinds: ${FAULT_KINDS.join(', ')}.`);
  }
  const decision: FaultDecision = { kind };
  for (const option of options) {
    const [name, raw] = option.split('=').map((part) => part.trim());
    const number = Number(raw);
    if (raw === undefined || !Number.isInteger(number) || number < 0) {
      throw new Error(`Invalid option '${option}' in x-emulator-fault: expected name=<non-negative integer>.`);
    }
    if (name === 'retry_after_ms') decision.retryAfterMs = number;
    else if (name === 'delay_ms') decision.delayMs = number;
    else throw new Error(`Unknown option '${name ?? ''}' in x-emulator-fault. Known options: retry_after_ms, delay_ms.`);
  }
  return decision;
}

/** The HTTP error a responding fault sends (undefined for `reset`, `slow`, `commit_then_drop`). */
export function faultResponse(decision: FaultDecision): EmulatorHttpError | undefined {
  switch (decision.kind) {
    case 'rate_limit':
      return rateLimitExceeded(decision.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS);
    case 'quota':
      return insufficientQuota();
    case 'server_error':
      return serverError();
    case 'unavailable':
      return serviceUnavailable(decision.retryAfterMs);
    default:
      return undefined;
  }
}

/** How long a `slow` fault waits. */
export function slowDelayMs(decision: FaultDecision): number {
  return decision.delayMs ?? DEFAULT_SLOW_DELAY_MS;
}

/** A tiny, well-known seeded PRNG (mulberry32): deterministic fault patterns without a dependency. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}
