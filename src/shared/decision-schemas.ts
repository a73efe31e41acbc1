/** The payload schemas of decisions on tool calls (zod Mini; built on demand, see schema-on-demand.ts). */
import { z } from 'zod/v4/mini';
import { MAX_APPROVER_CHARS } from './run-input';
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
/** A signed decision (a compact JWS; see src/decisions/signed-decisions.ts), proving who decided. */
const signatureSchema = () =>
  z.optional(
    z
      .string({ error: 'signature must be a signed decision (a compact JWS), as text' })
      .check(z.minLength(1, 'signature may not be empty'), z.maxLength(16_384, 'signature is at most 16 KiB'), z.regex(/^[\w-]+\.[\w-]+\.[\w-]+$/, 'signature must be a compact JWS: three base64url parts joined by dots')),
  );

const approveShape = () => ({
  toolCallId: toolCallIdSchema(),
  approver: buildApproverSchema(),
  reason: z.optional(z.string({ error: 'reason must be text' }).check(reasonLimit())),
  arguments: z.optional(z.union([z.string(), z.record(z.string(), z.unknown())])),
  signature: signatureSchema(),
});
const denyShape = () => ({
  toolCallId: toolCallIdSchema(),
  approver: buildApproverSchema(),
  reason: z.string({ error: 'reason is required: the model reads it' }).check(z.minLength(1, 'reason may not be empty: the model reads it'), reasonLimit()),
  signature: signatureSchema(),
});
const outputShape = () => ({ toolCallId: toolCallIdSchema(), approver: buildApproverSchema(), output: z.string({ error: 'output is required (text)' }), signature: signatureSchema() });

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
