/**
 * The human summary of a finished run: the answer first (what the person asked for), then the
 * tool calls and how each was decided, then status, usage and ids.
 */
import { conversationWord, turnWord } from '../shared/protocol-words';
import type { AgentRunResult, ToolCallDecision, ToolCallRecord } from '../shared/run-types';
import { formatUsage, indent, oneLine, style } from './text-format';

/** Lines describing a finished run. */
export function runReportLines(result: AgentRunResult): string[] {
  const lines: string[] = [''];
  if (result.messages.length) {
    lines.push(style.bold('Answer:'));
    for (const message of result.messages) lines.push(indent(message.text.trimEnd()));
  } else {
    lines.push(style.bold('Answer:'), style.dim('  (the run produced no assistant message)'));
  }
  if (result.toolCalls.length) {
    lines.push('', style.bold('Tool calls:'));
    for (const call of result.toolCalls) lines.push(`  ${toolCallLine(call)}`);
  }
  lines.push('', statusLine(result));
  const turns = result.runIds.length ? turnWord(result.runIds[0]!) : 'run';
  const conversation = result.threadId ? `${conversationWord(result.threadId)} ${result.threadId}` : 'no conversation (a chain of responses)';
  lines.push(style.dim(`${conversation} · ${turns}${result.runIds.length === 1 ? '' : 's'} ${result.runIds.join(', ') || '-'} · workflow ${result.workflowId}`));
  return lines;
}

/** `completed · 2 tool rounds · 245 tokens (...)`, with the provider's error when the run did not complete. */
export function statusLine(result: AgentRunResult): string {
  const status = result.status === 'completed' ? style.green(result.status) : style.red(result.status);
  const why = result.lastError ? `: ${result.lastError.code}: ${result.lastError.message}` : result.incompleteDetails ? `: ${result.incompleteDetails.reason}` : '';
  return `${style.bold('Status:')} ${status}${why} · ${result.rounds} tool round${result.rounds === 1 ? '' : 's'} · ${formatUsage(result.usage)}`;
}

/** `get_weather {"city":"Paris"} -> {...} (ran automatically)`. */
export function toolCallLine(call: ToolCallRecord): string {
  const output = call.output === undefined ? style.dim('(no output)') : oneLine(call.output, 120);
  const marker = call.isError ? style.red(' [error]') : '';
  return `${call.name} ${style.dim(oneLine(call.arguments, 100))} -> ${output}${marker} ${style.dim(`(${describeDecision(call.decision)}${call.reused ? ', reused' : ''})`)}`;
}

/** How a call was settled, in a few words. */
export function describeDecision(decision: ToolCallDecision | undefined): string {
  if (!decision) return 'not settled';
  switch (decision.type) {
    case 'automatic':
      return 'ran automatically';
    case 'approved':
      return `approved by ${decision.approver}${decision.editedArguments ? ' with edited arguments' : ''}`;
    case 'denied':
      return `denied by ${decision.approver}: ${decision.reason}`;
    case 'output_supplied':
      return `output from ${decision.approver}`;
    case 'timed_out':
      return 'no decision in time';
  }
}
