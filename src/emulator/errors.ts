import type { OpenAIErrorObject } from './wire-types';

/**
 * An HTTP error response the emulator sends: status, body exactly as the real service writes it,
 * and extra headers (for example `retry-after-ms`). Handlers throw it; the server writes it.
 */
export class EmulatorHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: { error: Record<string, unknown> },
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body.error['message'] === 'string' ? body.error['message'] : `HTTP ${status}`);
    this.name = 'EmulatorHttpError';
  }
}

/** The OpenAI-shaped error every OpenAI-dialect (and most Azure-dialect) failure uses. */
export function openAIError(
  status: number,
  error: OpenAIErrorObject,
  headers: Record<string, string> = {},
): EmulatorHttpError {
  return new EmulatorHttpError(status, { error: { ...error } }, headers);
}

/** A 400 `invalid_request_error`, the type of every request problem the service reports. */
export function invalidRequest(message: string, param: string | null = null, code: string | null = null): EmulatorHttpError {
  return openAIError(400, { message, type: 'invalid_request_error', param, code });
}

/** The kinds of object a 404 can name. */
export type ObjectKind = 'assistant' | 'thread' | 'message' | 'run' | 'step' | 'vector store' | 'vector store file batch';

/** The real 404 for an unknown id: `No thread found with id 'thread_x'.` */
export function notFound(kind: ObjectKind, id: string): EmulatorHttpError {
  return openAIError(404, {
    message: `No ${kind} found with id '${id}'.`,
    type: 'invalid_request_error',
    param: null,
    code: null,
  });
}

/** The Files API's own 404 wording for an unknown file: `No such File object: file-abc`. */
export function fileNotFound(id: string): EmulatorHttpError {
  return openAIError(404, { message: `No such File object: ${id}`, type: 'invalid_request_error', param: 'id', code: null });
}

/** The 404 for a file that is not attached to the vector store: `No file found with id 'file-x' in vector store 'vs_y'.` */
export function vectorStoreFileNotFound(vectorStoreId: string, fileId: string): EmulatorHttpError {
  return openAIError(404, {
    message: `No file found with id '${fileId}' in vector store '${vectorStoreId}'.`,
    type: 'invalid_request_error',
    param: null,
    code: null,
  });
}

/**
 * The 404 for attaching file ids that were never uploaded (or were deleted): the service checks
 * every id before attaching any, and names them all: `Files [file-a, file-b] were not found`.
 */
export function filesNotFound(ids: readonly string[]): EmulatorHttpError {
  return openAIError(404, {
    message: `Files [${ids.join(', ')}] were not found`,
    type: 'invalid_request_error',
    param: null,
    code: null,
  });
}

/** OpenAI's 404 for a path it does not serve: `Invalid URL (POST /v1/whatever)`. */
export function invalidUrl(method: string, path: string): EmulatorHttpError {
  return openAIError(404, { message: `Invalid URL (${method} ${path})`, type: 'invalid_request_error', param: null, code: null });
}

/** The real service's answer to a body that is not JSON (message copied from the service). */
export function malformedJson(): EmulatorHttpError {
  return invalidRequest(
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. " +
      'The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix ' +
      'this, please contact us through our help center at help.openai.com.)',
  );
}

/** OpenAI's 401 when no key was sent at all. */
export function openAIMissingKey(): EmulatorHttpError {
  return openAIError(401, {
    message:
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth " +
      "(i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API " +
      'from your browser and are prompted for a username and password. You can obtain an API key from ' +
      'https://platform.openai.com/account/api-keys.',
    type: 'invalid_request_error',
    param: null,
    code: null,
  });
}

/**
 * Masks a key the way the real service does (first and last two characters kept), so a wrong key is
 * never echoed back; keys too short to mask meaningfully are starred out completely.
 */
export function maskApiKey(key: string): string {
  if (key.length < 8) {
    return '*'.repeat(key.length);
  }
  return `${key.slice(0, 2)}${'*'.repeat(key.length - 4)}${key.slice(-2)}`;
}

