/**
 * `agentrun codec-server --port N --origin URL`: serves Temporal's codec endpoints with the keys of
 * AGENTRUN_ENCRYPTION_KEYS, so the Web UI and the `temporal` CLI show encrypted runs decrypted.
 */
import { parseArgs } from 'node:util';
import { startCodecServer } from '../encryption/codec-server';
import { AesGcmPayloadCodec, ENCRYPTION_KEYS_VARIABLE, EncryptionKeysError, encryptionKeysFromEnvironment } from '../encryption/encryption-codec';
import { CommandError, ExitCode, listenForStop, portOption, parseCommandLine, printError, printLine } from './command-support';

/** The environment variable holding the bearer token requests must carry (kept out of argv, which others can read). */
export const CODEC_SERVER_TOKEN_VARIABLE = 'AGENTRUN_CODEC_SERVER_TOKEN';

const HELP = `usage: agentrun codec-server [--port N] [--host HOST] --origin URL [--origin URL ...]

Serves Temporal's codec endpoints (POST /encode, POST /decode) with the keys of
${ENCRYPTION_KEYS_VARIABLE}, so the Temporal Web UI and the temporal CLI show encrypted runs to
those allowed. In the Web UI, set the codec endpoint to this server's URL (Settings, or the UI
server's codec.endpoint); with the CLI, pass --codec-endpoint URL.

  --port N        port to listen on (default 8888)
  --host HOST     interface (default 127.0.0.1; put a TLS proxy in front for others)
  --origin URL    a Web UI origin allowed to call from a browser (repeatable), e.g. http://localhost:8233;
                  browser requests from any other origin are refused
  -h, --help      this text

Environment: ${ENCRYPTION_KEYS_VARIABLE} (required: id:base64 keys, the current one first) and
${CODEC_SERVER_TOKEN_VARIABLE} (optional: requests must then carry "Authorization: Bearer TOKEN",
as the temporal CLI does with --codec-auth "Bearer TOKEN"; the Web UI sends only its user's own
access token, so serve the Web UI without a token, behind your proxy's login).
`;

/** `agentrun codec-server`. */
export async function codecServerCommand(argv: string[]): Promise<number | undefined> {
  const { values } = parseCommandLine('codec-server', () =>
    parseArgs({ args: argv, options: { port: { type: 'string', default: '8888' }, host: { type: 'string', default: '127.0.0.1' }, origin: { type: 'string', multiple: true, default: [] }, help: { type: 'boolean', short: 'h', default: false } } }),
  );
  if (values.help) {
    process.stdout.write(HELP);
    return ExitCode.ok;
  }
  const port = portOption(values.port);
  for (const origin of values.origin) {
    if (!/^https?:\/\/[^/]+\/?$/.test(origin)) throw new CommandError(`--origin ${origin}: give the Web UI's origin, scheme and host (and port), e.g. http://localhost:8233.`, ExitCode.usage);
  }
  let keys;
  try {
    keys = encryptionKeysFromEnvironment();
  } catch (error) {
    if (error instanceof EncryptionKeysError) throw new CommandError(error.message, ExitCode.usage);
    throw error;
  }
  if (!keys) throw new CommandError(`${ENCRYPTION_KEYS_VARIABLE} is required: the keys the worker encrypts with (id:base64, the current one first).`, ExitCode.usage);
  const token = process.env[CODEC_SERVER_TOKEN_VARIABLE]?.trim() || undefined;
  const server = await startCodecServer({ codec: new AesGcmPayloadCodec(keys), port, host: values.host, allowedOrigins: values.origin, ...(token ? { token } : {}), log: (line) => printError(line) });
  printLine(`agentrun codec-server: ${server.url} (keys ${keys.map((key) => key.id).join(', ')}; origins ${values.origin.join(', ') || 'none: browsers refused'}; ${token ? 'bearer token required' : 'no token required'})`);
  const stop = listenForStop();
  await stop.stopped;
  stop.dispose();
  await server.close();
  return ExitCode.ok;
}
