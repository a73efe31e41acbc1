/**
 * One watcher per worker that waits on many provider turns at once, so the number of runs a
 * worker can wait on does not depend on its activity slots.
 *
 * The `watchRun` activity hands its turn over and returns without completing (the SDK's async
 * activity completion): its slot is free at once. The watcher then polls (or streams) the turn and
 * completes the activity through the client when the turn needs the workflow. The activity task
 * stays open on the server, so every guarantee of a per-run activity holds:
 * - O(1) history: the wait is still one activity (scheduled, started, completed);
 * - a worker that dies stops heartbeating; after the activity's heartbeat timeout Temporal retries
 *   it, and whichever worker takes the retry watches the same turn (watching never creates one);
 * - cancelling the workflow does not wait for the watcher: the workflow stops waiting at once and
 *   cancels its turn at the provider itself; the watcher learns of it at its next heartbeat.
 *
 * Heartbeats are what a watched turn costs the Temporal server, so they are spread: each turn
 * heartbeats about three times per heartbeat timeout; as turns are added the interval stretches
 * towards `heartbeatsPerSecond` for them all, but never past half the timeout (a longer one would
 * miss it). A status change is heartbeated at once, whatever the rate.
 */
import { CompleteAsyncError, Context } from '@temporalio/activity';
import { ActivityCancelledError, ActivityNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { CallOptions } from '../providers/provider';
import type { TurnContext } from '../providers/agent-service';
import { isTerminalRunStatus, type RunSnapshot } from '../shared/agent-types';
import { liveDetails, type WaitOptions } from '../shared/activity-types';
import { FailureType } from '../shared/failure-types';
import { recordTurnNoticeDelay } from '../telemetry/agentrun-metrics';

/** Options of a {@link TurnWatcher}. */
export interface TurnWatcherOptions {
  /**
   * The heartbeat rate the watcher aims at across every watched turn (default 200 per second). A
   * target, not a cap: intervals never stretch past half the heartbeat timeout, and status changes
   * are sent at once.
   */
  heartbeatsPerSecond?: number;
  /** Where to log hand-backs and trouble (default: nowhere). */
  log?: (line: string) => void;
}

/** What one watched turn is: its activity, its latest details, its heartbeat schedule. */
interface WatchedTurn {
  readonly key: string;
  readonly taskToken: Uint8Array;
  readonly client: Client;
  readonly label: string;
  readonly abort: AbortController;
  readonly heartbeatTimeoutMs: number;
  details: unknown;
  /** The provider status last heartbeated: a change is heartbeated at once (status and the Web UI show it). */
  heartbeatedStatus: unknown;
  nextHeartbeatAt: number;
  lastHeartbeatAt: number;
  /** The next heartbeat was brought forward only to carry progress (a stream cursor): it yields to the rate budget. */
  progressOnly: boolean;
  /** The activity was cancelled (or is gone) on the server: report nothing more for it. */
  released: boolean;
  readonly mode: WaitOptions['mode'];
  /** When the turn was last seen still working (queued, in progress): how late its end was noticed is measured from here. */
  lastWorkingAt: number | undefined;
}

/** How many heartbeats may be in flight at once (each is one gRPC call). */
const MAX_HEARTBEATS_IN_FLIGHT = 32;
/** The scheduler's tick. */
const TICK_MS = 250;
/** Progress (a stream cursor) is heartbeated at most this often per turn, and only within the rate budget. */
const PROGRESS_HEARTBEAT_MS = 2_000;

/** Numbers a worker shows about its watcher (logs, status, the benchmark). */
export interface TurnWatcherStats {
  watching: number;
  /** The most turns watched at once. */
  peakWatching: number;
  adopted: number;
  completed: number;
  failed: number;
  cancelled: number;
  heartbeats: number;
}

export class TurnWatcher {
  private readonly turns = new Map<string, WatchedTurn>();
  private readonly heartbeatsPerSecond: number;
  private readonly log: (line: string) => void;
  private ticker: NodeJS.Timeout | undefined;
  private heartbeatsInFlight = 0;
  /** Heartbeats sent in the current second (the rate budget of progress heartbeats). */
  private sentThisSecond = 0;
  private secondStartedAt = 0;
  private readonly counts = { peakWatching: 0, adopted: 0, completed: 0, failed: 0, cancelled: 0, heartbeats: 0 };

  constructor(options: TurnWatcherOptions = {}) {
    this.heartbeatsPerSecond = options.heartbeatsPerSecond ?? 200;
    this.log = options.log ?? (() => undefined);
  }

  stats(): TurnWatcherStats {
    return { watching: this.turns.size, ...this.counts };
  }

  /**
   * Called from inside an activity: takes the wait over and makes the activity complete
   * asynchronously. `wait` runs in the watcher with a turn context of its own; its result completes
   * the activity, and what it throws (already a Temporal failure, see `toFailure`) fails it.
   */
  adopt(waitOptions: WaitOptions, wait: (context: TurnContext) => Promise<unknown>, toFailure: (error: unknown) => Error): never {
    const activity = Context.current();
    const { taskToken, heartbeatTimeoutMs, attempt, heartbeatDetails, workflowExecution, activityId, currentAttemptScheduledTimestampMs } = activity.info;
    if (!heartbeatTimeoutMs) throw new Error('watchRun needs a heartbeat timeout: without one, a dead worker would hold its waits until the start-to-close timeout');
    const key = Buffer.from(taskToken).toString('base64');
    const turn: WatchedTurn = {
      key,
      taskToken,
      client: activity.client,
      label: `${workflowExecution?.workflowId ?? '(no workflow)'}/${activityId}`,
      abort: new AbortController(),
      heartbeatTimeoutMs,
      details: heartbeatDetails,
      heartbeatedStatus: (heartbeatDetails as { status?: unknown } | undefined)?.status,
      // Spread the first heartbeats over the interval, so a burst of adoptions does not become a burst of heartbeats.
      nextHeartbeatAt: Date.now() + Math.random() * this.heartbeatIntervalMs(heartbeatTimeoutMs),
      lastHeartbeatAt: Date.now(),
      progressOnly: false,
      released: false,
      mode: waitOptions.mode,
      // The workflow asks to watch a turn it has just seen working: from then on, an end is news. A
      // retry (a takeover) knows nothing about when its turn was last seen working, until it sees it.
      lastWorkingAt: attempt === 1 ? currentAttemptScheduledTimestampMs : undefined,
    };
    this.turns.set(key, turn);
    this.counts.adopted += 1;
    this.counts.peakWatching = Math.max(this.counts.peakWatching, this.turns.size);
    this.ensureTicking();
    const context = this.turnContext(turn, waitOptions, attempt, heartbeatDetails);
    void wait(context).then(
      (result) => this.settle(turn, () => turn.client.activity.complete(taskToken, result), 'completed'),
      (error: unknown) => {
        if (turn.abort.signal.aborted) return this.settle(turn, () => turn.client.activity.reportCancellation(taskToken, turn.details), 'cancelled');
        return this.settle(turn, () => turn.client.activity.fail(taskToken, toFailure(error)), 'failed');
      },
    );
    throw new CompleteAsyncError();
  }

  /**
   * Gives every watched turn back to Temporal (a worker shutting down): each activity fails with a
   * retryable failure, so its retry is taken by another worker at once instead of after the
   * heartbeat timeout. The turns themselves keep running at the provider.
   */
  async handBack(reason = 'the worker is shutting down'): Promise<number> {
    const turns = [...this.turns.values()];
    for (const turn of turns) {
      turn.released = true;
      turn.abort.abort(new CancelledFailure(reason));
    }
    this.turns.clear();
    this.stopTicking();
    await Promise.all(
      turns.map((turn) =>
        turn.client.activity
          .fail(turn.taskToken, ApplicationFailure.create({ type: FailureType.WatchHandedBack, message: `Handed back: ${reason}; another worker resumes the wait.` }))
          .catch(() => undefined),
      ),
    );
    if (turns.length) this.log(`agentrun watcher: handed ${turns.length} waits back (${reason})`);
    return turns.length;
  }

  /** The turn context the seam uses inside the watcher: no activity Context, the watcher's own cancellation. */
  private turnContext(turn: WatchedTurn, wait: WaitOptions, attempt: number, previous: unknown): TurnContext {
    return {
      callOptions: (): CallOptions => ({ signal: AbortSignal.any([turn.abort.signal]) }),
      sleep: (milliseconds) => abortableSleep(milliseconds, turn.abort.signal),
      report: (snapshot: RunSnapshot, extra: Record<string, unknown> = {}) => {
        turn.details = liveDetails(snapshot, extra);
        if (!isTerminalRunStatus(snapshot.status) && snapshot.status !== 'requires_action') turn.lastWorkingAt = Date.now();
        if ((turn.details as { status: unknown }).status !== turn.heartbeatedStatus) {
          // A new status is news (status(), the Web UI): heartbeat it at the next tick. Statuses change a few times per turn.
          turn.nextHeartbeatAt = 0;
          turn.progressOnly = false;
        } else if (turn.lastHeartbeatAt + PROGRESS_HEARTBEAT_MS < turn.nextHeartbeatAt) {
          // Progress (a stream's cursor): a worker that takes the wait over resumes from the last one heartbeated.
          turn.nextHeartbeatAt = turn.lastHeartbeatAt + PROGRESS_HEARTBEAT_MS;
          turn.progressOnly = true;
        }
      },
      attempt,
      previous: <T>() => previous as T | undefined,
      wait,
      cancelled: () => turn.abort.signal.aborted,
    };
  }

  /** Reports the outcome to Temporal once; an activity that is gone (cancelled, timed out, retried elsewhere) is simply dropped. */
  private async settle(turn: WatchedTurn, send: () => Promise<void>, outcome: 'completed' | 'failed' | 'cancelled'): Promise<void> {
    if (turn.released) return;
    turn.released = true;
    this.turns.delete(turn.key);
    if (!this.turns.size) this.stopTicking();
    try {
      await send();
      this.counts[outcome] += 1;
      if (outcome === 'completed' && turn.lastWorkingAt !== undefined) recordTurnNoticeDelay(turn.mode === 'stream' ? 'stream' : 'poll', (Date.now() - turn.lastWorkingAt) / 1000);
    } catch (error) {
      if (!(error instanceof ActivityNotFoundError)) this.log(`agentrun watcher: could not report ${outcome} for ${turn.label}: ${(error as Error).message}`);
    }
  }

  /** Each turn heartbeats about three times per heartbeat timeout; with many turns, less often (never less than twice). */
  private heartbeatIntervalMs(heartbeatTimeoutMs: number): number {
    const spreadMs = (this.turns.size / this.heartbeatsPerSecond) * 1000;
    return Math.min(heartbeatTimeoutMs / 2, Math.max(heartbeatTimeoutMs / 3, spreadMs));
  }

  private ensureTicking(): void {
    if (this.ticker) return;
    this.ticker = setInterval(() => this.heartbeatDue(), TICK_MS);
    this.ticker.unref();
  }

  private stopTicking(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  /** Sends the heartbeats that are due, oldest first, within the in-flight bound. */
  private heartbeatDue(): void {
    const now = Date.now();
    if (now - this.secondStartedAt >= 1_000) {
      this.secondStartedAt = now;
      this.sentThisSecond = 0;
    }
    for (const turn of this.turns.values()) {
      if (this.heartbeatsInFlight >= MAX_HEARTBEATS_IN_FLIGHT) return;
      if (turn.released || turn.nextHeartbeatAt > now) continue;
      if (turn.progressOnly && this.sentThisSecond >= this.heartbeatsPerSecond) continue;
      this.sentThisSecond += 1;
      turn.progressOnly = false;
      turn.lastHeartbeatAt = now;
      turn.nextHeartbeatAt = now + this.heartbeatIntervalMs(turn.heartbeatTimeoutMs);
      turn.heartbeatedStatus = (turn.details as { status?: unknown } | undefined)?.status;
      this.heartbeatsInFlight += 1;
      this.counts.heartbeats += 1;
      turn.client.activity
        .heartbeat(turn.taskToken, turn.details)
        .catch((error: unknown) => {
          if (error instanceof ActivityCancelledError || error instanceof ActivityNotFoundError) {
            // The workflow stopped waiting (it cancels the turn itself), or the activity timed out and
            // was retried elsewhere: stop watching; the outcome is reported as cancellation, if anyone listens.
            turn.abort.abort(new CancelledFailure('activity cancelled'));
            return;
          }
          // Temporal unreachable for a moment: try again at the next interval (the timeout is several intervals away).
          this.log(`agentrun watcher: heartbeat for ${turn.label} failed: ${(error as Error).message}`);
        })
        .finally(() => {
          this.heartbeatsInFlight -= 1;
        });
    }
  }
}

/** A timer that rejects with the abort reason when the signal fires. */
function abortableSleep(milliseconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, milliseconds);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
