import type { IncomingHttpHeaders } from 'node:http';
import {
  azureOpenAIUnauthorized,
  azureResourceNotFound,
  foundryMissingApiVersion,
  foundryUnauthorized,
  foundryUnsupportedApiVersion,
  invalidUrl,
  openAIMissingKey,
  openAIWrongKey,
  type EmulatorHttpError,
} from './errors';

/**
 * The ways the providers' protocols are spoken. They differ only in the path prefix, the query
 * (`api-version`), the credential header and the shape of auth/404 errors; below the prefix every
 * dialect shares one router (a route may be limited to some dialects).
 *
 * Threads/runs: `openai` (`/v1`), `azure-openai` (`/openai` + `?api-version=`), `foundry` (a
 * Foundry project, `/api/projects/{project}`, what `azure-ai-agents` and `azure-ai-projects`
 * >= 1.0.0b11 call; also its agents v2 management, `/agents`) and `foundry-hub` (a hub-based project,
 * `/agents/v1.0/subscriptions/.../workspaces/{project}`, what `azure-ai-projects` 1.0.0b1-b10 call).
 *
 * Responses and Conversations, the successor protocols: `openai` (`/v1`), `azure-openai-v1` (Azure
 * OpenAI's v1 API, `/openai/v1`, no `api-version`) and `foundry-openai-v1` (a Foundry project's
 * OpenAI endpoint, `/api/projects/{project}/openai/v1`, where `azure-ai-projects` 2.x points
 * `get_openai_client()`; no `api-version`).
 */
export type Dialect = 'openai' | 'azure-openai' | 'foundry' | 'foundry-hub' | 'azure-openai-v1' | 'foundry-openai-v1';

/** The dialects of the threads/runs protocol (Assistants), which the successor prefixes do not serve. */
export const THREADS_DIALECTS: readonly Dialect[] = ['openai', 'azure-openai', 'foundry', 'foundry-hub'];

/** The dialects of the Responses and Conversations APIs. */
export const RESPONSES_DIALECTS: readonly Dialect[] = ['openai', 'azure-openai-v1', 'foundry-openai-v1'];

/** Which dialect a request speaks and the dialect-neutral path behind its prefix. */
export interface DialectMatch {
  dialect: Dialect;
  /** The path after the prefix, e.g. `/threads/thread_x/runs`. */
  path: string;
  /** Foundry's project name (from `/api/projects/{project}` or `.../workspaces/{project}`). */
  project?: string;
}

/** Whether a dialect is one of the Foundry Agent Service's: they share its extensions and error shapes. */
export function isFoundryDialect(dialect: Dialect): dialect is 'foundry' | 'foundry-hub' | 'foundry-openai-v1' {
  return dialect === 'foundry' || dialect === 'foundry-hub' || dialect === 'foundry-openai-v1';
}

/**
 * The `api-version` values each Foundry dialect accepts. A Foundry project lists them in its own 400
 * (`The supported versions are 'v1', '2025-05-01', '2025-05-15-preview'`); `@azure/ai-agents` 1.1
 * and `azure-ai-agents` 1.1 send `v1`, `azure-ai-agents` 1.2 betas `2025-05-15-preview`. A hub-based
 * project gets `2024-07-01-preview` from `azure-ai-projects` 1.0.0b1-b2 and `2024-12-01-preview` from
 * 1.0.0b3-b10 (read in each release's `_patch.py`; b6 refuses any override).
 */
export const FOUNDRY_API_VERSIONS: Readonly<Record<'foundry' | 'foundry-hub', readonly string[]>> = {
  foundry: ['v1', '2025-05-01', '2025-05-15-preview'],
  'foundry-hub': ['2024-07-01-preview', '2024-12-01-preview'],
};

const FOUNDRY_PREFIX = /^\/api\/projects\/([^/]+)(\/.*)?$/;

/** A Foundry project's OpenAI v1 endpoint: `{project endpoint}/openai/v1`. */
const FOUNDRY_OPENAI_V1_PREFIX = /^\/api\/projects\/([^/]+)\/openai\/v1(\/.*)?$/;

/**
 * The hub-based project prefix `azure-ai-projects` 1.0.0b builds from a connection string
 * (`HOST;SUBSCRIPTION;RESOURCE_GROUP;PROJECT`). Azure treats the literal segments case-insensitively.
 */
const FOUNDRY_HUB_PREFIX =
  /^\/agents\/v1\.0\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/]+)(\/.*)?$/i;

