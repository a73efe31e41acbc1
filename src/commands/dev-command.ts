/**
 * `agentrun dev`: everything agentrun needs on one machine. A Temporal dev server (Web UI on,
 * state in a SQLite file so it survives a restart), the provider emulator (unless a real provider
 * is configured), and a worker with the example tools, so `agentrun run` works at once. With
 * `--demo` (what `npm start` runs) it also runs one agent run end to end and exits.
 */
import * as net from 'node:net';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { AgentRunClient } from '../client';
import { startDevServer, type RunningDevServer } from '../dev-server/dev-server';
import { freePort } from '../dev-server/free-port';
import { startEmulator } from '../emulator';
import { exampleTools } from '../examples/example-tools';
import { DEFAULT_EMULATOR_API_KEY, describeProviderConfig, protocolOf, readProviderConfig, type ProviderConfig } from '../providers/provider-config';
import { createAgentrunWorker } from '../worker';
import { CommandError, ExitCode, listenForStop, parseCommandLine, printError, printLine, taskQueueOf, type ConnectionFlags, type StopListener } from './command-support';
import { createExampleAssistant, DEFAULT_DEMO_MODEL, demoAgent, runDemo, writeDemoInput, type ExampleAssistant } from './dev-demo';
import { cliInvocation, shellQuote, style } from './text-format';
import { installWorkerRuntime, logLevelOption } from './worker-runtime';

/** The ports `agentrun dev` prefers: Temporal's and the emulator's usual ones. */
const PREFERRED_PORTS = { temporal: 7233, ui: 8233, emulator: 4010 } as const;

const HELP = `usage: agentrun dev [options]

Starts a local Temporal dev server (Web UI on, state kept in a SQLite file so it survives a
restart), the provider emulator (unless AGENTRUN_PROVIDER names a real provider), and a worker
with the example tools (get_weather; book_meeting_room, which needs approval), and keeps them
running until Ctrl-C. Prints the addresses and commands to paste. The worker speaks the Responses
API (the successor protocol: background responses, conversations) unless --threads is given.

  --demo                also run an example agent run end to end (an inline agent on the
                        Responses API; with --threads an example assistant), approve its booking
                        as a person would, and exit
  --threads             the classic threads/runs protocol instead (assistants, threads, runs)
  --keep-running        with --demo: keep everything running afterwards, until Ctrl-C
  --port N              Temporal gRPC port (default ${PREFERRED_PORTS.temporal}; a free one if that is taken; 0: any free port)
  --ui-port N           Temporal Web UI port (default ${PREFERRED_PORTS.ui}; likewise)
  --db FILE             SQLite file of the server's state (default .agentrun/temporal.sqlite)
  --emulator-port N     emulator port (default ${PREFERRED_PORTS.emulator}; likewise)
  --no-emulator         do not start the emulator (the provider comes from the environment)
  --no-worker           do not start the in-process worker
  --task-queue QUEUE    the worker's task queue (default: AGENTRUN_TASK_QUEUE or agentrun)
  --log-level LEVEL     worker log level on stderr: error, warn (default), info, debug
  -h, --help            this text

With a real provider (AGENTRUN_PROVIDER and its variables) the worker uses it; --demo then runs
with the model AGENTRUN_DEMO_MODEL (default gpt-4o-mini; on Azure, a deployment name): inline on a
Responses provider (openai-responses, azure-foundry-agents), or as an assistant it creates and
deletes again on a threads/runs provider (openai, azure-openai, azure-foundry).

Exit codes: 0 stopped cleanly (with --demo: the demo run completed); 1 something failed to start
or the demo run did not complete; 2 bad options; 130 interrupted.
`;

