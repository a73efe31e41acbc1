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
import { AGENTRUN_SEARCH_ATTRIBUTES, searchAttributeCliType } from './shared/search-attributes';
import { temporalSettings } from './temporal-connection';
import { installTracing, tracingWorkerPlugin, type AgentrunTracing } from './telemetry/tracing';

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
  const { connection: given, namespace: givenNamespace, taskQueue, registerSearchAttributes, encryptionKeys, tracing, workerOptions: givenWorkerOptions, ...pluginOptions } = options;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  // Before connecting: a bad key list is a configuration error, not an unreachable server.
  const dataConverter = givenWorkerOptions?.dataConverter ?? agentrunDataConverter(encryptionKeys);
  const traced = tracing === false ? undefined : tracing === true || tracing === undefined ? installTracing({ serviceName: 'agentrun-worker' }) : tracing;
  // After agentrun's plugin: the tracing plugin adds its workflow interceptors only to a worker that
  // bundles its workflows at start, which agentrun's plugin then does instead of using its prebuilt bundle.
  const tracingPlugins = traced ? [tracingWorkerPlugin(traced)] : [];
  const settings = temporalSettings({ namespace: givenNamespace });
  const connection = given ?? (await NativeConnection.connect(settings.connectionOptions as NativeConnectionOptions));
  const namespace = givenNamespace ?? settings.namespace;
  if (registerSearchAttributes !== false) await ensureSearchAttributes(connection, namespace, log);
  const plugin = new AgentrunPlugin({ ...pluginOptions, log, ...(traced ? { prebuiltWorkflows: false } : {}) });
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
