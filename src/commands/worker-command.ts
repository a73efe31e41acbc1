/**
 * `agentrun worker`: runs agentrun's workflows, the provider activities and the user's tools
 * until SIGINT or SIGTERM, then shuts down gracefully (in-flight tasks finish first).
 */
import { parseArgs } from 'node:util';
import { NativeConnection, type NativeConnectionOptions, type Worker } from '@temporalio/worker';
import { temporalSettings } from '../temporal-connection';
import type { Tool } from '../tools/define-tool';
import { loadToolModule } from '../tools/load-tools';
import { readProviderBudgetOptions } from '../providers/provider-config';
import { createAgentrunWorker } from '../worker';
import { VERSIONING_ENVIRONMENT, versioningFromEnvironment, workerDeploymentOptions, type AgentrunWorkerVersioning } from '../worker-versioning';
import { CONNECTION_HELP, CommandError, ExitCode, portOption, TASK_QUEUE_HELP, connectionOptionSpecs, listenForStop, parseCommandLine, printError, printLine, taskQueueOf } from './command-support';
import { installWorkerRuntime, logFormatOption, logLevelOption, workerSay } from './worker-runtime';
import { ENCRYPTION_KEYS_VARIABLE, EncryptionKeysError, encryptionKeysFromEnvironment, type EncryptionKey } from '../encryption/encryption-codec';
import { durationMs } from '../shared/duration';
import { freePort } from '../dev-server/free-port';
import { runsWaitingForDecisionCounter, startMetricsServer, type RunningMetricsServer } from '../telemetry/metrics-server';
import { searchAttributeConfigFromEnvironment } from '../search-attribute-config';

const HELP = `usage: agentrun worker [--tools PATH] [--task-queue QUEUE] [options]

Runs an agentrun worker: the agent run workflows, the provider activities (the provider comes
from this process's environment: AGENTRUN_PROVIDER and its variables, see the README) and your
function tools. Runs until Ctrl-C or SIGTERM, then shuts down gracefully: it takes no new work,
lets tool calls in flight finish (up to --shutdown-grace), hands its waits back to Temporal for
another worker, and exits.

  --tools PATH          a tool module: its default export (or module.exports) is an array of
                        tools made with defineTool, e.g. ./examples/tools.js
${TASK_QUEUE_HELP}
  --log-level LEVEL     worker log level on stderr: error, warn, info (default), debug, trace
  --log-format FORMAT   text (default; the worker's own lines on stdout) or json: every log line
                        (the worker's, the SDK's, workflows' and activities', with their ids) as
                        one JSON object per line on stderr (default: AGENTRUN_LOG_FORMAT)
  --metrics-port N      serve Prometheus metrics at /metrics (agentrun_* and the SDK's temporal_*)
                        and a health check at /healthz (200 while running and polling) on port N
  --metrics-host HOST   interface of the metrics port (default 127.0.0.1)
  --shutdown-grace DURATION
                        how long tool calls in flight may take to finish after SIGTERM, e.g.
                        30s, 2m (default 30s; give your orchestrator's grace period more); a
                        call still running then is cancelled and the model reads a tool error

Sizing (README, "Sizing", with measured numbers):
  --max-activities N    activity slots: tool calls and short provider calls (default 100);
                        waits on the provider do not hold one (the watcher holds them)
  --max-cached-workflows N
                        workflows kept in memory (default 500); others are replayed from
                        their short history when their next event comes
  --no-watcher          every wait holds an activity slot and heartbeats each second (0.2 behaviour)
  --provider-max-concurrent N
                        provider requests awaiting a response at once, shared by every run
                        (default 128, or AGENTRUN_PROVIDER_MAX_CONCURRENT)
  --provider-max-rps N  provider requests started per second (default unlimited, or
                        AGENTRUN_PROVIDER_MAX_RPS); a 429 pauses them all until its retry-after
${CONNECTION_HELP}
  -h, --help            this text

Worker Versioning (README, "Upgrades") comes from the environment: set all three, or none.
  ${VERSIONING_ENVIRONMENT.deploymentName}       the Worker Deployment: one name for every build
  ${VERSIONING_ENVIRONMENT.buildId}              this build (e.g. a git sha or the release)
  ${VERSIONING_ENVIRONMENT.behavior}   PINNED: a run stays on the build that started it (keep
                                 that build's workers until its runs end); AUTO_UPGRADE: runs
                                 move to the current version at their next task (check a build
                                 with "agentrun replay --workflows" before making it current)
A build gets new runs once it is the deployment's current version:
  temporal worker deployment set-current-version --deployment-name NAME --build-id ID

On a server that lacks agentrun's search attributes the worker registers them; where it may not
(Temporal Cloud, no operator permission) it stops and prints the command to run.

Exit codes: 0 stopped cleanly; 1 it could not start (tool module, provider configuration,
Temporal unreachable, search attributes) or failed; 2 bad options or versioning variables.

Example:
  TEMPORAL_ADDRESS=127.0.0.1:7233 agentrun worker --tools ./examples/tools.js
`;

