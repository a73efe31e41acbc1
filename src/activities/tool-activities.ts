/**
 * Activities that run users' function tools on the worker.
 *
 * Bad arguments are the model's mistake, not the worker's: they come back as an error output the
 * model can read and correct, without retries. A handler that throws fails the activity, so
 * Temporal retries it per the tool's idempotency; the workflow turns the final failure into an
 * error output.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { redactSecrets } from '../providers/to-application-failure';
import type { CheckToolArgumentsParams, CheckToolArgumentsResult, RunToolParams, ToolInfo, ToolResult } from '../shared/activity-types';
import { truncateText } from '../shared/truncate';
import type { Tool } from '../tools/define-tool';
import { checkToolArguments } from '../tools/tool-schema';

/** Failure type of a tool handler that threw. */
export const TOOL_HANDLER_FAILED = 'ToolHandlerFailed';

/** How often a running handler's activity heartbeats (so a dead worker is noticed fast). */
const TOOL_HEARTBEAT_MS = 1_000;

/** The JSON error object the model reads. */
export function toolErrorOutput(type: string, message: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ error: { type, message, ...extra } });
}

/** Arguments parsed and validated against a tool's zod schema, or what is wrong with them. */
type ParsedArguments = { success: true; data: unknown } | { success: false; message: string; issues: Array<{ path: string; message: string }> };

/** Parses the JSON text and validates it against the tool's parameters (the one place that does). */
function parseToolArguments(tool: Tool, text: string): ParsedArguments {
  let raw: unknown;
  try {
    raw = text.trim() === '' ? {} : JSON.parse(text);
  } catch (error) {
    return { success: false, message: `The arguments are not valid JSON (${(error as Error).message}).`, issues: [] };
  }
  // The schema's own zod (3 or 4) validates and words each issue; the path and message are kept
  // the same way for both, so the model reads one shape whichever zod the tool was written with.
  const checked = checkToolArguments(tool.parameters, raw);
  if (checked.success) return { success: true, data: checked.data };
  const issues = checked.issues.map((issue) => ({ path: issue.path.map(String).join('.') || '(arguments)', message: issue.message }));
  const described = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  return { success: false, message: `The arguments do not match ${tool.name}'s parameters: ${described}.`, issues };
}

/** Builds the tool activities over the worker's registered tools. */
export function createToolActivities({ tools, secrets }: { tools: readonly Tool[]; secrets: readonly string[] }) {
  const byName = new Map(tools.map((tool) => [tool.name, tool]));

  return {
    /** How this worker treats each tool name (asked once per name by the workflow). */
    async resolveTools(names: string[]): Promise<Record<string, ToolInfo>> {
      return Object.fromEntries(
        names.map((name) => {
          const tool = byName.get(name);
          return [name, tool ? { known: true, policy: tool.policy, idempotent: tool.idempotent, timeoutMs: tool.timeoutMs } : { known: false, policy: 'auto', idempotent: false, timeoutMs: 60_000 }];
        }),
      );
    },

    /**
     * Checks arguments a person edited against the tool's parameters (the approval update's
     * handler calls it as a local activity, so a bad edit is rejected to its sender, field by
     * field, before it is accepted). A tool this worker does not know has no schema to check.
     */
    async checkToolArguments(params: CheckToolArgumentsParams): Promise<CheckToolArgumentsResult> {
      const tool = byName.get(params.name);
      if (!tool) return { valid: true };
      const parsed = parseToolArguments(tool, params.arguments);
      return parsed.success ? { valid: true } : { valid: false, message: parsed.message, issues: parsed.issues };
    },

    /** Validates the arguments and runs the handler with a stable idempotency key. */
    async runTool(params: RunToolParams): Promise<ToolResult> {
      const tool = byName.get(params.name);
      if (!tool) {
        return { isError: true, output: toolErrorOutput('unknown_tool', `No tool named "${params.name}" is registered on the worker.`) };
      }
      const parsed = parseToolArguments(tool, params.arguments);
      if (!parsed.success) {
        return { isError: true, output: toolErrorOutput('invalid_arguments', `${parsed.message} Call ${tool.name} again with corrected arguments.`, parsed.issues.length ? { issues: parsed.issues } : {}) };
      }

      const context = Context.current();
      const heartbeat = setInterval(() => context.heartbeat(), TOOL_HEARTBEAT_MS);
      try {
        const result = await tool.handler(parsed.data, {
          idempotencyKey: `${params.workflowId}/${params.toolCallId}`,
          toolCallId: params.toolCallId,
          workflowId: params.workflowId,
          signal: context.cancellationSignal,
        });
        const text = typeof result === 'string' ? result : (JSON.stringify(result ?? null) ?? 'null');
        return { isError: false, output: truncateText(text, params.maxOutputChars) };
      } catch (error) {
        if (error instanceof ApplicationFailure) throw error;
        const message = redactSecrets(error instanceof Error ? error.message : String(error), secrets);
        throw ApplicationFailure.create({ type: TOOL_HANDLER_FAILED, message: `${tool.name} failed: ${message}`, nonRetryable: !tool.idempotent });
      } finally {
        clearInterval(heartbeat);
      }
    },
  };
}
