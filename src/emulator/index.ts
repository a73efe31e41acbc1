import { resolveOptions, type EmulatorOptions } from './emulator-options';
import type { FaultRule } from './faults';
import type { FileOutcomeRule } from './file-outcomes';
import type { EmulatorStats, RecordedResponse } from './ledger';
import { EmulatorServer } from './server';
import type { WebhookSettings } from './webhooks';

/**
 * The provider emulator: an offline HTTP server speaking the Assistants threads/runs protocol, the
 * Files and Vector Stores APIs, and their successors (background Responses, Conversations, Foundry
 * agents v2), in the providers' dialects (OpenAI, Azure OpenAI and its v1 API, Azure AI Foundry
 * Agent Service projects and their OpenAI endpoint, hub-based projects), with a scripted model,
 * scripted file processing, the real status machines and error objects, fault injection and a
 * ledger. See README.md.
 */

export type { EmulatorOptions } from './emulator-options';
export type { FaultKind, FaultRule } from './faults';
export type { FileOutcome, FileOutcomeRule, FileProcessingError } from './file-outcomes';
export type {
  AgentVersionCreatedEntry,
  ConversationCreatedEntry,
  EmulatorStats,
  FunctionCallOutputEntry,
  McpApprovalResponseEntry,
  RecordedResponse,
  ResponseCreatedEntry,
  RunCreatedEntry,
  ToolOutputEntry,
  WebhookDeliveryEntry,
} from './ledger';
export type { EmulatorScript, EmulatorScriptMcpApproval, EmulatorScriptStep, EmulatorScriptToolCall, IncompleteReason } from './script';
export type { Dialect } from './dialects';
export type { ResponseWebhookType, WebhookEvent, WebhookSettings } from './webhooks';
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
  /** Azure OpenAI's v1 API, for `new OpenAI({ baseURL })`: `${url}/openai/v1` (Responses and Conversations). */
  azureOpenAIV1BaseUrl: string;
  /**
   * A Foundry project's OpenAI endpoint, for `new OpenAI({ baseURL })`: `${foundryEndpoint(project)}/openai/v1`
   * (what azure-ai-projects 2.x's `get_openai_client()` uses; bearer tokens only, so serve with `tls`).
   */
  foundryOpenAIBaseUrl(project?: string): string;
  /** Foundry project endpoint for `new AgentsClient(endpoint, ...)`: `${url}/api/projects/${project}`. */
  foundryEndpoint(project?: string): string;
  /**
   * Hub-based project endpoint, the base `azure-ai-projects` 1.0.0b builds from a connection string:
   * `${url}/agents/v1.0/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{project}`.
   */
  foundryHubEndpoint(project?: string, hub?: FoundryHubLocation): string;
  /**
   * Hub-based project connection string `HOST;SUBSCRIPTION;RESOURCE_GROUP;PROJECT`, as
   * `AIProjectClient.from_connection_string` (and `AZURE_AI_PROJECT_CONNECTION_STRING`) take it. The
   * host means `https://HOST`, so it throws unless the emulator was started with `tls`.
   */
  foundryHubConnectionString(project?: string, hub?: FoundryHubLocation): string;
  /** The one credential accepted. */
  apiKey: string;
  /** Adds a fault rule. */
  addFault(rule: FaultRule): void;
  /** Removes every fault rule. */
  clearFaults(): void;
  /**
   * Scripts the processing of files attached to vector stores, by glob on the file name (same as
   * `POST /_emulator/file-outcomes`). The first matching rule wins; rules beat the filename
   * convention (`.fail.`, `.stuck.`, `.slow.`). Throws a readable error for an invalid rule.
   */
  addFileOutcome(rule: FileOutcomeRule): void;
  /** Removes every file outcome rule (same as `DELETE /_emulator/file-outcomes`). */
  clearFileOutcomes(): void;
  /**
   * Request counts, runs created, outputs submitted, faults injected, files uploaded and attached,
   * batches created and cancelled, responses created, function outputs and MCP decisions received,
   * conversations and their item ids, webhook deliveries, Foundry agent versions (same JSON as
   * `GET /_emulator/stats`).
   */
  stats(): EmulatorStats;
  /**
   * Sets where `response.*` webhook events go (`{ url, secret: 'whsec_...', duplicate? }`), or with
   * undefined stops sending them (same as `PUT` / `DELETE /_emulator/webhooks`). Throws a readable
   * error for bad settings.
   */
  setWebhooks(settings: WebhookSettings | undefined): void;
  /** Every response sent, when started with `recordResponses: true`. */
  recordedResponses(): RecordedResponse[];
  /** Forgets all state, counters, faults and file outcome rules. */
  reset(): void;
  /** Stops timers, ends streams, closes the server and its sockets. */
  close(): Promise<void>;
}

