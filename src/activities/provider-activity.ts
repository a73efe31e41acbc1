/**
 * What every provider-calling activity shares: a background heartbeat, live details in it, a
 * per-call abort signal, and the one mapping of provider errors to Temporal failures.
 */
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type { CallOptions } from '../providers/provider';
import { toApplicationFailure } from '../providers/to-application-failure';

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
    if (context.cancellationSignal.aborted) throw error instanceof CancelledFailure ? error : (context.cancellationSignal.reason ?? new CancelledFailure('activity cancelled'));
    throw toApplicationFailure(error, secrets);
  } finally {
    clearInterval(heartbeat);
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
