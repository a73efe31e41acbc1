import { fileNotFound, notFound, vectorStoreFileNotFound } from './errors';
import type { ProcessingPlan } from './file-outcomes';
import type { ScriptParseResult } from './script';
import type {
  AssistantObject,
  OpenAIFileObject,
  VectorStoreFileBatchObject,
  VectorStoreFileObject,
  VectorStoreObject,
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

/** An uploaded file: its wire object, its bytes, and the vector stores it is attached to. */
export interface StoredFile {
  file: OpenAIFileObject;
  content: Buffer;
  /** Vector stores holding this file (so deleting the file detaches it everywhere, as the service does). */
  attachments: Set<VectorStoreRecord>;
}

/** A vector store, its files and batches, and what its `status` and expiry are computed from. */
export interface VectorStoreRecord {
  /** The wire object; `file_counts` and `usage_bytes` are live counters updated in O(1) per file. */
  vectorStore: VectorStoreObject;
  /** Attached files by file id, oldest first. */
  files: Map<string, VectorStoreFileRecord>;
  /** File batches by id, oldest first. */
  batches: Map<string, FileBatchRecord>;
  /** Millisecond time behind `last_active_at`. */
  lastActiveMs: number;
  /** Once expired, a vector store stays expired. */
  expired: boolean;
}

/** A file attached to a vector store, with its scripted fate. */
export interface VectorStoreFileRecord {
  vectorStoreFile: VectorStoreFileObject;
  vectorStore: VectorStoreRecord;
  file: StoredFile;
  /** The batch that attached it, if any. */
  batch: FileBatchRecord | undefined;
  plan: ProcessingPlan;
  /**
   * Bumped whenever a queued completion must be ignored (cancelled, detached, vector store deleted):
   * the queue entry carries the generation it was queued with.
   */
  generation: number;
  /** False once removed from its vector store (a batch keeps the record for its counts). */
  attached: boolean;
}

/** A file batch: its wire object (with live `file_counts`) and its files in request order. */
export interface FileBatchRecord {
  batch: VectorStoreFileBatchObject;
  vectorStore: VectorStoreRecord;
  files: VectorStoreFileRecord[];
  /** Set by cancel: the batch ends `cancelled` once its cancel delay has passed. */
  cancelRequested: boolean;
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
  /** Uploaded files in upload order. */
  readonly files = new Map<string, StoredFile>();
  /** Vector stores in creation order. */
  readonly vectorStores = new Map<string, VectorStoreRecord>();

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

  /** The uploaded file, or the Files API's 404 (`No such File object: file-x`). */
  file(id: string): StoredFile {
    const file = this.files.get(id);
    if (file === undefined) throw fileNotFound(id);
    return file;
  }

  /** The vector store, or the service's 404. */
  vectorStore(id: string): VectorStoreRecord {
    const vectorStore = this.vectorStores.get(id);
    if (vectorStore === undefined) throw notFound('vector store', id);
    return vectorStore;
  }

  /** The file attached to that vector store, or the service's 404 (for the vector store first). */
  vectorStoreFile(vectorStoreId: string, fileId: string): VectorStoreFileRecord {
    const record = this.vectorStore(vectorStoreId).files.get(fileId);
    if (record === undefined) throw vectorStoreFileNotFound(vectorStoreId, fileId);
    return record;
  }

  /** The file batch of that vector store, or the service's 404 (for the vector store first). */
  fileBatch(vectorStoreId: string, batchId: string): FileBatchRecord {
    const batch = this.vectorStore(vectorStoreId).batches.get(batchId);
    if (batch === undefined) throw notFound('vector store file batch', batchId);
    return batch;
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
    this.files.clear();
    this.vectorStores.clear();
  }
}
