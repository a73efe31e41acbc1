/**
 * `agentrun approve`: approves a tool call that waits for a person, optionally with edited arguments.
 */
import { parseArgs } from 'node:util';
import { CommandError, ExitCode, connectClient, connectionOptionSpecs, parseCommandLine } from './command-support';
import { DECISION_EXIT_HELP, DECISION_HELP, decisionOptionSpecs, requireApprover, resolveToolCallId, sendDecision, withSignature } from './decision-support';

const HELP = `usage: agentrun approve WORKFLOW_ID [TOOL_CALL_ID] --approver NAME [options]

Approves a tool call the run waits on; the worker then runs the tool. Without TOOL_CALL_ID, the
one call waiting for approval is approved (several waiting: they are listed, exit 2).

  --approver NAME       who approves (required; recorded in the run's history)
  --reason TEXT         why (recorded)
  --arguments JSON      run the tool with these arguments instead of the model's (a JSON object)
${DECISION_HELP}

${DECISION_EXIT_HELP}

Examples:
  agentrun approve agent-run-asst_123-20250101-120000-ab12 --approver alice
  agentrun approve WORKFLOW_ID call_abc --approver alice --arguments '{"room":"Hopper","start":"16:00"}'
`;

/** `agentrun approve`. */
export async function approveCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine('approve', () =>
    parseArgs({ args: argv, allowPositionals: true, options: { ...decisionOptionSpecs, reason: { type: 'string' }, arguments: { type: 'string' }, ...connectionOptionSpecs } }),
  );
  if (values.help) {
    process.stdout.write(HELP);
    return ExitCode.ok;
  }
  const [workflowId, givenToolCallId, ...extra] = positionals;
  if (!workflowId || extra.length) throw new CommandError('usage: agentrun approve WORKFLOW_ID [TOOL_CALL_ID] --approver NAME (see --help)', ExitCode.usage);
  const approver = requireApprover(values, 'approve');
  const editedArguments = values.arguments === undefined ? undefined : checkArguments(values.arguments);
  const client = await connectClient(values);
  try {
    const toolCallId = await resolveToolCallId(client, workflowId, givenToolCallId, 'approve', values);
    const payload = await withSignature(values, workflowId, 'approve', { toolCallId, approver, ...(values.reason ? { reason: values.reason } : {}), ...(editedArguments ? { arguments: editedArguments } : {}) });
    return await sendDecision(client, workflowId, toolCallId, 'approve', values, (transport) => client.approve(workflowId, payload, transport));
  } finally {
    await client.close();
  }
}

/**
 * Edited arguments must be a JSON object. Checked here too (the workflow checks again) because a
 * signal cannot report the mistake back.
 */
function checkArguments(text: string): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CommandError(`--arguments is not valid JSON (${(error as Error).message})`, ExitCode.usage);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CommandError('--arguments must be a JSON object, e.g. \'{"city":"Paris"}\'', ExitCode.usage);
  return text;
}
