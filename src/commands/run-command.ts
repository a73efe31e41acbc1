/**
 * `agentrun run`: starts an agent run workflow and follows it to the end.
 */
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { InvalidAgentRunInputError, MissingSearchAttributesError, oversizeInputProblem, type AgentRunClient } from '../client';
import { agentLabel, agentOf, agentRunInputSchema, conversationOf, describeIssues, toolPolicySchema, type AgentRunInput } from '../shared/run-input';
import {
  CONNECTION_HELP,
  CommandError,
  ExitCode,
  TASK_QUEUE_HELP,
  connectClient,
  connectionOptionSpecs,
  failureSentence,
  listenForStop,
  noWorkerPolls,
  parseCommandLine,
  printError,
  printJson,
  printLine,
  suggestedCommand,
  taskQueueOf,
  type ConnectionFlags,
} from './command-support';
import { RunProgressPrinter, followRun } from './run-progress';
import { runReportLines } from './run-report';
import { shellQuote, style } from './text-format';

const HELP = `usage: agentrun run (--assistant ID | --agent NAME[@VERSION] | --model M [--instructions TEXT]) --message TEXT [options]

Starts an agent run (a durable Temporal workflow) and follows it: progress while it works, the
calls that wait for a person with the command that decides them, then the answer.

The agent, one of:
  --assistant ID              an assistant (threads/runs: Foundry classic agents, Azure OpenAI Assistants)
  --agent NAME[@VERSION]      a Foundry agent (agents v2, Responses API), its latest version by default
  --model M                   an inline agent (Responses API): this model, with --instructions; its tools
                              are the worker's tools (agentrun worker --tools ...)
Where it runs (default: a new conversation):
  --thread ID                 an existing thread (threads/runs)
  --conversation ID           an existing conversation (Responses API)
  --previous-response ID      continue after this response, without a conversation (Responses API)

  --message TEXT              a user message: the new conversation's first, or added to an existing one
  --json                      print only the result, as one JSON object, when the run ends
  --no-follow                 start and exit; prints the workflow id
  --stream                    the workflow waits on the provider's event stream instead of polling
  --webhook                   the workflow waits for the provider's webhook (Responses API; run
                              "agentrun webhooks"), with a safety poll every 5 minutes
  --poll-interval DUR         how often the workflow polls the provider (default 1s)
  --approval-timeout DUR      how long a call waits for a decision (default 24 hours)
  --on-approval-timeout WHAT  deny (default), cancel or fail
  --approver NAME             only this approver may decide (repeatable)
  --tool-policy NAME=POLICY   auto, approval or external for one tool (repeatable)
  --instructions TEXT         the inline agent's instructions (with --assistant: override the assistant's)
  --deadline DUR              cancel the run and fail when it takes longer
  --input FILE                workflow input fields as JSON (see AgentRunInput); flags win
  --workflow-id ID            workflow id (default: agent-run-<assistant>-<time>-<random>)
${TASK_QUEUE_HELP}
${CONNECTION_HELP}
  -h, --help                  this text

Durations: milliseconds or text such as 30s, 10 minutes, 2h.
Exit codes: 0 the run completed; 1 it failed, ended incomplete, expired or was cancelled, or the
workflow failed (type and message on stderr); 2 bad options or input; 130 stopped following
with Ctrl-C (the run continues).

Examples:
  agentrun run --model gpt-4o-mini --instructions "You book rooms." --message "Book Lovelace at 15:00"
  agentrun run --agent support-agent@3 --message "Where is order A-1001?" --json
  agentrun run --assistant asst_123 --message "What is the weather in Paris?"
  agentrun run --assistant asst_123 --thread thread_456 --message "And tomorrow?" --json
  agentrun run --assistant asst_123 --message "Book a room" --tool-policy book_meeting_room=approval --approval-timeout 1h
`;

