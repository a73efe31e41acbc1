/**
 * What every CLI command shares: exit codes, usage errors, the Temporal connection options, and
 * turning a workflow's failure into one line a person can act on.
 */
import { ApplicationFailure as TemporalApplicationFailure, CancelledFailure, TerminatedFailure, TimeoutFailure, WorkflowFailedError, WorkflowNotFoundError, type ApplicationFailure, type Client } from '@temporalio/client';
import { AgentRunClient } from '../client';
import { DEFAULT_TASK_QUEUE } from '../shared/run-messages';
import type { AgentRunState } from '../shared/run-types';
import { temporalSettings } from '../temporal-connection';
import { cliInvocation, shellQuote } from './text-format';
import { EncryptionKeysError } from '../encryption/encryption-codec';

/** Exit codes every command uses. */
export const ExitCode = {
  /** Done; for `run`, the run completed. */
  ok: 0,
  /** The run ended other than completed, the workflow failed, or something could not be reached. */
  failed: 1,
  /** The command line was wrong, or the workflow rejected a decision: fix the input and retry. */
  usage: 2,
  /** Stopped by Ctrl-C (128 + SIGINT). */
  interrupted: 130,
} as const;

/** An error reported as its message (no stack) and an exit code. */
export class CommandError extends Error {
  override name = 'CommandError';
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.failed,
  ) {
    super(message);
  }
}

/**
 * Runs `parseArgs` and turns its errors (unknown option, missing value, stray argument) into a
 * usage error that points at the command's help.
 */
export function parseCommandLine<Parsed>(command: string, parse: () => Parsed): Parsed {
  try {
    return parse();
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (!code.startsWith('ERR_PARSE_ARGS')) throw error;
    throw new CommandError(`${(error as Error).message.replace(/\.$/, '')}. See "agentrun ${command} --help".`, ExitCode.usage);
  }
}

/** Options naming the Temporal server, for `parseArgs`. */
export const connectionOptionSpecs = {
  address: { type: 'string' },
  namespace: { type: 'string' },
} as const;

/** Help lines of {@link connectionOptionSpecs}. */
export const CONNECTION_HELP = `  --address HOST:PORT   Temporal frontend (default: TEMPORAL_ADDRESS, an envconfig profile, or localhost:7233)
  --namespace NAME      Temporal namespace (default: TEMPORAL_NAMESPACE or default)`;

/** Help line of `--task-queue`. */
export const TASK_QUEUE_HELP = `  --task-queue QUEUE    task queue of agentrun's workers (default: AGENTRUN_TASK_QUEUE or ${DEFAULT_TASK_QUEUE})`;

/** What the connection options parsed to. */
export interface ConnectionFlags {
  address?: string;
  namespace?: string;
  'task-queue'?: string;
}

/** The task queue: `--task-queue`, else `AGENTRUN_TASK_QUEUE`, else agentrun's default. */
export function taskQueueOf(flags: ConnectionFlags): string {
  return flags['task-queue'] ?? (process.env.AGENTRUN_TASK_QUEUE?.trim() || DEFAULT_TASK_QUEUE);
}

/** Connects the typed client; an unreachable server becomes a message that says where it looked and what to do. */
export async function connectClient(flags: ConnectionFlags): Promise<AgentRunClient> {
  return connectOrExplain(flags, (options) => AgentRunClient.connect(options));
}

/**
 * Connects a client (agent runs or ingestion) with the flags; an unreachable server becomes a
 * message that says where it looked and what to do.
 */
export async function connectOrExplain<T>(flags: ConnectionFlags, connect: (options: { address?: string; namespace?: string; taskQueue: string }) => Promise<T>): Promise<T> {
  const settings = temporalSettings({ address: flags.address, namespace: flags.namespace });
  try {
    return await connect({ address: flags.address, namespace: flags.namespace, taskQueue: taskQueueOf(flags) });
  } catch (error) {
    if (error instanceof EncryptionKeysError) throw new CommandError(error.message, ExitCode.usage);
    throw new CommandError(
      `cannot reach Temporal at ${settings.connectionOptions.address} (${(error as Error).message}). ` +
        'Start a local server with "agentrun dev", or point TEMPORAL_ADDRESS (or --address) at yours.',
    );
  }
}

/** How long a state query may wait for a worker to answer it. */
const STATE_QUERY_TIMEOUT_MS = 10_000;

/**
 * The run's state (`AgentRunClient.status`), bounded in time: a query is answered by a worker on
 * the workflow's task queue (a closed workflow's by replaying it), so without a worker it would
 * wait indefinitely. A missing workflow is reported as such.
 */
export async function readRunState(client: AgentRunClient, workflowId: string): Promise<AgentRunState> {
  try {
    return await client.client.connection.withDeadline(Date.now() + STATE_QUERY_TIMEOUT_MS, () => client.status(workflowId));
  } catch (error) {
    rethrowIfNotFound(error, workflowId);
    throw new CommandError(
      `cannot read the state of ${workflowId}: ${(error as Error).message}. Queries are answered by a worker on the workflow's task queue: ` +
        'is one running ("agentrun worker")?',
    );
  }
}

/**
 * True when no worker polls the task queue's workflow tasks right now. A run started there waits
 * silently until one does, which looks like a hang: the caller says so. False when unsure.
 */
