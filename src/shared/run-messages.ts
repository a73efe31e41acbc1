/**
 * Signals, updates and queries of the agent run workflow. Decisions arrive by signal (fire and
 * forget, as the design asks) or by update (validated: a bad decision is rejected to its sender);
 * their payload schemas are in decision-schemas.ts, which workflows load only when a decision
 * arrives (see lazy-schemas.ts).
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ApproveToolCallPayload, DenyToolCallPayload, SubmitToolOutputPayload, ToolCallDecisionPayload } from './decision-schemas';
import type { AgentRunState, ProviderTrouble, ToolCallRecord } from './run-types';

export type { ApproveToolCallPayload, DenyToolCallPayload, SubmitToolOutputPayload, ToolCallDecisionPayload } from './decision-schemas';

/** Signal: approve a pending call. */
export const approveToolCallSignal = defineSignal<[ApproveToolCallPayload]>('approveToolCall');
/** Signal: deny a pending call. */
export const denyToolCallSignal = defineSignal<[DenyToolCallPayload]>('denyToolCall');
/** Signal: supply a pending call's output. */
export const submitToolOutputSignal = defineSignal<[SubmitToolOutputPayload]>('submitToolOutput');
/** Update: any decision, validated; returns the settled call. */
export const decideToolCallUpdate = defineUpdate<ToolCallRecord, [ToolCallDecisionPayload]>('decideToolCall');
/**
 * Signal, sent by agentrun's own activities to their workflow: a provider call failed and will be
 * retried. Why a signal: retries happen outside workflow code, which would otherwise learn of them
 * only when the activity finally ends. Sent at attempts 1, 2, 4, 8, ... so a run retrying for
 * days adds a few dozen events, not thousands.
 */
export const providerTroubleSignal = defineSignal<[ProviderTrouble]>('providerTrouble');
/** What a provider webhook said about a turn, relayed by agentrun's webhook receiver. */
export interface ProviderWebhookEvent {
  /** The response the event is about. */
  turnId: string;
  /** `response.completed`, `response.failed`, `response.cancelled`, `response.incomplete`. */
  type: string;
  /** The delivery's `webhook-id` (repeated deliveries repeat it). */
  eventId: string;
}

/**
 * Signal, sent by agentrun's webhook receiver: the provider says a response of this workflow ended.
 * A workflow waiting in webhook mode reads the response at once instead of at its next safety poll.
 */
export const providerWebhookSignal = defineSignal<[ProviderWebhookEvent]>('providerWebhook');
/** Query: the live state. */
export const runStateQuery = defineQuery<AgentRunState>('getRunState');

/** The task queue agentrun's workers poll unless told otherwise. */
export const DEFAULT_TASK_QUEUE = 'agentrun';
/** The agent run workflow's type name. */
export const AGENT_RUN_WORKFLOW_TYPE = 'agentRunWorkflow';
