/**
 * Provider configuration, read on the worker from its environment. Never from workflow input:
 * credentials must not enter workflow history (FACTS: secrets).
 */
import { z } from 'zod/v4';
import type { ProviderKind } from './provider';

/** Default request timeout: generous for slow providers, short enough that a hung socket retries. */
export const DEFAULT_PROVIDER_TIMEOUT_MS = 60_000;
/** The emulator `agentrun dev` starts, unless told otherwise. */
export const DEFAULT_EMULATOR_URL = 'http://127.0.0.1:4010';
/** The emulator's default credential (it accepts exactly one). */
export const DEFAULT_EMULATOR_API_KEY = 'emulator-key';
/** Azure OpenAI Assistants API version (the last one documented for Assistants, FACTS). */
export const DEFAULT_AZURE_OPENAI_API_VERSION = '2024-08-01-preview';
/** Azure AI Foundry Agent Service API version (what `@azure/ai-agents` 1.1 sends). */
export const DEFAULT_AZURE_FOUNDRY_API_VERSION = 'v1';
/** A hub-based Foundry project's API version (what `azure-ai-projects` 1.0.0b3-b10 send, and all b6 accepts). */
export const DEFAULT_AZURE_FOUNDRY_HUB_API_VERSION = '2024-12-01-preview';
/** The form of a hub-based project's connection string, as error messages name it. */
export const FOUNDRY_CONNECTION_STRING_FORM = 'HOST;SUBSCRIPTION_ID;RESOURCE_GROUP;PROJECT_NAME';

/** A fully resolved provider configuration. `apiKey` fields are secrets: never log them. */
export type ProviderConfig =
  | { kind: 'emulator'; baseUrl: string; apiKey: string; timeoutMs: number }
  | { kind: 'openai'; baseUrl?: string; apiKey: string; organization?: string; project?: string; timeoutMs: number }
  | { kind: 'azure-openai'; endpoint: string; apiKey?: string; apiVersion: string; timeoutMs: number }
  | {
      kind: 'azure-foundry';
      endpoint: string;
      apiVersion: string;
      timeoutMs: number;
      /**
       * `hub` for a hub-based project reached through a connection string (Entra ID scope
       * `https://ml.azure.com/.default`); a Foundry project (scope `https://ai.azure.com/.default`) when absent.
       */
      projectType?: 'foundry' | 'hub';
    }
  // The Responses API (the successors of threads/runs)
  | { kind: 'emulator-responses'; baseUrl: string; apiKey: string; timeoutMs: number }
  | { kind: 'openai-responses'; baseUrl?: string; apiKey: string; organization?: string; project?: string; timeoutMs: number }
  | {
      kind: 'azure-foundry-agents';
      /** The Foundry project endpoint; responses and conversations live at `{endpoint}/openai/v1`. */
      endpoint: string;
      timeoutMs: number;
      /** Seconds after which a response's pending tool calls expire (Foundry documents 10 minutes). */
      toolCallExpirySeconds: number;
    };

/** Foundry agents v2: "Runs expire 10 minutes after creation. Submit your tool outputs before they expire." */
export const DEFAULT_FOUNDRY_AGENTS_TOOL_CALL_EXPIRY_SECONDS = 600;

/** Thrown for missing or wrong configuration; the message names the variable and the fix, never a value of a secret. */
export class ProviderConfigurationError extends Error {
  override name = 'ProviderConfigurationError';
}

const url = (variable: string) =>
  z.string({ error: `${variable} is required` }).trim().refine((value) => /^https?:\/\/[^\s]+$/.test(value), {
    message: `${variable} must be an http(s) URL, e.g. https://my-resource.openai.azure.com`,
  });
const secret = (variable: string, hint: string) => z.string({ error: `${variable} is required (${hint})` }).trim().min(1, `${variable} is empty (${hint})`);
const optionalText = z.string().trim().min(1).optional();
const timeout = z.coerce.number({ error: 'AGENTRUN_PROVIDER_TIMEOUT_MS must be a number of milliseconds' }).int().positive('AGENTRUN_PROVIDER_TIMEOUT_MS must be > 0').default(DEFAULT_PROVIDER_TIMEOUT_MS);

