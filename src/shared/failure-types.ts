/**
 * `ApplicationFailure.type` strings. Error classes do not survive the workflow sandbox boundary,
 * so workflows and the client branch on these strings (FACTS: Temporal).
 */
export const FailureType = {
  /** 429 rate limit: retried after the provider's retry-after. */
  ProviderRateLimited: 'ProviderRateLimited',
  /** 429 insufficient_quota: billing, not load. Not retried. */
  ProviderQuotaExhausted: 'ProviderQuotaExhausted',
  /** 500/502/504 and other 5xx: retried. */
  ProviderServerError: 'ProviderServerError',
  /** 503: retried (after retry-after when sent). */
  ProviderUnavailable: 'ProviderUnavailable',
  /** The connection failed or dropped before a response (reset, lost response): retried. */
  ProviderConnectionError: 'ProviderConnectionError',
  /** No response within the request timeout: retried. */
  ProviderTimeout: 'ProviderTimeout',
  /** 408 / 409: transient conflicts, retried. */
  ProviderConflict: 'ProviderConflict',
  /** 400/422 the request is wrong: not retried. */
  ProviderBadRequest: 'ProviderBadRequest',
  /** 400 "Thread X already has an active run Y" / "Can't add messages ... while a run ... is active". */
  ProviderThreadBusy: 'ProviderThreadBusy',
  /** 400 `Runs in status "expired" do not accept tool outputs.` (or any other non-requires_action status). */
  ProviderRunNotAcceptingToolOutputs: 'ProviderRunNotAcceptingToolOutputs',
  /** 401/403: credentials wrong or missing. Not retried. */
  ProviderAuthenticationFailed: 'ProviderAuthenticationFailed',
  /** 404: unknown thread/run/assistant id. Not retried. */
  ProviderNotFound: 'ProviderNotFound',
  /** The response did not have the shape agentrun needs. Not retried. */
  ProviderResponseInvalid: 'ProviderResponseInvalid',
  /** The request was aborted by us (activity cancelled). */
  ProviderRequestAborted: 'ProviderRequestAborted',
  /** Provider configuration on the worker is missing or wrong. Not retried. */
  ProviderConfigurationInvalid: 'ProviderConfigurationInvalid',
  /**
   * The workflow asks for something the worker's protocol cannot do (an assistant id on a Responses
   * worker, a Foundry agent or an inline agent on a threads/runs worker). Not retried.
   */
  ProviderProtocolMismatch: 'ProviderProtocolMismatch',
  /** A turn stayed `queued` past `wait.queuedTimeout`; it was cancelled. Not retried. */
  ProviderTurnStuck: 'ProviderTurnStuck',
  /** A worker shutting down gave its watched wait back: retried at once, by another worker. */
  WatchHandedBack: 'WatchHandedBack',
  /** A stream sent an `error` event. Retried (a retry re-attaches or resumes). */
  ProviderStreamError: 'ProviderStreamError',
  /** Any other provider error. Retried. */
  ProviderError: 'ProviderError',

  // -- workflow outcomes --
  /** The workflow input is malformed; the message names each field. Not retried. */
  InvalidWorkflowInput: 'InvalidWorkflowInput',
  /** The thread has an active run that is not ours and `onActiveRun` is `fail`. */
  ThreadBusy: 'ThreadBusy',
  /** The run expired and `onExpired` is `fail`. */
  RunExpired: 'RunExpired',
  /** No decision arrived within the approval timeout and `approval.onTimeout` is `fail`. */
  ApprovalTimedOut: 'ApprovalTimedOut',
  /** The run asked for more tool rounds than `maxToolRounds`. */
  ToolRoundLimitExceeded: 'ToolRoundLimitExceeded',
  /** The workflow's `deadline` passed. */
  DeadlineExceeded: 'DeadlineExceeded',
  /** A decision was malformed, for an unknown or settled call, or from an approver not allowed (update rejections). */
  InvalidDecision: 'InvalidDecision',
  /** A notification of a waiting call was not delivered to every endpoint: retried until the call is decided. */
  NotificationFailed: 'NotificationFailed',
} as const;

/** One of {@link FailureType}'s values. */
export type FailureTypeName = (typeof FailureType)[keyof typeof FailureType];
