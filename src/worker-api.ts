/**
 * `agentrun/worker`: hosting agentrun's workflows and activities. `AgentrunPlugin` adds them to
 * your own Temporal worker next to your workflows; `createAgentrunWorker` builds a worker of its
 * own. Also the providers (threads/runs and the Responses API behind one seam), the webhook
 * receiver and tool modules. Loads the Temporal worker (a native module) and the provider SDKs.
 */
export { createAgentrunWorker, ensureSearchAttributes, type AgentrunWorkerOptions } from './worker';
export { AgentrunPlugin, agentrunBackend, AGENTRUN_PLUGIN_NAME, type AgentrunPluginOptions, type AgentrunBackend } from './plugin';
export { prebuiltWorkflowBundle } from './prebuilt-workflow-bundle';
export { workerDeploymentOptions, versioningFromEnvironment, VERSIONING_BEHAVIORS, type AgentrunWorkerVersioning } from './worker-versioning';
export { TurnWatcher, type TurnWatcherOptions, type TurnWatcherStats } from './watcher/turn-watcher';
export { ProviderBudget, providerBudget, providerBudgets, type ProviderBudgetOptions, type ProviderBudgetStats } from './providers/provider-budget';
export * from './replay';
export { defineTool, toolDefinitions, isTool, type Tool, type ToolContext, type ToolSpec } from './tools/define-tool';
export { loadToolModule } from './tools/load-tools';
export { createActivities, type ActivityDependencies, type AgentrunActivities } from './activities';
export {
  createProvider,
  createAgentService,
  createOpenAIClient,
  createOpenAIProvider,
  readProviderConfig,
  describeProviderConfig,
  configSecrets,
  protocolOf,
  migrationEnds,
  toApplicationFailure,
  redactSecrets,
  ThreadsRunsService,
  ResponsesService,
  OpenAIResponsesApi,
  ProviderConfigurationError,
  type AgentProvider,
  type AgentService,
  type AgentProtocol,
  type FileStore,
  type ThreadsRunsApi,
  type ProviderConfig,
  type ProviderKind,
  type ResponsesApi,
  type ResponsesServiceOptions,
  type OpenAIProviderDependencies,
} from './providers';
export { createWebhookReceiver, startWebhookServer, OPENAI_WEBHOOK_PATH, type WebhookReceiver, type WebhookReceiverOptions, type WebhookAnswer, type RunningWebhookServer } from './webhooks';