const environmentSchemas = {
  emulator: z.object({
    AGENTRUN_EMULATOR_URL: url('AGENTRUN_EMULATOR_URL').default(DEFAULT_EMULATOR_URL),
    AGENTRUN_EMULATOR_API_KEY: optionalText,
    AGENTRUN_PROVIDER_TIMEOUT_MS: timeout,
  }),
  openai: z.object({
    OPENAI_API_KEY: secret('OPENAI_API_KEY', 'your OpenAI API key'),
    OPENAI_BASE_URL: url('OPENAI_BASE_URL').optional(),
    OPENAI_ORG_ID: optionalText,
    OPENAI_PROJECT_ID: optionalText,
    AGENTRUN_PROVIDER_TIMEOUT_MS: timeout,
  }),
  'azure-openai': z.object({
    AZURE_OPENAI_ENDPOINT: url('AZURE_OPENAI_ENDPOINT'),
    AZURE_OPENAI_API_KEY: optionalText,
    OPENAI_API_VERSION: optionalText,
    AGENTRUN_PROVIDER_TIMEOUT_MS: timeout,
  }),
  'azure-foundry': z
    .object({
      AZURE_AI_PROJECT_ENDPOINT: url('AZURE_AI_PROJECT_ENDPOINT').optional(),
      AZURE_AI_PROJECT_CONNECTION_STRING: z.string().trim().optional(),
      AZURE_AI_AGENTS_API_VERSION: optionalText,
      AGENTRUN_PROVIDER_TIMEOUT_MS: timeout,
    })
    .superRefine((values, context) => {
      const hasEndpoint = values.AZURE_AI_PROJECT_ENDPOINT !== undefined;
      const hasConnectionString = values.AZURE_AI_PROJECT_CONNECTION_STRING !== undefined;
      if (hasEndpoint === hasConnectionString) {
        context.addIssue({
          code: 'custom',
          message: hasEndpoint
            ? 'set AZURE_AI_PROJECT_ENDPOINT (a Foundry project) or AZURE_AI_PROJECT_CONNECTION_STRING (a hub-based project), not both'
            : 'AZURE_AI_PROJECT_ENDPOINT is required (https://RESOURCE.services.ai.azure.com/api/projects/PROJECT), ' +
              `or AZURE_AI_PROJECT_CONNECTION_STRING (${FOUNDRY_CONNECTION_STRING_FORM}) for a hub-based project`,
        });
      } else if (hasConnectionString && parseFoundryConnectionString(values.AZURE_AI_PROJECT_CONNECTION_STRING ?? '') === undefined) {
        // Never echo the value: a connection string pasted from the wrong place can hold a key.
        context.addIssue({
          code: 'custom',
          message:
            `AZURE_AI_PROJECT_CONNECTION_STRING must have the form ${FOUNDRY_CONNECTION_STRING_FORM} ` +
            "(four parts separated by ';', the host without https://), as the hub-based project's overview page shows it",
        });
      }
    }),
  'emulator-responses': z.object({
    AGENTRUN_EMULATOR_URL: url('AGENTRUN_EMULATOR_URL').default(DEFAULT_EMULATOR_URL),
    AGENTRUN_EMULATOR_API_KEY: optionalText,
    AGENTRUN_PROVIDER_TIMEOUT_MS: timeout,
  }),
  'openai-responses': z.object({
    OPENAI_API_KEY: secret('OPENAI_API_KEY', 'your OpenAI API key, or the Azure OpenAI key for its v1 endpoint'),
    OPENAI_BASE_URL: url('OPENAI_BASE_URL').optional(),
    OPENAI_ORG_ID: optionalText,
    OPENAI_PROJECT_ID: optionalText,
    AGENTRUN_PROVIDER_TIMEOUT_MS: timeout,
  }),
  'azure-foundry-agents': z.object({
    AZURE_AI_PROJECT_ENDPOINT: url('AZURE_AI_PROJECT_ENDPOINT'),
    AGENTRUN_PROVIDER_TIMEOUT_MS: timeout,
  }),
} as const;

/**
 * The provider budget's settings from the worker's environment (README, "Sizing"):
 * `AGENTRUN_PROVIDER_MAX_CONCURRENT` (requests awaiting a response at once, default 128),
 * `AGENTRUN_PROVIDER_MAX_RPS` (requests started per second, default unlimited),
 * `AGENTRUN_PROVIDER_MAX_THROTTLED_WAIT_MS` (how long a request waits out 429s, default 300000).
 */
