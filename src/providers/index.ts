/**
 * The provider layer: one interface ({@link AgentProvider}), one adapter on the `openai` package
 * configured per dialect, configuration from the worker's environment, and the single mapping of
 * provider errors to Temporal failures.
 */
import type { AgentService } from './agent-service';
import type { ToolDefinition } from '../shared/agent-types';
import { createOpenAIClient, createOpenAIProvider, endpointOf, OpenAIProtocolProvider, type OpenAIProviderDependencies } from './openai-provider';
import type { AgentProvider, FileStore } from './provider';
import { configSecrets, protocolOf, readProviderConfig, type ProviderConfig } from './provider-config';
import { OpenAIResponsesApi } from './responses-api';
import { ResponsesService } from './responses-service';
import { ThreadsRunsService } from './threads-runs-service';

export * from './agent-service';
export * from './provider';
export { ThreadsRunsService, turnOfRun, turnStatusOfRun } from './threads-runs-service';
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
): { service: AgentService; files: FileStore } {
  const secrets = options.secrets ?? configSecrets(config);
  const client = createOpenAIClient(config, dependencies);
  // Files and vector stores are the same API under both protocols.
  const files = new OpenAIProtocolProvider(config.kind, endpointOf(config), client);
  if (protocolOf(config.kind) === 'threads-runs') return { service: new ThreadsRunsService(files, secrets), files };
  const api = new OpenAIResponsesApi(config.kind, endpointOf(config), client);
  const toolCallExpirySeconds = config.kind === 'azure-foundry-agents' ? config.toolCallExpirySeconds : null;
  return { service: new ResponsesService(api, { secrets, defaultTools: options.defaultTools, toolCallExpirySeconds }), files };
}
