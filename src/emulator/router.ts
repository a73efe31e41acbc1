import type { z } from 'zod/v4';
import { isFoundryDialect, type Dialect } from './dialects';
import type { Ledger } from './ledger';
import { formFields, type FormPart } from './multipart';
import { FOUNDRY_REQUEST_SCHEMAS, OPENAI_REQUEST_SCHEMAS, type RequestSchemaName, type RequestSchemas } from './request-schemas';
import { parseRequestBody } from './request-validation';
import type { ResponseEngine } from './response-engine';
import {
  FOUNDRY_RESPONSES_REQUEST_SCHEMAS,
  OPENAI_RESPONSES_REQUEST_SCHEMAS,
  type ResponsesRequestSchemas,
} from './response-request-schemas';
import type { ResponseStore } from './response-store';
import type { RunEngine } from './run-engine';
import type { EmulatorStore } from './store';
import type { EventStream } from './streaming';
import type { VectorStoreEngine } from './vector-store-engine';

/** HTTP methods the protocol uses. */
export type HttpMethod = 'GET' | 'POST' | 'DELETE';

/** What a handler sees of a request: already authenticated, dialect resolved, body parsed as JSON. */
export interface RequestContext {
  method: HttpMethod;
  dialect: Dialect;
  /** Path parameters by the spec's names (`thread_id`, `run_id`, ...). */
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  /** Parsed JSON body; undefined when the request had none (or was a multipart form). */
  body: unknown;
  /** Parts of a `multipart/form-data` body, bytes as sent; undefined otherwise. */
  form?: readonly FormPart[];
}

/**
 * A handler's answer: a JSON response, raw bytes (file content), an event stream, or an answer that
 * comes later (a non-background response answers once it has ended; the request has already been
 * applied, so `commit_then_drop` can drop the connection at once).
 */
export type HandlerResult =
  | { kind: 'json'; body: unknown; status?: number; headers?: Record<string, string> }
  | { kind: 'bytes'; body: Buffer; contentType: string }
  | { kind: 'stream'; stream: EventStream }
  | { kind: 'deferred'; result: Promise<HandlerResult> };

/** The state and machinery handlers work with. */
export interface EmulatorServices {
  store: EmulatorStore;
  engine: RunEngine;
  ledger: Ledger;
  /** Vector stores, their files and batches. */
  vectorStores: VectorStoreEngine;
  /** Responses, conversations and Foundry agents. */
  responses: ResponseStore;
  /** The Responses status machine. */
  responseEngine: ResponseEngine;
  /** Value of `openai-poll-after-ms` on run, file batch and vector store file retrievals (0: omit the header). */
  pollAfterMs: number;
}

/** Handles one route. Throws `EmulatorHttpError` for the service's error responses. */
export type RouteHandler = (context: RequestContext, services: EmulatorServices) => HandlerResult;

/** One endpoint of the protocol, by the spec's path template (dialect-neutral). */
export interface Route {
  method: HttpMethod;
  template: string;
  handler: RouteHandler;
  /** Dialects that serve this route (all if absent). */
  dialects?: readonly Dialect[];
}

/** A route matched against a request path. */
export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

/**
 * Finds the route for a method and dialect-neutral path. When a literal segment and a parameter both
 * match (`POST /threads/runs` vs `POST /threads/{thread_id}`), the route with fewer parameters wins.
 */
export function matchRoute(routes: readonly Route[], method: string, path: string, dialect: Dialect): RouteMatch | undefined {
  let best: RouteMatch | undefined;
  let bestParamCount = Number.POSITIVE_INFINITY;
  for (const route of routes) {
    if (route.method !== method) continue;
    if (route.dialects !== undefined && !route.dialects.includes(dialect)) continue;
    const params = matchTemplate(route.template, path);
    if (params === undefined) continue;
    const paramCount = Object.keys(params).length;
    if (paramCount < bestParamCount) {
      best = { route, params };
      bestParamCount = paramCount;
    }
  }
  return best;
}

function matchTemplate(template: string, path: string): Record<string, string> | undefined {
  const templateSegments = template.split('/');
  const pathSegments = path.split('/');
  if (templateSegments.length !== pathSegments.length) return undefined;
  const params: Record<string, string> = {};
  for (let index = 0; index < templateSegments.length; index += 1) {
    const expected = templateSegments[index] ?? '';
    const actual = pathSegments[index] ?? '';
    const parameter = /^\{(.+)\}$/.exec(expected);
    if (parameter?.[1] !== undefined) {
      if (actual === '') return undefined;
      params[parameter[1]] = safeDecode(actual);
    } else if (expected !== actual) {
      return undefined;
    }
  }
  return params;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** A 200 JSON result. */
export function json(body: unknown, headers?: Record<string, string>): HandlerResult {
  return { kind: 'json', body, headers };
}

/**
 * Validates the body (or the multipart form's fields, see `formFields`) against the named request
 * schema, in the dialect's variant. A missing body is an empty object: the service then reports the
 * first missing required parameter. A route that assembles its input itself passes it as `input`.
 */
export function readBody<Name extends RequestSchemaName>(
  context: RequestContext,
  name: Name,
  input: unknown = context.form !== undefined ? formFields(context.form) : (context.body ?? {}),
): z.output<RequestSchemas[Name]> {
  const schemas = isFoundryDialect(context.dialect) ? FOUNDRY_REQUEST_SCHEMAS : OPENAI_REQUEST_SCHEMAS;
  return parseRequestBody(schemas[name], input) as z.output<RequestSchemas[Name]>;
}

/**
 * Validates a Responses or Conversations API body against the named request schema: the OpenAI
 * variant, or on a Foundry project the one that also takes `agent_reference`.
 */
export function readResponsesBody<Name extends keyof ResponsesRequestSchemas>(
  context: RequestContext,
  name: Name,
): z.output<ResponsesRequestSchemas[Name]> {
  const schemas = isFoundryDialect(context.dialect) ? FOUNDRY_RESPONSES_REQUEST_SCHEMAS : OPENAI_RESPONSES_REQUEST_SCHEMAS;
  return parseRequestBody(schemas[name], context.body ?? {}) as z.output<ResponsesRequestSchemas[Name]>;
}

/** The `openai-poll-after-ms` header the poll helpers honour, unless turned off. */
export function pollHeaders(pollAfterMs: number): Record<string, string> | undefined {
  return pollAfterMs > 0 ? { 'openai-poll-after-ms': String(pollAfterMs) } : undefined;
}

/** A path parameter the route template guarantees. */
export function param(context: RequestContext, name: string): string {
  return context.params[name] ?? '';
}
