import { z } from 'zod/v4';
import { formatParam } from './request-validation';
import type { RunErrorCode } from './wire-types';

/**
 * The scripted "model". A run's behaviour is a JSON script in the metadata key `emulator_script`
 * (on the run, which wins, or on the assistant); a response's is in the same key of its request
 * metadata, else of its Foundry agent version, else inherited from the response or conversation it
 * continues (see `response-engine.ts`). Metadata values hold at most 512 characters, so the format
 * is compact. See README.md for examples.
 */

/** Metadata key that carries the script. */
export const EMULATOR_SCRIPT_METADATA_KEY = 'emulator_script';

/** One tool call the scripted model makes. */
export interface EmulatorScriptToolCall {
  /** Function name, as the client's tool definition names it. */
  name: string;
  /**
   * Arguments: any JSON value is serialised with `JSON.stringify`; a string is sent verbatim, which
   * lets a test hand the client malformed JSON arguments. Default `{}`.
   */
  arguments?: unknown;
}

/** Fields every step may carry. */
interface StepTiming {
  /** How long the run stays `in_progress` before this step acts (overrides the script's `delay_ms`). */
  delay_ms?: number;
}

/** An MCP tool call the scripted model wants approved first (responses only). */
export interface EmulatorScriptMcpApproval {
  /** The MCP server's label, as the caller's `mcp` tool names it. */
  server_label: string;
  /** The MCP tool's name. */
  name: string;
  /** Arguments, serialised like a tool call's. Default `{}`. */
  arguments?: unknown;
  /** What the MCP server answers once the call is approved (default: a short sentence naming the call). */
  output?: string;
}

/**
 * Why a scripted step ends incomplete. Runs know `max_completion_tokens` and `max_prompt_tokens`
 * (and read `max_output_tokens` as `max_completion_tokens`); responses know `max_output_tokens` and
 * `content_filter` (and read both run reasons as `max_output_tokens`).
 */
export type IncompleteReason = 'max_completion_tokens' | 'max_prompt_tokens' | 'max_output_tokens' | 'content_filter';

/** One step of a script: exactly one of `tools`, `answer`, `fail`, `incomplete`, `mcp_approval`. */
export type EmulatorScriptStep = StepTiming &
  (
    | { /** One tool round; several calls are parallel tool calls. */ tools: EmulatorScriptToolCall[] }
    | { /** The final assistant message. */ answer: string }
    | { /** The run (response) fails with this error. */ fail: { code?: RunErrorCode; message?: string } }
    | { /** The run (response) ends `incomplete` for this reason. */ incomplete: IncompleteReason }
    | { /** Responses only: an `mcp_approval_request` the caller answers in its next request. */ mcp_approval: EmulatorScriptMcpApproval }
  );

/** A whole script. */
export interface EmulatorScript {
  steps: EmulatorScriptStep[];
  /** Default time each step spends `in_progress` (else the emulator's `stepDelayMs`). */
  delay_ms?: number;
  /**
   * Responses only: how long each background response following the script stays `queued` (else
   * the emulator's `queuedDelayMs`); a long one plays a response stuck in `queued`, as a background
   * stream aborted at its first event has been seen to leave one.
   */
  queued_ms?: number;
}

/** A step after parsing: arguments serialised, the kind made explicit. */
export type ScriptStep =
  | { kind: 'tools'; calls: Array<{ name: string; arguments: string }>; delayMs?: number }
  | { kind: 'answer'; text: string; delayMs?: number }
  | { kind: 'fail'; code: RunErrorCode; message: string; delayMs?: number }
  | { kind: 'incomplete'; reason: IncompleteReason; delayMs?: number }
  | { kind: 'mcp_approval'; serverLabel: string; name: string; arguments: string; output?: string; delayMs?: number };

/** A parsed script, or the problem that makes it unusable (the run then fails with `invalid_prompt`). */
export type ScriptParseResult =
  | { ok: true; steps: ScriptStep[]; delayMs?: number; /** Responses: how long each background response stays `queued` (a stuck one: long). */ queuedMs?: number }
  | { ok: false; problem: string };

const delayMs = z.int().min(0).max(3_600_000).optional();

