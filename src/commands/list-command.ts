/**
 * `agentrun list`: agent runs from Temporal's visibility store, newest first.
 */
import { parseArgs } from 'node:util';
import type { AgentRunListing } from '../client';
import { CONNECTION_HELP, CommandError, ExitCode, connectClient, connectionOptionSpecs, parseCommandLine, printJson, printLine } from './command-support';
import { formatTable } from './text-format';

const HELP = `usage: agentrun list [--awaiting-approval] [--json] [--limit N] [--query QUERY]

Lists agent runs (newest first) from Temporal's visibility store, using the search attributes
agentrun keeps current on every run.

  --awaiting-approval   only running workflows with calls waiting for a person
  --query QUERY         a visibility query instead, e.g. "AgentRunAssistantId = 'asst_123'"
  --limit N             at most N runs (default 20)
  --json                print the runs as one JSON array
${CONNECTION_HELP}
  -h, --help            this text

Visibility is eventually consistent: a change can take a moment to show.
Exit codes: 0 listed (also when none match); 1 Temporal unreachable or a bad query; 2 bad options.
`;

/** `agentrun list`. */
export async function listCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandLine('list', () =>
    parseArgs({
      args: argv,
      options: {
        'awaiting-approval': { type: 'boolean', default: false },
        query: { type: 'string' },
        limit: { type: 'string', default: '20' },
        json: { type: 'boolean', default: false },
        ...connectionOptionSpecs,
        help: { type: 'boolean', short: 'h', default: false },
      },
    }),
  );
  if (values.help) {
    process.stdout.write(HELP);
    return ExitCode.ok;
  }
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new CommandError(`--limit must be a whole number above 0, got "${values.limit}"`, ExitCode.usage);
  if (values['awaiting-approval'] && values.query) throw new CommandError('give --awaiting-approval or --query, not both', ExitCode.usage);

  const client = await connectClient(values);
  try {
    const listings = await (values['awaiting-approval'] ? client.listAwaitingApproval(limit) : client.list(values.query, limit)).catch((error: unknown) => {
      // The service's reason (e.g. an unknown search attribute in --query) is in the cause.
      const reason = (error as { cause?: Error }).cause?.message ?? (error as Error).message;
      throw new CommandError(`listing failed: ${reason}`);
    });
    if (values.json) printJson(listings);
    else if (!listings.length) printLine(values['awaiting-approval'] ? 'No agent run waits for a person.' : 'No agent runs match.');
    else printLine(listingTable(listings));
    return ExitCode.ok;
  } finally {
    await client.close();
  }
}

/** The table `agentrun list` prints. */
export function listingTable(listings: AgentRunListing[]): string {
  return formatTable(
    ['WORKFLOW ID', 'STATUS', 'PHASE', 'APPROVALS', 'ASSISTANT', 'THREAD', 'STARTED'],
    listings.map((listing) => [
      listing.workflowId,
      listing.status,
      listing.phase ?? '-',
      String(listing.pendingApprovals),
      listing.assistantId ?? '-',
      listing.threadId ?? '-',
      listing.startTime.toLocaleString(),
    ]),
  );
}
