import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_FOUNDRY_PROJECT, startEmulator, type RunningEmulator } from './index';
import { EMULATOR_DEFAULTS, type EmulatorOptions } from './emulator-options';

/** Usage text of `agentrun emulator`. */
export const EMULATOR_CLI_USAGE = `usage: agentrun emulator [options]

Serves the provider emulator until interrupted (Ctrl-C / SIGTERM): threads/runs (OpenAI, Azure
OpenAI, Foundry project and Foundry hub-based project dialects), and Responses, Conversations and
Foundry agents v2 (OpenAI /v1, Azure OpenAI /openai/v1, a Foundry project's /openai/v1).

  --port N                 port (default: a free port)
  --host H                 interface to bind (default ${EMULATOR_DEFAULTS.host})
  --api-key KEY            the one accepted credential (default ${EMULATOR_DEFAULTS.apiKey})
  --run-expiry-seconds N   lifetime of an active run (default ${EMULATOR_DEFAULTS.runExpirySeconds})
  --step-delay-ms N        time each scripted model step takes (default ${EMULATOR_DEFAULTS.stepDelayMs})
  --poll-after-ms N        openai-poll-after-ms header on run, file batch and vector store file
                           retrievals, 0 = none (default ${EMULATOR_DEFAULTS.pollAfterMs})
  --file-processing-ms N   time a file attached to a vector store takes to process
                           (default ${EMULATOR_DEFAULTS.fileProcessingMs}; names with .fail. / .stuck. / .slow. script it)
  --vector-store-day-seconds N
                           length of an expires_after day (default ${EMULATOR_DEFAULTS.vectorStoreDaySeconds})
  --unstored-retention-seconds N
                           how long a background response created without store: true can be
                           read (default ${EMULATOR_DEFAULTS.unstoredRetentionSeconds})
  --response-tool-expiry-seconds N
                           Foundry only: how long after its creation a response's function calls
                           accept outputs (default ${EMULATOR_DEFAULTS.responseToolExpirySeconds})
  --seed N                 seed of rate-based faults (default ${EMULATOR_DEFAULTS.seed})
  --project NAME           Foundry project (and hub project) shown in the banner (default ${DEFAULT_FOUNDRY_PROJECT})
  --tls-cert PATH          serve HTTPS with this certificate (needs --tls-key)
  --tls-key PATH           private key of --tls-cert
  --help                   this text`;

/** Hooks for tests: where the banner goes and what stops the server (default: SIGINT/SIGTERM). */
export interface EmulatorCliIo {
  write?: (text: string) => void;
  /** Aborting it stops the emulator as a signal would. */
  stopSignal?: AbortSignal;
  /** Called once the emulator listens (tests use it to reach the server). */
  onListening?: (emulator: RunningEmulator) => void;
}

/**
 * `agentrun emulator`: parses the arguments, starts the emulator, prints one line with its URLs, and
 * resolves once it has stopped cleanly after SIGINT or SIGTERM. Throws on bad arguments.
 */
export async function runEmulatorCli(argv: string[], io: EmulatorCliIo = {}): Promise<void> {
  const write = io.write ?? ((text: string) => process.stdout.write(text));
  const parsed = parseCliArguments(argv);
  if (parsed === 'help') {
    write(`${EMULATOR_CLI_USAGE}\n`);
    return;
  }
  const emulator = await startEmulator(parsed.options);
  io.onListening?.(emulator);
  // A hub connection string means https://HOST, so it is only worth printing when serving HTTPS.
  const hub =
    parsed.options.tls === undefined
      ? `Foundry hub: ${emulator.foundryHubEndpoint(parsed.project)}`
      : `Foundry hub connection string: ${emulator.foundryHubConnectionString(parsed.project)}`;
  write(
    `agentrun emulator listening on ${emulator.url} (OpenAI: ${emulator.openaiBaseUrl}, ` +
      `Azure OpenAI: ${emulator.url}/openai, Azure OpenAI v1: ${emulator.azureOpenAIV1BaseUrl}, ` +
      `Foundry: ${emulator.foundryEndpoint(parsed.project)}, Foundry OpenAI v1: ${emulator.foundryOpenAIBaseUrl(parsed.project)}, ${hub})\n`,
  );
  await waitForStop(io.stopSignal);
  await emulator.close();
}

/** Parsed command line. */
interface CliArguments {
  options: EmulatorOptions;
  project: string;
}

/** Parses and checks the flags; `'help'` when help was asked for. */
export function parseCliArguments(argv: string[]): CliArguments | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'api-key': { type: 'string' },
      'run-expiry-seconds': { type: 'string' },
      'step-delay-ms': { type: 'string' },
      'poll-after-ms': { type: 'string' },
      'file-processing-ms': { type: 'string' },
      'vector-store-day-seconds': { type: 'string' },
      'unstored-retention-seconds': { type: 'string' },
      'response-tool-expiry-seconds': { type: 'string' },
      seed: { type: 'string' },
      project: { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) return 'help';
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) {
    throw new Error('--tls-cert and --tls-key go together.');
  }
  const options: EmulatorOptions = {
    port: optionalInteger('--port', values.port, 0, 65535),
    host: values.host,
    apiKey: values['api-key'],
    runExpirySeconds: optionalInteger('--run-expiry-seconds', values['run-expiry-seconds'], 1),
    stepDelayMs: optionalInteger('--step-delay-ms', values['step-delay-ms'], 0),
    pollAfterMs: optionalInteger('--poll-after-ms', values['poll-after-ms'], 0),
    fileProcessingMs: optionalInteger('--file-processing-ms', values['file-processing-ms'], 0),
    vectorStoreDaySeconds: optionalInteger('--vector-store-day-seconds', values['vector-store-day-seconds'], 1),
    unstoredRetentionSeconds: optionalInteger('--unstored-retention-seconds', values['unstored-retention-seconds'], 1),
    responseToolExpirySeconds: optionalInteger('--response-tool-expiry-seconds', values['response-tool-expiry-seconds'], 1),
    seed: optionalInteger('--seed', values.seed, 0),
  };
  if (values['tls-cert'] !== undefined && values['tls-key'] !== undefined) {
    options.tls = { cert: readFileSync(values['tls-cert']), key: readFileSync(values['tls-key']) };
  }
  return { options, project: values.project ?? DEFAULT_FOUNDRY_PROJECT };
}

function optionalInteger(flag: string, raw: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${flag} expects an integer between ${min} and ${max}, got '${raw}'.`);
  }
  return value;
}

/** Resolves on SIGINT, SIGTERM or the injected stop signal, whichever comes first. */
function waitForStop(stopSignal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      stopSignal?.removeEventListener('abort', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (stopSignal?.aborted === true) stop();
    else stopSignal?.addEventListener('abort', stop);
  });
}
