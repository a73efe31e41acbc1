/**
 * `AgentrunPlugin`: agentrun's activities (provider calls, tools, ingestion, migration) added to a
 * Temporal worker of your own, on the SDK's plugin interface (`@temporalio/plugin`), the way
 * Temporal's own contrib packages ship.
 *
 * ```ts
 * const worker = await Worker.create({
 *   connection, taskQueue: 'my-app',
 *   workflowsPath: require.resolve('./workflows'),   // which re-exports agentrun/workflows
 *   plugins: [new AgentrunPlugin({ tools })],
 * });
 * ```
 *
 * Workflows: a worker has one workflows module. With none of your own, the plugin gives agentrun's
 * (its prebuilt bundle when it matches the installed SDK, else its sources); with your own, add
 * `export * from 'agentrun/workflows'` to it.
 */
import { SimplePlugin } from '@temporalio/plugin';
import type { Worker, WorkerOptions } from '@temporalio/worker';
import { createActivities } from './activities';
import { decisionTrustFromEnvironment, type DecisionTrust } from './decisions/signed-decisions';
import { notificationConfigFromEnvironment, type NotificationConfig } from './notifications/approval-notifications';
import { createAgentService } from './providers';
import type { AgentService } from './providers/agent-service';
import type { AgentProvider, FileStore, ThreadsRunsApi } from './providers/provider';
import { configSecrets, describeProviderConfig, readProviderConfig } from './providers/provider-config';
import type { ResponsesApi } from './providers/responses-api';
import { ThreadsRunsService } from './providers/threads-runs-service';
import { checkUniqueNames } from './tools/load-tools';
import { toolDefinitions, type Tool } from './tools/define-tool';
import { agentrunWorkflows } from './prebuilt-workflow-bundle';
import { TurnWatcher, type TurnWatcherOptions } from './watcher/turn-watcher';
import type { ProviderBudgetOptions } from './providers/provider-budget';

/** What agentrun's activities run against: the seam over the provider, its file store, the ends of thread migrations. */
export interface AgentrunBackend {
  service: AgentService;
  files: FileStore;
  migration?: { threads: ThreadsRunsApi; conversations: ResponsesApi };
}

/** Options of {@link AgentrunPlugin}. */
export interface AgentrunPluginOptions {
  /** The function tools your worker runs. */
  tools?: readonly Tool[];
  /** The seam over your provider. Default: what `AGENTRUN_PROVIDER` configures (the worker's environment). */
  service?: AgentrunBackend;
  /** A threads/runs provider with its file store (ignored when `service` is given). */
  provider?: AgentProvider;
  /** Secrets to scrub from failure messages (default: the configured provider's keys). */
  secrets?: readonly string[];
  /** Where to say which provider the worker uses (default: stderr). */
  log?: (line: string) => void;
  /**
   * The watcher that holds poll and stream waits without activity slots (default: on). `false`
   * makes each wait hold its activity slot, as before 0.3.0. A {@link TurnWatcher} of your own
   * (to read its stats) is used as it is.
   */
  watcher?: boolean | TurnWatcherOptions | TurnWatcher;
  /**
   * The provider budget of the clients built from the environment (ignored with `service` or
   * `provider`). Default: `AGENTRUN_PROVIDER_MAX_CONCURRENT`, `AGENTRUN_PROVIDER_MAX_RPS`.
   */
  budget?: ProviderBudgetOptions;
  /**
   * Use the prebuilt bundle of agentrun's workflows when it fits the installed SDK (default true).
   * `false` bundles the workflow sources when the worker starts (a few seconds): what workflow
   * interceptor modules added by plugins after this one (tracing) need to be bundled in.
   */
  prebuiltWorkflows?: boolean;
  /**
   * The keys signed decisions are verified with. Default: AGENTRUN_DECISION_PUBLIC_KEYS (PEM files)
   * or AGENTRUN_DECISION_JWKS_URL, with AGENTRUN_DECISION_ISSUERS, read at the first signed decision
   * (`createAgentrunWorker` reads them at start, so a bad setting stops it there).
   */
  decisionTrust?: DecisionTrust | Promise<DecisionTrust | undefined>;
  /**
   * Where calls waiting for a person are notified (signed webhooks, a reminder before the provider
   * run expires). Default: AGENTRUN_NOTIFY_URLS and its variables; `false`: never.
   */
  notifications?: NotificationConfig | false;
}

/**
 * Workflows kept in the worker's cache by default. A cached workflow costs memory for as long as
 * it waits (people take hours); an evicted one costs a replay of its short history (tens of ms)
 * when its next event arrives. The SDK's default grows with the heap (about 2,300 on a 4 GiB heap).
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 500;

/** The plugin's name, as Temporal reports it. */
export const AGENTRUN_PLUGIN_NAME = 'agentrun';

