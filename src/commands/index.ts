/**
 * Command dispatch for the `agentrun` CLI. Arguments are parsed with Node's own `util.parseArgs`:
 * the CLI is small enough not to need a framework.
 *
 * Commands load lazily: `agentrun status` should not pay for loading the worker, the bundler or
 * the emulator.
 */
import { CommandError, ExitCode } from './command-support';

/** A command: gets its own arguments, resolves to an exit code (undefined: keep running / 0). */
export type Command = (argv: string[]) => Promise<number | undefined>;

const commands: Record<string, { load: () => Promise<Command>; summary: string }> = {
  run: { load: async () => (await import('./run-command')).runCommand, summary: 'start an agent run and follow it to the answer' },
  status: { load: async () => (await import('./status-command')).statusCommand, summary: "show a run's state: phase, ids, waiting calls, usage, timeline" },
  approve: { load: async () => (await import('./approve-command')).approveCommand, summary: 'approve a tool call that waits for a person' },
  deny: { load: async () => (await import('./deny-command')).denyCommand, summary: 'deny a tool call; the model reads the reason' },
  output: { load: async () => (await import('./output-command')).outputCommand, summary: 'supply the output of a tool call that waits for one from outside' },
  cancel: { load: async () => (await import('./cancel-command')).cancelCommand, summary: 'cancel a run (and its run at the provider)' },
  ingest: { load: async () => (await import('./ingest-command')).ingestCommand, summary: 'ingest files and folders into a vector store, following the progress' },
  list: { load: async () => (await import('./list-command')).listCommand, summary: 'list agent runs, or those waiting for a person' },
  worker: { load: async () => (await import('./worker-command')).workerCommand, summary: 'run a worker with your tools: agentrun worker --tools ./tools.js' },
  dev: { load: async () => (await import('./dev-command')).devCommand, summary: 'local Temporal (Web UI), emulator and worker; --demo runs an example' },
  'migrate-thread': { load: async () => (await import('./migrate-thread-command')).migrateThreadCommand, summary: 'copy a classic thread into a new conversation of the Responses API' },
  replay: { load: async () => (await import('./replay-command')).replayCommand, summary: 'replay the histories of running runs (or files) against this or a candidate version' },
  approvals: { load: async () => (await import('./approvals-command')).approvalsCommand, summary: 'serve the approvals inbox: people sign in (OpenID Connect) and decide the calls waiting for them' },
  'codec-server': { load: async () => (await import('./codec-server-command')).codecServerCommand, summary: 'serve the codec endpoints, so the Web UI and temporal CLI show encrypted runs' },
  webhooks: { load: async () => (await import('./webhooks-command')).webhooksCommand, summary: 'receive the Responses API webhooks and wake the runs waiting on them' },
  emulator: { load: async () => (await import('./emulator-command')).emulatorCommand, summary: 'serve the provider emulator: agentrun emulator --port N [--api-key KEY]' },
};

/** Usage text listing every command. */
export function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  return [
    'usage: agentrun <command> [options]',
    '',
    ...Object.entries(commands).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`),
    '',
    "agentrun <command> --help shows a command's options.",
    'Temporal is found through TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE or an envconfig profile (default localhost:7233).',
  ].join('\n');
}

/**
 * Runs the command named by argv[0] and resolves to the exit code. A {@link CommandError} is
 * printed as its message alone (it is meant for the person, not a bug report).
 */
export async function dispatchCommand(argv: string[]): Promise<number | undefined> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return ExitCode.ok;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`agentrun: unknown command "${name}".\n${usage()}\n`);
    return ExitCode.usage;
  }
  try {
    return await (await command.load())(rest);
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    process.stderr.write(`agentrun ${name}: ${error.message}\n`);
    return error.exitCode;
  }
}