/** `agentrun dev`. */
export async function devCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandLine('dev', () =>
    parseArgs({
      args: argv,
      options: {
        demo: { type: 'boolean', default: false },
        threads: { type: 'boolean', default: false },
        'keep-running': { type: 'boolean', default: false },
        port: { type: 'string' },
        'ui-port': { type: 'string' },
        db: { type: 'string', default: path.join('.agentrun', 'temporal.sqlite') },
        'emulator-port': { type: 'string' },
        'no-emulator': { type: 'boolean', default: false },
        'no-worker': { type: 'boolean', default: false },
        'task-queue': { type: 'string' },
        'log-level': { type: 'string', default: 'warn' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }),
  );
  if (values.help) {
    process.stdout.write(HELP);
    return ExitCode.ok;
  }
  if (values['keep-running'] && !values.demo) throw new CommandError('--keep-running goes with --demo (without --demo, agentrun dev keeps running anyway)', ExitCode.usage);
  const ports = {
    temporal: portOption('--port', values.port),
    ui: portOption('--ui-port', values['ui-port']),
    emulator: portOption('--emulator-port', values['emulator-port']),
  };
  const logLevel = logLevelOption(values['log-level']);
  // The emulator speaks both protocols: the successor one unless --threads (or an explicit AGENTRUN_PROVIDER) says otherwise.
  const configured = process.env.AGENTRUN_PROVIDER?.trim();
  if (!configured) process.env.AGENTRUN_PROVIDER = values.threads ? 'emulator' : 'emulator-responses';
  else if (values.threads && protocolOf(configured as ProviderConfig['kind']) !== 'threads-runs') throw new CommandError(`--threads, but AGENTRUN_PROVIDER=${configured} speaks the Responses API.`, ExitCode.usage);
  const emulated = process.env.AGENTRUN_PROVIDER === 'emulator' || process.env.AGENTRUN_PROVIDER === 'emulator-responses';
  // A real provider's configuration is checked before anything starts: a missing key should not cost a server start.
  if (!emulated) providerConfigOrExplain();
  const taskQueue = taskQueueOf(values);

  const stop = listenForStop();
  const cleanup = new Cleanup();
  try {
    const server = await startDevServer({
      port: await choosePort('Temporal', ports.temporal, PREFERRED_PORTS.temporal),
      ui: true,
      uiPort: await choosePort('Web UI', ports.ui, PREFERRED_PORTS.ui),
      dbFilename: values.db,
      log: printError,
    });
    cleanup.add(() => server.stop());
    checkNotStopped(stop);

    let emulatorUrl: string | undefined;
    if (emulated && !values['no-emulator']) {
      const apiKey = process.env.AGENTRUN_EMULATOR_API_KEY?.trim() || DEFAULT_EMULATOR_API_KEY;
      // A short polling hint keeps local runs lively; the real services send about 1 s.
      const emulator = await startEmulator({ port: await choosePort('emulator', ports.emulator, PREFERRED_PORTS.emulator), apiKey, pollAfterMs: 200 });
      cleanup.add(() => emulator.close());
      emulatorUrl = emulator.url;
      // The worker reads its provider from the environment: point it at this emulator.
      process.env.AGENTRUN_EMULATOR_URL = emulator.url;
      process.env.AGENTRUN_EMULATOR_API_KEY = apiKey;
    }
    const providerConfig = providerConfigOrExplain();

    if (!values['no-worker']) {
      installWorkerRuntime(logLevel);
      const worker = await startWorker(server, taskQueue);
      cleanup.add(worker.stop);
    }
    const client = await AgentRunClient.connect({ address: server.address, namespace: server.namespace, taskQueue });
    cleanup.add(() => client.close());
    checkNotStopped(stop);

    // The example agent: on the Responses API inline (nothing to create); on threads/runs an
    // assistant, on the emulator always (free, and it makes the printed commands work as pasted),
    // at a real provider only for the demo, which deletes it again.
    const responses = protocolOf(providerConfig.kind) === 'responses';
    let assistant: ExampleAssistant | undefined;
    if (responses) assistant = undefined;
    else if (values.demo) assistant = await createExampleAssistant(providerConfig);
    else if (emulated) {
      // Without the demo the assistant is a convenience: an emulator we did not start may be down.
      assistant = await createExampleAssistant(providerConfig).catch((error: unknown) => {
        printError(`agentrun dev: could not create the example assistant at ${describeProviderConfig(providerConfig)}: ${(error as Error).message}`);
        return undefined;
      });
    }
    if (assistant) cleanup.add(assistant.remove);
    // Suggested commands must reach this server from another shell, where TEMPORAL_ADDRESS may be unset.
    const flags: ConnectionFlags = server.address.endsWith(`:${PREFERRED_PORTS.temporal}`) ? {} : { address: server.address };
    const demoInput = responses ? writeDemoInput(path.dirname(values.db), providerConfig) : undefined;
    const printReadyBanner = () => printBanner({ server, emulatorUrl, providerConfig, taskQueue, worker: !values['no-worker'], assistant, db: values.db, demoInput });

    if (values.demo) {
      const agent = responses ? demoAgent(providerConfig) : assistant ? { assistantId: assistant.assistantId } : undefined;
      if (!agent) throw new Error('the demo needs its assistant');
      const exitCode = await runDemo({ client, agent, uiUrl: server.uiUrl, namespace: server.namespace, flags, signal: stop.signal });
      if (!values['keep-running'] || exitCode === ExitCode.interrupted) return exitCode;
      printReadyBanner();
      await stop.stopped;
      return exitCode;
    }
    printReadyBanner();
    await stop.stopped;
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof Interrupted) return ExitCode.interrupted;
    throw error;
  } finally {
    stop.dispose();
    printError('agentrun dev: stopping...');
    await cleanup.run();
    printError('agentrun dev: stopped');
  }
}

/** The provider configuration from the environment; a wrong one is reported as the message alone. */
function providerConfigOrExplain(): ProviderConfig {
  try {
    return readProviderConfig();
  } catch (error) {
    throw new CommandError((error as Error).message);
  }
}

/** A port option as a number, or an error naming the option. */
export function portOption(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new CommandError(`${option} must be a port number (0-65535), got "${value}"`, ExitCode.usage);
  return port;
}

