/**
 * A provider budget: one per provider endpoint (deployment) in a worker process, shared by every
 * run the worker drives. It bounds concurrent requests and requests per second, and turns the
 * provider's 429s into waiting: a 429 pauses every request to that endpoint until its
 * `retry-after`, then the request is sent again, so a rate limit is met by the worker as a whole
 * instead of by each run retrying on its own (a storm no single run can see).
 *
 * It sits in `fetch`, below the `openai` client (which has `maxRetries: 0`), so it covers every
 * call of every protocol. What it cannot absorb (a 429 for longer than `maxThrottledWaitMs`,
 * `insufficient_quota`, a body that cannot be sent twice) goes up as the 429 it is, and Temporal's
 * retry takes over.
 */

/** Options of a {@link ProviderBudget}. */
export interface ProviderBudgetOptions {
  /** Requests awaiting their response at once (a stream counts until its headers arrive). Default 128. */
  maxConcurrent?: number;
  /** Requests started per second; 0 for no limit (the default). */
  maxPerSecond?: number;
  /** How long one request may wait out 429s before the 429 is returned to its caller. Default 5 minutes. */
  maxThrottledWaitMs?: number;
}

/** Where a budget stands (logs, metrics, the benchmark). */
export interface ProviderBudgetStats {
  endpoint: string;
  requests: number;
  inFlight: number;
  queued: number;
  /** 429s absorbed by waiting. */
  throttled: number;
  /** 429s handed to the caller (budget exhausted, quota, unrepeatable body). */
  passedOn: number;
  /** Until when every request waits (epoch ms), or null. */
  pausedUntil: number | null;
  /** Total time requests spent waiting for the budget (queue, rate, pauses), in ms. */
  waitedMs: number;
}

const DEFAULT_MAX_CONCURRENT = 128;
const DEFAULT_MAX_THROTTLED_WAIT_MS = 5 * 60_000;
/** Pause after a 429 that names no delay; doubles while 429s keep coming, up to the maximum. */
const FIRST_PAUSE_MS = 1_000;
const MAX_PAUSE_MS = 60_000;