/** OpenAI's 401 for a key that is not the accepted one. */
export function openAIWrongKey(key: string): EmulatorHttpError {
  return openAIError(401, {
    message: `Incorrect API key provided: ${maskApiKey(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    type: 'invalid_request_error',
    param: null,
    code: 'invalid_api_key',
  });
}

/** Azure OpenAI's 401 (missing or wrong `api-key`), body copied from the service. */
export function azureOpenAIUnauthorized(): EmulatorHttpError {
  return new EmulatorHttpError(401, {
    error: {
      code: '401',
      message:
        'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an ' +
        'active subscription and use a correct regional API endpoint for your resource.',
    },
  });
}

/** Azure's bare 404 for a path it does not serve, or an Azure OpenAI request without `api-version`. */
export function azureResourceNotFound(): EmulatorHttpError {
  return new EmulatorHttpError(404, { error: { code: '404', message: 'Resource not found' } });
}

/**
 * Foundry Agent Service's 401. The service answers a token it does not accept with status 401 and a
 * `PermissionDenied` body naming the data action and the operation (seen in the wild for
 * `GET /api/projects/{projectName}/assistants`); the emulator uses that one shape for a missing and a wrong token.
 * A hub-based project gets the same shape with its own operation path and the Machine Learning
 * workspace's data action (the emulator's wording: the hub's own 401 body was not found). The
 * project's OpenAI v1 endpoint gets the project's shape with its path (`.../openai/v1/responses`),
 * likewise the emulator's wording.
 */
export function foundryUnauthorized(
  dialect: 'foundry' | 'foundry-hub' | 'foundry-openai-v1',
  method: string,
  routeTemplate: string,
): EmulatorHttpError {
  const action = method === 'GET' ? 'read' : method === 'DELETE' ? 'delete' : 'write';
  const hub = dialect === 'foundry-hub';
  const prefix = hub
    ? '/agents/v1.0/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/{projectName}'
    : dialect === 'foundry-openai-v1'
      ? '/api/projects/{projectName}/openai/v1'
      : '/api/projects/{projectName}';
  const dataAction = hub
    ? `Microsoft.MachineLearningServices/workspaces/agents/${action}`
    : `Microsoft.CognitiveServices/accounts/AIServices/agents/${action}`;
  return new EmulatorHttpError(401, {
    error: {
      code: 'PermissionDenied',
      message:
        `The principal \`(unknown)\` lacks the required data action ` +
        `\`${dataAction}\` to perform \`${method} ${prefix}${toCamelCaseTemplate(routeTemplate)}\` operation. ` +
        'For instructions on granting the necessary permissions, see https://aka.ms/FoundryPermissions.',
    },
  });
}

/** Foundry's 400 for a request without `api-version` (Azure's standard wording). */
export function foundryMissingApiVersion(): EmulatorHttpError {
  return new EmulatorHttpError(400, {
    error: {
      code: 'MissingApiVersionParameter',
      message: 'The api-version query parameter (?api-version=) is required for all requests.',
    },
  });
}

/**
 * Foundry's 400 for an `api-version` it does not serve, as a Foundry project words it:
 * `Unsupported api version '2024-07-01-preview'. The supported versions are 'v1', '2025-05-01', '2025-05-15-preview'`
 * (code `UnsupportedApiVersionValue`, reported against the service in May 2025).
 */
export function foundryUnsupportedApiVersion(version: string, supported: readonly string[]): EmulatorHttpError {
  return new EmulatorHttpError(400, {
    error: {
      code: 'UnsupportedApiVersionValue',
      message: `Unsupported api version '${version}'. The supported versions are ${supported.map((value) => `'${value}'`).join(', ')}`,
    },
  });
}

/** Azure names path parameters in camelCase (`{threadId}`); the emulator's templates use the spec's snake_case. */
function toCamelCaseTemplate(template: string): string {
  return template.replace(/\{([a-z_]+)\}/g, (_match, name: string) =>
    `{${name.replace(/_([a-z])/g, (_underscore, letter: string) => letter.toUpperCase())}}`,
  );
}

