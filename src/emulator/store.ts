import { notFound } from './errors';
import type { ScriptParseResult } from './script';
import type {
  AssistantObject,
  MessageObject,
  RunObject,
  RunStatus,
  RunStepObject,
  StreamEvent,
  ThreadObject,
  Usage,
} from './wire-types';

/** A tool call the scripted model made and the client has not answered yet. */
export interface PendingToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** A tool output the client submitted, kept in submission order for the final answer. */
export interface SubmittedToolOutput {
  toolCallId: string;
  name: string;
  output: string;
}

/** Receives a run's events as they happen (a streaming response is one). */
export type RunObserver = (event: StreamEvent) => void;

/** A run and everything the engine needs to drive it. */
export interface RunRecord {
  /** The wire object, updated in place as the status machine moves. */
  run: RunObject;
  /** Run steps, oldest first. */
  steps: RunStepObject[];
  /** The script (undefined: no script, answer directly). */
  script: ScriptParseResult | undefined;
  /** Index of the script step the model takes next. */
  nextStepIndex: number;
  /** Millisecond deadline behind `expires_at` (which the wire rounds to seconds). */
  deadlineMs: number;
  /** Tool calls of the current `requires_action` round. */
  pendingToolCalls: PendingToolCall[];
  /** The `tool_calls` step of the current round, completed when outputs arrive. */
  toolStep: RunStepObject | undefined;
  /** Usage of the current round, written onto its step when the step ends. */
  toolStepUsage: Usage | undefined;
  /** Every output submitted to this run, in order. */
  submittedOutputs: SubmittedToolOutput[];
  /** Token counters behind `usage`. */
  promptTokens: number;
  completionTokens: number;
  /** Live observers (open streams). */
  observers: Set<RunObserver>;
  /** The pending status-machine timer (queued -> in_progress, in_progress -> act, cancelling -> cancelled). */
  stepTimer: NodeJS.Timeout | undefined;
  /** The expiry timer. */
  expiryTimer: NodeJS.Timeout | undefined;
}

/** A thread with its messages and runs. */
export interface ThreadRecord {
  thread: ThreadObject;
  /** Messages, oldest first. */
  messages: MessageObject[];
  /** Runs, oldest first. */
  runs: RunRecord[];
}

/** Statuses in which a run holds its thread: no second run, no new messages. */
const ACTIVE_STATUSES: ReadonlySet<RunStatus> = new Set(['queued', 'in_progress', 'requires_action', 'cancelling']);

/** Whether a run still holds its thread. */
export function isActive(status: RunStatus): boolean {
  return ACTIVE_STATUSES.has(status);
}

/**
 * The emulator's in-memory state. Lookups throw the service's 404 so handlers never check for
 * `undefined` themselves.
 */
export class EmulatorStore {
  /** Assistants in creation order (a Map keeps insertion order). */
  readonly assistants = new Map<string, AssistantObject>();
  /** Threads in creation order. */
  readonly threads = new Map<string, ThreadRecord>();
  /** Every run by id, for the engine. */
  readonly runs = new Map<string, RunRecord>();

  /** The assistant, or the service's 404. */
  assistant(id: string): AssistantObject {
    const assistant = this.assistants.get(id);
    if (assistant === undefined) throw notFound('assistant', id);
    return assistant;
  }

  /** The thread, or the service's 404. */
  thread(id: string): ThreadRecord {
    const thread = this.threads.get(id);
    if (thread === undefined) throw notFound('thread', id);
    return thread;
  }

  /** The run of that thread, or the service's 404 (for the thread first, then the run). */
  run(threadId: string, runId: string): RunRecord {
    this.thread(threadId);
    const record = this.runs.get(runId);
    if (record === undefined || record.run.thread_id !== threadId) throw notFound('run', runId);
    return record;
  }

  /** The message of that thread, or the service's 404. */
  message(threadId: string, messageId: string): MessageObject {
    const message = this.thread(threadId).messages.find((candidate) => candidate.id === messageId);
    if (message === undefined) throw notFound('message', messageId);
    return message;
  }

  /** The step of that run, or the service's 404. */
  step(threadId: string, runId: string, stepId: string): RunStepObject {
    const step = this.run(threadId, runId).steps.find((candidate) => candidate.id === stepId);
    if (step === undefined) throw notFound('step', stepId);
    return step;
  }

  /** The run currently holding the thread, if any. */
  activeRun(thread: ThreadRecord): RunRecord | undefined {
    return thread.runs.find((record) => isActive(record.run.status));
  }

  /** Forgets everything. */
  clear(): void {
    this.assistants.clear();
    this.threads.clear();
    this.runs.clear();
  }
}
