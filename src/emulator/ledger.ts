import type { Dialect } from './dialects';
import type { ResponseStatus } from './response-wire-types';
import type { Metadata, RunObject, StreamEvent } from './wire-types';

/** A run creation, as the ledger keeps it (to check that a retried create made a second run). */
export interface RunCreatedEntry {
  id: string;
  thread_id: string;
  assistant_id: string;
  metadata: Metadata;
  created_at: number;
  /** The run's latest status, and when it took it (ms since the epoch): benchmarks measure how soon a client notices. */
  status: string;
  status_changed_at_ms: number;
}

/** One tool output the emulator accepted. */
export interface ToolOutputEntry {
  run_id: string;
  thread_id: string;
  tool_call_id: string;
  output: string;
}

/** A response creation, as the ledger keeps it; `status` follows the response until it ends. */
export interface ResponseCreatedEntry {
  id: string;
  dialect: Dialect;
  metadata: Metadata;
  background: boolean;
  /** `store` as the request sent it (null: not sent). */
  store: boolean | null;
  conversation: string | null;
  previous_response_id: string | null;
  /** The Foundry agent version it ran, if any. */
  agent: { name: string; version: string } | null;
  status: ResponseStatus;
  created_at: number;
  /** When the response took its latest status (ms since the epoch): benchmarks measure how soon a client notices. */
  status_changed_at_ms: number;
}

/** A `function_call_output` input item the emulator accepted. */
export interface FunctionCallOutputEntry {
  response_id: string;
  call_id: string;
  /** The output as sent (content parts as JSON text). */
  output: string;
  previous_response_id: string | null;
  conversation: string | null;
}

/** An `mcp_approval_response` input item the emulator accepted. */
export interface McpApprovalResponseEntry {
  response_id: string;
  approval_request_id: string;
  approve: boolean;
  reason: string | null;
}

/** A conversation creation. */
export interface ConversationCreatedEntry {
  id: string;
  metadata: Metadata;
  created_at: number;
}

/** One attempt to deliver a webhook event. */
export interface WebhookDeliveryEntry {
  /** The `webhook-id` header: the same on every attempt (and on a duplicate) of one event. */
  webhook_id: string;
  /** The event's `id` (`evt_...`). */
  event_id: string;
  type: string;
  response_id: string;
  /** 1 for the first attempt of a delivery. */
  attempt: number;
  /** Whether this delivery is the deliberate second copy of an event (`duplicate` on). */
  duplicate: boolean;
  url: string;
  /** HTTP status, or null when the connection failed. */
  status: number | null;
  outcome: 'delivered' | 'failed';
  /** Why it failed (non-2xx or the connection error). */
  error: string | null;
  /** Unix seconds of the attempt (the `webhook-timestamp` it carried). */
  timestamp: number;
}

/** A Foundry agent version created. */
export interface AgentVersionCreatedEntry {
  name: string;
  version: string;
  created_at: number;
}

/** The JSON of `GET /_emulator/stats`. */
export interface EmulatorStats {
  /** Requests that reached routing, by `"<METHOD> <route template>"` (faulted ones included). */
  requests: Record<string, number>;
  /** Requests that carried a W3C `traceparent` header, by trace id (a traced client passes its trace on). */
  requestsByTraceId: Record<string, number>;
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
  /** Every response created, in order, with its current status. */
  responsesCreated: ResponseCreatedEntry[];
  /** Every `function_call_output` accepted, in order. */
  functionCallOutputsReceived: FunctionCallOutputEntry[];
  /** Every `mcp_approval_response` accepted, in order. */
  mcpApprovalResponsesReceived: McpApprovalResponseEntry[];
  /** Every conversation created, in order. */
  conversationsCreated: ConversationCreatedEntry[];
  /** Per conversation, the ids of every item added to it, in order (deleted ones included). */
  conversationItemIds: Record<string, string[]>;
  /** Every webhook delivery attempt, in order. */
  webhookDeliveries: WebhookDeliveryEntry[];
  /** Every Foundry agent version created, in order. */
  agentVersionsCreated: AgentVersionCreatedEntry[];
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
 * submitted, faults injected, files uploaded and attached, batches created and cancelled, responses
 * created (and their status), function outputs and MCP decisions received, conversations and their
 * item ids, webhook deliveries, Foundry agent versions, and (optionally) every response.
 */
export class Ledger {
  private readonly requests = new Map<string, number>();
  private readonly requestsByTraceId = new Map<string, number>();
  /** By id, in creation order (status changes look runs up on every transition). */
  private readonly runsCreated = new Map<string, RunCreatedEntry>();
  private readonly toolOutputs: ToolOutputEntry[] = [];
  private readonly faults = new Map<string, number>();
  private readonly responses: RecordedResponse[] = [];
  private filesUploaded = 0;
  private vectorStoreFilesCreated = 0;
  private batchesCreated = 0;
  private batchesCancelled = 0;
  private readonly responsesCreated = new Map<string, ResponseCreatedEntry>();
  private readonly functionCallOutputs: FunctionCallOutputEntry[] = [];
  private readonly mcpApprovals: McpApprovalResponseEntry[] = [];
  private readonly conversationsCreated: ConversationCreatedEntry[] = [];
  private readonly conversationItemIds = new Map<string, string[]>();
  private readonly webhookDeliveries: WebhookDeliveryEntry[] = [];
  private readonly agentVersionsCreated: AgentVersionCreatedEntry[] = [];

