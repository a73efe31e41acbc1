/**
 * Activities that drive a provider run. All I/O of the run workflow happens here.
 *
 * Why the wait lives in the activity: polling from workflow code costs ~11 history events per
 * poll (FACTS). One heartbeating activity that polls (or consumes the stream) until the run needs
 * action or ends costs 3 events however long the run takes; heartbeats add none. A retried attempt
 * resumes the same run by id or by its tag, never creating another.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { AgentProvider } from '../providers/provider';
import { callOptions, providerActivity, reportProgress } from './provider-activity';
import { toApplicationFailure } from '../providers/to-application-failure';
import { isTerminalRunStatus, type NewThread, type RunSnapshot, type RunStreamEvent } from '../shared/agent-types';
import {
  RUN_TAG_STEP_KEY,
  RUN_TAG_WORKFLOW_KEY,
  type CancelRunParams,
  type LiveRunDetails,
  type ResultBounds,
  type RunProgress,
  type StartRunParams,
  type SubmitToolOutputsParams,
  type WaitForRunParams,
  type WaitOptions,
} from '../shared/activity-types';
import { FailureType } from '../shared/failure-types';
import type { AssistantMessage } from '../shared/run-types';
import { truncateText } from '../shared/truncate';

/** What the run activities need. */
export interface RunActivityDependencies {
  provider: AgentProvider;
  /** Secrets to scrub from failure messages. */
  secrets: readonly string[];
}

/** How many recent runs to scan when reconciling a tag or finding the active run. */
const RECONCILE_SCAN = 20;

