/**
 * The agentrun worker: runs the workflows, the provider activities and the user's tools, on a
 * worker of its own ({@link AgentrunPlugin} adds the same to a worker of yours).
 *
 * The provider is built once, from the worker's environment (credentials never enter workflow
 * input or history), and injected into the activities.
 */
import { Connection } from '@temporalio/client';
import { NativeConnection, Worker, type NativeConnectionOptions, type WorkerOptions } from '@temporalio/worker';
import { AgentrunPlugin, type AgentrunBackend } from './plugin';
import type { AgentProvider } from './providers/provider';
import { DEFAULT_TASK_QUEUE } from './shared/run-messages';
import { AGENTRUN_SEARCH_ATTRIBUTES, searchAttributeCliType } from './shared/search-attributes';
import { temporalSettings } from './temporal-connection';
import type { Tool } from './tools/define-tool';
import type { TurnWatcher, TurnWatcherOptions } from './watcher/turn-watcher';
import type { ProviderBudgetOptions } from './providers/provider-budget';

/** Options of {@link createAgentrunWorker}. */
export interface AgentrunWorkerOptions {
  /** Default: from Temporal's environment (TEMPORAL_ADDRESS, envconfig profiles). */
  connection?: NativeConnection;
  namespace?: string;
  /** Default `agentrun`. */
  taskQueue?: string;
  /** The function tools this worker runs. */
  tools?: readonly Tool[];
  /**
   * A threads/runs provider with its file store (the `openai` adapter for one configuration). Default:
   * what `AGENTRUN_PROVIDER` configures. Ignored when `service` is given.
   */
  provider?: AgentProvider;
  /** The neutral seam over the worker's protocol (threads/runs or Responses), with its file store and, optionally, the ends of thread migrations. */
  service?: AgentrunBackend;
  /** Secrets to scrub from failure messages (default: the configured provider's keys). */
  secrets?: readonly string[];
  /** Register agentrun's search attributes when the server lacks them (default true). */
  registerSearchAttributes?: boolean;
  /** The watcher that holds poll and stream waits without activity slots (default on; see {@link AgentrunPlugin}). */
  watcher?: boolean | TurnWatcherOptions | TurnWatcher;
  /** The provider budget (see {@link AgentrunPlugin}); default from the environment. */
  budget?: ProviderBudgetOptions;
  /** Passed to `Worker.create` (concurrency limits, interceptors, ...). */
  workerOptions?: Partial<WorkerOptions>;
  log?: (line: string) => void;
}

/**
 * Creates (does not start) a worker with agentrun's workflows and activities: sugar over
 * {@link AgentrunPlugin} on a worker of its own (agentrun's workflows as its workflows module).
 */
export async function createAgentrunWorker(options: AgentrunWorkerOptions = {}): Promise<Worker> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const settings = temporalSettings({ namespace: options.namespace });
  const connection = options.connection ?? (await NativeConnection.connect(settings.connectionOptions as NativeConnectionOptions));
  const namespace = options.namespace ?? settings.namespace;
  if (options.registerSearchAttributes !== false) await ensureSearchAttributes(connection, namespace, log);
  const plugin = new AgentrunPlugin({ tools: options.tools, service: options.service, provider: options.provider, secrets: options.secrets, log, watcher: options.watcher, budget: options.budget });
  const { plugins = [], ...workerOptions } = options.workerOptions ?? {};
  return Worker.create({
    connection,
    namespace,
    taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
    ...workerOptions,
    plugins: [...plugins, plugin],
  });
}

/**
 * Makes sure the namespace has agentrun's search attributes. Registers the missing ones; if the
 * server refuses (no operator permission, Temporal Cloud), throws with the exact command to run.
 */
export async function ensureSearchAttributes(connection: NativeConnection | Connection, namespace: string, log: (line: string) => void = () => undefined): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = { ...existing.customAttributes, ...existing.systemAttributes };
  const missing = AGENTRUN_SEARCH_ATTRIBUTES.filter((key) => !(key.name in known));
  if (!missing.length) return;
  const typeNumbers: Record<string, number> = { TEXT: 1, KEYWORD: 2, INT: 3, DOUBLE: 4, BOOL: 5, DATETIME: 6, KEYWORD_LIST: 7 };
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, typeNumbers[key.type]!])),
    });
    log(`agentrun worker: registered search attributes ${missing.map((key) => key.name).join(', ')} in namespace ${namespace}`);
  } catch (error) {
    const command = `temporal operator search-attribute create --namespace ${namespace} ${missing.map((key) => `--name ${key.name} --type ${searchAttributeCliType(key.type)}`).join(' ')}`;
    throw new Error(`The namespace ${namespace} lacks agentrun's search attributes and registering them failed (${(error as Error).message}). Run:\n  ${command}`);
  }
}
