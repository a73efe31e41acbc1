/**
 * Replays recorded workflow histories against a version of agentrun's workflow code, to learn
 * before deploying it whether the runs that will meet it can continue: a run whose history does
 * not replay fails its next workflow task on the new worker (a determinism error) and stays stuck.
 *
 * The histories come from files or from a visibility query on the namespace (the runs that are
 * still waiting). `agentrun replay` is this module on the command line.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { agentrunWorkflows } from '../prebuilt-workflow-bundle';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { msToNumber } from '@temporalio/common/lib/time';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import type { HistoryToReplay } from './history-files';

/** The visibility query `agentrun replay` uses by default: the agent runs a new version will meet. */
export const DEFAULT_REPLAY_QUERY = "WorkflowType = 'agentRunWorkflow' AND ExecutionStatus = 'Running'";

/** Which workflow code to replay against, ready for `Worker.runReplayHistories`. */
export interface ReplayWorkflows {
  /** `workflowsPath` or `workflowBundle`. */
  options: Pick<ReplayWorkerOptions, 'workflowsPath' | 'workflowBundle'>;
  /** The module or bundle file, for the report. */
  path: string;
  /** `bundle`: a prebuilt workflow bundle; `module`: workflow sources the SDK bundles first. */
  kind: 'bundle' | 'module';
}

/** The first line of every bundle `bundleWorkflowCode` writes. */
const BUNDLE_MARKER = 'var __TEMPORAL__;';

/**
 * The workflows the installed agentrun's worker registers: the prebuilt bundle the build puts at
 * `dist/workflow-bundle.js` when it is there and was built with the installed
 * `@temporalio/workflow` (a bundle carries the SDK's workflow runtime), else the `workflows`
 * module the SDK bundles itself.
 */
export function installedWorkflows(): ReplayWorkflows {
  const workflows = agentrunWorkflows();
  return 'workflowBundle' in workflows ? { options: workflows, path: workflows.workflowBundle.codePath, kind: 'bundle' } : { options: workflows, path: workflows.workflowsPath, kind: 'module' };
}

/**
 * Workflow code at `given` (relative to the working directory): a prebuilt bundle (a `.js` file
 * `bundleWorkflowCode` wrote), or a workflows module or folder (`.ts` or `.js`, e.g. a candidate
 * agentrun's `dist/workflows`) that the SDK bundles. Throws when nothing is there.
 */
export function workflowsAt(given: string): ReplayWorkflows {
  const absolute = path.resolve(given);
  // Node resolves a folder to index.js only; TypeScript sources (src/workflows) have index.ts.
  const candidates = [absolute, `${absolute}.ts`, path.join(absolute, 'index.ts')];
  const resolved = candidates.map(resolvable).find((file) => file !== undefined);
  if (!resolved) throw new Error(`no workflows module at ${given}: give a workflows file or folder (e.g. node_modules/agentrun/dist/workflows) or a prebuilt workflow bundle`);
  if (isPrebuiltBundle(resolved)) return { options: { workflowBundle: { codePath: resolved } }, path: resolved, kind: 'bundle' };
  return { options: { workflowsPath: resolved }, path: resolved, kind: 'module' };
}

function resolvable(file: string): string | undefined {
  try {
    return require.resolve(file);
  } catch {
    return undefined;
  }
}

function isPrebuiltBundle(file: string): boolean {
  if (!file.endsWith('.js')) return false;
  const handle = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(BUNDLE_MARKER.length);
    fs.readSync(handle, head, 0, head.length, 0);
    return head.toString('utf8') === BUNDLE_MARKER;
  } finally {
    fs.closeSync(handle);
  }
}

/** How one history replayed. */
export interface ReplayOutcome {
  workflowId: string;
  runId: string;
  /** The file the history came from, when it came from one. */
  file?: string;
  /** Events in the history. */
  events: number;
  /** True when the code replays the history to its end. */
  ok: boolean;
  /** Why it does not, in one line (a determinism error, a missing workflow type, ...). */
  reason?: string;
  /** The SDK's error (`DeterminismViolationError` or `ReplayError`). */
  error?: Error;
  /** Time the replay took, loading excluded. */
  durationMs: number;
}

/** Options of {@link replayHistories}. */
export interface ReplayHistoriesOptions {
  /** The code to replay against (default: {@link installedWorkflows}). */
  workflows?: ReplayWorkflows;
  /** Shown in the replay worker's logs. */
  replayName?: string;
}

/**
 * Replays each history with one replay worker (the code is bundled once), in order, and yields
 * one outcome per history as soon as it is known. A history that does not replay is an outcome
 * with `ok: false`, never a throw; errors of the source itself (a query that fails) are thrown.
 */
