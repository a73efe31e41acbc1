/**
 * `agentrun status`: one run's live state, for a person or (with --json) for a script.
 */
import { parseArgs } from 'node:util';
import type { WorkflowExecutionDescription } from '@temporalio/client';
import type { AgentRunState } from '../shared/run-types';
import { CONNECTION_HELP, CommandError, ExitCode, connectClient, connectionOptionSpecs, parseCommandLine, printJson, printLine, readRunState, rethrowNotFound, type ConnectionFlags } from './command-support';
import { decisionCommandLines } from './run-progress';
import { clockTime, formatUsage, oneLine, style } from './text-format';

const HELP = `usage: agentrun status WORKFLOW_ID [--json] [--events N]

Shows an agent run's state: phase, thread and run ids, the provider's run status and expiry, the
tool calls that wait (with the commands that decide them), usage and the latest timeline entries.

  --json                print the state (AgentRunState) as one JSON object
  --events N            timeline entries to show (default 10)
${CONNECTION_HELP}
  -h, --help            this text

The state comes from a query, which a worker on the workflow's task queue answers (for a closed
workflow by replaying its history): without a worker, status gives up after 10 s and says so.

Exit codes: 0 shown; 1 no such workflow, Temporal unreachable, or no worker answered; 2 bad options.
`;

/** `agentrun status`. */
export async function statusCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine('status', () =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      options: { json: { type: 'boolean', default: false }, events: { type: 'string', default: '10' }, ...connectionOptionSpecs, help: { type: 'boolean', short: 'h', default: false } },
    }),
  );
  if (values.help) {
    process.stdout.write(HELP);
    return ExitCode.ok;
  }
  const [workflowId, ...extra] = positionals;
  if (!workflowId || extra.length) throw new CommandError('usage: agentrun status WORKFLOW_ID [--json] (see --help)', ExitCode.usage);
  const events = Number(values.events);
  if (!Number.isInteger(events) || events < 0) throw new CommandError(`--events must be a whole number, got "${values.events}"`, ExitCode.usage);

  const client = await connectClient(values);
  try {
    const description = await client.handle(workflowId).describe().catch((error: unknown) => rethrowNotFound(error, workflowId));
    const state = await readRunState(client, workflowId);
    if (values.json) printJson(state);
    else for (const line of statusLines(state, description, events, values)) printLine(line);
    return ExitCode.ok;
  } finally {
    await client.close();
  }
}

/** The human view of a run's state. */
export function statusLines(state: AgentRunState, description: WorkflowExecutionDescription, events: number, flags: ConnectionFlags = {}): string[] {
  const field = (name: string, value: string) => `${style.bold(name.padEnd(11))}${value}`;
  const closed = description.closeTime ? `, closed ${description.closeTime.toLocaleString()}` : '';
  const lines = [
    field('Workflow', `${state.workflowId} (${description.status.name}, started ${description.startTime.toLocaleString()}${closed}, task queue ${description.taskQueue})`),
    field('Phase', state.phase),
    field('Assistant', state.assistantId),
    field('Thread', state.threadId ?? '-'),
    field('Run', state.runId ? `${state.runId} (${state.providerStatus ?? 'status unknown'})${state.expiresAt ? `, expires at ${new Date(state.expiresAt).toLocaleString()}` : ''}` : '-'),
  ];
  if (state.runIds.length > 1) lines.push(field('Runs', state.runIds.join(', ')));
  const trouble = state.providerTrouble;
  if (trouble && description.status.name === 'RUNNING') {
    lines.push(field('Retrying', style.yellow(`${trouble.type}${trouble.status ? ` (${trouble.status})` : ''}: ${oneLine(trouble.message, 200)}`)));
    lines.push(field('', style.dim(`${trouble.activity}, attempt ${trouble.attempt} failed at ${new Date(trouble.at).toLocaleString()}; Temporal retries it with back-off`)));
  }
  lines.push(field('Rounds', String(state.rounds)), field('Usage', formatUsage(state.usage)));

  const waiting = state.pendingApprovals;
  const open = description.status.name === 'RUNNING';
  if (waiting.length && !open) {
    lines.push('', style.dim(`${waiting.length} tool call(s) still waited for a person when the workflow closed: ${waiting.map((call) => `${call.name} (${call.toolCallId})`).join(', ')}`));
  } else if (waiting.length) {
    lines.push('', style.bold(`Waiting for a person (${waiting.length}):`));
    for (const call of waiting) {
      lines.push(`  ${call.toolCallId}  ${call.name}  ${style.yellow(call.waitingFor === 'output' ? 'waits for an outside output' : 'waits for approval')}  ${style.dim(oneLine(call.arguments, 120))}`);
      for (const command of decisionCommandLines(state.workflowId, call, flags)) lines.push(`    ${command}`);
    }
  }
  const running = state.pendingToolCalls.filter((call) => call.waitingFor === 'execution');
  if (running.length && open) {
    lines.push('', style.bold('Running on the worker:'));
    for (const call of running) lines.push(`  ${call.toolCallId}  ${call.name}  ${style.dim(oneLine(call.arguments, 120))}`);
  }
  if (events > 0 && state.timeline.length) {
    const shown = state.timeline.slice(-events);
    lines.push('', style.bold(`Timeline (last ${shown.length} of ${state.timeline.length}):`));
    for (const entry of shown) lines.push(`  ${style.dim(clockTime(entry.at))}  ${entry.event}${entry.detail ? `: ${style.dim(oneLine(entry.detail))}` : ''}`);
  }
  return lines;
}
