import type { WebhookSettings } from './webhooks';

/** Options of `startEmulator`. */
export interface EmulatorOptions {
  /** Port to listen on; 0 or undefined picks a free port. */
  port?: number;
  /** Interface to bind; default `127.0.0.1` (loopback only: the admin API has no auth). */
  host?: string;
  /** The one credential accepted, in every dialect. Default `emulator-key`. */
  apiKey?: string;
  /** Lifetime of an active run (`expires_at = created_at + runExpirySeconds`). Default 600, as the service. */
  runExpirySeconds?: number;
  /** Default time each scripted model step spends `in_progress`. Default 100 ms. */
  stepDelayMs?: number;
  /** Time a run spends `queued` before `in_progress`. Default 20 ms. */
  queuedDelayMs?: number;
  /** Value of `openai-poll-after-ms` on run, file batch and vector store file retrievals; 0 omits the header. Default 1000. */
  pollAfterMs?: number;
  /** Serve HTTPS with this key and certificate instead of HTTP (Foundry's client needs TLS for bearer auth). */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Keep every response (method, route template, status, body or SSE events) for schema validation. */
  recordResponses?: boolean;
  /**
   * Default time a file attached to a vector store spends `in_progress` before its outcome
   * (`.slow.` files take ten times as long; `addFileOutcome` rules set their own). Default 200 ms.
   */
  fileProcessingMs?: number;
  /**
   * Length of one day of a vector store's `expires_after: { days }`, in seconds. Default 86400;
   * tests shorten it (e.g. 1) to watch a store expire.
   */
  vectorStoreDaySeconds?: number;
  /**
   * How long a background response created without `store: true` can be read (the service keeps
   * such responses about 10 minutes), in seconds. Default 600.
   */
  unstoredRetentionSeconds?: number;
  /**
   * Foundry agents v2 only: how long after a response's creation its function calls accept outputs
   * ("Runs expire 10 minutes after creation"), in seconds. Default 600.
   */
  responseToolExpirySeconds?: number;
  /**
   * Send `response.completed|failed|cancelled|incomplete` webhook events, signed with the `whsec_`
   * secret, to this URL (also settable at runtime: `setWebhooks`, `PUT /_emulator/webhooks`).
   */
  webhooks?: WebhookSettings;
  /**
   * Delays before each retry of a webhook delivery that failed (non-2xx or a connection error), in
   * milliseconds; after the last, the delivery is given up. Default 1000, 2000, 4000, 8000, 16000
   * (the service retries for up to 72 hours; tests want less).
   */
  webhookRetryDelaysMs?: number[];
  /** Seed of the PRNG behind rate-based faults. */
  seed?: number;
  /** Receives one line per request. */
  log?: (line: string) => void;
}

/** Options with every default filled in. */
export type ResolvedEmulatorOptions = Required<Omit<EmulatorOptions, 'tls' | 'log' | 'webhooks'>> &
  Pick<EmulatorOptions, 'tls' | 'log' | 'webhooks'>;

/** The defaults, matching the real service where it has one (a 10-minute run lifetime). */
export const EMULATOR_DEFAULTS = {
  port: 0,
  host: '127.0.0.1',
  apiKey: 'emulator-key',
  runExpirySeconds: 600,
  stepDelayMs: 100,
  queuedDelayMs: 20,
  pollAfterMs: 1000,
  fileProcessingMs: 200,
  vectorStoreDaySeconds: 86_400,
  recordResponses: false,
  seed: 1,
  unstoredRetentionSeconds: 600,
  responseToolExpirySeconds: 600,
  webhookRetryDelaysMs: [1000, 2000, 4000, 8000, 16000] as readonly number[],
} as const;

/** Fills in the defaults. */
export function resolveOptions(options: EmulatorOptions = {}): ResolvedEmulatorOptions {
  return {
    port: options.port ?? EMULATOR_DEFAULTS.port,
    host: options.host ?? EMULATOR_DEFAULTS.host,
    apiKey: options.apiKey ?? EMULATOR_DEFAULTS.apiKey,
    runExpirySeconds: options.runExpirySeconds ?? EMULATOR_DEFAULTS.runExpirySeconds,
    stepDelayMs: options.stepDelayMs ?? EMULATOR_DEFAULTS.stepDelayMs,
    queuedDelayMs: options.queuedDelayMs ?? EMULATOR_DEFAULTS.queuedDelayMs,
    pollAfterMs: options.pollAfterMs ?? EMULATOR_DEFAULTS.pollAfterMs,
    fileProcessingMs: options.fileProcessingMs ?? EMULATOR_DEFAULTS.fileProcessingMs,
    vectorStoreDaySeconds: options.vectorStoreDaySeconds ?? EMULATOR_DEFAULTS.vectorStoreDaySeconds,
    recordResponses: options.recordResponses ?? EMULATOR_DEFAULTS.recordResponses,
    seed: options.seed ?? EMULATOR_DEFAULTS.seed,
    unstoredRetentionSeconds: options.unstoredRetentionSeconds ?? EMULATOR_DEFAULTS.unstoredRetentionSeconds,
    responseToolExpirySeconds: options.responseToolExpirySeconds ?? EMULATOR_DEFAULTS.responseToolExpirySeconds,
    webhookRetryDelaysMs: [...(options.webhookRetryDelaysMs ?? EMULATOR_DEFAULTS.webhookRetryDelaysMs)],
    webhooks: options.webhooks,
    tls: options.tls,
    log: options.log,
  };
}