export async function* replayHistories(histories: AsyncIterable<HistoryToReplay> | Iterable<HistoryToReplay>, options: ReplayHistoriesOptions = {}): AsyncGenerator<ReplayOutcome> {
  const workflows = options.workflows ?? installedWorkflows();
  // The replay worker pulls the next history only after the previous one replayed: what was
  // handed out last is what the next result is about.
  let current: { item: HistoryToReplay; startedAt: number } | undefined;
  async function* handOut() {
    for await (const item of histories) {
      current = { item, startedAt: performance.now() };
      yield { workflowId: item.workflowId, history: item.history };
    }
  }
  for await (const result of Worker.runReplayHistories({ ...workflows.options, replayName: options.replayName ?? 'agentrun-replay' }, handOut())) {
    const { item, startedAt } = current!;
    const outcome: ReplayOutcome = {
      workflowId: result.workflowId,
      runId: result.runId,
      ...(item.file ? { file: item.file } : {}),
      events: item.history.events?.length ?? 0,
      ok: !result.error,
      durationMs: Math.round((performance.now() - startedAt) * 10) / 10,
    };
    if (result.error) {
      outcome.error = result.error;
      outcome.reason = replayFailureReason(result.error);
    }
    yield outcome;
  }
}

/**
 * One readable line for a replay failure. The SDK wraps Core's failure in a Rust debug dump
 * (`Failure { failure: Some(Failure { message: "...", ... }) }`); the message inside is what a
 * person needs, e.g. `DeterminismViolationError: [TMPRL1100] Nondeterminism error: Timer machine
 * does not handle this event: HistoryEvent(id: 5, UpsertWorkflowSearchAttributes)`.
 */
export function replayFailureReason(error: Error): string {
  const inner = /message: "((?:[^"\\]|\\.)*)"/.exec(error.message)?.[1];
  const text = inner !== undefined ? unescapeDebugString(inner) : error.message.replace(/^Replay failed[^:]*:\s*/, '');
  return `${error.name}: ${text.replace(/\s+/g, ' ').trim()}`;
}

function unescapeDebugString(text: string): string {
  return text.replace(/\\(.)/g, (_, character: string) => (character === 'n' ? ' ' : character));
}

/** Where {@link historiesFromVisibility} looks. */
export interface VisibilitySource {
  /** A visibility query (default {@link DEFAULT_REPLAY_QUERY}); empty: every workflow. */
  query?: string;
  /** Only workflows started within this long before now: `'7d'`, `'12h'`, or milliseconds. */
  since?: string | number;
  /** At most this many workflows. */
  limit?: number;
  /** Histories fetched at the same time (default 5). */
  concurrency?: number;
}

/**
 * The query {@link historiesFromVisibility} sends: the query, narrowed to workflows started
 * within `since` of `now` when given. Throws for a `since` that is not a duration.
 */
export function visibilityQuery(source: Pick<VisibilitySource, 'query' | 'since'>, now: Date = new Date()): string {
  const query = (source.query ?? DEFAULT_REPLAY_QUERY).trim();
  if (source.since === undefined) return query;
  let milliseconds: number;
  try {
    milliseconds = msToNumber(source.since as Parameters<typeof msToNumber>[0]);
  } catch {
    milliseconds = Number.NaN;
  }
  if (!Number.isFinite(milliseconds) || milliseconds <= 0) throw new Error(`"${source.since}" is not a duration: use e.g. 7d, 12h, 30m`);
  const window = `StartTime >= '${new Date(now.getTime() - milliseconds).toISOString()}'`;
  return query ? `(${query}) AND ${window}` : window;
}

/**
 * The histories of the workflows a visibility query matches, fetched a few at a time and yielded
 * in the order visibility lists them (newest first). Not the SDK's `intoHistories()`: it yields in
 * the order fetches finish and has no limit.
 */
export async function* historiesFromVisibility(client: Client, source: VisibilitySource = {}): AsyncGenerator<HistoryToReplay> {
  const query = visibilityQuery(source);
  const limit = source.limit ?? Number.POSITIVE_INFINITY;
  const concurrency = Math.max(1, source.concurrency ?? 5);
  const pending: Array<Promise<HistoryToReplay>> = [];
  const fetch = (execution: WorkflowExecutionInfo) =>
    client.workflow
      .getHandle(execution.workflowId, execution.runId)
      .fetchHistory()
      .then((history) => ({ workflowId: execution.workflowId, history }));
  let listed = 0;
  if (limit > 0) {
    for await (const execution of client.workflow.list({ query: query || undefined })) {
      pending.push(fetch(execution));
      // A rejected fetch waiting in the queue must not count as unhandled before its turn.
      pending[pending.length - 1]!.catch(() => undefined);
      listed += 1;
      if (pending.length >= concurrency) yield await pending.shift()!;
      if (listed >= limit) break;
    }
  }
  while (pending.length) yield await pending.shift()!;
}
