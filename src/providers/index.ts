/**
 * The provider layer: one interface ({@link AgentProvider}), one adapter on the `openai` package
 * configured per dialect, configuration from the worker's environment, and the single mapping of
 * provider errors to Temporal failures.
 */
import { createOpenAIProvider, type OpenAIProviderDependencies } from './openai-provider';
import type { AgentProvider } from './provider';
import { readProviderConfig, type ProviderConfig } from './provider-config';

export * from './provider';
export * from './provider-config';
export { createOpenAIClient, createOpenAIProvider, type OpenAIProviderDependencies, AZURE_FOUNDRY_HUB_SCOPE, AZURE_FOUNDRY_SCOPE, AZURE_OPENAI_SCOPE } from './openai-provider';
export { toApplicationFailure, redactSecrets, retryAfterMs, type ProviderFailureDetails } from './to-application-failure';
export { ProviderResponseError } from './wire-schemas';

/** The provider the worker's environment configures (README, "Configuration"). */
export function createProvider(config: ProviderConfig = readProviderConfig(), dependencies: OpenAIProviderDependencies = {}): AgentProvider {
  return createOpenAIProvider(config, dependencies);
}