/** `agentrun worker`. */
export async function workerCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandLine('worker', () =>
    parseArgs({
      args: argv,
      options: {
        tools: { type: 'string' },
        'task-queue': { type: 'string' },
        'log-level': { type: 'string', default: 'info' },
        'log-format': { type: 'string', default: process.env.AGENTRUN_LOG_FORMAT ?? 'text' },
        'max-activities': { type: 'string' },
        'shutdown-grace': { type: 'string', default: DEFAULT_SHUTDOWN_GRACE },
        'metrics-port': { type: 'string' },
        'metrics-host': { type: 'string', default: '127.0.0.1' },
        'max-cached-workflows': { type: 'string' },
        'no-watcher': { type: 'boolean', default: false },
        'provider-max-concurrent': { type: 'string' },
        'provider-max-rps': { type: 'string' },
        ...connectionOptionSpecs,
        help: { type: 'boolean', short: 'h', default: false },
      },
    }),
  );
  if (values.help) {
    process.stdout.write(HELP);
    return ExitCode.ok;
  }
  const versioning = readVersioning();
  const sizing = {
    maxActivities: countOption(values['max-activities'], '--max-activities', 1),
    maxCachedWorkflows: countOption(values['max-cached-workflows'], '--max-cached-workflows', 0),
    providerMaxConcurrent: countOption(values['provider-max-concurrent'], '--provider-max-concurrent', 1),
    providerMaxRps: countOption(values['provider-max-rps'], '--provider-max-rps', 0),
  };
  const shutdownGraceMs = durationOption(values['shutdown-grace'], '--shutdown-grace');
  const metricsPort = values['metrics-port'] === undefined ? undefined : portOption(values['metrics-port'], '--metrics-port');
  // Core's exporter listens on a loopback port of its own; the metrics server serves both.
  const coreMetricsPort = metricsPort === undefined ? undefined : await freePort();
  const logFormat = logFormatOption(values['log-format']);
  installWorkerRuntime(logLevelOption(values['log-level']), { logFormat, ...(coreMetricsPort === undefined ? {} : { prometheusBindAddress: `127.0.0.1:${coreMetricsPort}` }) });
  const say = workerSay(logFormat);
  const tools = values.tools ? await loadTools(values.tools) : [];
  const taskQueue = taskQueueOf(values);
  const settings = temporalSettings({ address: values.address, namespace: values.namespace });
  const address = settings.connectionOptions.address;
  const encryptionKeys = encryptionKeysOrExplain();
  let connection: NativeConnection;
  try {
    connection = await NativeConnection.connect(settings.connectionOptions as NativeConnectionOptions);
  } catch (error) {
    throw new CommandError(`cannot reach Temporal at ${address} (${(error as Error).message}). Start a local server with "agentrun dev", or point TEMPORAL_ADDRESS (or --address) at yours.`);
  }
  try {
    let worker: Worker;
    try {
      const workerOptions = {
        ...(versioning ? { workerDeploymentOptions: versioning.deployment } : {}),
        ...(sizing.maxActivities !== undefined ? { maxConcurrentActivityTaskExecutions: sizing.maxActivities } : {}),
        ...(sizing.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: sizing.maxCachedWorkflows } : {}),
        shutdownGraceTime: shutdownGraceMs,
      };
      const budget = {
        ...readProviderBudgetOptions(),
        ...(sizing.providerMaxConcurrent !== undefined ? { maxConcurrent: sizing.providerMaxConcurrent } : {}),
        ...(sizing.providerMaxRps !== undefined ? { maxPerSecond: sizing.providerMaxRps } : {}),
      };
      worker = await createAgentrunWorker({ connection, namespace: settings.namespace, taskQueue, tools, log: (line) => say(line), workerOptions, budget, watcher: !values['no-watcher'], ...(encryptionKeys ? { encryptionKeys } : {}) });
    } catch (error) {
      throw new CommandError((error as Error).message);
    }
    say(`agentrun worker: Temporal ${address}, namespace ${settings.namespace}, task queue ${taskQueue}`, { address, namespace: settings.namespace, taskQueue });
    say(
      versioning
        ? `agentrun worker: Worker Deployment ${versioning.deploymentName}, build ${versioning.buildId}, ${versioning.defaultVersioningBehavior}`
        : 'agentrun worker: unversioned (no Worker Deployment)',
    );
    say(
      `agentrun worker: ${values['no-watcher'] ? 'no watcher (each wait holds a slot)' : 'watcher on'}, ${sizing.maxActivities ?? SDK_DEFAULT_ACTIVITY_SLOTS} activity slots, ` +
        `${worker.options.maxCachedWorkflows} cached workflows`,
    );
    say(
      encryptionKeys
        ? `agentrun worker: payloads encrypted (AES-256-GCM), current key ${encryptionKeys[0]!.id}, ${encryptionKeys.length} key${encryptionKeys.length === 1 ? '' : 's'} listed`
        : `agentrun worker: payloads not encrypted (set ${ENCRYPTION_KEYS_VARIABLE} to encrypt them)`,
    );
    say(`agentrun worker: tools ${tools.length ? tools.map((tool) => `${tool.name} (${tool.policy})`).join(', ') : 'none'}`);
    let metrics: RunningMetricsServer | undefined;
    if (metricsPort !== undefined) {
      try {
        metrics = await startMetricsServer({
          worker,
          port: metricsPort,
          host: values['metrics-host'],
          coreMetricsUrl: `http://127.0.0.1:${coreMetricsPort}/metrics`,
          runsWaitingForDecision: runsWaitingForDecisionCounter(connection, settings.namespace, taskQueue, searchAttributeConfigFromEnvironment()),
        });
      } catch (error) {
        throw new CommandError(`--metrics-port ${metricsPort}: cannot listen (${(error as Error).message})`);
      }
      say(`agentrun worker: metrics at ${metrics.url}/metrics, health at ${metrics.url}/healthz`, { metricsUrl: `${metrics.url}/metrics` });
    }
    say(`agentrun worker: ready; Ctrl-C or SIGTERM stops it (tool calls in flight get up to ${values['shutdown-grace']} to finish)`, { taskQueue, shutdownGraceMs });
    try {
      return await runUntilStopped(worker, 'agentrun worker', say);
    } finally {
      await metrics?.close();
    }
  } finally {
    await connection.close();
  }
}