/** Builds the run activities over a provider. */
export function createRunActivities({ provider, secrets }: RunActivityDependencies) {
  const mapped = <T>(work: () => Promise<T>) => providerActivity(secrets, work);

  function report(run: RunSnapshot): void {
    reportProgress({ threadId: run.threadId, runId: run.id, status: run.status, expiresAt: run.expiresAt } satisfies LiveRunDetails);
  }

  /** Polls until the run needs action or ends; the provider's poll-after hint wins over the interval. */
  async function pollUntilActionable(threadId: string, runId: string, wait: WaitOptions): Promise<RunSnapshot> {
    for (;;) {
      const { run, pollAfterMs } = await provider.getRun(threadId, runId, callOptions());
      report(run);
      if (run.status === 'requires_action' || isTerminalRunStatus(run.status)) return run;
      // Unknown statuses land here too: treated as running, with a delay (never a hot loop).
      await Context.current().sleep(pollAfterMs ?? wait.pollIntervalMs);
    }
  }

  /** Consumes a run's events until it needs action or ends; falls back to polling if the stream stops early. */
  async function consumeStream(threadId: string | null, events: AsyncIterable<RunStreamEvent>, wait: WaitOptions): Promise<{ threadId: string; run: RunSnapshot }> {
    let last: RunSnapshot | undefined;
    for await (const event of events) {
      if (event.type !== 'run') continue;
      last = event.run;
      report(last);
      if (last.status === 'requires_action' || isTerminalRunStatus(last.status)) return { threadId: last.threadId, run: last };
    }
    if (!last) throw ApplicationFailure.create({ type: FailureType.ProviderResponseInvalid, message: `The provider's stream for thread ${threadId ?? '(new)'} ended before it named a run` });
    return { threadId: last.threadId, run: await pollUntilActionable(last.threadId, last.id, wait) };
  }

  /** The assistant messages of an ended run, bounded. */
  async function runMessages(threadId: string, run: RunSnapshot, bounds: ResultBounds): Promise<AssistantMessage[]> {
    const messages = await provider.listMessages(threadId, { runId: run.id, order: 'asc', limit: Math.min(100, bounds.maxMessages) }, callOptions());
    return messages
      .filter((message) => message.role === 'assistant')
      .slice(-bounds.maxMessages)
      .map((message) => ({ id: message.id, runId: run.id, text: truncateText(message.text, bounds.maxMessageChars) }));
  }

  async function withMessages(progress: RunProgress, bounds: ResultBounds): Promise<RunProgress> {
    if (!isTerminalRunStatus(progress.run.status)) return progress;
    return { ...progress, messages: await runMessages(progress.threadId, progress.run, bounds) };
  }

  /** Waits until a run that is not ours has ended (onActiveRun: wait), heartbeating. */
  async function waitUntilEnded(threadId: string, runId: string, wait: WaitOptions): Promise<RunSnapshot> {
    let run = await pollUntilActionable(threadId, runId, wait);
    // requires_action is not an end for someone else's run: keep waiting until it ends or expires.
    while (!isTerminalRunStatus(run.status)) {
      await Context.current().sleep(Math.max(wait.pollIntervalMs, 1_000));
      run = (await provider.getRun(threadId, runId, callOptions())).run;
    }
    return run;
  }

  async function cancelUntilEnded(threadId: string, runId: string, wait: WaitOptions): Promise<RunSnapshot> {
    try {
      await provider.cancelRun(threadId, runId, callOptions());
    } catch (error) {
      const failure = toApplicationFailure(error, secrets);
      // Already ended between our read and the cancel: that is what we wanted.
      if (failure.type !== FailureType.ProviderBadRequest) throw failure;
    }
    let run = (await provider.getRun(threadId, runId, callOptions())).run;
    while (!isTerminalRunStatus(run.status)) {
      await Context.current().sleep(Math.min(wait.pollIntervalMs, 1_000));
      run = (await provider.getRun(threadId, runId, callOptions())).run;
    }
    return run;
  }

  return {
    /**
     * Creates a thread, tagged with the workflow id (a local activity in runs recorded before the
     * `agentrun-thread-created-by-activity` patch, a regular one since). If its response is
     * lost, a retry creates another thread: the first is left behind empty of runs (README).
     */
    async createThread(params: { newThread: NewThread; workflowId: string }): Promise<{ threadId: string }> {
      return mapped(async () => {
        const metadata = { ...params.newThread.metadata };
        if (Object.keys(metadata).length < 16) metadata[RUN_TAG_WORKFLOW_KEY] = params.workflowId;
        return { threadId: (await provider.createThread({ ...params.newThread, metadata }, callOptions())).id };
      });
    },

    /**
     * Creates the run of one workflow step, or finds it when an earlier attempt created it and
     * lost the response (it carries the step's tag in its metadata), then waits until it needs
     * action or ends. Handles another caller's active run per `onActiveRun`.
     */
    async startRun(params: StartRunParams): Promise<RunProgress> {
      return mapped(async () => {
        const { threadId } = params;
        let displacedRunId: string | undefined;
        for (;;) {
          const recent = await provider.listRuns(threadId, { limit: RECONCILE_SCAN, order: 'desc' }, callOptions());
          const ours = recent.find((run) => run.metadata[RUN_TAG_WORKFLOW_KEY] === params.workflowId && run.metadata[RUN_TAG_STEP_KEY] === String(params.step));
          if (ours) {
            const run = ours.status === 'requires_action' || isTerminalRunStatus(ours.status) ? ours : await pollUntilActionable(threadId, ours.id, params.wait);
            return withMessages({ threadId, run, reconciled: true, displacedRunId }, params.bounds);
          }
          const active = recent.find((run) => !isTerminalRunStatus(run.status));
          if (active) {
            if (params.onActiveRun === 'fail') {
              throw ApplicationFailure.create({
                type: FailureType.ThreadBusy,
                nonRetryable: true,
                message: `Thread ${threadId} already has an active run ${active.id} (${active.status}). Set onActiveRun to "wait" or "cancel" to handle it, or use another thread.`,
                details: [{ threadId, activeRunId: active.id, status: active.status }],
              });
            }
            displacedRunId = active.id;
            if (params.onActiveRun === 'cancel') await cancelUntilEnded(threadId, active.id, params.wait);
            else await waitUntilEnded(threadId, active.id, params.wait);
            continue;
          }

          const tagged = { ...params.run, metadata: { ...params.run.metadata, [RUN_TAG_WORKFLOW_KEY]: params.workflowId, [RUN_TAG_STEP_KEY]: String(params.step) } };
          try {
            if (params.wait.mode === 'stream') {
              const streamed = await consumeStream(threadId, provider.createRunStream(threadId, tagged, callOptions()), params.wait);
              return withMessages({ ...streamed, displacedRunId }, params.bounds);
            }
            // Not aborted by a cancellation: the cleanup that follows finds the run by its tag, which
            // works only if the create has finished at the provider.
            const created = await provider.createRun(threadId, tagged);
            const run = await pollUntilActionable(threadId, created.id, params.wait);
            return withMessages({ threadId, run, displacedRunId }, params.bounds);
          } catch (error) {
            // Someone started a run between our listing and our create: go round again.
            if (toApplicationFailure(error, secrets).type === FailureType.ProviderThreadBusy) continue;
            throw error;
          }
        }
      });
    },

    /**
     * Submits one round's outputs in one request, then waits. A retried submit whose first attempt
     * landed (the run moved on) is not an error; an expired run is returned as is, for the workflow
     * to continue the conversation.
     */
    async submitToolOutputs(params: SubmitToolOutputsParams): Promise<RunProgress> {
      return mapped(async () => {
        const { threadId, runId } = params;
        const submittedIds = new Set(params.outputs.map((output) => output.toolCallId));
        if (Context.current().info.attempt > 1) {
          // A previous attempt may have landed and the run may already ask for the next round.
          const { run } = await provider.getRun(threadId, runId, callOptions());
          const sameRound = run.status === 'requires_action' && run.requiredToolCalls.every((call) => submittedIds.has(call.id));
          if (!sameRound) {
            const current = run.status === 'requires_action' || isTerminalRunStatus(run.status) ? run : await pollUntilActionable(threadId, runId, params.wait);
            return withMessages({ threadId, run: current, alreadySubmitted: run.status !== 'expired' }, params.bounds);
          }
        }
        try {
          if (params.wait.mode === 'stream') {
            const streamed = await consumeStream(threadId, provider.submitToolOutputsStream(threadId, runId, params.outputs, callOptions()), params.wait);
            return withMessages(streamed, params.bounds);
          }
          await provider.submitToolOutputs(threadId, runId, params.outputs, callOptions());
        } catch (error) {
          if (toApplicationFailure(error, secrets).type !== FailureType.ProviderRunNotAcceptingToolOutputs) throw error;
          const { run } = await provider.getRun(threadId, runId, callOptions());
          if (run.status === 'expired' || isTerminalRunStatus(run.status)) return withMessages({ threadId, run, alreadySubmitted: run.status !== 'expired' }, params.bounds);
          return withMessages({ threadId, run: await pollUntilActionable(threadId, runId, params.wait), alreadySubmitted: true }, params.bounds);
        }
        return withMessages({ threadId, run: await pollUntilActionable(threadId, runId, params.wait) }, params.bounds);
      });
    },

    /** Waits for a known run to need action or end. */
    async waitForRun(params: WaitForRunParams): Promise<RunProgress> {
      return mapped(async () => withMessages({ threadId: params.threadId, run: await pollUntilActionable(params.threadId, params.runId, params.wait) }, params.bounds));
    },

    /**
     * Cancels a run at the provider and waits until it has ended (cancelled, or whatever it reached
     * first). Without a run id (the workflow was cancelled while creating it) the run is found by
     * its tag; if there is none, nothing was created and there is nothing to cancel.
     */
    async cancelRun(params: CancelRunParams): Promise<RunProgress | null> {
      return mapped(async () => {
        let runId = params.runId;
        if (!runId) {
          const recent = await provider.listRuns(params.threadId, { limit: RECONCILE_SCAN, order: 'desc' }, callOptions());
          runId = recent.find((run) => run.metadata[RUN_TAG_WORKFLOW_KEY] === params.workflowId && run.metadata[RUN_TAG_STEP_KEY] === String(params.step))?.id ?? null;
          if (!runId) return null;
        }
        return withMessages({ threadId: params.threadId, run: await cancelUntilEnded(params.threadId, runId, params.wait) }, params.bounds);
      });
    },
  };
}
