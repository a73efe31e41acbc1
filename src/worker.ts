/**
 * The agentrun worker: runs the workflows, the provider activities and the user's tools, on a
 * worker of its own ({@link AgentrunPlugin} adds the same to a worker of yours).
 *
 * The provider is built once, from the worker's environment (credentials never enter workflow
 * input or history), and injected into the activities.
 */
import { Connection } from '@temporalio/client';
import { NativeConnection, Worker, type NativeConnectionOptions, type WorkerOptions } from '@temporalio/worker';
import { agentrunDataConverter, type EncryptionKeySource } from './encryption/data-converter';
import { AgentrunPlugin, type AgentrunPluginOptions } from './plugin';
import { DEFAULT_TASK_QUEUE } from './shared/run-messages';
import { searchAttributeCliType } from './shared/search-attributes';
import {
  checkSearchAttributeConfig,
  keysToRegister,
  SEARCH_ATTRIBUTE_PREFIX_VARIABLE,
  SEARCH_ATTRIBUTES_VARIABLE,
  searchAttributeConfigFromEnvironment,
  temporalCliCommand,
  temporalCloudCommand,
  type SearchAttributeConfig,
} from './search-attribute-config';
import { temporalSettings } from './temporal-connection';
import { installTracing, tracingWorkerPlugin, type AgentrunTracing } from './telemetry/tracing';
import { decisionTrustFromEnvironment } from './decisions/signed-decisions';

/** How long tool calls in flight may run on once the worker shuts down (`workerOptions.shutdownGraceTime` overrides it). */
export const DEFAULT_SHUTDOWN_GRACE_TIME = '30s';

/** Options of {@link createAgentrunWorker}: the plugin's (tools, provider, watcher, budget, ...), and the worker's own. */
export interface AgentrunWorkerOptions extends AgentrunPluginOptions {
  /** Default: from Temporal's environment (TEMPORAL_ADDRESS, envconfig profiles). */
  connection?: NativeConnection;
  namespace?: string;
  /** Default `agentrun`. */
  taskQueue?: string;
  /** Register agentrun's search attributes when the server lacks them (default true). */
  registerSearchAttributes?: boolean;
  /**
   * Which search attributes to register, and under which names (default: AGENTRUN_SEARCH_ATTRIBUTES,
   * AGENTRUN_SEARCH_ATTRIBUTE_PREFIX). Clients must use the same: they start runs with them.
   */
  searchAttributes?: Partial<SearchAttributeConfig>;
  /**
   * Payload encryption keys (default: `AGENTRUN_ENCRYPTION_KEYS`; see src/encryption). Ignored when
   * `workerOptions.dataConverter` is given: that converter is used as it is.
   */
  encryptionKeys?: EncryptionKeySource;
  /**
   * OpenTelemetry traces of workflows, activities and provider requests (src/telemetry/tracing.ts).
   * Default: on when the `OTEL_*` variables ask for it, with agentrun's own tracer provider. With
   * an OpenTelemetry SDK of your own, pass its resource and span processor; `false`: no tracing.
   */
  tracing?: boolean | Pick<AgentrunTracing, 'resource' | 'spanProcessor'>;
  /** Passed to `Worker.create` (concurrency limits, interceptors, ...). */
  workerOptions?: Partial<WorkerOptions>;
}

/**
 * Creates (does not start) a worker with agentrun's workflows and activities: sugar over
 * {@link AgentrunPlugin} on a worker of its own (agentrun's workflows as its workflows module).
 */
export async function createAgentrunWorker(options: AgentrunWorkerOptions = {}): Promise<Worker> {
  const { connection: given, namespace: givenNamespace, taskQueue, registerSearchAttributes, searchAttributes, encryptionKeys, tracing, workerOptions: givenWorkerOptions, ...pluginOptions } = options;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  // Before connecting: a bad key list is a configuration error, not an unreachable server.
  const dataConverter = givenWorkerOptions?.dataConverter ?? agentrunDataConverter(encryptionKeys);
  const searchAttributeConfig = searchAttributes ? checkSearchAttributeConfig(searchAttributes) : searchAttributeConfigFromEnvironment();
  const traced = tracing === false ? undefined : tracing === true || tracing === undefined ? installTracing({ serviceName: 'agentrun-worker' }) : tracing;
  // After agentrun's plugin: the tracing plugin adds its workflow interceptors only to a worker that
  // bundles its workflows at start, which agentrun's plugin then does instead of using its prebuilt bundle.
  const tracingPlugins = traced ? [tracingWorkerPlugin(traced)] : [];
  const settings = temporalSettings({ namespace: givenNamespace });
  const connection = given ?? (await NativeConnection.connect(settings.connectionOptions as NativeConnectionOptions));
  const namespace = givenNamespace ?? settings.namespace;
  if (registerSearchAttributes !== false) await ensureSearchAttributes(connection, namespace, log, searchAttributeConfig);
  // Read at start: a key file that cannot be read or parsed stops the worker here, saying which.
  const decisionTrust = pluginOptions.decisionTrust ?? (await decisionTrustFromEnvironment());
  const plugin = new AgentrunPlugin({ ...pluginOptions, log, decisionTrust, ...(traced ? { prebuiltWorkflows: false } : {}) });
  const { plugins = [], ...workerOptions } = givenWorkerOptions ?? {};
  return Worker.create({
    connection,
    namespace,
    taskQueue: taskQueue ?? DEFAULT_TASK_QUEUE,
    // The SDK's default (0) cancels tool calls in flight the moment shutdown starts: every deploy
    // would hand the model a tool error. Calls get this long to finish first.
    shutdownGraceTime: DEFAULT_SHUTDOWN_GRACE_TIME,
    ...workerOptions,
    ...(dataConverter ? { dataConverter } : {}),
    plugins: [...plugins, plugin, ...tracingPlugins],
  });
}

