/**
 * `agentrun webhooks --port N`: receives the Responses API's webhooks and wakes the workflows that
 * wait on them (`wait.mode: 'webhook'`). Register `http(s)://HOST:N/webhooks/openai` with the
 * provider for the `response.completed`, `.failed`, `.cancelled` and `.incomplete` events.
 */
import { parseArgs } from 'node:util';
import { createResponsesApi } from '../providers';
import { describeProviderConfig, protocolOf, readProviderConfig, ProviderConfigurationError } from '../providers/provider-config';
import { startWebhookServer } from '../webhooks';
import { CONNECTION_HELP, CommandError, ExitCode, portOption, connectClient, connectionOptionSpecs, listenForStop, parseCommandLine, printError, printLine } from './command-support';

const HELP = `usage: agentrun webhooks --port N [--host HOST]

Receives the Responses API's webhooks at POST /webhooks/openai and wakes the agent runs that wait
on them (run input wait.mode "webhook"), so a waiting run costs no polling. Every delivery is
verified (Standard Webhooks signature, 300 s tolerance) with OPENAI_WEBHOOK_SECRET; a bad or stale
signature gets 401, a repeated delivery or an event no run waits on gets 200 and changes nothing.
The response's metadata names its workflow: the provider is read with the worker's configuration
(AGENTRUN_PROVIDER and its variables, a Responses provider).

  --port N           port to listen on (default 8088)
  --host HOST        interface (default 127.0.0.1; put a TLS proxy in front for the internet)
${CONNECTION_HELP}
  -h, --help         this text

Environment: OPENAI_WEBHOOK_SECRET (whsec_...), AGENTRUN_PROVIDER (openai-responses,
azure-foundry-agents or emulator-responses) and its variables, TEMPORAL_ADDRESS.
`;

/** `agentrun webhooks`. */
export async function webhooksCommand(argv: string[]): Promise<number | undefined> {
  const { values } = parseCommandLine('webhooks', () =>
    parseArgs({ args: argv, options: { port: { type: 'string', default: '8088' }, host: { type: 'string', default: '127.0.0.1' }, ...connectionOptionSpecs, help: { type: 'boolean', short: 'h', default: false } } }),
  );
  if (values.help) {
    process.stdout.write(HELP);
    return ExitCode.ok;
  }
  const port = portOption(values.port);
  const webhookSecret = process.env.OPENAI_WEBHOOK_SECRET?.trim();
  if (!webhookSecret) throw new CommandError('OPENAI_WEBHOOK_SECRET is required: the signing secret (whsec_...) the provider shows for this endpoint.', ExitCode.usage);
  let config;
  try {
    config = readProviderConfig();
  } catch (error) {
    if (error instanceof ProviderConfigurationError) throw new CommandError(error.message, ExitCode.usage);
    throw error;
  }
  if (protocolOf(config.kind) !== 'responses') {
    throw new CommandError(`AGENTRUN_PROVIDER=${config.kind} speaks threads/runs, which has no webhooks: use openai-responses, azure-foundry-agents or emulator-responses.`, ExitCode.usage);
  }
  const responses = createResponsesApi(config);
  const agentrun = await connectClient(values);
  const server = await startWebhookServer({ temporal: agentrun.client, webhookSecret, responses, port, host: values.host, log: (line) => printError(line) });
  printLine(`agentrun webhooks: ${server.webhookUrl} (provider ${describeProviderConfig(config)})`);
  const stop = listenForStop();
  await stop.stopped;
  stop.dispose();
  await server.close();
  await agentrun.close();
  return ExitCode.ok;
}
