/**
 * What every provider-calling activity shares: a background heartbeat, live details in it, a
 * per-call abort signal, and the one mapping of provider errors to Temporal failures.
 */
import { Context } from '@temporalio/activity';
import { CancelledFailure, type ApplicationFailure } from '@temporalio/common';
import type { CallOptions } from '../providers/provider';
import { toApplicationFailure, type ProviderFailureDetails } from '../providers/to-application-failure';
import { AGENT_RUN_WORKFLOW_TYPE, providerTroubleSignal } from '../shared/run-messages';
import type { ProviderTrouble } from '../shared/run-types';
import { truncateText } from '../shared/truncate';

/** Background heartbeat period. */
const HEARTBEAT_MS = 1_000;
/** The latest live details of each running activity invocation (its Context). */
const liveDetails = new WeakMap<Context, unknown>();

/**
 * Runs `work` with a background heartbeat (so a slow provider call is not mistaken for a dead
 * worker: the heartbeat timeout only detects dead workers, and delivers cancellation), turning
 * provider errors into Temporal failures.
 */
export async function providerActivity<T>(secrets: readonly string[], work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  const heartbeat = setInterval(() => context.heartbeat(liveDetails.get(context)), HEARTBEAT_MS);
  try {
    return await work();
  } catch (error) {
    // Cancelled: report it as the SDK's cancellation (its abort reason), not as whatever the
    // interrupted request threw (`openai` throws APIUserAbortError, which would fail the activity).
    if (context.cancellationSignal.aborted) {
      // The live details go with the cancellation: the workflow learns the turn this attempt had
      // started (the Responses API cannot list turns to find it later).
      const live = liveDetails.get(context);
      throw live === undefined ? (error instanceof CancelledFailure ? error : (context.cancellationSignal.reason ?? new CancelledFailure('activity cancelled'))) : new CancelledFailure('activity cancelled', [live]);
    }
    const failure = toApplicationFailure(error, secrets);
    await reportTrouble(context, failure);
    throw failure;
  } finally {
    clearInterval(heartbeat);
  }
}

/** The workflow that listens for {@link providerTroubleSignal}. */
const TROUBLE_LISTENER_WORKFLOW = AGENT_RUN_WORKFLOW_TYPE;
/** How long telling the workflow may delay the retry (Temporal itself being slow must not stall runs). */
const TROUBLE_SIGNAL_DEADLINE_MS = 2_000;

/**
 * Tells an agent run workflow that one of its provider calls failed and will be retried, so the
 * cause shows while it retries (status, `agentrun run`, the Web UI). Only for retryable failures
 * that will be retried, and only at attempts 1, 2, 4, 8, ...: a run retrying for days sends a few
 * dozen signals. Best effort: never masks the failure itself.
 */
async function reportTrouble(context: Context, failure: ApplicationFailure): Promise<void> {
  const { info } = context;
  if (failure.nonRetryable || info.workflowType !== TROUBLE_LISTENER_WORKFLOW || !info.workflowExecution) return;
  const maximumAttempts = info.retryPolicy?.maximumAttempts ?? 0;
  if (maximumAttempts > 0 && info.attempt >= maximumAttempts) return;
  if ((info.attempt & (info.attempt - 1)) !== 0) return; // not a power of two
  const details = failure.details?.[0] as ProviderFailureDetails | undefined;
  const trouble: ProviderTrouble = {
    activity: info.activityType,
    attempt: info.attempt,
    type: failure.type ?? 'ProviderError',
    status: details?.status ?? null,
    message: truncateText(failure.message, 500),
    at: new Date().toISOString(),
  };
  try {
    const client = context.client;
    const { workflowId, runId } = info.workflowExecution;
    await client.connection.withDeadline(Date.now() + TROUBLE_SIGNAL_DEADLINE_MS, () => client.workflow.getHandle(workflowId, runId).signal(providerTroubleSignal, trouble));
  } catch {
    // The workflow may have ended, or Temporal may be unreachable: the retry goes on regardless.
  }
}

/**
 * Publishes where the activity stands in its heartbeat details: free (heartbeats add no history
 * events), shown by the Web UI under the pending activity, readable by the next attempt.
 */
export function reportProgress(details: unknown): void {
  const context = Context.current();
  liveDetails.set(context, details);
  context.heartbeat(details);
}

/** What the previous attempt last reported (undefined on the first attempt). */
export function previousProgress<T>(): T | undefined {
  return Context.current().info.heartbeatDetails as T | undefined;
}

/**
 * A signal per provider call that follows the activity's cancellation. `openai` adds an abort
 * listener to the signal it is given and keeps it; on the long-lived activity signal that would
 * pile up one listener per poll.
 */
export function callOptions(): CallOptions {
  return { signal: AbortSignal.any([Context.current().cancellationSignal]) };
}

/** Sleeps, waking early (with a cancellation failure) when the activity is cancelled. */
export function pause(milliseconds: number): Promise<void> {
  return Context.current().sleep(milliseconds);
}