/** Both retry headers the real service sends with a 429: milliseconds and whole seconds. */
export function retryAfterHeaders(retryAfterMs: number): Record<string, string> {
  return {
    'retry-after-ms': String(retryAfterMs),
    'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
  };
}

/** A 429 `rate_limit_exceeded`, with the service's wording and both retry headers. */
export function rateLimitExceeded(retryAfterMs: number): EmulatorHttpError {
  return openAIError(
    429,
    {
      message:
        `Rate limit reached for requests. Limit: 60 / min. Please try again in ${retryAfterMs}ms. ` +
        'Visit https://platform.openai.com/account/rate-limits to learn more.',
      type: 'requests',
      param: null,
      code: 'rate_limit_exceeded',
    },
    retryAfterHeaders(retryAfterMs),
  );
}

/** A 429 `insufficient_quota`: not transient, clients must not retry it. */
export function insufficientQuota(): EmulatorHttpError {
  return openAIError(429, {
    message:
      'You exceeded your current quota, please check your plan and billing details. For more information on this error, ' +
      'read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
    type: 'insufficient_quota',
    param: null,
    code: 'insufficient_quota',
  });
}

/** A 500 with the service's apology. */
export function serverError(): EmulatorHttpError {
  return openAIError(500, {
    message: 'The server had an error while processing your request. Sorry about that!',
    type: 'server_error',
    param: null,
    code: null,
  });
}

/** A 503 (overloaded); carries retry headers only when a delay was asked for. */
export function serviceUnavailable(retryAfterMs?: number): EmulatorHttpError {
  return openAIError(
    503,
    { message: 'The engine is currently overloaded, please try again later.', type: 'server_error', param: null, code: null },
    retryAfterMs === undefined ? {} : retryAfterHeaders(retryAfterMs),
  );
}

/**
 * The Responses API's 404 for an unknown (deleted, expired or never stored) response:
 * `Response with id 'resp_x' not found.` (the wording OpenAI-compatible servers copy; the real
 * service's own body was not found in the reference material, so the shape is the emulator's).
 */
export function responseNotFound(id: string): EmulatorHttpError {
  return openAIError(404, { message: `Response with id '${id}' not found.`, type: 'invalid_request_error', param: null, code: null });
}

/** The service's 400 for a `previous_response_id` it does not know (wording and code seen from the service). */
export function previousResponseNotFound(id: string): EmulatorHttpError {
  return invalidRequest(`Previous response with id '${id}' not found.`, 'previous_response_id', 'previous_response_not_found');
}

/** The 404 for an unknown conversation (the emulator's wording, in the style of the responses' 404). */
export function conversationNotFound(id: string): EmulatorHttpError {
  return openAIError(404, { message: `Conversation with id '${id}' not found.`, type: 'invalid_request_error', param: null, code: null });
}

/** The 404 for an item that is not in the conversation (the emulator's wording). */
export function conversationItemNotFound(conversationId: string, itemId: string): EmulatorHttpError {
  return openAIError(404, {
    message: `Item with id '${itemId}' not found in conversation '${conversationId}'.`,
    type: 'invalid_request_error',
    param: null,
    code: null,
  });
}

/**
 * The 400 for a second response on a conversation that a queued or running response holds, exactly
 * as a public issue report shows the service sending it (what triggers it exactly is unverified).
 */
export function conversationLocked(): EmulatorHttpError {
  return invalidRequest(
    'Another process is currently operating on this conversation. Please retry in a few seconds.',
    'conversation',
    'conversation_locked',
  );
}

/**
 * The error body of Foundry's v2 endpoints (agents and the project's OpenAI v1 endpoint): OpenAI's
 * error object plus `details` and `additionalInfo.request_id`, as azure-ai-projects 2.10.0 quotes a
 * service response in its source.
 */
export function foundryV2Error(error: EmulatorHttpError, requestId: string): EmulatorHttpError {
  if (typeof error.body.error['type'] !== 'string') return error;
  return new EmulatorHttpError(
    error.status,
    { error: { ...error.body.error, details: [], additionalInfo: { request_id: requestId } } },
    error.headers,
  );
}