/**
 * The port to use: the one asked for (0: any free port), else the preferred one when it is
 * free, else a free one, said aloud (7233 is often taken on a shared machine).
 */
async function choosePort(label: string, asked: number | undefined, preferred: number): Promise<number> {
  if (asked !== undefined) return asked === 0 ? freePort() : asked;
  if (await isPortFree(preferred)) return preferred;
  const port = await freePort();
  printLine(`agentrun dev: port ${preferred} (${label}) is taken; using ${port}`);
  return port;
}

function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.unref();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

/** Starts the in-process worker with the example tools; `stop` shuts it down and closes its connection. */
async function startWorker(server: RunningDevServer, taskQueue: string): Promise<{ stop: () => Promise<void> }> {
  const connection = await NativeConnection.connect({ address: server.address });
  let worker: Worker;
  try {
    worker = await createAgentrunWorker({ connection, namespace: server.namespace, taskQueue, tools: exampleTools, log: () => undefined });
  } catch (error) {
    await connection.close();
    throw error;
  }
  const running = worker.run();
  // A worker that dies on its own is reported at once; the dev session keeps its other parts.
  running.catch((error: unknown) => printError(`agentrun dev: the worker stopped: ${(error as Error).message}`));
  return {
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await connection.close();
    },
  };
}

/** What the banner describes. */
interface BannerFacts {
  server: RunningDevServer;
  emulatorUrl: string | undefined;
  providerConfig: ProviderConfig;
  taskQueue: string;
  worker: boolean;
  assistant: ExampleAssistant | undefined;
  db: string;
  /** Responses: an `--input` file with the demo's scripted model (on the emulator) and instructions. */
  demoInput: string | undefined;
}

/** The addresses, and commands that work when pasted into another terminal. */
function printBanner(facts: BannerFacts): void {
  const { server } = facts;
  const cli = cliInvocation();
  const row = (name: string, value: string) => printLine(`  ${style.bold(name.padEnd(10))} ${value}`);
  printLine('');
  printLine(style.bold('agentrun dev is ready'));
  row('Temporal', `${server.address} (namespace ${server.namespace}), state in ${facts.db}`);
  row('Web UI', server.uiUrl ?? '-');
  row('Emulator', facts.emulatorUrl ? `${facts.emulatorUrl} (OpenAI base URL ${facts.emulatorUrl}/v1, key ${process.env.AGENTRUN_EMULATOR_API_KEY ?? DEFAULT_EMULATOR_API_KEY})` : 'off');
  row('Provider', describeProviderConfig(facts.providerConfig));
  row('Worker', facts.worker ? `task queue ${facts.taskQueue}, tools ${exampleTools.map((tool) => `${tool.name} (${tool.policy})`).join(', ')}` : 'off (--no-worker)');
  if (facts.assistant) row('Assistant', `${facts.assistant.assistantId} (example: get_weather, then book_meeting_room, which needs approval)`);
  printLine('');
  printLine('In another terminal:');
  printLine(`  export TEMPORAL_ADDRESS=${server.address}`);
  const message = shellQuote('What is the weather in Paris? Book the Lovelace room at 15:00.');
  if (protocolOf(facts.providerConfig.kind) === 'responses') {
    printLine(`  ${cli} run --model ${DEFAULT_DEMO_MODEL} --message ${message}${facts.demoInput ? ` --input ${shellQuote(facts.demoInput)}` : ''}`);
  } else {
    printLine(`  ${cli} run --assistant ${shellQuote(facts.assistant?.assistantId ?? 'YOUR_ASSISTANT_ID')} --message ${message}`);
  }
  printLine(`  ${cli} list --awaiting-approval`);
  printLine(`  ${cli} approve WORKFLOW_ID --approver alice`);
  printLine(`  ${cli} status WORKFLOW_ID`);
  printLine('Your own worker (with --no-worker here, or on another --task-queue):');
  const emulatorEnv = facts.emulatorUrl ? `AGENTRUN_EMULATOR_URL=${facts.emulatorUrl} ` : '';
  printLine(`  ${emulatorEnv}${cli} worker --tools ./examples/tools.js`);
  printLine('');
  printLine('Ctrl-C stops everything.');
}

/** Thrown between start-up steps when Ctrl-C arrived meanwhile. */
class Interrupted extends Error {}

/** Stops start-up between steps once Ctrl-C has arrived (a step itself runs to its end). */
function checkNotStopped(stop: StopListener): void {
  if (stop.signal.aborted) throw new Interrupted('interrupted');
}

/** Things to stop, stopped in reverse order of starting; one failing does not keep the others running. */
class Cleanup {
  private readonly steps: Array<() => Promise<void>> = [];
  add(step: () => Promise<void>): void {
    this.steps.push(step);
  }
  async run(): Promise<void> {
    for (const step of this.steps.reverse()) {
      await step().catch((error: unknown) => printError(`agentrun dev: while stopping: ${(error as Error).message}`));
    }
  }
}
