/**
 * The provider layer: one interface ({@link AgentProvider}), one adapter on the `openai` package
 * configured per dialect, configuration from the worker's environment, and the single mapping of
 * provider errors to Temporal failures.
 */
import type { AgentService } from './agent-service';
import { createOpenAIProvider, type OpenAIProviderDependencies } from './openai-provider';
import type { AgentProvider, FileStore } from './provider';
import { readProviderConfig, type ProviderConfig } from './provider-config';
import { ThreadsRunsService } from './threads-runs-service';

export * from './agent-service';
export * from './provider';
export { ThreadsRunsService, turnOfRun, turnStatusOfRun } from './threads-runs-service';
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
export function createAgentService(config: ProviderConfig = readProviderConfig(), secrets: readonly string[] = [], dependencies: OpenAIProviderDependencies = {}): { service: AgentService; files: FileStore } {
  const provider = createOpenAIProvider(config, dependencies);
  return { service: new ThreadsRunsService(provider, secrets), files: provider };
}
