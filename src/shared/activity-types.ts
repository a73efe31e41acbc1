/**
 * Parameters and results of agentrun's activities: the contract between workflow code and the
 * worker, JSON-plain and provider-neutral.
 */
import type { RunOptions, RunSnapshot, ToolOutput } from './agent-types';
import type { ToolPolicy } from './run-input';
import type { AssistantMessage } from './run-types';

/** Metadata keys that tag a run with the workflow step that created it (reconciliation). */
export const RUN_TAG_WORKFLOW_KEY = 'agentrun_workflow_id';
export const RUN_TAG_STEP_KEY = 'agentrun_step';

/** How an activity waits for a run to need action or end. */
export interface WaitOptions {
  /**
   * poll: read the turn every `pollIntervalMs` (the provider's hint wins). stream: consume its
   * events (resumable on the Responses API). webhook: start the turn and return; the workflow
   * waits for the provider's webhook, with a slow safety poll.
   */
  mode: 'poll' | 'stream' | 'webhook';
  pollIntervalMs: number;
  /**
   * A turn still `queued` this long after its creation is given up: cancelled, and the activity
   * fails with `ProviderTurnStuck` (a Responses background stream aborted at its first event has been
   * seen to leave a response queued for good). Absent in activities scheduled before it existed.
   */
  queuedTimeoutMs?: number;
  /**
   * The workflow waits with `watchRun` (poll, and stream where the protocol can re-attach): the
   * start and answer activities return as soon as the turn exists. Absent before the watcher existed.
   */
  handOff?: boolean;
}

/** Bounds on what a finished run reports. */
export interface ResultBounds {
  maxMessages: number;
  maxMessageChars: number;
}

/** Create (or find, after a lost response) the run of one workflow step, then wait. */
export interface StartRunParams {
  threadId: string;
  run: RunOptions;
  workflowId: string;
  /** The workflow's run step: 1 for the first run, +1 for each continuation. */
  step: number;
  onActiveRun: 'wait' | 'cancel' | 'fail';
  wait: WaitOptions;
  bounds: ResultBounds;
}

/** Answer one round's tool calls (all in one request), then wait. */
export interface SubmitToolOutputsParams {
  /** The conversation (thread, or conversation; '' for a Responses chain). */
  threadId: string;
  /** The turn whose calls are answered (run, or response). */
  runId: string;
  outputs: ToolOutput[];
  wait: WaitOptions;
  bounds: ResultBounds;
  /** Tags of the response the answer creates (Responses; absent in activities scheduled before the seam). */
  workflowId?: string;
  step?: number;
  /** The turn's options (Responses repeat them on every response). */
  run?: RunOptions;
}

/** Wait for a known run. */
export interface WaitForRunParams {
  threadId: string;
  runId: string;
  wait: WaitOptions;
  bounds: ResultBounds;
}

/** Cancel a run (by id, or by its step tag when the id was never learnt). */
export interface CancelRunParams {
  threadId: string;
  runId: string | null;
  workflowId: string;
  step: number;
  wait: WaitOptions;
  bounds: ResultBounds;
}

/** Where a run stands after an activity. */
export interface RunProgress {
  threadId: string;
  run: RunSnapshot;
  /** When the run ended: the assistant messages it produced. */
  messages?: AssistantMessage[];
  /** The run was found by its tag, not created (a retry after a lost response). */
  reconciled?: boolean;
  /** submitToolOutputs: an earlier attempt's submit had already landed. */
  alreadySubmitted?: boolean;
  /** Another caller's active run that was waited for or cancelled first. */
  displacedRunId?: string;
}

/** How the worker will treat each tool name. */
export interface ToolInfo {
  known: boolean;
  policy: ToolPolicy;
  idempotent: boolean;
  timeoutMs: number;
}

/** Run one tool call. */
export interface RunToolParams {
  workflowId: string;
  toolCallId: string;
  name: string;
  /** JSON text (the model's, or a person's edit). */
  arguments: string;
  maxOutputChars: number;
}

/** Check arguments a person edited against the tool's parameters, before the approval is accepted. */
export interface CheckToolArgumentsParams {
  name: string;
  /** JSON text. */
  arguments: string;
}

/** The outcome of {@link CheckToolArgumentsParams}: valid, or what is wrong, field by field. */
export type CheckToolArgumentsResult = { valid: true } | { valid: false; message: string; issues: Array<{ path: string; message: string }> };

/** A tool's output; `isError` when it reports an error to the model. */
export interface ToolResult {
  output: string;
  isError: boolean;
}

/** What a run activity publishes in its heartbeat while it waits. */
export interface LiveRunDetails {
  threadId: string;
  runId: string;
  /** The provider's own status, for people. */
  status: string;
  expiresAt: number | null;
  /** The last stream event seen (Responses `sequence_number`): a retried attempt resumes after it. */
  streamCursor?: number;
}

/** The live details of a turn, as run activities and the watcher publish them. */
export function liveDetails(turn: RunSnapshot, extra: Record<string, unknown> = {}): LiveRunDetails {
  return { threadId: turn.threadId, runId: turn.id, status: turn.providerStatus ?? turn.status, expiresAt: turn.expiresAt, ...extra };
}