/** `agentrun run`. */
export async function runCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandLine('run', () =>
    parseArgs({
      args: argv,
      options: {
        assistant: { type: 'string' },
        agent: { type: 'string' },
        message: { type: 'string' },
        thread: { type: 'string' },
        conversation: { type: 'string' },
        'previous-response': { type: 'string' },
        webhook: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        'no-follow': { type: 'boolean', default: false },
        stream: { type: 'boolean', default: false },
        'poll-interval': { type: 'string' },
        'approval-timeout': { type: 'string' },
        'on-approval-timeout': { type: 'string' },
        approver: { type: 'string', multiple: true },
        'tool-policy': { type: 'string', multiple: true },
        model: { type: 'string' },
        instructions: { type: 'string' },
        deadline: { type: 'string' },
        input: { type: 'string' },
        'workflow-id': { type: 'string' },
        'task-queue': { type: 'string' },
        ...connectionOptionSpecs,
        help: { type: 'boolean', short: 'h', default: false },
      },
    }),
  );
  if (values.help) {
    process.stdout.write(HELP);
    return ExitCode.ok;
  }
  const input = buildInput(values);
  // Checked before connecting: a bad flag is the caller's to fix, whatever the server's state.
  const checked = agentRunInputSchema().safeParse(input);
  if (!checked.success) throw new CommandError(`invalid run: ${describeIssues(checked.error)}. See "agentrun run --help".`, ExitCode.usage);
  const oversize = oversizeInputProblem(input);
  if (oversize) throw new CommandError(oversize, ExitCode.usage);
  const client = await connectClient(values);
  try {
    const workflowId = await startRun(client, input, values['workflow-id']);
    if (await noWorkerPolls(client)) {
      printError(`agentrun run: no worker polls task queue ${client.taskQueue} right now; the run starts when one does ("agentrun worker", or "agentrun dev").`);
    }
    if (values['no-follow']) {
      if (values.json) printJson({ workflowId });
      else {
        printLine(`Started agent run ${style.bold(workflowId)} (task queue ${taskQueueOf(values)}).`);
        printLine(`  status: ${suggestedCommand(['status', shellQuote(workflowId)], values)}`);
      }
      return ExitCode.ok;
    }
    return await follow(client, workflowId, input, values);
  } finally {
    await client.close();
  }
}

/** What the run command's flags parsed to. */
interface RunFlags extends ConnectionFlags {
  assistant?: string;
  agent?: string;
  message?: string;
  thread?: string;
  conversation?: string;
  'previous-response'?: string;
  json: boolean;
  stream: boolean;
  webhook?: boolean;
  'poll-interval'?: string;
  'approval-timeout'?: string;
  'on-approval-timeout'?: string;
  approver?: string[];
  'tool-policy'?: string[];
  model?: string;
  instructions?: string;
  deadline?: string;
  input?: string;
}

/**
 * The workflow input from `--input` and the flags. Only the shape the flags need is checked here;
 * the client validates the whole input with the workflow's own schema before starting.
 */
export function buildInput(flags: RunFlags): AgentRunInput {
  const input: Record<string, unknown> = flags.input ? readInputFile(flags.input) : {};
  const agentForms = [flags.assistant, flags.agent, flags.assistant ? undefined : flags.model].filter((form) => form !== undefined).length;
  if (agentForms > 1) throw new CommandError('give one agent: --assistant ID, --agent NAME[@VERSION] or --model M. See "agentrun run --help".', ExitCode.usage);
  if (flags.assistant) input.assistantId = flags.assistant;
  if (flags.agent) {
    const [name, version, ...rest] = flags.agent.split('@');
    if (!name || version === '' || rest.length) throw new CommandError(`--agent "${flags.agent}": write NAME or NAME@VERSION (e.g. --agent support-agent@3).`, ExitCode.usage);
    input.agent = { name, ...(version !== undefined ? { version } : {}) };
  }
  if (flags.model && !flags.assistant && !input.assistantId) {
    // An inline agent; an --input file's agent fields (instructions, tools) are kept.
    const fromFile = (input.agent ?? {}) as Record<string, unknown>;
    input.agent = { ...fromFile, model: flags.model, ...(flags.instructions !== undefined ? { instructions: flags.instructions } : {}) };
  }
  if (!input.assistantId && !input.agent) {
    throw new CommandError('the agent is required: --assistant ID, --agent NAME[@VERSION] or --model M. See "agentrun run --help".', ExitCode.usage);
  }
  const where = [flags.thread, flags.conversation, flags['previous-response']].filter((value) => value !== undefined).length;
  if (where > 1) throw new CommandError('give one of --thread, --conversation or --previous-response.', ExitCode.usage);
  if (flags.thread) input.threadId = flags.thread;
  if (flags.conversation) input.conversation = { conversationId: flags.conversation };
  if (flags['previous-response']) input.conversation = { previousResponseId: flags['previous-response'] };
  const existing = Boolean(input.threadId || input.conversation);
  if (flags.message !== undefined) {
    const message = { role: 'user', content: flags.message };
    if (existing) {
      // An existing thread: the message goes in with the run, in the same request.
      input.additionalMessages = [...asArray(input.additionalMessages), message];
    } else {
      const thread = (input.thread ?? {}) as Record<string, unknown>;
      input.thread = { ...thread, messages: [...asArray(thread.messages), message] };
    }
  } else if (!existing && !input.thread) {
    throw new CommandError('--message is required (or --thread / --conversation to run on an existing one as it is). See "agentrun run --help".', ExitCode.usage);
  }
  // With an assistant, --model and --instructions override its own.
  if (input.assistantId && flags.model) input.model = flags.model;
  if (input.assistantId && flags.instructions !== undefined) input.instructions = flags.instructions;
  if (flags.deadline) input.deadline = flags.deadline;
  if (flags.stream && flags.webhook) throw new CommandError('give --stream or --webhook, not both.', ExitCode.usage);
  if (flags.stream || flags.webhook || flags['poll-interval']) {
    const wait = (input.wait ?? {}) as Record<string, unknown>;
    const mode = flags.stream ? { mode: 'stream' } : flags.webhook ? { mode: 'webhook' } : {};
    input.wait = { ...wait, ...mode, ...(flags['poll-interval'] ? { pollInterval: flags['poll-interval'] } : {}) };
  }
  if (flags['approval-timeout'] || flags['on-approval-timeout'] || flags.approver?.length) {
    const approval = (input.approval ?? {}) as Record<string, unknown>;
    input.approval = {
      ...approval,
      ...(flags['approval-timeout'] ? { timeout: flags['approval-timeout'] } : {}),
      ...(flags['on-approval-timeout'] ? { onTimeout: flags['on-approval-timeout'] } : {}),
      ...(flags.approver?.length ? { approvers: flags.approver } : {}),
    };
  }
  if (flags['tool-policy']?.length) {
    input.toolPolicies = { ...((input.toolPolicies ?? {}) as Record<string, unknown>), ...parseToolPolicies(flags['tool-policy']) };
  }
  return input as AgentRunInput;
}

