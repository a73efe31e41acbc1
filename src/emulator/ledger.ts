import type { Dialect } from './dialects';
import type { Metadata, RunObject, StreamEvent } from './wire-types';

/** A run creation, as the ledger keeps it (to check that a retried create made a second run). */
export interface RunCreatedEntry {
  id: string;
  thread_id: string;
  assistant_id: string;
  metadata: Metadata;
  created_at: number;
}

/** One tool output the emulator accepted. */
export interface ToolOutputEntry {
  run_id: string;
  thread_id: string;
  tool_call_id: string;
  output: string;
}

/** The JSON of `GET /_emulator/stats`. */
export interface EmulatorStats {
  /** Requests that reached routing, by `"<METHOD> <route template>"` (faulted ones included). */
  requests: Record<string, number>;
  /** Every run created, in order. */
  runsCreated: RunCreatedEntry[];
  /** Every tool output accepted, in order. */
  toolOutputsSubmitted: ToolOutputEntry[];
  /** Faults injected, by kind. */
  faultsInjected: Record<string, number>;
  /** Files uploaded (`POST /files` that succeeded, `commit_then_drop` included). */
  filesUploaded: number;
  /** Files attached to vector stores: by vector store create, attach and file batches (re-attachments included). */
  vectorStoreFilesCreated: number;
  /** File batches created. */
  batchesCreated: number;
  /** File batches whose cancellation was accepted (a repeated cancel is not counted again). */
  batchesCancelled: number;
}

/** One response the emulator sent, kept when `recordResponses` is on (for schema validation). */
export interface RecordedResponse {
  method: string;
  /** Dialect-neutral route template, e.g. `/threads/{thread_id}/runs`. */
  route: string;
  dialect: Dialect;
  status: number;
  /** JSON body (absent for streams). */
  body?: unknown;
  /** Server-sent events of a streamed response, `done` included. */
  events?: StreamEvent[];
}

/**
 * What happened, for tests and benchmarks to assert on: request counts, runs created, outputs
 * submitted, faults injected, files uploaded and attached, batches created and cancelled, and
 * (optionally) every response.
 */
export class Ledger {
  private readonly requests = new Map<string, number>();
  private readonly runsCreated: RunCreatedEntry[] = [];
  private readonly toolOutputs: ToolOutputEntry[] = [];
  private readonly faults = new Map<string, number>();
  private readonly responses: RecordedResponse[] = [];
  private filesUploaded = 0;
  private vectorStoreFilesCreated = 0;
  private batchesCreated = 0;
  private batchesCancelled = 0;

  constructor(private readonly recordResponses: boolean) {}

  /** Counts a request that reached routing. */
  countRequest(method: string, routeTemplate: string): void {
    const key = `${method} ${routeTemplate}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  /** Notes a run creation. */
  recordRunCreated(run: RunObject): void {
    this.runsCreated.push({
      id: run.id,
      thread_id: run.thread_id,
      assistant_id: run.assistant_id,
      metadata: { ...run.metadata },
      created_at: run.created_at,
    });
  }

  /** Notes accepted tool outputs. */
  recordToolOutputs(run: RunObject, outputs: ReadonlyArray<{ tool_call_id: string; output: string }>): void {
    for (const output of outputs) {
      this.toolOutputs.push({ run_id: run.id, thread_id: run.thread_id, tool_call_id: output.tool_call_id, output: output.output });
    }
  }

  /** Notes an uploaded file. */
  recordFileUploaded(): void {
    this.filesUploaded += 1;
  }

  /** Notes files attached to a vector store. */
  recordVectorStoreFilesCreated(count: number): void {
    this.vectorStoreFilesCreated += count;
  }

  /** Notes a file batch and the files it attached. */
  recordBatchCreated(fileCount: number): void {
    this.batchesCreated += 1;
    this.vectorStoreFilesCreated += fileCount;
  }

  /** Notes an accepted batch cancellation. */
  recordBatchCancelled(): void {
    this.batchesCancelled += 1;
  }

  /** Notes an injected fault. */
  recordFault(kind: string): void {
    this.faults.set(kind, (this.faults.get(kind) ?? 0) + 1);
  }

  /** Keeps a response when recording is on. */
  recordResponse(response: RecordedResponse): void {
    if (this.recordResponses) {
      this.responses.push(structuredClone(response));
    }
  }

  /** The recorded responses, oldest first. */
  recordedResponses(): RecordedResponse[] {
    return structuredClone(this.responses);
  }

  /** A snapshot of the counters. */
  stats(): EmulatorStats {
    return {
      requests: Object.fromEntries(this.requests),
      runsCreated: structuredClone(this.runsCreated),
      toolOutputsSubmitted: structuredClone(this.toolOutputs),
      faultsInjected: Object.fromEntries(this.faults),
      filesUploaded: this.filesUploaded,
      vectorStoreFilesCreated: this.vectorStoreFilesCreated,
      batchesCreated: this.batchesCreated,
      batchesCancelled: this.batchesCancelled,
    };
  }

  /** Forgets everything. */
  clear(): void {
    this.requests.clear();
    this.runsCreated.length = 0;
    this.toolOutputs.length = 0;
    this.faults.clear();
    this.responses.length = 0;
    this.filesUploaded = 0;
    this.vectorStoreFilesCreated = 0;
    this.batchesCreated = 0;
    this.batchesCancelled = 0;
  }
}
