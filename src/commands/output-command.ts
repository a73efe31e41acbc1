/**
 * `agentrun output`: supplies the output of a tool call that waits for one from outside (policy
 * `external`, or an unknown tool with `unknownTools: external`).
 */
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { CommandError, ExitCode, connectClient, connectionOptionSpecs, parseCommandLine } from './command-support';
import { DECISION_EXIT_HELP, DECISION_HELP, decisionOptionSpecs, requireApprover, resolveToolCallId, sendDecision, withSignature } from './decision-support';

const HELP = `usage: agentrun output WORKFLOW_ID [TOOL_CALL_ID] --approver NAME --output TEXT [options]

Supplies the output of a tool call that waits for one from outside (tools with policy external).
The model reads it as the tool's result. Without TOOL_CALL_ID, the one call waiting for an output
is answered (several waiting: they are listed, exit 2).

  --approver NAME       who supplies it (required; recorded in the run's history)
  --output TEXT         the output the model reads (or --output-file)
  --output-file FILE    read the output from a file ("-": standard input)
${DECISION_HELP}

${DECISION_EXIT_HELP}

Example:
  agentrun output WORKFLOW_ID call_abc --approver crm-sync --output '{"name":"Ada Lovelace"}'
`;

/** `agentrun output`. */
export async function outputCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine('output', () =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ...decisionOptionSpecs, output: { type: 'string' }, 'output-file': { type: 'string' }, ...connectionOptionSpecs },
    }),
  );
  if (values.help) {
    process.stdout.write(HELP);
    return ExitCode.ok;
  }
  const [workflowId, givenToolCallId, ...extra] = positionals;
  if (!workflowId || extra.length) throw new CommandError('usage: agentrun output WORKFLOW_ID [TOOL_CALL_ID] --approver NAME --output TEXT (see --help)', ExitCode.usage);
  const approver = requireApprover(values, 'output');
  if ((values.output === undefined) === (values['output-file'] === undefined)) {
    throw new CommandError('give the output with --output TEXT or --output-file FILE (one of them). See "agentrun output --help".', ExitCode.usage);
  }
  const output = values.output ?? fs.readFileSync(values['output-file'] === '-' ? 0 : values['output-file']!, 'utf8');
  const client = await connectClient(values);
  try {
    const toolCallId = await resolveToolCallId(client, workflowId, givenToolCallId, 'output', values);
    const payload = await withSignature(values, workflowId, 'output', { toolCallId, approver, output });
    return await sendDecision(client, workflowId, toolCallId, 'output', values, (transport) => client.submitOutput(workflowId, payload, transport));
  } finally {
    await client.close();
  }
}
