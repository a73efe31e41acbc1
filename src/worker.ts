/**
 * The agentrun worker: runs the workflows, the provider activities and the user's tools.
 *
 * The provider is built once here, from the worker's environment (credentials never enter
 * workflow input or history), and injected into the activities.
 */
import { Connection } from '@temporalio/client';
import { NativeConnection, Worker, type NativeConnectionOptions, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from './activities';
import { createAgentService } from './providers';
import type { AgentService } from './providers/agent-service';
import type { AgentProvider, FileStore, ThreadsRunsApi } from './providers/provider';
import type { ResponsesApi } from './providers/responses-api';
import { ThreadsRunsService } from './providers/threads-runs-service';
import { configSecrets, describeProviderConfig, readProviderConfig } from './providers/provider-config';
import { DEFAULT_TASK_QUEUE } from './shared/run-messages';
import { AGENTRUN_SEARCH_ATTRIBUTES, searchAttributeCliType } from './shared/search-attributes';
import { temporalSettings } from './temporal-connection';
import { checkUniqueNames } from './tools/load-tools';
import { toolDefinitions, type Tool } from './tools/define-tool';

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
  service?: { service: AgentService; files: FileStore; migration?: { threads: ThreadsRunsApi; conversations: ResponsesApi } };
  /** Secrets to scrub from failure messages (default: the configured provider's keys). */
  secrets?: readonly string[];
  /** Register agentrun's search attributes when the server lacks them (default true). */
  registerSearchAttributes?: boolean;
  /** Passed to `Worker.create` (concurrency limits, interceptors, ...). */
  workerOptions?: Partial<WorkerOptions>;
  log?: (line: string) => void;
}

/** Creates (does not start) a worker with agentrun's workflows and activities. */
export async function createAgentrunWorker(options: AgentrunWorkerOptions = {}): Promise<Worker> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const settings = temporalSettings({ namespace: options.namespace });
  const connection = options.connection ?? (await NativeConnection.connect(settings.connectionOptions as NativeConnectionOptions));
  const namespace = options.namespace ?? settings.namespace;
  if (options.registerSearchAttributes !== false) await ensureSearchAttributes(connection, namespace, log);

  const tools = checkUniqueNames([...(options.tools ?? [])]);
  let secrets = options.secrets ?? [];
  let backend = options.service ?? (options.provider ? { service: new ThreadsRunsService(options.provider, secrets), files: options.provider } : undefined);
  if (!backend) {
    const config = readProviderConfig();
    secrets = options.secrets ?? configSecrets(config);
    // An inline agent without tools of its own (Responses) gets the definitions of this worker's tools.
    backend = createAgentService(config, { secrets, defaultTools: toolDefinitions(tools) });
    log(`agentrun worker: provider ${describeProviderConfig(config)}`);
  }
  return Worker.create({
    connection,
    namespace,
    taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
    workflowsPath: require.resolve('./workflows'),
    activities: createActivities({ ...backend, tools, secrets }),
    // Cancellation reaches an activity only in a heartbeat response, and heartbeats are throttled
    // to 80% of the heartbeat timeout by default (8 s here). Capping the throttle makes cancelling a
    // workflow cancel its provider run within about a second.
    maxHeartbeatThrottleInterval: '1 second',
    defaultHeartbeatThrottleInterval: '1 second',
    ...options.workerOptions,
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
