import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { startDevServer } from '../dev-server/dev-server';
import { startEmulator } from '../emulator';
import { DEFAULT_EMULATOR_API_KEY } from '../providers/provider-config';

const HELP = `usage: agentrun dev [options]

Starts a local Temporal dev server (Web UI on, state kept in a SQLite file so it survives a
restart) and the provider emulator, and keeps them running until Ctrl-C.

  --port N            Temporal gRPC port (default 7233)
  --ui-port N         Temporal Web UI port (default 8233)
  --db FILE           SQLite file (default .agentrun/temporal.sqlite)
  --emulator-port N   emulator port (default 4010)
  --no-emulator       do not start the emulator
`;

/** `agentrun dev`: a local Temporal server and emulator for development. */
export async function devCommand(argv: string[]): Promise<number | undefined> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '7233' },
      'ui-port': { type: 'string', default: '8233' },
      db: { type: 'string', default: path.join('.agentrun', 'temporal.sqlite') },
      'emulator-port': { type: 'string', default: '4010' },
      'no-emulator': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const server = await startDevServer({ port: portOption('--port', values.port), ui: true, uiPort: portOption('--ui-port', values['ui-port']), dbFilename: values.db });
  const emulator = values['no-emulator'] ? undefined : await startEmulator({ port: portOption('--emulator-port', values['emulator-port']), apiKey: DEFAULT_EMULATOR_API_KEY });
  process.stdout.write(
    [
      `Temporal:  ${server.address} (namespace ${server.namespace})`,
      `Web UI:    ${server.uiUrl}`,
      emulator ? `Emulator:  ${emulator.url} (OpenAI dialect ${emulator.openaiBaseUrl}, key ${DEFAULT_EMULATOR_API_KEY})` : 'Emulator:  off',
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await emulator?.close();
  await server.stop();
  return 0;
}

/** A port option as a number, or an error naming the option. */
export function portOption(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`${option} must be a port number (0-65535), got "${value}"`);
  return port;
}