/** Worker Versioning from the environment; a partial or wrong setting is a usage error that says what to set. */
function readVersioning(): (AgentrunWorkerVersioning & { deployment: ReturnType<typeof workerDeploymentOptions> }) | undefined {
  try {
    const versioning = versioningFromEnvironment();
    // Built (and so checked) before connecting.
    return versioning && { ...versioning, deployment: workerDeploymentOptions(versioning) };
  } catch (error) {
    throw new CommandError((error as Error).message, ExitCode.usage);
  }
}

/** How long tool calls in flight may run on after SIGTERM: a deploy should not hand the model an error. */
const DEFAULT_SHUTDOWN_GRACE = '30s';

/** A duration option ('30s', '2m', '1500ms'), in milliseconds; anything else is a usage error naming the flag. */
function durationOption(raw: string, flag: string): number {
  let milliseconds: number;
  try {
    milliseconds = durationMs(raw);
  } catch {
    milliseconds = Number.NaN;
  }
  if (!Number.isFinite(milliseconds) || milliseconds < 0) throw new CommandError(`${flag} must be a duration such as 30s or 2m (got "${raw}")`, ExitCode.usage);
  return milliseconds;
}


/** The SDK's default number of activity slots (`maxConcurrentActivityTaskExecutions`). */
const SDK_DEFAULT_ACTIVITY_SLOTS = 100;

/** A whole-number option of at least `min`, or undefined when not given; anything else is a usage error naming the flag. */
function countOption(raw: string | undefined, flag: string, min: number): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new CommandError(`${flag} must be a whole number of at least ${min} (got "${raw}")`, ExitCode.usage);
  return value;
}

async function loadTools(modulePath: string): Promise<Tool[]> {
  try {
    return await loadToolModule(modulePath);
  } catch (error) {
    throw new CommandError((error as Error).message);
  }
}

/**
 * Runs the worker; on the first SIGINT/SIGTERM starts a graceful shutdown, on a second one exits
 * at once (a person pressing Ctrl-C twice means it).
 */
export async function runUntilStopped(worker: Worker, name = 'agentrun worker', say: (message: string) => void = printLine): Promise<number> {
  const stop = listenForStop();
  const running = worker.run();
  const first = await Promise.race([stop.stopped, running.then(() => undefined)]);
  stop.dispose();
  if (first === undefined) {
    printError(`${name}: stopped without being asked to`);
    return ExitCode.failed;
  }
  say(`${name}: ${first} received, shutting down (Ctrl-C again to exit at once)...`);
  const again = listenForStop();
  void again.stopped.then(() => process.exit(ExitCode.interrupted));
  if (worker.getState() === 'RUNNING') worker.shutdown();
  await running;
  again.dispose();
  say(`${name}: stopped`);
  return ExitCode.ok;
}

/** The keys of `AGENTRUN_ENCRYPTION_KEYS`, or undefined; a bad list stops the worker before it connects, saying why. */
function encryptionKeysOrExplain(): EncryptionKey[] | undefined {
  try {
    return encryptionKeysFromEnvironment();
  } catch (error) {
    if (error instanceof EncryptionKeysError) throw new CommandError(error.message, ExitCode.usage);
    throw error;
  }
}
