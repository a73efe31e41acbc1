/**
 * Which of agentrun's search attributes a deployment uses, and under which names: configuration
 * that the worker (it registers them) and the clients (they start workflows with them, and list
 * runs by them) read from the same environment.
 *
 * - `AGENTRUN_SEARCH_ATTRIBUTES`: `all` (default), `none`, or the families to keep: `runs`,
 *   `ingestion` (comma-separated). SQL visibility (PostgreSQL, MySQL, SQLite) has 3 Int columns per
 *   namespace: `runs` takes 1, `ingestion` 2.
 * - `AGENTRUN_SEARCH_ATTRIBUTE_PREFIX`: a prefix for every name (`Acme` gives `AcmeAgentRunStatus`).
 *
 * A workflow gets its setting in its input (see `SearchAttributeSetting`), so a run keeps the names
 * it started with whatever the configuration becomes, and its history replays the same.
 */
import type { SearchAttributeType } from '@temporalio/common';
import {
  SEARCH_ATTRIBUTE_FAMILIES,
  SEARCH_ATTRIBUTE_PREFIX_PATTERN,
  keyUnder,
  searchAttributeCliType,
  type SearchAttributeFamily,
  type SearchAttributeKey,
  type SearchAttributeSetting,
} from './shared/search-attributes';

export const SEARCH_ATTRIBUTES_VARIABLE = 'AGENTRUN_SEARCH_ATTRIBUTES';
export const SEARCH_ATTRIBUTE_PREFIX_VARIABLE = 'AGENTRUN_SEARCH_ATTRIBUTE_PREFIX';

/** The families kept and the prefix of their names. */
export interface SearchAttributeConfig {
  families: readonly SearchAttributeFamily[];
  /** Empty: agentrun's own names. */
  prefix: string;
}

/** The default: every family, under agentrun's own names. */
export const DEFAULT_SEARCH_ATTRIBUTE_CONFIG: SearchAttributeConfig = { families: ['runs', 'ingestion'], prefix: '' };

/** A setting that cannot work, named by its variable (or option). */
export class SearchAttributeConfigError extends Error {
  override readonly name = 'SearchAttributeConfigError';
}

const FAMILY_NAMES = Object.keys(SEARCH_ATTRIBUTE_FAMILIES) as SearchAttributeFamily[];

/** Checks a configuration given in code (or read from the environment), naming what is wrong. */
export function checkSearchAttributeConfig(config: Partial<SearchAttributeConfig>, source = 'searchAttributes'): SearchAttributeConfig {
  const families = config.families ?? DEFAULT_SEARCH_ATTRIBUTE_CONFIG.families;
  for (const family of families) {
    if (!FAMILY_NAMES.includes(family)) throw new SearchAttributeConfigError(`${source}: unknown family "${family}"; use all, none, or some of ${FAMILY_NAMES.join(', ')}`);
  }
  const prefix = config.prefix ?? '';
  if (prefix && !SEARCH_ATTRIBUTE_PREFIX_PATTERN.test(prefix)) {
    throw new SearchAttributeConfigError(`${source === 'searchAttributes' ? 'searchAttributes.prefix' : SEARCH_ATTRIBUTE_PREFIX_VARIABLE}: "${prefix}" is not a usable prefix: start with a letter, then letters, digits or _ (at most 32), e.g. Acme`);
  }
  return { families: [...new Set(families)], prefix };
}

/** The configuration in `env` (the defaults for what is unset). */
export function searchAttributeConfigFromEnvironment(env: NodeJS.ProcessEnv = process.env): SearchAttributeConfig {
  const raw = env[SEARCH_ATTRIBUTES_VARIABLE]?.trim().toLowerCase();
  let families: SearchAttributeFamily[] | undefined;
  if (raw === 'none' || raw === 'off') families = [];
  else if (raw && raw !== 'all') families = raw.split(',').map((name) => name.trim()).filter(Boolean) as SearchAttributeFamily[];
  return checkSearchAttributeConfig({ ...(families ? { families } : {}), prefix: env[SEARCH_ATTRIBUTE_PREFIX_VARIABLE]?.trim() ?? '' }, SEARCH_ATTRIBUTES_VARIABLE);
}

/**
 * What a workflow of `family` carries in its input: undefined for agentrun's own names (inputs
 * stay as they were before this setting existed), `false` for none, or the prefix.
 */
export function settingFor(config: SearchAttributeConfig, family: SearchAttributeFamily): SearchAttributeSetting | undefined {
  if (!config.families.includes(family)) return false;
  return config.prefix ? { prefix: config.prefix } : undefined;
}

/** Every key the configuration needs registered. */
export function keysToRegister(config: SearchAttributeConfig): Array<SearchAttributeKey<SearchAttributeType>> {
  const setting = config.prefix ? { prefix: config.prefix } : undefined;
  return config.families.flatMap((family) => SEARCH_ATTRIBUTE_FAMILIES[family].map((key) => keyUnder<SearchAttributeType>(key, setting)));
}

/** `temporal operator search-attribute create ...` for `keys` (a self-hosted server). */
export function temporalCliCommand(namespace: string, keys: ReadonlyArray<SearchAttributeKey<SearchAttributeType>>): string {
  return `temporal operator search-attribute create --namespace ${namespace} ${keys.map((key) => `--name ${key.name} --type ${searchAttributeCliType(key.type)}`).join(' ')}`;
}

/** `tcld namespace search-attributes add ...` for `keys` (Temporal Cloud, where the operator API is closed to workers). */
export function temporalCloudCommand(namespace: string, keys: ReadonlyArray<SearchAttributeKey<SearchAttributeType>>): string {
  return `tcld namespace search-attributes add --namespace ${namespace} ${keys.map((key) => `--search-attribute "${key.name}=${searchAttributeCliType(key.type)}"`).join(' ')}`;
}