export async function noWorkerPolls(client: { client: Client; taskQueue: string }): Promise<boolean> {
  try {
    const { pollers } = await client.client.workflowService.describeTaskQueue({
      namespace: client.client.options.namespace,
      taskQueue: { name: client.taskQueue },
      taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
    });
    return !pollers?.length;
  } catch {
    return false;
  }
}

/**
 * The connection flags to repeat in a suggested command, so it reaches the same server when the
 * person did not use the environment.
 */
export function connectionArguments(flags: ConnectionFlags): string {
  return [flags.address ? ` --address ${shellQuote(flags.address)}` : '', flags.namespace ? ` --namespace ${shellQuote(flags.namespace)}` : ''].join('');
}

/** A suggested command line: the CLI invocation, the arguments, and the connection flags. */
export function suggestedCommand(words: string[], flags: ConnectionFlags = {}): string {
  return `${cliInvocation()} ${words.join(' ')}${connectionArguments(flags)}`;
}

/** Why a workflow did not return a result: the failure type (or how it closed) and the message. */
export interface WorkflowFailureDescription {
  type: string;
  message: string;
}

/**
 * Describes the error `handle.result()` threw by its root cause: the innermost failure with a type
 * (the provider's "ProviderNotFound: No assistant found ...", not "ActivityFailure: Activity task
 * failed" or "ChildWorkflowFailure: ..."). Other errors are returned with their name as the type.
 */
export function describeWorkflowFailure(error: unknown): WorkflowFailureDescription {
  if (error instanceof WorkflowFailedError) {
    const cause = error.cause;
    if (cause instanceof CancelledFailure) return { type: 'Cancelled', message: 'the workflow was cancelled' };
    if (cause instanceof TerminatedFailure) return { type: 'Terminated', message: cause.message || 'the workflow was terminated' };
    if (cause instanceof TimeoutFailure) return { type: 'TimedOut', message: `the workflow timed out (${cause.timeoutType})` };
    return rootCause(cause) ?? { type: cause?.name ?? 'WorkflowFailed', message: cause?.message ?? error.message };
  }
  if (error instanceof WorkflowNotFoundError) return { type: 'WorkflowNotFound', message: error.message };
  return { type: error instanceof Error ? error.name : 'Error', message: error instanceof Error ? error.message : String(error) };
}

/**
 * The innermost typed failure of a chain. An outer failure that only wraps (activity, child
 * workflow) says less than its cause; a workflow's own typed failure may add context to its cause,
 * so the outermost typed failure wins when it already names the cause's message.
 */
export function rootCause(failure: unknown): WorkflowFailureDescription | undefined {
  const chain: Error[] = [];
  for (let current: unknown = failure; current instanceof Error && chain.length < 20; current = (current as { cause?: unknown }).cause) chain.push(current);
  const typed = chain.filter((entry): entry is ApplicationFailure => entry instanceof TemporalApplicationFailure && Boolean(entry.type));
  const innermost = typed[typed.length - 1];
  if (!innermost) {
    const timeout = chain.find((entry): entry is TimeoutFailure => entry instanceof TimeoutFailure);
    return timeout ? { type: 'TimedOut', message: `${timeout.message} (${timeout.timeoutType})` } : undefined;
  }
  const outermost = typed[0]!;
  return outermost.message.includes(innermost.message) ? { type: outermost.type!, message: outermost.message } : { type: innermost.type!, message: innermost.message };
}

/** One sentence for a workflow that returned no result: `workflow X failed: DeadlineExceeded: ...`. */
export function failureSentence(workflowId: string, failure: WorkflowFailureDescription): string {
  if (failure.type === 'Cancelled') return `workflow ${workflowId} was cancelled (Cancelled)`;
  if (failure.type === 'Terminated') return `workflow ${workflowId} was terminated (Terminated: ${failure.message})`;
  return `workflow ${workflowId} failed: ${failure.type}: ${failure.message}`;
}

/** Turns "workflow not found" into a command error that names the id and how to find ids; other errors pass. */
export function rethrowIfNotFound(error: unknown, workflowId: string): void {
  if (error instanceof WorkflowNotFoundError || (error as { code?: number }).code === 5) {
    throw new CommandError(`no workflow ${workflowId} in this namespace ("agentrun list" shows the agent runs).`);
  }
}

/** {@link rethrowIfNotFound}, then rethrows anything else as it is. */
export function rethrowNotFound(error: unknown, workflowId: string): never {
  rethrowIfNotFound(error, workflowId);
  throw error;
}

/** The first SIGINT or SIGTERM, as a promise and as an abort signal. */
export interface StopListener {
  /** Resolves with the signal's name. */
  stopped: Promise<NodeJS.Signals>;
  /** Aborted when the signal arrives. */
  signal: AbortSignal;
  /** Removes the listeners (a later signal then has Node's default effect). */
  dispose(): void;
}

/**
 * Listens for the first SIGINT or SIGTERM. While listening, Ctrl-C does not kill the process: the
 * command decides what stopping means (stop following, shut a worker down gracefully, ...).
 */
export function listenForStop(): StopListener {
  const controller = new AbortController();
  let onSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = (signal) => {
      controller.abort();
      resolve(signal);
    };
  });
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    stopped,
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** Writes one line to stdout. */
export function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** Writes one line to stderr. */
export function printError(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** Prints a value as the one JSON document on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A port option (0 picks a free one); anything else is a usage error naming the flag. */
export function portOption(raw: string, flag = '--port'): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new CommandError(`${flag} ${raw}: give a port number from 0 to 65535.`, ExitCode.usage);
  return port;
}
