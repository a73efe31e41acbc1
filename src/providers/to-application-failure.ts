/**
 * The one place provider errors become Temporal failures (after sdk-typescript
 * contrib/openai-agents `toModelInvocationFailure`): a `type` string from {@link FailureType},
 * `nonRetryable` for requests that cannot succeed by repeating them, and `nextRetryDelay` from the
 * provider's retry-after headers. The provider SDK's own retries are off: Temporal owns retries.
 */
import { ApplicationFailure } from '@temporalio/common';
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { FailureType, type FailureTypeName } from '../shared/failure-types';
import { ProviderConfigurationError } from './provider-config';
import { ResponseStreamError } from './responses-api';
import { ProviderResponseError } from './wire-schemas';

/** What the failure's `details[0]` carries: enough to debug, nothing secret. */
export interface ProviderFailureDetails {
  status: number | null;
  code: string | null;
  param: string | null;
  requestId: string | null;
}

/**
 * Phrases of the protocols' 400s that callers handle specially (FACTS): a thread with an active run,
 * a conversation another response is operating on (`conversation_locked`).
 */
const THREAD_BUSY = [/already has an active run/i, /while a run .* is active/i, /currently operating on this conversation/i];
/** A late submit: threads/runs' expired run, Foundry agents v2's expired response (`tool_outputs_expired`). */
const RUN_NOT_ACCEPTING_OUTPUTS = /do not accept tool outputs|tool outputs are no longer accepted/i;

/**
 * Turns any error thrown by a provider call into an `ApplicationFailure`. Already-converted
 * failures pass through. `secrets` are scrubbed from the message in addition to anything that
 * looks like a key.
 */
export function toApplicationFailure(error: unknown, secrets: readonly string[] = []): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  if (error instanceof ProviderConfigurationError) {
    return failure(FailureType.ProviderConfigurationInvalid, error.message, true, noDetails(), secrets, error);
  }
  if (error instanceof ProviderResponseError) {
    return failure(FailureType.ProviderResponseInvalid, error.message, true, noDetails(), secrets, error);
  }
  if (error instanceof APIUserAbortError) {
    return failure(FailureType.ProviderRequestAborted, 'The provider request was aborted', false, noDetails(), secrets, error);
  }
  if (error instanceof APIConnectionTimeoutError) {
    return failure(FailureType.ProviderTimeout, 'The provider did not answer within the request timeout', false, noDetails(), secrets, error);
  }
  if (error instanceof APIConnectionError) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return failure(FailureType.ProviderConnectionError, `The connection to the provider failed before a response arrived${cause}`, false, noDetails(), secrets, error);
  }
  if (error instanceof APIError) return fromApiError(error, secrets);
  if (error instanceof ResponseStreamError) {
    return failure(FailureType.ProviderStreamError, `The provider's stream reported an error${error.code ? ` (${error.code})` : ''}: ${error.message}`, false, { ...noDetails(), code: error.code }, secrets, error);
  }
  const message = error instanceof Error ? error.message : String(error);
  return failure(FailureType.ProviderError, message, false, noDetails(), secrets, error instanceof Error ? error : undefined);
}

