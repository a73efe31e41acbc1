/**
 * Small helpers for the emulator tests: raw HTTP calls (so tests see exact status codes, headers and
 * bodies), SSE parsing, polling, and "every recorded response matches the spec".
 */
import { EMULATOR_SCRIPT_METADATA_KEY, type RecordedResponse, type RunningEmulator } from '../../src/emulator';
import { validateResponse, validateResponseStreamEvent, validateStreamEvent } from './openapi-validator';

/** A response as the tests inspect it. */
export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON body (undefined when the body is not JSON). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary wire fields
  body: any;
}

/** Options of `call`. */
export interface CallOptions {
  /** JSON body. */
  body?: unknown;
  /** Body sent verbatim (for malformed JSON). */
  rawBody?: string;
  headers?: Record<string, string>;
  /** Credential: the emulator's key by default; `false` sends none; a string sends that key. */
  auth?: boolean | string;
  /** Base URL; the OpenAI dialect's by default. */
  base?: string;
}

/** One HTTP request in the OpenAI dialect (or `base`), bearer auth with the emulator's key by default. */
export async function call(emulator: RunningEmulator, method: string, path: string, options: CallOptions = {}): Promise<HttpResult> {
  const headers: Record<string, string> = { ...options.headers };
  const auth = options.auth ?? true;
  if (auth !== false) {
    headers['authorization'] = `Bearer ${auth === true ? emulator.apiKey : auth}`;
  }
  let payload: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    payload = JSON.stringify(options.body);
  }
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(`${options.base ?? emulator.openaiBaseUrl}${path}`, { method, headers, body: payload });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, text, body };
}

/** Options of `upload`. */
export interface UploadOptions {
  /** `purpose` field; `'assistants'` by default, `null` leaves it out. */
  purpose?: string | null;
  /** More text fields, sent as they are (e.g. `expires_after[seconds]`). */
  fields?: Record<string, string>;
  /** Leave out the `file` part (to see the service's error). */
  omitFile?: boolean;
  headers?: Record<string, string>;
  /** Base URL; the OpenAI dialect's by default. */
  base?: string;
  /** Query string, e.g. `?api-version=v1` for the Azure dialects. */
  query?: string;
}

/** `POST /files` as a multipart form, the way the SDKs upload (bearer auth with the emulator's key). */
export async function upload(
  emulator: RunningEmulator,
  filename: string,
  content: string | Buffer,
  options: UploadOptions = {},
): Promise<HttpResult> {
  const form = new FormData();
  if (options.omitFile !== true) form.append('file', new Blob([content]), filename);
  const purpose = options.purpose === undefined ? 'assistants' : options.purpose;
  if (purpose !== null) form.append('purpose', purpose);
  for (const [name, value] of Object.entries(options.fields ?? {})) form.append(name, value);
  const response = await fetch(`${options.base ?? emulator.openaiBaseUrl}/files${options.query ?? ''}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${emulator.apiKey}`, ...options.headers },
    body: form,
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, text, body };
}

/** A parsed server-sent event. */
export interface SseEvent {
  event: string;
  data: unknown;
}

/** Parses an SSE body (`event:` / `data:` blocks); `data` is JSON when it parses, else the raw text. */
export function parseSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((line) => line.startsWith('event: '))?.slice('event: '.length) ?? '';
      const raw = lines
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice('data: '.length))
        .join('\n');
      let data: unknown = raw;
      try {
        data = JSON.parse(raw);
      } catch {
        // `[DONE]` is not JSON.
      }
      return { event, data };
    });
}

/** Polls `read` until `done` holds (or fails the test after `timeoutMs`). */
export async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`waitFor timed out after ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Polls a run until its status is one of `statuses`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- wire object
export async function waitForRunStatus(emulator: RunningEmulator, threadId: string, runId: string, statuses: string[], timeoutMs = 5000): Promise<any> {
  const result = await waitFor(
    () => call(emulator, 'GET', `/threads/${threadId}/runs/${runId}`),
    (response) => statuses.includes(response.body?.status as string),
    timeoutMs,
  );
  return result.body;
}

/** Polls a response until its status is one of `statuses`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- wire object
export async function waitForResponseStatus(emulator: RunningEmulator, responseId: string, statuses: string[], options: { base?: string; timeoutMs?: number } = {}): Promise<any> {
  const result = await waitFor(
    () => call(emulator, 'GET', `/responses/${responseId}`, { base: options.base }),
    (response) => statuses.includes(response.body?.status as string),
    options.timeoutMs ?? 5000,
  );
  return result.body;
}

/** Readable failures of every recorded response that does not match the spec (OpenAI-dialect errors included). */
export function specViolations(responses: readonly RecordedResponse[]): string[] {
  const failures: string[] = [];
  for (const response of responses) {
    if (response.status !== 200 && response.dialect !== 'openai') {
      // Azure dialects have their own error shapes; only their successful bodies follow the OpenAI spec.
      continue;
    }
    if (response.events !== undefined) {
      // Response streams (`POST /responses`, `GET /responses/{id}?stream=true`) have their own events.
      const validate = response.route.startsWith('/responses') ? validateResponseStreamEvent : validateStreamEvent;
      for (const [index, event] of response.events.entries()) {
        const result = validate(event.event, event.data);
        if (!result.valid) {
          failures.push(`${response.method} ${response.route} event #${index} ${event.event}:\n    ${result.errors.join('\n    ')}`);
        }
      }
      continue;
    }
    const result = validateResponse(response.method, response.route, response.status, response.body);
    if (!result.valid) {
      failures.push(
        `${response.method} ${response.route} -> ${response.status}:\n    ${result.errors.join('\n    ')}\n    body: ${JSON.stringify(response.body).slice(0, 400)}`,
      );
    }
  }
  return failures;
}

/** What `action` threw; fails the test if it did not throw. */
export async function captureError(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

/** Metadata that makes the emulated model follow these steps (a response's or a run's `metadata`). */
export function scriptMetadata(steps: unknown[]): Record<string, string> {
  return { [EMULATOR_SCRIPT_METADATA_KEY]: JSON.stringify({ steps }) };
}
