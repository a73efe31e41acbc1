/**
 * `agentrun cancel`: cancels an agent run workflow, which cancels its run at the provider.
 */
import { parseArgs } from 'node:util';
import type { AgentRunClient } from '../client';
import { CONNECTION_HELP, CommandError, ExitCode, connectClient, connectionOptionSpecs, describeWorkflowFailure, parseCommandLine, printJson, printLine, rethrowNotFound } from './command-support';

const HELP = `usage: agentrun cancel WORKFLOW_ID [--wait] [--json]

Requests cancellation of an agent run. The workflow cancels the run at the provider, waits until
the provider has stopped it, and closes as cancelled.

  --wait                wait until the workflow has closed and print how it ended
  --json                print {workflowId, status} as one JSON object (status: the workflow's
                        execution status with --wait, else CANCEL_REQUESTED)
${CONNECTION_HELP}
  -h, --help            this text

Exit codes: 0 cancellation requested (with --wait: the workflow closed cancelled), or it had
already closed; 1 with --wait it closed some other way (e.g. completed first), no such
workflow, or Temporal unreachable; 2 bad options.
`;

/** `agentrun cancel`. */
export async function cancelCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine('cancel', () =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      options: { wait: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, ...connectionOptionSpecs, help: { type: 'boolean', short: 'h', default: false } },
    }),
  );
  if (values.help) {
    process.stdout.write(HELP);
    return ExitCode.ok;
  }
  const [workflowId, ...extra] = positionals;
  if (!workflowId || extra.length) throw new CommandError('usage: agentrun cancel WORKFLOW_ID [--wait] (see --help)', ExitCode.usage);

  const client = await connectClient(values);
  try {
    const before = await client.handle(workflowId).describe().catch((error: unknown) => rethrowNotFound(error, workflowId));
    if (before.status.name !== 'RUNNING') {
      if (values.json) printJson({ workflowId, status: before.status.name, alreadyClosed: true });
      else printLine(`${workflowId} has already closed (${before.status.name}); nothing to cancel.`);
      return ExitCode.ok;
    }
    await client.cancel(workflowId);
    if (!values.wait) {
      if (values.json) printJson({ workflowId, status: 'CANCEL_REQUESTED' });
      else printLine(`Cancellation requested for ${workflowId}: the workflow cancels the run at the provider, then closes (--wait waits for it).`);
      return ExitCode.ok;
    }
    return await waitForClose(client, workflowId, values.json);
  } finally {
    await client.close();
  }
}

/** Waits for the workflow to close after the cancellation request and reports how it ended. */
async function waitForClose(client: AgentRunClient, workflowId: string, json: boolean): Promise<number> {
  if (!json) printLine(`Cancellation requested for ${workflowId}; waiting for the provider run to stop...`);
  const ending = await client.result(workflowId).then(
    (result) => `it finished first, with status ${(result as { status?: string }).status ?? 'completed'}`,
    (error: unknown) => {
      const failure = describeWorkflowFailure(error);
      return failure.type === 'Cancelled' ? 'cancelled' : `${failure.type}: ${failure.message}`;
    },
  );
  const status = (await client.handle(workflowId).describe()).status.name;
  if (json) printJson({ workflowId, status });
  else if (status === 'CANCELLED') printLine(`${workflowId} is cancelled: its run was cancelled at the provider and the workflow closed.`);
  else printLine(`${workflowId} closed ${status}: ${ending}.`);
  return status === 'CANCELLED' ? ExitCode.ok : ExitCode.failed;
}