const stepSchema = z.union([
  z.strictObject({
    tools: z
      .array(z.strictObject({ name: z.string().min(1).max(64), arguments: z.unknown().optional() }))
      .min(1),
    delay_ms: delayMs,
  }),
  z.strictObject({ answer: z.string(), delay_ms: delayMs }),
  z.strictObject({
    fail: z.strictObject({
      code: z.enum(['server_error', 'rate_limit_exceeded', 'invalid_prompt']).optional(),
      message: z.string().optional(),
    }),
    delay_ms: delayMs,
  }),
  z.strictObject({
    incomplete: z.enum(['max_completion_tokens', 'max_prompt_tokens', 'max_output_tokens', 'content_filter']),
    delay_ms: delayMs,
  }),
  z.strictObject({
    mcp_approval: z.strictObject({
      server_label: z.string().min(1),
      name: z.string().min(1),
      arguments: z.unknown().optional(),
      output: z.string().optional(),
    }),
    delay_ms: delayMs,
  }),
]);

const scriptSchema = z.strictObject({ steps: z.array(stepSchema), delay_ms: delayMs, queued_ms: delayMs });

const STEP_KINDS = ['tools', 'answer', 'fail', 'incomplete', 'mcp_approval'] as const;

/** Parses the metadata value; never throws: a bad script is reported through the run, like a bad prompt. */
export function parseScript(source: string): ScriptParseResult {
  let json: unknown;
  try {
    json = JSON.parse(source);
  } catch (error) {
    return { ok: false, problem: `${EMULATOR_SCRIPT_METADATA_KEY} is not valid JSON (${(error as Error).message}).` };
  }
  const result = scriptSchema.safeParse(json);
  if (!result.success) {
    return { ok: false, problem: describeScriptProblem(json, result.error.issues) };
  }
  return {
    ok: true,
    delayMs: result.data.delay_ms,
    ...(result.data.queued_ms !== undefined ? { queuedMs: result.data.queued_ms } : {}),
    steps: result.data.steps.map((step) => normaliseStep(step as EmulatorScriptStep)),
  };
}

function normaliseStep(step: EmulatorScriptStep): ScriptStep {
  const delay = step.delay_ms;
  if ('tools' in step) {
    return {
      kind: 'tools',
      delayMs: delay,
      calls: step.tools.map((call) => ({
        name: call.name,
        arguments: serialiseArguments(call.arguments),
      })),
    };
  }
  if ('answer' in step) {
    return { kind: 'answer', text: step.answer, delayMs: delay };
  }
  if ('fail' in step) {
    return {
      kind: 'fail',
      code: step.fail.code ?? 'server_error',
      message: step.fail.message ?? 'Sorry, something went wrong.',
      delayMs: delay,
    };
  }
  if ('incomplete' in step) {
    return { kind: 'incomplete', reason: step.incomplete, delayMs: delay };
  }
  return {
    kind: 'mcp_approval',
    serverLabel: step.mcp_approval.server_label,
    name: step.mcp_approval.name,
    arguments: serialiseArguments(step.mcp_approval.arguments),
    output: step.mcp_approval.output,
    delayMs: delay,
  };
}

/** Any JSON value is serialised; a string is sent verbatim (to hand the client malformed JSON). */
function serialiseArguments(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value ?? {});
}

/**
 * A readable sentence naming where the script is wrong. Union failures are common (a misspelt step
 * kind), so a step with no known kind is named as such instead of dumping every branch's issue.
 */
function describeScriptProblem(json: unknown, issues: readonly z.core.$ZodIssue[]): string {
  const issue = issues[0];
  if (issue === undefined) {
    return `${EMULATOR_SCRIPT_METADATA_KEY} is invalid.`;
  }
  const where = formatParam([EMULATOR_SCRIPT_METADATA_KEY, ...issue.path]);
  if (issue.code === 'invalid_union') {
    const step = pathValue(json, issue.path);
    const kinds = typeof step === 'object' && step !== null ? STEP_KINDS.filter((kind) => kind in step) : [];
    if (kinds.length !== 1) {
      return `${where} must have exactly one of ${STEP_KINDS.map((kind) => `"${kind}"`).join(', ')} (found ${kinds.length}).`;
    }
    // The union's branches are declared in STEP_KINDS order: report the branch of the kind the step has.
    const inner = issue.errors[STEP_KINDS.indexOf(kinds[0] as (typeof STEP_KINDS)[number])]?.[0];
    if (inner !== undefined) {
      return `${formatParam([EMULATOR_SCRIPT_METADATA_KEY, ...issue.path, ...inner.path])}: ${inner.message}.`;
    }
  }
  return `${where}: ${issue.message}.`;
}

function pathValue(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}
