/**
 * The provider layer: the neutral seam activities use ({@link AgentService}, over threads/runs or
 * the Responses API), the protocol APIs and file store under it on the `openai` package configured
 * per dialect, configuration from the worker's environment, and the single mapping of provider
 * errors to Temporal failures.
 */
import type { AgentService } from './agent-service';
import type { ToolDefinition } from '../shared/agent-types';
import { createOpenAIClient, createOpenAIProvider, endpointOf, OpenAIProtocolProvider, type OpenAIProviderDependencies } from './openai-provider';
import type { AgentProvider, FileStore, ThreadsRunsApi } from './provider';
import { configSecrets, DEFAULT_AZURE_FOUNDRY_API_VERSION, DEFAULT_FOUNDRY_AGENTS_TOOL_CALL_EXPIRY_SECONDS, protocolOf, readProviderConfig, type ProviderConfig } from './provider-config';
import { OpenAIResponsesApi, type ResponsesApi } from './responses-api';
import { ResponsesService } from './responses-service';
import { ThreadsRunsService } from './threads-runs-service';

export * from './agent-service';
export * from './provider';
export { ThreadsRunsService } from './threads-runs-service';
export { ResponsesService, type ResponsesServiceOptions } from './responses-service';
export { OpenAIResponsesApi, type ResponsesApi } from './responses-api';
export * from './provider-config';
export { createOpenAIClient, createOpenAIProvider, type OpenAIProviderDependencies, AZURE_FOUNDRY_HUB_SCOPE, AZURE_FOUNDRY_SCOPE, AZURE_OPENAI_SCOPE } from './openai-provider';
export { toApplicationFailure, redactSecrets, retryAfterMs, type ProviderFailureDetails } from './to-application-failure';
export { ProviderResponseError } from './wire-schemas';

/** The provider the worker's environment configures (README, "Configuration"). */
export function createProvider(config: ProviderConfig = readProviderConfig(), dependencies: OpenAIProviderDependencies = {}): AgentProvider {
  return createOpenAIProvider(config, dependencies);
}

/**
 * The neutral seam for a configuration (the protocol its provider speaks) and its file store: what
 * the worker's activities use.
 */
export function createAgentService(
  config: ProviderConfig = readProviderConfig(),
  options: { secrets?: readonly string[]; defaultTools?: ToolDefinition[] } = {},
  dependencies: OpenAIProviderDependencies = {},
): { service: AgentService; files: FileStore; migration?: { threads: ThreadsRunsApi; conversations: ResponsesApi } } {
  const secrets = options.secrets ?? configSecrets(config);
  const client = createOpenAIClient(config, dependencies);
  // Files and vector stores are the same API under both protocols.
  const files = new OpenAIProtocolProvider(config.kind, endpointOf(config), client);
  if (protocolOf(config.kind) === 'threads-runs') return { service: new ThreadsRunsService(files, secrets), files, migration: migrationEnds(config, dependencies, { threads: files }) };
  const api = new OpenAIResponsesApi(config.kind, endpointOf(config), client);
  const migration = migrationEnds(config, dependencies, { conversations: api });
  const toolCallExpirySeconds = config.kind === 'azure-foundry-agents' ? config.toolCallExpirySeconds : null;
  return { service: new ResponsesService(api, { secrets, defaultTools: options.defaultTools, toolCallExpirySeconds, foundryAgents: config.kind === 'azure-foundry-agents' }), files, migration };
}

/**
 * The two ends of a thread migration for a configuration: the classic thread's API and the
 * successor's conversations, on the same service where it has both (the emulator, OpenAI-compatible
 * base URLs, a Foundry project's classic and v2 endpoints, Azure OpenAI with a key and its v1
 * endpoint). Undefined where there is no successor (a hub-based project).
 */
export function migrationEnds(
  config: ProviderConfig,
  dependencies: OpenAIProviderDependencies = {},
  built: { threads?: ThreadsRunsApi; conversations?: ResponsesApi } = {},
): { threads: ThreadsRunsApi; conversations: ResponsesApi } | undefined {
  // The end that is the worker's own configuration is the client already built (`built`): one client and credential fewer.
  const pair = (classic: ProviderConfig, successor: ProviderConfig) => ({
    threads: (classic.kind === config.kind && built.threads) || createOpenAIProvider(classic, dependencies),
    conversations: (successor.kind === config.kind && built.conversations) || createResponsesApi(successor, dependencies),
  });
  switch (config.kind) {
    case 'emulator':
    case 'emulator-responses':
      return pair({ ...config, kind: 'emulator' }, { ...config, kind: 'emulator-responses' });
    case 'openai':
    case 'openai-responses':
      return pair({ ...config, kind: 'openai' }, { ...config, kind: 'openai-responses' });
    case 'azure-foundry':
      if (config.projectType === 'hub') return undefined;
      return pair(config, { kind: 'azure-foundry-agents', endpoint: config.endpoint, timeoutMs: config.timeoutMs, toolCallExpirySeconds: DEFAULT_FOUNDRY_AGENTS_TOOL_CALL_EXPIRY_SECONDS });
    case 'azure-foundry-agents':
      return pair({ kind: 'azure-foundry', endpoint: config.endpoint, apiVersion: DEFAULT_AZURE_FOUNDRY_API_VERSION, timeoutMs: config.timeoutMs }, config);
    case 'azure-openai':
      if (!config.apiKey) return undefined;
      return pair(config, { kind: 'openai-responses', baseUrl: `${config.endpoint}/openai/v1`, apiKey: config.apiKey, timeoutMs: config.timeoutMs });
  }
}

/** The Responses API of a configuration (the seam's, the webhook receiver's, a migration's target). */
export function createResponsesApi(config: ProviderConfig, dependencies: OpenAIProviderDependencies = {}): OpenAIResponsesApi {
  return new OpenAIResponsesApi(config.kind, endpointOf(config), createOpenAIClient(config, dependencies));
}
