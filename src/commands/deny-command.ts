/**
 * `agentrun deny`: denies a tool call that waits for a person; the model reads the reason.
 */
import { parseArgs } from 'node:util';
import { CommandError, ExitCode, connectClient, connectionOptionSpecs, parseCommandLine } from './command-support';
import { DECISION_EXIT_HELP, DECISION_HELP, decisionOptionSpecs, requireApprover, resolveToolCallId, sendDecision, withSignature } from './decision-support';

const HELP = `usage: agentrun deny WORKFLOW_ID [TOOL_CALL_ID] --approver NAME --reason TEXT [options]

Denies a tool call the run waits on (an approval or an outside output). The tool does not run;
the model reads the reason as the call's output and carries on. Without TOOL_CALL_ID, the one
waiting call is denied (several waiting: they are listed, exit 2).

  --approver NAME       who denies (required; recorded in the run's history)
  --reason TEXT         why (required): the model reads it
${DECISION_HELP}

${DECISION_EXIT_HELP}

Example:
  agentrun deny WORKFLOW_ID call_abc --approver alice --reason "Rooms are frozen this week"
`;

/** `agentrun deny`. */
export async function denyCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine('deny', () =>
    parseArgs({ args: argv, allowPositionals: true, options: { ...decisionOptionSpecs, reason: { type: 'string' }, ...connectionOptionSpecs } }),
  );
  if (values.help) {
    process.stdout.write(HELP);
    return ExitCode.ok;
  }
  const [workflowId, givenToolCallId, ...extra] = positionals;
  if (!workflowId || extra.length) throw new CommandError('usage: agentrun deny WORKFLOW_ID [TOOL_CALL_ID] --approver NAME --reason TEXT (see --help)', ExitCode.usage);
  const approver = requireApprover(values, 'deny');
  const reason = values.reason?.trim();
  if (!reason) throw new CommandError('--reason is required: the model reads it as the call\'s output. See "agentrun deny --help".', ExitCode.usage);
  const client = await connectClient(values);
  try {
    const toolCallId = await resolveToolCallId(client, workflowId, givenToolCallId, 'deny', values);
    const payload = await withSignature(values, workflowId, 'deny', { toolCallId, approver, reason });
    return await sendDecision(client, workflowId, toolCallId, 'deny', values, (transport) => client.deny(workflowId, payload, transport));
  } finally {
    await client.close();
  }
}