export function readProviderBudgetOptions(environment: NodeJS.ProcessEnv = process.env): { maxConcurrent?: number; maxPerSecond?: number; maxThrottledWaitMs?: number } {
  const read = (name: string, min: number, integer: boolean): number | undefined => {
    const raw = environment[name]?.trim();
    if (!raw) return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
      throw new ProviderConfigurationError(`${name}=${raw} is not valid: give ${integer ? 'a whole number' : 'a number'} of at least ${min}.`);
    }
    return value;
  };
  const maxConcurrent = read('AGENTRUN_PROVIDER_MAX_CONCURRENT', 1, true);
  const maxPerSecond = read('AGENTRUN_PROVIDER_MAX_RPS', 0, false);
  const maxThrottledWaitMs = read('AGENTRUN_PROVIDER_MAX_THROTTLED_WAIT_MS', 0, true);
  return {
    ...(maxConcurrent !== undefined ? { maxConcurrent } : {}),
    ...(maxPerSecond !== undefined ? { maxPerSecond } : {}),
    ...(maxThrottledWaitMs !== undefined ? { maxThrottledWaitMs } : {}),
  };
}

/** The protocol a provider kind speaks. */
export function protocolOf(kind: ProviderKind): 'threads-runs' | 'responses' {
  return kind === 'emulator-responses' || kind === 'openai-responses' || kind === 'azure-foundry-agents' ? 'responses' : 'threads-runs';
}

const PROVIDER_KINDS = Object.keys(environmentSchemas) as ProviderKind[];

/**
 * Reads `AGENTRUN_PROVIDER` (`emulator` by default) and that provider's variables (README,
 * "Configuration"). Throws {@link ProviderConfigurationError} naming every wrong variable.
 */
export function readProviderConfig(environment: NodeJS.ProcessEnv = process.env): ProviderConfig {
  const kind = (environment.AGENTRUN_PROVIDER?.trim() || 'emulator') as ProviderKind;
  if (!PROVIDER_KINDS.includes(kind)) {
    throw new ProviderConfigurationError(`AGENTRUN_PROVIDER=${environment.AGENTRUN_PROVIDER} is not a provider; use one of: ${PROVIDER_KINDS.join(', ')}.`);
  }
  const parsed = environmentSchemas[kind].safeParse(blankToUndefined(environment));
  if (!parsed.success) {
    // zod messages here are ours (above): they name the variable and never echo its value.
    const problems = parsed.error.issues.map((issue) => issue.message);
    throw new ProviderConfigurationError(`Provider "${kind}" is not configured: ${problems.join('; ')}.`);
  }
  const values = parsed.data as Record<string, string | number | undefined>;
  const timeoutMs = values.AGENTRUN_PROVIDER_TIMEOUT_MS as number;
  switch (kind) {
    case 'emulator':
      return { kind, baseUrl: stripSlash(values.AGENTRUN_EMULATOR_URL as string), apiKey: (values.AGENTRUN_EMULATOR_API_KEY as string | undefined) ?? DEFAULT_EMULATOR_API_KEY, timeoutMs };
    case 'openai':
      return {
        kind,
        apiKey: values.OPENAI_API_KEY as string,
        baseUrl: values.OPENAI_BASE_URL === undefined ? undefined : stripSlash(values.OPENAI_BASE_URL as string),
        organization: values.OPENAI_ORG_ID as string | undefined,
        project: values.OPENAI_PROJECT_ID as string | undefined,
        timeoutMs,
      };
    case 'azure-openai':
      return {
        kind,
        endpoint: stripSlash(values.AZURE_OPENAI_ENDPOINT as string),
        apiKey: values.AZURE_OPENAI_API_KEY as string | undefined,
        apiVersion: (values.OPENAI_API_VERSION as string | undefined) ?? DEFAULT_AZURE_OPENAI_API_VERSION,
        timeoutMs,
      };
    case 'azure-foundry': {
      const apiVersion = values.AZURE_AI_AGENTS_API_VERSION as string | undefined;
      const connection = parseFoundryConnectionString((values.AZURE_AI_PROJECT_CONNECTION_STRING as string | undefined) ?? '');
      if (connection !== undefined) {
        return { kind, endpoint: connection.endpoint, apiVersion: apiVersion ?? DEFAULT_AZURE_FOUNDRY_HUB_API_VERSION, timeoutMs, projectType: 'hub' };
      }
      return { kind, endpoint: stripSlash(values.AZURE_AI_PROJECT_ENDPOINT as string), apiVersion: apiVersion ?? DEFAULT_AZURE_FOUNDRY_API_VERSION, timeoutMs };
    }
    case 'emulator-responses':
      return { kind, baseUrl: stripSlash(values.AGENTRUN_EMULATOR_URL as string), apiKey: (values.AGENTRUN_EMULATOR_API_KEY as string | undefined) ?? DEFAULT_EMULATOR_API_KEY, timeoutMs };
    case 'openai-responses':
      return {
        kind,
        apiKey: values.OPENAI_API_KEY as string,
        baseUrl: values.OPENAI_BASE_URL === undefined ? undefined : stripSlash(values.OPENAI_BASE_URL as string),
        organization: values.OPENAI_ORG_ID as string | undefined,
        project: values.OPENAI_PROJECT_ID as string | undefined,
        timeoutMs,
      };
    case 'azure-foundry-agents':
      return { kind, endpoint: stripSlash(values.AZURE_AI_PROJECT_ENDPOINT as string), timeoutMs, toolCallExpirySeconds: DEFAULT_FOUNDRY_AGENTS_TOOL_CALL_EXPIRY_SECONDS };
  }
}

