/**
 * `agentrun migrate-thread THREAD`: copies a classic thread's messages into a new conversation of
 * the Responses API and prints the conversation id, so a user's conversation continues on the
 * successor protocol (`agentrun run --conversation ID ...`).
 */
import { parseArgs } from 'node:util';
import { InvalidAgentRunInputError, migrationWorkflowId } from '../client';
import { CONNECTION_HELP, CommandError, ExitCode, TASK_QUEUE_HELP, connectClient, connectionOptionSpecs, describeWorkflowFailure, failureSentence, parseCommandLine, printError, printJson, printLine } from './command-support';

const HELP = `usage: agentrun migrate-thread THREAD_ID [--json]

Copies a classic thread's messages (oldest first; text only: messages with no text are listed as
skipped) into a new conversation of the Responses API, at most 20 items per request, as a durable
workflow (migrate-thread-THREAD_ID): a crash resumes after the last batch copied, and running the
command again follows the same migration, or prints its result once it has completed. The worker's
provider must reach both protocols (AGENTRUN_PROVIDER azure-foundry-agents, openai-responses,
emulator-responses, or their classic counterparts; azure-openai with an API key).

  --json                print the result as one JSON object
${TASK_QUEUE_HELP}
${CONNECTION_HELP}
  -h, --help            this text

Then: agentrun run --model M --conversation CONVERSATION_ID --message TEXT
`;

/** `agentrun migrate-thread`. */
export async function migrateThreadCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine('migrate-thread', () =>
    parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean', default: false }, 'task-queue': { type: 'string' }, ...connectionOptionSpecs, help: { type: 'boolean', short: 'h', default: false } } }),
  );
  if (values.help) {
    process.stdout.write(HELP);
    return ExitCode.ok;
  }
  const [threadId, ...extra] = positionals;
  if (!threadId || extra.length) throw new CommandError('usage: agentrun migrate-thread THREAD_ID [--json] (see --help)', ExitCode.usage);
  const client = await connectClient(values);
  try {
    const result = await client.migrateThread({ threadId });
    if (values.json) printJson(result);
    else {
      printLine(`Thread ${threadId} is now conversation ${result.conversationId} (${result.copied} message(s) copied${result.skipped.length ? `, ${result.skipped.length} without text skipped` : ''}).`);
      printLine(`  continue it: agentrun run --model MODEL --conversation ${result.conversationId} --message TEXT`);
    }
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof InvalidAgentRunInputError) throw new CommandError(error.message, ExitCode.usage);
    printError(`agentrun migrate-thread: ${failureSentence(migrationWorkflowId(threadId), describeWorkflowFailure(error))}`);
    return ExitCode.failed;
  } finally {
    await client.close();
  }
}
