/**
 * What `approve`, `deny` and `output` share: finding the call to decide when its id is left out,
 * and sending the decision as a validated update (the default: a rejection comes back to the
 * person who sent it) or as a signal (fire and forget).
 */
import { DecisionRejectedError, RunAlreadyFinishedError, type AgentRunClient, type DecisionTransport } from '../client';
import * as fs from 'node:fs';
import { signDecision } from '../decisions/signed-decisions';
import { approverSchema } from '../shared/decision-schemas';
import type { ToolCallRecord } from '../shared/run-types';
import { CONNECTION_HELP, CommandError, ExitCode, printJson, printLine, readRunState, rethrowNotFound, suggestedCommand, type ConnectionFlags } from './command-support';
import { formatTable, oneLine, shellQuote } from './text-format';

/** The decisions the CLI sends. */
export type DecisionKind = 'approve' | 'deny' | 'output';

/** Flags every decision command takes. */
export interface DecisionFlags extends ConnectionFlags {
  approver?: string;
  signal: boolean;
  json: boolean;
  'sign-key'?: string;
  issuer?: string;
  group?: string[];
}

/** `parseArgs` specs of the flags every decision command takes. */
export const decisionOptionSpecs = {
  approver: { type: 'string' },
  'sign-key': { type: 'string' },
  issuer: { type: 'string' },
  group: { type: 'string', multiple: true },
  signal: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** Help lines of {@link decisionOptionSpecs}. */
export const DECISION_HELP = `  --sign-key PATH       sign the decision with this private key (PEM, PKCS#8: EC P-256/P-384,
                        Ed25519 or RSA) for a run that wants proof of who decided; the workers
                        trust its public half (AGENTRUN_DECISION_PUBLIC_KEYS). The signature
                        names --approver, covers exactly this decision and expires in 10 minutes
  --issuer NAME         who vouches for the signed identity (default: AGENTRUN_DECISION_ISSUER, or
                        agentrun-cli)
  --group NAME          a group of the signed identity (repeatable), for runs whose approvers
                        name groups (group:NAME)
  --signal              send a signal instead of the validated update: returns at once, but a
                        rejected decision is only visible in "agentrun status" (timeline)
  --json                print the settled tool call (update only) as one JSON object
${CONNECTION_HELP}
  -h, --help            this text`;

/** Exit code lines of every decision command's help. */
export const DECISION_EXIT_HELP = `Exit codes: 0 the workflow took the decision; 2 bad options, no such call waiting, several calls
waiting and none named, or the workflow rejected the decision (its message on stderr); 1 anything
else (Temporal unreachable, no such workflow).`;

/**
 * The decision, signed when `--sign-key` is given (the signature covers exactly what it decides,
 * see src/decisions/signed-decisions.ts); as it is otherwise.
 */
export async function withSignature<Payload extends { toolCallId: string; approver: string; reason?: string; arguments?: string; output?: string }>(
  flags: DecisionFlags,
  workflowId: string,
  kind: DecisionKind,
  payload: Payload,
): Promise<Payload & { signature?: string }> {
  const keyFile = flags['sign-key'];
  if (!keyFile) return payload;
  let privateKey: string;
  try {
    privateKey = fs.readFileSync(keyFile, 'utf8');
  } catch (error) {
    throw new CommandError(`--sign-key: cannot read ${keyFile} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, ExitCode.usage);
  }
  try {
    const signature = await signDecision(
      { workflowId, toolCallId: payload.toolCallId, decision: kind, arguments: payload.arguments, output: payload.output, reason: payload.reason },
      { privateKey, issuer: flags.issuer ?? process.env.AGENTRUN_DECISION_ISSUER ?? 'agentrun-cli', subject: payload.approver, ...(flags.group?.length ? { groups: flags.group } : {}) },
    );
    return { ...payload, signature };
  } catch (error) {
    throw new CommandError(`--sign-key: ${keyFile} cannot sign (${(error as Error).message}); give a private key in PEM (PKCS#8)`, ExitCode.usage);
  }
}

/** Which waiting calls a decision can target. */
function canDecide(kind: DecisionKind, call: ToolCallRecord): boolean {
  if (kind === 'approve') return call.waitingFor === 'approval';
  if (kind === 'output') return call.waitingFor === 'output';
  return call.waitingFor === 'approval' || call.waitingFor === 'output';
}

/**
 * The tool call to decide: the one named, or, when none is named, the only call of the workflow
 * that waits for this kind of decision. Several waiting: lists them and exits 2, because guessing
 * would approve something the person did not look at.
 */
export async function resolveToolCallId(client: AgentRunClient, workflowId: string, given: string | undefined, kind: DecisionKind, flags: ConnectionFlags): Promise<string> {
  if (given) return given;
  // A finished run is told from the server alone: its state query would need a worker to replay it.
  const finished = await client.finishedRunError(workflowId).catch((error: unknown) => rethrowNotFound(error, workflowId));
  if (finished) throw new CommandError(finished.message, ExitCode.usage);
  const state = await readRunState(client, workflowId);
  const candidates = state.pendingApprovals.filter((call) => canDecide(kind, call));
  const what = kind === 'output' ? 'an outside output' : kind === 'approve' ? 'approval' : 'a decision';
  if (candidates.length === 0) {
    throw new CommandError(`no tool call of ${workflowId} waits for ${what} (phase ${state.phase}). "agentrun status ${workflowId}" shows the run.`, ExitCode.usage);
  }
  if (candidates.length > 1) {
    const table = formatTable(
      ['TOOL CALL ID', 'TOOL', 'WAITS FOR', 'ARGUMENTS'],
      candidates.map((call) => [call.toolCallId, call.name, call.waitingFor ?? '', oneLine(call.arguments, 80)]),
    );
    const example = suggestedCommand([kind, shellQuote(workflowId), shellQuote(candidates[0]!.toolCallId), '...'], flags);
    throw new CommandError(`${candidates.length} tool calls of ${workflowId} wait for ${what}; name one:\n${table}\ne.g. ${example}`, ExitCode.usage);
  }
  return candidates[0]!.toolCallId;
}

/** The approver, required by every decision, checked by the workflow's own rule (so a signal is not silently dropped). */
export function requireApprover(flags: DecisionFlags, command: DecisionKind): string {
  if (!flags.approver?.trim()) throw new CommandError(`--approver is required: who decides (a user id or name). See "agentrun ${command} --help".`, ExitCode.usage);
  const checked = approverSchema().safeParse(flags.approver);
  if (!checked.success) throw new CommandError(`--approver: ${checked.error.issues[0]?.message ?? 'invalid'}.`, ExitCode.usage);
  return flags.approver;
}

/**
 * Sends one decision and reports it. A rejection by the workflow (unknown or settled call,
 * approver not allowed, bad arguments) exits 2 with the workflow's own message.
 */
export async function sendDecision(
  client: AgentRunClient,
  workflowId: string,
  toolCallId: string,
  kind: DecisionKind,
  flags: DecisionFlags,
  send: (transport: DecisionTransport) => Promise<ToolCallRecord | undefined>,
): Promise<number> {
  const transport: DecisionTransport = flags.signal ? 'signal' : 'update';
  let settled: ToolCallRecord | undefined;
  try {
    settled = await send(transport);
  } catch (error) {
    if (error instanceof RunAlreadyFinishedError) throw new CommandError(error.message, ExitCode.usage);
    if (error instanceof DecisionRejectedError) throw new CommandError(`the workflow rejected the decision: ${error.message}`, ExitCode.usage);
    rethrowNotFound(error, workflowId);
  }
  if (transport === 'signal') {
    const signalName = { approve: 'approveToolCall', deny: 'denyToolCall', output: 'submitToolOutput' }[kind];
    if (flags.json) printJson({ workflowId, toolCallId, transport, signal: signalName });
    else {
      printLine(`Sent the ${signalName} signal for ${toolCallId} to ${workflowId}.`);
      printLine(`A signal cannot report a rejection; ${suggestedCommand(['status', shellQuote(workflowId)], flags)} shows whether it was taken.`);
    }
    return ExitCode.ok;
  }
  if (flags.json) {
    printJson(settled ?? null);
    return ExitCode.ok;
  }
  const verb = { approve: 'Approved', deny: 'Denied', output: 'Supplied the output of' }[kind];
  const verified = settled?.decision && 'verified' in settled.decision ? settled.decision.verified : undefined;
  printLine(`${verb} ${settled?.name ?? 'tool call'} (${toolCallId}) in ${workflowId} as ${flags.approver}${verified ? ` (signed, verified: ${verified.subject} by ${verified.issuer})` : ''}.`);
  if (kind === 'approve') printLine('The tool runs on the worker now; the run continues when its output is in.');
  return ExitCode.ok;
}