/** `name=policy` pairs, checked: the policy must be auto, approval or external. */
export function parseToolPolicies(pairs: string[]): Record<string, string> {
  const policies: Record<string, string> = {};
  for (const pair of pairs) {
    const separator = pair.indexOf('=');
    const name = pair.slice(0, separator).trim();
    const policy = pair.slice(separator + 1).trim();
    if (separator < 1 || !name || !toolPolicySchema().safeParse(policy).success) {
      throw new CommandError(`--tool-policy "${pair}": write NAME=POLICY with POLICY auto, approval or external (e.g. --tool-policy send_email=approval).`, ExitCode.usage);
    }
    policies[name] = policy;
  }
  return policies;
}

function readInputFile(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CommandError(`--input ${file}: ${(error as Error).message}`, ExitCode.usage);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new CommandError(`--input ${file}: must hold a JSON object (workflow input fields)`, ExitCode.usage);
  return parsed as Record<string, unknown>;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Starts the workflow; bad input and a taken workflow id become usage errors. */
async function startRun(client: AgentRunClient, input: AgentRunInput, workflowId: string | undefined): Promise<string> {
  try {
    return (await client.start(input, { workflowId })).workflowId;
  } catch (error) {
    if (error instanceof InvalidAgentRunInputError || error instanceof MissingSearchAttributesError) throw new CommandError(error.message, ExitCode.usage);
    if (error instanceof WorkflowExecutionAlreadyStartedError) throw new CommandError(`a workflow with id ${workflowId} is already running; pick another --workflow-id`, ExitCode.usage);
    throw error;
  }
}

/** Follows the run (quietly with --json), prints the outcome, and returns the exit code. */
async function follow(client: AgentRunClient, workflowId: string, input: AgentRunInput, flags: RunFlags): Promise<number> {
  const interrupt = listenForStop();
  try {
    if (!flags.json) {
      const parsed = agentRunInputSchema().parse(input);
      const conversation = conversationOf(parsed);
      const where = conversation.kind === 'existing' ? `on ${conversation.id}` : conversation.kind === 'chain' ? `after ${conversation.previousResponseId}` : 'on a new conversation';
      printLine(`Started agent run ${style.bold(workflowId)}`);
      printLine(style.dim(`  agent ${agentLabel(agentOf(parsed))} ${where}, task queue ${taskQueueOf(flags)}; Ctrl-C stops following (the run continues)`));
    }
    const outcome = await followRun(client, workflowId, { printer: flags.json ? undefined : new RunProgressPrinter(workflowId, flags), signal: interrupt.signal });
    switch (outcome.kind) {
      case 'stopped':
        printError(`Stopped following ${workflowId}; the run continues.`);
        printError(`  status: ${suggestedCommand(['status', shellQuote(workflowId)], flags)}`);
        printError(`  cancel: ${suggestedCommand(['cancel', shellQuote(workflowId)], flags)}`);
        return ExitCode.interrupted;
      case 'failure':
        printError(`agentrun run: ${failureSentence(workflowId, outcome.failure)}`);
        return ExitCode.failed;
      case 'result':
        if (flags.json) printJson(outcome.result);
        else for (const line of runReportLines(outcome.result)) printLine(line);
        return outcome.result.status === 'completed' ? ExitCode.ok : ExitCode.failed;
    }
  } finally {
    interrupt.dispose();
  }
}