function fromApiError(error: APIError, secrets: readonly string[]): ApplicationFailure {
  const status = error.status ?? null;
  // Every field the provider (or a gateway in front of it) sent is scrubbed: some echo the
  // credential in `code` or `param`, and details land in history, `describe` and the server's database.
  const details: ProviderFailureDetails = {
    status,
    code: redactNullable(error.code, secrets),
    param: redactNullable(error.param, secrets),
    requestId: redactNullable(error.requestID, secrets),
  };
  const providerMessage = errorMessage(error);
  const message = `Provider answered ${status ?? 'an error'}: ${providerMessage}`;
  const retryDelay = retryAfterMs(error.headers);
  const isQuota = error.code === 'insufficient_quota' || error.type === 'insufficient_quota';

  let type: FailureTypeName;
  let nonRetryable: boolean;
  if (status === 429 && isQuota) [type, nonRetryable] = [FailureType.ProviderQuotaExhausted, true];
  else if (status === 429) [type, nonRetryable] = [FailureType.ProviderRateLimited, false];
  else if (status === 400 && (error.code === 'conversation_locked' || THREAD_BUSY.some((pattern) => pattern.test(providerMessage)))) [type, nonRetryable] = [FailureType.ProviderThreadBusy, true];
  else if (status === 400 && (error.code === 'tool_outputs_expired' || RUN_NOT_ACCEPTING_OUTPUTS.test(providerMessage))) [type, nonRetryable] = [FailureType.ProviderRunNotAcceptingToolOutputs, true];
  else if (status === 400 || status === 422) [type, nonRetryable] = [FailureType.ProviderBadRequest, true];
  else if (status === 401 || status === 403) [type, nonRetryable] = [FailureType.ProviderAuthenticationFailed, true];
  else if (status === 404) [type, nonRetryable] = [FailureType.ProviderNotFound, true];
  else if (status === 408 || status === 409) [type, nonRetryable] = [FailureType.ProviderConflict, false];
  else if (status === 503) [type, nonRetryable] = [FailureType.ProviderUnavailable, false];
  else if (status !== null && status >= 500) [type, nonRetryable] = [FailureType.ProviderServerError, false];
  else [type, nonRetryable] = [FailureType.ProviderError, false];

  return failure(type, message, nonRetryable, details, secrets, error, nonRetryable ? undefined : retryDelay);
}

function failure(
  type: FailureTypeName,
  message: string,
  nonRetryable: boolean,
  details: ProviderFailureDetails,
  secrets: readonly string[],
  cause?: Error,
  nextRetryDelayMs?: number,
): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message: redactSecrets(message, secrets),
    nonRetryable,
    details: [details],
    nextRetryDelay: nextRetryDelayMs,
    // The cause's message may quote a credential too; keep only a scrubbed copy.
    cause: cause ? new Error(redactSecrets(cause.message, secrets)) : undefined,
  });
}

function redactNullable(value: string | null | undefined, secrets: readonly string[]): string | null {
  return value === null || value === undefined ? null : redactSecrets(String(value), secrets);
}

function noDetails(): ProviderFailureDetails {
  return { status: null, code: null, param: null, requestId: null };
}

/** The provider's own message (the `error.message` of its body), without the SDK's status prefix. */
function errorMessage(error: APIError): string {
  const body = error.error as { message?: unknown } | undefined;
  if (body && typeof body.message === 'string') return body.message;
  return error.message.replace(/^\d{3}\s+/, '');
}

/**
 * Milliseconds to wait before retrying, from `retry-after-ms` (OpenAI, Azure) or `retry-after`
 * (seconds or an HTTP date). Capped at 10 minutes so a bogus header cannot park a run for days.
 */
export function retryAfterMs(headers: Headers | undefined, now: number = Date.now()): number | undefined {
  if (!headers) return undefined;
  const cap = 10 * 60_000;
  const milliseconds = Number(headers.get('retry-after-ms'));
  if (headers.get('retry-after-ms') !== null && Number.isFinite(milliseconds) && milliseconds >= 0) return Math.min(milliseconds, cap);
  const retryAfter = headers.get('retry-after');
  if (retryAfter === null) return undefined;
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, cap);
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? undefined : Math.min(Math.max(0, date - now), cap);
}

/**
 * Removes credentials from text: the given secrets, bearer tokens, JWTs, `sk-` style keys and
 * `api-key=` pairs. Used on every message that leaves the provider layer.
 */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let result = text;
  for (const value of secrets) {
    if (value.length >= 4) result = result.split(value).join('[REDACTED]');
  }
  return result
    .replace(/Bearer\s+[A-Za-z0-9._~+/=-]+/gi, 'Bearer [REDACTED]')
    // Entra ID access tokens (JWTs) echoed without their "Bearer" prefix.
    .replace(/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, '[REDACTED]')
    .replace(/\bsk-[A-Za-z0-9_*-]{6,}/g, 'sk-[REDACTED]')
    .replace(/(api[-_]?key["'=:\s]+)[A-Za-z0-9._~+/=-]{6,}/gi, '$1[REDACTED]');
}
