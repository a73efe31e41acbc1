/**
 * What the agent run workflow reports: its live state (query) and its result. JSON-plain.
 */
import type { RunError, TokenUsage } from './agent-types';
import type { ToolPolicy } from './run-input';

/** How a tool call was settled. */
export type ToolCallDecision =
  | { type: 'approved'; approver: string; reason?: string; editedArguments?: string; at: string; verified?: VerifiedApprover }
  | { type: 'denied'; approver: string; reason: string; at: string; verified?: VerifiedApprover }
  | { type: 'output_supplied'; approver: string; at: string; verified?: VerifiedApprover }
  | { type: 'timed_out'; at: string }
  | { type: 'automatic' };

/**
 * Who decided, as a signed decision proved it (absent for unsigned decisions, where `approver` is
 * only what the sender claimed).
 */
export interface VerifiedApprover {
  subject: string;
  issuer: string;
  groups?: string[];
  /** ISO times of signing and expiry. */
  signedAt: string;
  expiresAt: string;
  /** The signature's id (its `jti`): a run accepts each once. */
  signatureId: string;
}

/** What a pending tool call waits for. */
export type ToolCallWait = 'approval' | 'output' | 'execution';

/** One tool call the run asked for, as the workflow saw and settled it. */
export interface ToolCallRecord {
  toolCallId: string;
  runId: string;
  round: number;
  name: string;
  /** The model's arguments (raw JSON text). */
  arguments: string;
  /** Absent: a function call. `mcp_approval`: an MCP server's tool call that waits for a person's approval. */
  kind?: 'function' | 'mcp_approval';
  /** For MCP approval requests: the server's label. */
  serverLabel?: string;
  /** For MCP approval requests, once decided: whether the call was approved. */
  approved?: boolean;
  policy: ToolPolicy | 'unknown';
  /** Set while the call is not settled. */
  waitingFor?: ToolCallWait;
  decision?: ToolCallDecision;
  /** The output submitted to the provider (bounded). */
  output?: string;
  /** True when the output reports an error to the model (invalid arguments, a thrown error, a denial, unknown tool). */
  isError?: boolean;
  /** True when the output came from an earlier identical call of an expired run (see README, "Expiry"). */
  reused?: boolean;
  /**
   * True when a tool that is not idempotent was interrupted before it reported (its worker died or
   * it timed out): it may or may not have taken effect, and the model was told so.
   */
  outcomeUnknown?: boolean;
  /**
   * When `approval.timeout` decides the call if no one has (ISO). In query answers only, while the
   * call waits for a person; absent in answers of older workers.
   */
  decideBy?: string;
}

/**
 * A provider call that keeps failing while Temporal retries it: what the last attempt met. Shown
 * in `status`, `agentrun run`'s live output and the Web UI's current details, so a wrong URL or an
 * outage is visible while the run waits; cleared when a provider call succeeds again.
 */
export interface ProviderTrouble {
  /** The activity that failed (`startRun`, `createThread`, ...). */
  activity: string;
  /** Its attempt number (1 for the first failure). */
  attempt: number;
  /** The failure type (`ProviderConnectionError`, `ProviderServerError`, ...). */
  type: string;
  /** The HTTP status, when the provider answered. */
  status: number | null;
  /** The failure message, scrubbed of secrets. */
  message: string;
  /** When the attempt failed (ISO). */
  at: string;
}

/** One line of the run's timeline. */
export interface TimelineEntry {
  /** ISO time (workflow time). */
  at: string;
  event: string;
  detail?: string;
}

/** The workflow's phase, a superset of the provider's run status. */
export type AgentRunPhase =
  | 'starting'
  | 'waiting_for_active_run'
  | 'running'
  | 'running_tools'
  | 'waiting_for_approval'
  | 'waiting_for_output'
  | 'cancelling'
  | 'completed'
  | 'failed'
  | 'incomplete'
  | 'expired'
  | 'cancelled';

/** The live state returned by the `getRunState` query. */
export interface AgentRunState {
  workflowId: string;
  phase: AgentRunPhase;
  assistantId: string;
  threadId: string | null;
  /** The current provider run. */
  runId: string | null;
  /** Every provider run of this workflow, oldest first (more than one after an expiry continuation). */
  runIds: string[];
  /** The provider's status of the current run. */
  providerStatus: string | null;
  /** When the current run expires at the provider (ISO), if it said. */
  expiresAt: string | null;
  rounds: number;
  /** Calls not yet settled. */
  pendingToolCalls: ToolCallRecord[];
  /** Calls waiting for a person (subset of pending). */
  pendingApprovals: ToolCallRecord[];
  usage: TokenUsage;
  /** Recent events, oldest first (bounded: the last 200). */
  timeline: TimelineEntry[];
  /** Set while provider calls fail and are retried (absent in states of older workers). */
  providerTrouble?: ProviderTrouble | null;
  /** The run's approval settings: who may decide and what happens when no one does (absent in states of older workers). */
  approval?: ApprovalSettings;
  /**
   * The conversation so far as the run knows it, oldest first: the user messages the run added, the
   * assistant messages it has read, and its settled tool calls (bounded; absent in states of older
   * workers). What people deciding a call read as its context.
   */
  conversation?: ConversationEntry[];
  /** Who asked for the run: its provider metadata's `requested_by`, when given. */
  requestedBy?: string;
}

/** A run's approval settings, as its input set them (defaults filled in). */
export interface ApprovalSettings {
  /** Identities and `group:NAME` entries allowed to decide; absent: anyone who can reach the run. */
  approvers?: string[];
  requireSignedDecisions?: boolean;
  /** How long a call waits for a person, as the input gave it (`24 hours`, `90s`, or milliseconds). */
  timeout: string | number;
  /** What happens when no one decides within the timeout. */
  onTimeout: 'deny' | 'cancel' | 'fail';
  /** What happens when the provider run expires before its calls are decided. */
  onExpired: 'continue' | 'fail';
}

/** One entry of a run's conversation as the status query shows it. */
export type ConversationEntry =
  /** A user message the run added (a new conversation's first messages, `additionalMessages`); text parts only. */
  | { kind: 'user'; text: string }
  /** An assistant message the run has read (a turn's messages are read when the turn ends), or one the input gave (no `runId`). */
  | { kind: 'assistant'; runId?: string; text: string }
  /** A tool call of an earlier round (or of this round, already settled). */
  | { kind: 'tool_call'; call: ToolCallRecord };

/** An assistant message a run produced. */
export interface AssistantMessage {
  id: string;
  runId: string;
  text: string;
}

/** Final provider statuses a workflow can end with. */
export type AgentRunFinalStatus = 'completed' | 'failed' | 'incomplete' | 'expired' | 'cancelled';

/** The workflow's result. */
export interface AgentRunResult {
  workflowId: string;
  threadId: string;
  runIds: string[];
  status: AgentRunFinalStatus;
  lastError: RunError | null;
  incompleteDetails: { reason: string } | null;
  usage: TokenUsage;
  rounds: number;
  toolCalls: ToolCallRecord[];
  /** The assistant messages the runs produced, oldest first (bounded in number and size). */
  messages: AssistantMessage[];
}
