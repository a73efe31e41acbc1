import type { Dialect } from './dialects';
import { conversationNotFound, previousResponseNotFound, responseNotFound } from './errors';
import type { ResponseObserver } from './response-stream';
import type {
  ConversationObject,
  FunctionCallItem,
  McpApprovalRequestItem,
  ResponseItem,
  ResponseObject,
  ResponseStreamEventData,
} from './response-wire-types';
import type { ScriptParseResult } from './script';
import type { Metadata } from './wire-types';

/** Where a response (or a conversation) is in its script. */
export interface ScriptCursor {
  /** The script text, as found in metadata: a different text starts a new script at step 0. */
  source: string;
  parsed: ScriptParseResult;
  /** On a response: the step it performs. On a conversation: the step its next response performs. */
  index: number;
}

/** A response and everything the engine needs to drive and replay it. */
export interface ResponseRecord {
  /** The wire object, updated in place as the status machine moves. */
  response: ResponseObject;
  /** The dialect it was created through (the ledger's; the Foundry expiry goes by the dialect of the request that answers it). */
  dialect: Dialect;
  /** Its creation time in milliseconds (behind `created_at`, and the Foundry expiry). */
  createdMs: number;
  /** Its input items as stored (ids given), in request order. */
  inputItems: ResponseItem[];
  /** The response it continues (`previous_response_id`), if any. */
  previous: ResponseRecord | undefined;
  /** The conversation it belongs to, if any. */
  conversation: ConversationRecord | undefined;
  /** Its script and the step it performs (undefined: no script, a default answer). */
  script: ScriptCursor | undefined;
  /** Whether it has performed its step (a response cancelled before that leaves the cursor where it was). */
  acted: boolean;
  /** Function outputs its input delivered, in order, for the final answer's echo. */
  deliveredOutputs: Array<{ callId: string; name: string; output: string }>;
  /** MCP approval requests its input approved: each becomes an `mcp_call` before the step. */
  approvedCalls: McpApprovalRecord[];
  /** Every event it emitted, `sequence_number` = index (a background stream replays from here). */
  events: ResponseStreamEventData[];
  /** Open streams. */
  observers: Set<ResponseObserver>;
  /** The pending status-machine timer. */
  timer: NodeJS.Timeout | undefined;
  /** Until when a background response created without `store: true` can be read (undefined: for ever). */
  retainUntilMs: number | undefined;
  /** A non-background response created with `store: false`: it runs and answers, but cannot be read back. */
  unstored: boolean;
  /** Deleted (or forgotten): reads answer 404. */
  gone: boolean;
  /** Callbacks run once when the response ends (a waiting non-background request, webhooks). */
  endListeners: Array<() => void>;
}

/** A conversation, its items and the script it carries on. */
export interface ConversationRecord {
  conversation: ConversationObject;
  /** Its items, oldest first. */
  items: ResponseItem[];
  /** The script of its last scripted response, carried on by the next one with the same text. */
  script: ScriptCursor | undefined;
  /** The response that holds it while `queued` or `in_progress`. */
  active: ResponseRecord | undefined;
}

/** A function call the scripted model made, and the response that made it. */
export interface FunctionCallRecord {
  item: FunctionCallItem;
  response: ResponseRecord;
}

/** An MCP approval request the scripted model made, with what the MCP server answers once approved. */
export interface McpApprovalRecord {
  item: McpApprovalRequestItem;
  output: string;
}

/** A Foundry agent version (`AgentVersionDetails`), as azure-ai-projects 2.x reads it. */
export interface AgentVersionObject {
  object: 'agent.version';
  id: string;
  name: string;
  version: string;
  description?: string;
  created_at: number;
  definition: { kind: 'prompt'; model: string; instructions?: string | null; tools?: unknown[] | null; [field: string]: unknown };
  metadata: Metadata;
  status: 'active';
}

/** A named Foundry agent and its versions, oldest first. */
export interface AgentRecord {
  name: string;
  versions: AgentVersionObject[];
}

/** The state of the Responses and Conversations APIs and of Foundry's agents v2. */
export class ResponseStore {
  readonly responses = new Map<string, ResponseRecord>();
  readonly conversations = new Map<string, ConversationRecord>();
  /** Every stored item by id (an `item_reference` can name any of them). */
  readonly items = new Map<string, ResponseItem>();
  /** Function calls by `call_id`. */
  readonly functionCalls = new Map<string, FunctionCallRecord>();
  /** MCP approval requests by id. */
  readonly approvals = new Map<string, McpApprovalRecord>();
  /** Foundry agents by name. */
  readonly agents = new Map<string, AgentRecord>();

  /**
   * The response, or the service's 404: unknown, deleted, created with `store: false`, or a
   * background response past its retention.
   */
  response(id: string, nowMs: number = Date.now()): ResponseRecord {
    const record = this.readable(id, nowMs);
    if (record === undefined) throw responseNotFound(id);
    return record;
  }

  /** The response a `previous_response_id` names, or the service's 400 `previous_response_not_found`. */
  previousResponse(id: string, nowMs: number = Date.now()): ResponseRecord {
    const record = this.readable(id, nowMs);
    if (record === undefined) throw previousResponseNotFound(id);
    return record;
  }

  /** The conversation, or a 404. */
  conversation(id: string): ConversationRecord {
    const record = this.conversations.get(id);
    if (record === undefined) throw conversationNotFound(id);
    return record;
  }

  /** Remembers an item so that an `item_reference` can find it. */
  rememberItem(item: ResponseItem): void {
    this.items.set(item.id, item);
  }

  /** Forgets everything. */
  clear(): void {
    this.responses.clear();
    this.conversations.clear();
    this.items.clear();
    this.functionCalls.clear();
    this.approvals.clear();
    this.agents.clear();
  }

  /** Whether a response can be read now: stored (or background), not deleted, not past its retention. */
  isReadable(record: ResponseRecord, nowMs: number = Date.now()): boolean {
    if (record.gone || record.unstored) return false;
    if (record.retainUntilMs !== undefined && nowMs >= record.retainUntilMs) {
      // Past its retention: the service has forgotten it.
      record.gone = true;
      return false;
    }
    return true;
  }

  private readable(id: string, nowMs: number): ResponseRecord | undefined {
    const record = this.responses.get(id);
    return record !== undefined && this.isReadable(record, nowMs) ? record : undefined;
  }
}
