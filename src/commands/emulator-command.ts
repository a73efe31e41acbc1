import { runEmulatorCli } from '../emulator/cli';

/** `agentrun emulator --port N [--api-key KEY] ...`: serves the emulator until interrupted. */
export async function emulatorCommand(argv: string[]): Promise<number | undefined> {
  await runEmulatorCli(argv);
  return undefined;
}
