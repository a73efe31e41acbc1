import { resolveOptions, type EmulatorOptions } from './emulator-options';
import type { FaultRule } from './faults';
import type { EmulatorStats, RecordedResponse } from './ledger';
import { EmulatorServer } from './server';

/**
 * The provider emulator: an offline HTTP server speaking the Assistants threads/runs protocol in
 * three dialects (OpenAI, Azure OpenAI, Azure AI Foundry Agent Service), with a scripted model,
 * the real status machine and error objects, fault injection and a ledger. See README.md.
 */

export type { EmulatorOptions } from './emulator-options';
export type { FaultKind, FaultRule } from './faults';
export type { EmulatorStats, RecordedResponse, RunCreatedEntry, ToolOutputEntry } from './ledger';
export type { EmulatorScript, EmulatorScriptStep, EmulatorScriptToolCall } from './script';
export type { Dialect } from './dialects';
export type { StreamEvent } from './wire-types';
export { EMULATOR_SCRIPT_METADATA_KEY } from './script';

/** A started emulator. */
export interface RunningEmulator {
  /** Origin, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Base URL for `new OpenAI({ baseURL })`: `${url}/v1`. */
  openaiBaseUrl: string;
  /** Endpoint for `new AzureOpenAI({ endpoint })` (the client appends `/openai`). */
  azureOpenAIEndpoint: string;
  /** Foundry project endpoint for `new AgentsClient(endpoint, ...)`: `${url}/api/projects/${project}`. */
  foundryEndpoint(project?: string): string;
  /** The one credential accepted. */
  apiKey: string;
  /** Adds a fault rule. */
  addFault(rule: FaultRule): void;
  /** Removes every fault rule. */
  clearFaults(): void;
  /** Request counts, runs created, outputs submitted, faults injected (same JSON as `GET /_emulator/stats`). */
  stats(): EmulatorStats;
  /** Every response sent, when started with `recordResponses: true`. */
  recordedResponses(): RecordedResponse[];
  /** Forgets all state, counters and faults. */
  reset(): void;
  /** Stops timers, ends streams, closes the server and its sockets. */
  close(): Promise<void>;
}

/** Default Foundry project name in `foundryEndpoint()`. */
export const DEFAULT_FOUNDRY_PROJECT = 'agentrun';

/** Starts an emulator and resolves once it listens. Always `close()` it (jest waits for open handles). */
export async function startEmulator(options?: EmulatorOptions): Promise<RunningEmulator> {
  const resolved = resolveOptions(options);
  const server = new EmulatorServer(resolved);
  const url = await server.listen();
  return {
    url,
    openaiBaseUrl: `${url}/v1`,
    azureOpenAIEndpoint: url,
    foundryEndpoint: (project = DEFAULT_FOUNDRY_PROJECT) => `${url}/api/projects/${encodeURIComponent(project)}`,
    apiKey: resolved.apiKey,
    addFault: (rule) => server.addFault(rule),
    clearFaults: () => server.clearFaults(),
    stats: () => server.stats(),
    recordedResponses: () => server.recordedResponses(),
    reset: () => server.reset(),
    close: () => server.close(),
  };
}