/**
 * The backend for a set of options: given, built from a provider, or read from the environment
 * (credentials are read on the worker, never carried in workflow input).
 */
export function agentrunBackend(options: AgentrunPluginOptions, tools: readonly Tool[]): { backend: AgentrunBackend; secrets: readonly string[] } {
  if (options.service) return { backend: options.service, secrets: options.secrets ?? [] };
  if (options.provider) return { backend: { service: new ThreadsRunsService(options.provider, options.secrets ?? []), files: options.provider }, secrets: options.secrets ?? [] };
  const config = readProviderConfig();
  const secrets = options.secrets ?? configSecrets(config);
  (options.log ?? ((line: string) => process.stderr.write(`${line}\n`)))(`agentrun worker: provider ${describeProviderConfig(config)}`);
  // An inline agent without tools of its own (Responses) gets the definitions of this worker's tools.
  return { backend: createAgentService(config, { secrets, defaultTools: toolDefinitions(tools) }, options.budget ? { budget: options.budget } : {}), secrets };
}

/** Adds agentrun's activities (and, to a worker with no workflows of its own, its workflows) to a worker. */
export class AgentrunPlugin extends SimplePlugin {
  /** The watcher of this plugin's worker (undefined when turned off). */
  readonly watcher: TurnWatcher | undefined;
  private readonly prebuiltWorkflows: boolean;
  private readonly encryption: { on: boolean };

  constructor(options: AgentrunPluginOptions = {}) {
    const tools = checkUniqueNames([...(options.tools ?? [])]);
    const { backend, secrets } = agentrunBackend(options, tools);
    const watcher =
      options.watcher === false ? undefined : options.watcher instanceof TurnWatcher ? options.watcher : new TurnWatcher({ log: options.log, ...(typeof options.watcher === 'object' ? options.watcher : {}) });
    let trust: Promise<DecisionTrust | undefined> | undefined;
    const decisionTrust = () => (trust ??= Promise.resolve(options.decisionTrust ?? decisionTrustFromEnvironment()));
    // Read once, here: a bad setting stops the worker at start, naming the variable.
    const notificationConfig = options.notifications === false ? undefined : (options.notifications ?? notificationConfigFromEnvironment());
    // Known once the worker's options are (configureWorker): read by the input check, after that.
    const encryption = { on: false };
    super({
      name: AGENTRUN_PLUGIN_NAME,
      activities: createActivities({ ...backend, tools, secrets, watcher, decisionTrust, notifications: () => notificationConfig, encryptedPayloads: () => encryption.on }),
    });
    this.encryption = encryption;
    this.watcher = watcher;
    this.prebuiltWorkflows = options.prebuiltWorkflows ?? true;
  }

  /**
   * Runs the worker; once it starts shutting down, the watcher hands its waits back to Temporal
   * (another worker resumes them at once, not after the takeover timeout).
   */
  override async runWorker(worker: Worker, next: (w: Worker) => Promise<void>): Promise<void> {
    const watcher = this.watcher;
    if (!watcher) return super.runWorker(worker, next);
    const stopping = setInterval(() => {
      if (worker.getState() !== 'RUNNING' && worker.getState() !== 'INITIALIZED') void watcher.handBack();
    }, 200);
    try {
      await super.runWorker(worker, next);
    } finally {
      clearInterval(stopping);
      await watcher.handBack();
    }
  }

  override configureWorker(options: WorkerOptions): WorkerOptions {
    const configured = super.configureWorker(options);
    this.encryption.on = Boolean(configured.dataConverter?.payloadCodecs?.length);
    const hasWorkflows = configured.workflowsPath !== undefined || configured.workflowBundle !== undefined;
    // Workflow interceptor modules must be bundled in: with them, agentrun's sources are bundled at start.
    const needsBundling = Boolean(configured.interceptors?.workflowModules?.length);
    const workflows = hasWorkflows ? {} : agentrunWorkflows(this.prebuiltWorkflows && !needsBundling);
    return {
      ...configured,
      ...workflows,
      // Cancellation reaches an activity only in a heartbeat response, and heartbeats are throttled
      // to 80% of the heartbeat timeout by default (8 s here). Capping the throttle makes cancelling a
      // workflow cancel its provider run within about a second.
      maxHeartbeatThrottleInterval: configured.maxHeartbeatThrottleInterval ?? '1 second',
      maxCachedWorkflows: configured.maxCachedWorkflows ?? DEFAULT_MAX_CACHED_WORKFLOWS,
      defaultHeartbeatThrottleInterval: configured.defaultHeartbeatThrottleInterval ?? '1 second',
    };
  }
}
