/**
 * Signals, updates and queries of the agent run workflow, and the payload schemas that validate
 * them. Decisions arrive by signal (fire and forget, as the design asks) or by update (validated:
 * a bad decision is rejected to its sender).
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod/v4/mini';
import { MAX_APPROVER_CHARS } from './run-input';
import type { AgentRunState, ProviderTrouble, ToolCallRecord } from './run-types';
import { schemaOnDemand } from './schema-on-demand';

// Every check names its own message: a schema-level `error` would otherwise answer a too-long
// approver with "approver is required". Built on demand: see schema-on-demand.ts.
function buildApproverSchema() {
  return z
    .string({ error: 'approver is required: who decides (a user id or name)' })
    .check(z.trim(), z.minLength(1, 'approver may not be empty'), z.maxLength(MAX_APPROVER_CHARS, `approver is at most ${MAX_APPROVER_CHARS} characters: give a user id or name`));
}
/** Who decides: a user id or name, bounded. */
export const approverSchema = schemaOnDemand(buildApproverSchema);

const toolCallIdSchema = () => z.string({ error: 'toolCallId is required' }).check(z.minLength(1, 'toolCallId may not be empty'), z.maxLength(200, 'toolCallId is at most 200 characters'));
const reasonLimit = () => z.maxLength(2_000, 'reason is at most 2,000 characters');

const approveShape = () => ({
  toolCallId: toolCallIdSchema(),
  approver: buildApproverSchema(),
  reason: z.optional(z.string({ error: 'reason must be text' }).check(reasonLimit())),
  arguments: z.optional(z.union([z.string(), z.record(z.string(), z.unknown())])),
});
const denyShape = () => ({
  toolCallId: toolCallIdSchema(),
  approver: buildApproverSchema(),
  reason: z.string({ error: 'reason is required: the model reads it' }).check(z.minLength(1, 'reason may not be empty: the model reads it'), reasonLimit()),
});
const outputShape = () => ({ toolCallId: toolCallIdSchema(), approver: buildApproverSchema(), output: z.string({ error: 'output is required (text)' }) });

const buildApprovePayloadSchema = () => z.strictObject(approveShape());
const buildDenyPayloadSchema = () => z.strictObject(denyShape());
const buildOutputPayloadSchema = () => z.strictObject(outputShape());
const buildDecisionPayloadSchema = () =>
  z.discriminatedUnion('decision', [
    z.strictObject({ ...approveShape(), decision: z.literal('approve') }),
    z.strictObject({ ...denyShape(), decision: z.literal('deny') }),
    z.strictObject({ ...outputShape(), decision: z.literal('output') }),
  ]);

/** Approve a call, optionally with edited arguments (a JSON object, as text or as an object). */
export const approveToolCallPayloadSchema = schemaOnDemand(buildApprovePayloadSchema);
/** Deny a call; the reason becomes the output the model reads. */
export const denyToolCallPayloadSchema = schemaOnDemand(buildDenyPayloadSchema);
/** Supply a call's output from outside (a person or another system). */
export const submitToolOutputPayloadSchema = schemaOnDemand(buildOutputPayloadSchema);
/** One decision, as the `decideToolCall` update takes it. */
export const toolCallDecisionPayloadSchema = schemaOnDemand(buildDecisionPayloadSchema);

export type ApproveToolCallPayload = z.input<ReturnType<typeof buildApprovePayloadSchema>>;
export type DenyToolCallPayload = z.input<ReturnType<typeof buildDenyPayloadSchema>>;
export type SubmitToolOutputPayload = z.input<ReturnType<typeof buildOutputPayloadSchema>>;
export type ToolCallDecisionPayload = z.input<ReturnType<typeof buildDecisionPayloadSchema>>;

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
