/**
 * Command dispatch for the `agentrun` CLI. Arguments are parsed with Node's own `util.parseArgs`:
 * the CLI is small enough not to need a framework.
 */
import { devCommand } from './dev-command';
import { emulatorCommand } from './emulator-command';

/** A command: gets its own arguments, resolves to an exit code (undefined: keep running / 0). */
export type Command = (argv: string[]) => Promise<number | undefined>;

const commands: Record<string, { run: Command; summary: string }> = {
  dev: { run: devCommand, summary: 'start a Temporal dev server (Web UI, SQLite) and the emulator' },
  emulator: { run: emulatorCommand, summary: 'serve the provider emulator: agentrun emulator --port N [--api-key KEY]' },
};

/** Usage text listing every command. */
export function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  return ['usage: agentrun <command> [options]', '', ...Object.entries(commands).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`), '', 'agentrun <command> --help shows a command\'s options.'].join('\n');
}

/** Runs the command named by argv[0]. */
export async function runCommand(argv: string[]): Promise<number | undefined> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`agentrun: unknown command "${name}".\n${usage()}\n`);
    return 2;
  }
  return command.run(rest);
}