/** Default Foundry project name in `foundryEndpoint()` and the hub helpers. */
export const DEFAULT_FOUNDRY_PROJECT = 'agentrun';

/** Where a hub-based project lives in Azure; the emulator serves any values. */
export interface FoundryHubLocation {
  subscriptionId?: string;
  resourceGroup?: string;
}

/** Defaults of {@link FoundryHubLocation} in the hub helpers. */
export const DEFAULT_FOUNDRY_HUB_LOCATION: Required<FoundryHubLocation> = {
  subscriptionId: '00000000-0000-0000-0000-000000000000',
  resourceGroup: 'agentrun-rg',
};

/** Starts an emulator and resolves once it listens. Always `close()` it (jest waits for open handles). */
export async function startEmulator(options?: EmulatorOptions): Promise<RunningEmulator> {
  const resolved = resolveOptions(options);
  const server = new EmulatorServer(resolved);
  const url = await server.listen();
  return {
    url,
    openaiBaseUrl: `${url}/v1`,
    azureOpenAIEndpoint: url,
    azureOpenAIV1BaseUrl: `${url}/openai/v1`,
    foundryEndpoint: (project = DEFAULT_FOUNDRY_PROJECT) => `${url}/api/projects/${encodeURIComponent(project)}`,
    foundryOpenAIBaseUrl: (project = DEFAULT_FOUNDRY_PROJECT) => `${url}/api/projects/${encodeURIComponent(project)}/openai/v1`,
    foundryHubEndpoint: (project = DEFAULT_FOUNDRY_PROJECT, hub = {}) => {
      const { subscriptionId, resourceGroup } = { ...DEFAULT_FOUNDRY_HUB_LOCATION, ...hub };
      return (
        `${url}/agents/v1.0/subscriptions/${encodeURIComponent(subscriptionId)}/resourceGroups/${encodeURIComponent(resourceGroup)}` +
        `/providers/Microsoft.MachineLearningServices/workspaces/${encodeURIComponent(project)}`
      );
    },
    foundryHubConnectionString: (project = DEFAULT_FOUNDRY_PROJECT, hub = {}) => {
      if (resolved.tls === undefined) {
        throw new Error('A hub connection string means https://HOST: start the emulator with `tls` to use one.');
      }
      const { subscriptionId, resourceGroup } = { ...DEFAULT_FOUNDRY_HUB_LOCATION, ...hub };
      return [new URL(url).host, subscriptionId, resourceGroup, project].join(';');
    },
    apiKey: resolved.apiKey,
    addFault: (rule) => server.addFault(rule),
    clearFaults: () => server.clearFaults(),
    addFileOutcome: (rule) => server.addFileOutcome(rule),
    clearFileOutcomes: () => server.clearFileOutcomes(),
    stats: () => server.stats(),
    setWebhooks: (settings) => server.setWebhooks(settings),
    recordedResponses: () => server.recordedResponses(),
    reset: () => server.reset(),
    close: () => server.close(),
  };
}