/**
 * Recognises the dialect by path prefix (`/v1`, `/openai/v1`, `/openai`, `/api/projects/{project}/openai/v1`,
 * `/api/projects/{project}`,
 * `/agents/v1.0/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{project}`).
 */
export function resolveDialect(pathname: string): DialectMatch | undefined {
  if (pathname === '/v1' || pathname.startsWith('/v1/')) {
    return { dialect: 'openai', path: pathname.slice('/v1'.length) || '/' };
  }
  // Azure OpenAI's v1 API before its classic API: no classic path starts with `/openai/v1/`.
  if (pathname === '/openai/v1' || pathname.startsWith('/openai/v1/')) {
    return { dialect: 'azure-openai-v1', path: pathname.slice('/openai/v1'.length) || '/' };
  }
  if (pathname === '/openai' || pathname.startsWith('/openai/')) {
    return { dialect: 'azure-openai', path: pathname.slice('/openai'.length) || '/' };
  }
  const foundryOpenAI = FOUNDRY_OPENAI_V1_PREFIX.exec(pathname);
  if (foundryOpenAI !== null) {
    return { dialect: 'foundry-openai-v1', path: foundryOpenAI[2] ?? '/', project: safeDecode(foundryOpenAI[1] ?? '') };
  }
  const foundry = FOUNDRY_PREFIX.exec(pathname);
  if (foundry !== null) {
    return { dialect: 'foundry', path: foundry[2] ?? '/', project: safeDecode(foundry[1] ?? '') };
  }
  const hub = FOUNDRY_HUB_PREFIX.exec(pathname);
  if (hub !== null) {
    return { dialect: 'foundry-hub', path: hub[4] ?? '/', project: safeDecode(hub[3] ?? '') };
  }
  return undefined;
}

/**
 * The Azure dialects of the threads/runs protocol require `api-version`. Azure OpenAI answers its
 * absence with a bare 404 (and its values are not checked here); the Foundry dialects answer its
 * absence with a 400, and a version they do not serve with a 400 naming the ones they do. The v1
 * endpoints (`/openai/v1`, `/api/projects/{project}/openai/v1`) need none: it is what "v1" replaced.
 */
export function checkApiVersion(dialect: Dialect, query: URLSearchParams): EmulatorHttpError | undefined {
  if (dialect === 'openai' || dialect === 'azure-openai-v1' || dialect === 'foundry-openai-v1') return undefined;
  const version = query.get('api-version') ?? '';
  if (dialect === 'azure-openai') return version === '' ? azureResourceNotFound() : undefined;
  if (version === '') return foundryMissingApiVersion();
  const supported = FOUNDRY_API_VERSIONS[dialect];
  return supported.includes(version) ? undefined : foundryUnsupportedApiVersion(version, supported);
}

/**
 * Checks the one accepted credential the way each dialect carries it: OpenAI `Authorization: Bearer`,
 * Azure OpenAI `api-key` (or a bearer token), Foundry a bearer token only. Returns the dialect's 401.
 */
export function authenticate(
  dialect: Dialect,
  headers: IncomingHttpHeaders,
  apiKey: string,
  method: string,
  routeTemplate: string,
): EmulatorHttpError | undefined {
  const bearer = bearerToken(headers);
  switch (dialect) {
    case 'openai':
      if (bearer === undefined) return openAIMissingKey();
      return bearer === apiKey ? undefined : openAIWrongKey(bearer);
    case 'azure-openai':
    case 'azure-openai-v1': {
      const key = headerValue(headers, 'api-key') ?? bearer;
      return key === apiKey ? undefined : azureOpenAIUnauthorized();
    }
    case 'foundry':
    case 'foundry-hub':
    case 'foundry-openai-v1':
      return bearer === apiKey ? undefined : foundryUnauthorized(dialect, method, routeTemplate);
  }
}

/** The dialect's answer to a path it does not serve. */
export function unknownRouteError(dialect: Dialect, method: string, fullPath: string): EmulatorHttpError {
  return dialect === 'openai' ? invalidUrl(method, fullPath) : azureResourceNotFound();
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headerValue(headers, 'authorization');
  if (authorization === undefined) return undefined;
  const match = /^Bearer\s+(.*)$/i.exec(authorization.trim());
  const token = match?.[1]?.trim();
  return token === undefined || token === '' ? undefined : token;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
