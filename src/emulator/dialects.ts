import type { IncomingHttpHeaders } from 'node:http';
import {
  azureOpenAIUnauthorized,
  azureResourceNotFound,
  foundryMissingApiVersion,
  foundryUnauthorized,
  invalidUrl,
  openAIMissingKey,
  openAIWrongKey,
  type EmulatorHttpError,
} from './errors';

/**
 * The three ways the same threads/runs protocol is spoken. They differ only in the path prefix,
 * the query (`api-version`), the credential header and the shape of auth/404 errors; below the
 * prefix every dialect shares one router.
 */
export type Dialect = 'openai' | 'azure-openai' | 'foundry';

/** Which dialect a request speaks and the dialect-neutral path behind its prefix. */
export interface DialectMatch {
  dialect: Dialect;
  /** The path after the prefix, e.g. `/threads/thread_x/runs`. */
  path: string;
  /** Foundry's project name (from `/api/projects/{project}`). */
  project?: string;
}

const FOUNDRY_PREFIX = /^\/api\/projects\/([^/]+)(\/.*)?$/;

/** Recognises the dialect by path prefix (`/v1`, `/openai`, `/api/projects/{project}`). */
export function resolveDialect(pathname: string): DialectMatch | undefined {
  if (pathname === '/v1' || pathname.startsWith('/v1/')) {
    return { dialect: 'openai', path: pathname.slice('/v1'.length) || '/' };
  }
  if (pathname === '/openai' || pathname.startsWith('/openai/')) {
    return { dialect: 'azure-openai', path: pathname.slice('/openai'.length) || '/' };
  }
  const foundry = FOUNDRY_PREFIX.exec(pathname);
  if (foundry !== null) {
    return { dialect: 'foundry', path: foundry[2] ?? '/', project: decodeURIComponent(foundry[1] ?? '') };
  }
  return undefined;
}

/**
 * The Azure dialects require `api-version`. Azure OpenAI answers its absence with a bare 404,
 * Foundry with a 400.
 */
export function checkApiVersion(dialect: Dialect, query: URLSearchParams): EmulatorHttpError | undefined {
  if (dialect === 'openai' || (query.get('api-version') ?? '') !== '') return undefined;
  return dialect === 'azure-openai' ? azureResourceNotFound() : foundryMissingApiVersion();
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
    case 'azure-openai': {
      const key = headerValue(headers, 'api-key') ?? bearer;
      return key === apiKey ? undefined : azureOpenAIUnauthorized();
    }
    case 'foundry':
      return bearer === apiKey ? undefined : foundryUnauthorized(method, routeTemplate);
  }
}

/** The dialect's answer to a path it does not serve. */
export function unknownRouteError(dialect: Dialect, method: string, fullPath: string): EmulatorHttpError {
  return dialect === 'openai' ? invalidUrl(method, fullPath) : azureResourceNotFound();
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