/** Custom search attributes per type that SQL visibility (PostgreSQL, MySQL, SQLite) holds per namespace. */
const SQL_VISIBILITY_LIMITS: Record<string, number> = { KEYWORD: 10, TEXT: 3, INT: 3, DOUBLE: 3, BOOL: 3, DATETIME: 3, KEYWORD_LIST: 3 };
/** The operator API's numbers for the SDK's type names (IndexedValueType). */
const TYPE_NUMBERS: Record<string, number> = { TEXT: 1, KEYWORD: 2, INT: 3, DOUBLE: 4, BOOL: 5, DATETIME: 6, KEYWORD_LIST: 7 };

/**
 * Makes sure the namespace has the search attributes the configuration keeps (default: every
 * family, agentrun's names; see search-attribute-config.ts). Registers the missing ones, after
 * checking they fit SQL visibility's columns beside the namespace's own attributes; where the
 * server refuses (no operator permission, Temporal Cloud), throws with the exact commands to run.
 */
export async function ensureSearchAttributes(
  connection: NativeConnection | Connection,
  namespace: string,
  log: (line: string) => void = () => undefined,
  config: SearchAttributeConfig = searchAttributeConfigFromEnvironment(),
): Promise<void> {
  const wanted = keysToRegister(config);
  if (!wanted.length) return;
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const custom = existing.customAttributes ?? {};
  const known: Record<string, number> = { ...custom, ...existing.systemAttributes };
  const clash = wanted.find((key) => key.name in known && known[key.name] !== TYPE_NUMBERS[key.type]);
  if (clash) {
    throw new Error(
      `The namespace ${namespace} already has a search attribute ${clash.name} of another type than agentrun's ${searchAttributeCliType(clash.type)}. ` +
        `Give agentrun's attributes a prefix (${SEARCH_ATTRIBUTE_PREFIX_VARIABLE}=Acme on workers and clients), or keep none (${SEARCH_ATTRIBUTES_VARIABLE}=none).`,
    );
  }
  const missing = wanted.filter((key) => !(key.name in known));
  if (!missing.length) return;
  await checkFitsSqlVisibility(connection, namespace, custom, missing);
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: Object.fromEntries(missing.map((key) => [key.name, TYPE_NUMBERS[key.type]!])) });
    log(`agentrun worker: registered search attributes ${missing.map((key) => key.name).join(', ')} in namespace ${namespace}`);
  } catch (error) {
    throw new Error(
      `The namespace ${namespace} lacks agentrun's search attributes and registering them failed (${(error as Error).message}). Run:\n  ${temporalCliCommand(namespace, missing)}\n` +
        `On Temporal Cloud:\n  ${temporalCloudCommand(namespace, missing)}\n` +
        `Or keep fewer: ${SEARCH_ATTRIBUTES_VARIABLE}=runs (or none) on the workers and clients.`,
    );
  }
}

/**
 * SQL visibility has a fixed number of columns per type in each namespace, shared with the
 * namespace's own attributes. Registering past them fails with a bare "cannot have more than 3";
 * this says whose attributes take the columns and what to change.
 */
async function checkFitsSqlVisibility(connection: NativeConnection | Connection, namespace: string, custom: Record<string, number>, missing: ReadonlyArray<{ name: string; type: string }>): Promise<void> {
  const store = await visibilityStore(connection);
  if (!store || !/postgres|mysql|sqlite/i.test(store)) return;
  for (const [type, limit] of Object.entries(SQL_VISIBILITY_LIMITS)) {
    const needed = missing.filter((key) => key.type === type);
    const taken = Object.entries(custom).filter(([, number]) => number === TYPE_NUMBERS[type]).map(([name]) => name);
    if (!needed.length || taken.length + needed.length <= limit) continue;
    const cliType = searchAttributeCliType(type);
    throw new Error(
      `The namespace ${namespace} cannot hold agentrun's ${cliType} search attributes: its visibility store (${store}) has ${limit} ${cliType} columns per namespace, ` +
        `${taken.length} ${taken.length === 1 ? 'is' : 'are'} taken (${taken.join(', ') || 'none'}) and agentrun needs ${needed.length} more (${needed.map((key) => key.name).join(', ')}). ` +
        `Keep fewer (${SEARCH_ATTRIBUTES_VARIABLE}=runs takes 1 Int, ingestion takes 2; or none), remove attributes the namespace no longer uses, or use a namespace of its own.`,
    );
  }
}

/** The cluster's visibility store (`postgres12`, `sqlite`, `elasticsearch`, ...), when the server says. */
async function visibilityStore(connection: NativeConnection | Connection): Promise<string | undefined> {
  try {
    return (await connection.workflowService.getClusterInfo({})).visibilityStore ?? undefined;
  } catch {
    return undefined; // Not allowed to ask (Cloud): registration will tell.
  }
}