/** A hub-based project's connection string, taken apart. */
export interface FoundryConnectionString {
  /** `HOST`, e.g. `eastus.api.azureml.ms` (`host:port` allowed). */
  host: string;
  subscriptionId: string;
  resourceGroup: string;
  projectName: string;
  /**
   * The agents endpoint `azure-ai-projects` 1.0.0b builds from it:
   * `https://HOST/agents/v1.0/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{project}`.
   */
  endpoint: string;
}

/**
 * Parses `HOST;SUBSCRIPTION_ID;RESOURCE_GROUP;PROJECT_NAME`, the connection string of a hub-based
 * Foundry project. The host means `https://HOST`, as `AIProjectClient.from_connection_string` reads
 * it. Undefined when the string does not have that form.
 */
export function parseFoundryConnectionString(connectionString: string): FoundryConnectionString | undefined {
  const parts = connectionString.trim().split(';').map((part) => part.trim());
  if (parts.length !== 4 || parts.some((part) => part === '' || /[\s/?#]/.test(part))) return undefined;
  const [host, subscriptionId, resourceGroup, projectName] = parts as [string, string, string, string];
  if (!/^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/.test(host)) return undefined;
  const endpoint =
    `https://${host}/agents/v1.0/subscriptions/${encodeURIComponent(subscriptionId)}/resourceGroups/${encodeURIComponent(resourceGroup)}` +
    `/providers/Microsoft.MachineLearningServices/workspaces/${encodeURIComponent(projectName)}`;
  return { host, subscriptionId, resourceGroup, projectName, endpoint };
}

/** A description of the configuration that is safe to log: no secrets. */
export function describeProviderConfig(config: ProviderConfig): string {
  switch (config.kind) {
    case 'emulator':
      return `emulator at ${config.baseUrl}`;
    case 'openai':
      return `OpenAI at ${config.baseUrl ?? 'https://api.openai.com/v1'} (API key)`;
    case 'azure-openai':
      return `Azure OpenAI at ${config.endpoint}, api-version ${config.apiVersion} (${config.apiKey ? 'API key' : 'Entra ID'})`;
    case 'azure-foundry':
      return config.projectType === 'hub'
        ? `Azure AI Foundry hub-based project at ${config.endpoint}, api-version ${config.apiVersion} (Entra ID)`
        : `Azure AI Foundry Agent Service at ${config.endpoint}, api-version ${config.apiVersion} (Entra ID)`;
    case 'emulator-responses':
      return `emulator at ${config.baseUrl} (Responses API)`;
    case 'openai-responses':
      return `Responses API at ${config.baseUrl ?? 'https://api.openai.com/v1'} (API key)`;
    case 'azure-foundry-agents':
      return `Azure AI Foundry agents (v2, Responses API) at ${config.endpoint}/openai/v1 (Entra ID)`;
  }
}

/** The secrets a configuration holds, for redaction. */
export function configSecrets(config: ProviderConfig): string[] {
  return 'apiKey' in config && config.apiKey ? [config.apiKey] : [];
}

function stripSlash(value: string): string {
  return value.replace(/\/+$/, '');
}

function blankToUndefined(environment: NodeJS.ProcessEnv): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(environment).map(([key, value]) => [key, value?.trim() === '' ? undefined : value]));
}