export class ProviderBudget {
  readonly maxConcurrent: number;
  readonly maxPerSecond: number;
  readonly maxThrottledWaitMs: number;
  private inFlight = 0;
  private readonly waiters: Array<() => void> = [];
  private pausedUntil = 0;
  private nextPauseMs = FIRST_PAUSE_MS;
  /**
   * Start times of the last second's requests (rate limit). A request's time is set when it is
   * let go and set again when it is really sent: a busy event loop can run the send later, and
   * the provider counts sends, so the window follows the later time.
   */
  private recentStarts: Array<{ at: number }> = [];
  private readonly counts = { requests: 0, throttled: 0, passedOn: 0, waitedMs: 0 };
  private wakeTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly endpoint: string,
    options: ProviderBudgetOptions = {},
  ) {
    this.maxConcurrent = positive(options.maxConcurrent, DEFAULT_MAX_CONCURRENT, 'maxConcurrent');
    this.maxPerSecond = options.maxPerSecond === undefined || options.maxPerSecond === 0 ? Infinity : positive(options.maxPerSecond, 0, 'maxPerSecond');
    this.maxThrottledWaitMs = options.maxThrottledWaitMs ?? DEFAULT_MAX_THROTTLED_WAIT_MS;
  }

  stats(): ProviderBudgetStats {
    return {
      endpoint: this.endpoint,
      ...this.counts,
      inFlight: this.inFlight,
      queued: this.waiters.length,
      pausedUntil: this.pausedUntil > Date.now() ? this.pausedUntil : null,
    };
  }

  /** `fetch` through this budget. */
  wrap(inner: typeof fetch): typeof fetch {
    return async (input, init) => {
      const firstTry = Date.now();
      for (;;) {
        const start = await this.acquire(init?.signal ?? undefined);
        let response: Response;
        try {
          if (start) start.at = Date.now();
          response = await inner(input, init);
        } finally {
          this.release();
        }
        if (response.status !== 429) {
          this.nextPauseMs = FIRST_PAUSE_MS;
          return response;
        }
        const delayMs = retryDelayMs(response.headers) ?? this.nextPauseMs;
        const absorbable = Date.now() + delayMs - firstTry <= this.maxThrottledWaitMs && isRepeatable(init?.body) && !(await isQuotaError(response));
        if (!absorbable || init?.signal?.aborted) {
          this.counts.passedOn += 1;
          return response;
        }
        this.counts.throttled += 1;
        this.pause(delayMs);
        await response.body?.cancel().catch(() => undefined);
      }
    };
  }

  /** Every request to this endpoint waits until `delayMs` from now (the longest pause wins). */
  private pause(delayMs: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + delayMs);
    this.nextPauseMs = Math.min(MAX_PAUSE_MS, this.nextPauseMs * 2);
  }

  /**
   * Waits for a slot: not paused, under the rate, under the concurrency. Waiters are woken in
   * arrival order; one that finds the budget taken again goes to the back.
   */
  private async acquire(signal: AbortSignal | undefined): Promise<{ at: number } | undefined> {
    const queuedAt = Date.now();
    while (!this.mayStart()) {
      signal?.throwIfAborted();
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          const index = this.waiters.indexOf(wake);
          if (index >= 0) this.waiters.splice(index, 1);
          reject(signal!.reason);
        };
        const wake = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        this.waiters.push(wake);
        signal?.addEventListener('abort', onAbort, { once: true });
        this.scheduleWake();
      });
    }
    this.counts.waitedMs += Date.now() - queuedAt;
    this.counts.requests += 1;
    this.inFlight += 1;
    if (this.maxPerSecond === Infinity) return undefined;
    const start = { at: Date.now() };
    this.recentStarts.push(start);
    return start;
  }

  private release(): void {
    this.inFlight -= 1;
    this.wakeNext();
  }

  private mayStart(): boolean {
    const now = Date.now();
    if (this.pausedUntil > now || this.inFlight >= this.maxConcurrent) return false;
    if (this.maxPerSecond === Infinity) return true;
    this.recentStarts = this.recentStarts.filter((start) => start.at > now - 1_000);
    return this.recentStarts.length < this.maxPerSecond;
  }

  /** Wakes as many waiters as may start now (each re-checks); the rest wait for a release or the timer. */
  private wakeNext(): void {
    let room = this.maxConcurrent - this.inFlight;
    while (room-- > 0 && this.waiters.length) this.waiters.shift()!();
  }

  /** A pause or the rate limit ends at a known time, when no release will wake anyone: a timer does. */
  private scheduleWake(): void {
    if (this.wakeTimer) return;
    const now = Date.now();
    const rateFreeAt = this.maxPerSecond !== Infinity && this.recentStarts.length >= this.maxPerSecond ? Math.min(...this.recentStarts.map((start) => start.at)) + 1_000 : now;
    const at = Math.max(this.pausedUntil, rateFreeAt);
    if (at <= now && this.inFlight >= this.maxConcurrent) return; // a release will wake them
    this.wakeTimer = setTimeout(
      () => {
        this.wakeTimer = undefined;
        this.wakeNext();
        if (this.waiters.length) this.scheduleWake();
      },
      Math.max(1, at - now),
    );
    this.wakeTimer.unref();
  }
}

/**
 * The budgets of this process, one per endpoint: every client built for the same deployment
 * shares it (threads/runs and Responses clients, file stores, migrations).
 */
const budgets = new Map<string, ProviderBudget>();

/** The budget of an endpoint, created with `options` the first time it is asked for. */
export function providerBudget(endpoint: string, options: ProviderBudgetOptions = {}): ProviderBudget {
  let budget = budgets.get(endpoint);
  if (!budget) budgets.set(endpoint, (budget = new ProviderBudget(endpoint, options)));
  return budget;
}

/** Every budget of this process (status, metrics). */
export function providerBudgets(): ProviderBudget[] {
  return [...budgets.values()];
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`Provider budget ${name} must be a positive number (got ${value})`);
  return value;
}

/** `retry-after-ms` (OpenAI, Azure) or `retry-after` (seconds, or an HTTP date). */
function retryDelayMs(headers: Headers): number | undefined {
  const milliseconds = Number(headers.get('retry-after-ms'));
  if (headers.has('retry-after-ms') && Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** A body that can be sent again as it is (a stream cannot). */
function isRepeatable(body: RequestInit['body']): boolean {
  return body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array || body instanceof ArrayBuffer || body instanceof URLSearchParams || body instanceof FormData || body instanceof Blob;
}

/** `insufficient_quota`: waiting does not help (billing), so it goes to the caller. */
async function isQuotaError(response: Response): Promise<boolean> {
  try {
    return (await response.clone().text()).includes('insufficient_quota');
  } catch {
    return false;
  }
}