  constructor(private readonly recordResponses: boolean) {}

  /** Counts a request that reached routing. */
  countRequest(method: string, routeTemplate: string, traceparent?: string): void {
    const key = `${method} ${routeTemplate}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    // version-traceid-parentid-flags (W3C Trace Context).
    const traceId = traceparent && /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(traceparent.trim())?.[1];
    if (traceId) this.requestsByTraceId.set(traceId, (this.requestsByTraceId.get(traceId) ?? 0) + 1);
  }

  /** Notes a run creation. */
  recordRunCreated(run: RunObject): void {
    this.runsCreated.set(run.id, {
      id: run.id,
      thread_id: run.thread_id,
      assistant_id: run.assistant_id,
      metadata: { ...run.metadata },
      created_at: run.created_at,
      status: run.status,
      status_changed_at_ms: Date.now(),
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

  /** Notes a response creation. */
  recordResponseCreated(entry: ResponseCreatedEntry): void {
    this.responsesCreated.set(entry.id, structuredClone(entry));
  }

  /** Follows a response's status. */
  updateResponseStatus(id: string, status: ResponseStatus): void {
    followStatus(this.responsesCreated.get(id), status);
  }

  /** Follows a run's status. */
  updateRunStatus(id: string, status: string): void {
    followStatus(this.runsCreated.get(id), status);
  }

  /** Notes an accepted function output. */
  recordFunctionCallOutput(entry: FunctionCallOutputEntry): void {
    this.functionCallOutputs.push({ ...entry });
  }

  /** Notes an accepted MCP approval decision. */
  recordMcpApprovalResponse(entry: McpApprovalResponseEntry): void {
    this.mcpApprovals.push({ ...entry });
  }

  /** Notes a conversation creation. */
  recordConversationCreated(entry: ConversationCreatedEntry): void {
    this.conversationsCreated.push(structuredClone(entry));
    this.conversationItemIds.set(entry.id, this.conversationItemIds.get(entry.id) ?? []);
  }

  /** Notes items added to a conversation, in order. */
  recordConversationItems(conversationId: string, itemIds: readonly string[]): void {
    const ids = this.conversationItemIds.get(conversationId) ?? [];
    ids.push(...itemIds);
    this.conversationItemIds.set(conversationId, ids);
  }

  /** Notes one webhook delivery attempt. */
  recordWebhookDelivery(entry: WebhookDeliveryEntry): void {
    this.webhookDeliveries.push({ ...entry });
  }

  /** Notes a Foundry agent version. */
  recordAgentVersionCreated(entry: AgentVersionCreatedEntry): void {
    this.agentVersionsCreated.push({ ...entry });
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
      requestsByTraceId: Object.fromEntries(this.requestsByTraceId),
      runsCreated: structuredClone([...this.runsCreated.values()]),
      toolOutputsSubmitted: structuredClone(this.toolOutputs),
      faultsInjected: Object.fromEntries(this.faults),
      filesUploaded: this.filesUploaded,
      vectorStoreFilesCreated: this.vectorStoreFilesCreated,
      batchesCreated: this.batchesCreated,
      batchesCancelled: this.batchesCancelled,
      responsesCreated: structuredClone([...this.responsesCreated.values()]),
      functionCallOutputsReceived: structuredClone(this.functionCallOutputs),
      mcpApprovalResponsesReceived: structuredClone(this.mcpApprovals),
      conversationsCreated: structuredClone(this.conversationsCreated),
      conversationItemIds: Object.fromEntries([...this.conversationItemIds].map(([id, ids]) => [id, [...ids]])),
      webhookDeliveries: structuredClone(this.webhookDeliveries),
      agentVersionsCreated: structuredClone(this.agentVersionsCreated),
    };
  }

  /** Forgets everything. */
  clear(): void {
    this.requests.clear();
    this.requestsByTraceId.clear();
    this.runsCreated.clear();
    this.toolOutputs.length = 0;
    this.faults.clear();
    this.responses.length = 0;
    this.filesUploaded = 0;
    this.vectorStoreFilesCreated = 0;
    this.batchesCreated = 0;
    this.batchesCancelled = 0;
    this.responsesCreated.clear();
    this.functionCallOutputs.length = 0;
    this.mcpApprovals.length = 0;
    this.conversationsCreated.length = 0;
    this.conversationItemIds.clear();
    this.webhookDeliveries.length = 0;
    this.agentVersionsCreated.length = 0;
  }
}

/** A ledger entry takes a new status, and notes when (benchmarks measure how soon a client notices). */
function followStatus(entry: { status: string; status_changed_at_ms: number } | undefined, status: string): void {
  if (entry === undefined || entry.status === status) return;
  entry.status = status;
  entry.status_changed_at_ms = Date.now();
}
