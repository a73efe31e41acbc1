/**
 * `runEmulatorCli`: flags, the one-line banner, and a clean stop.
 */
import { join } from 'node:path';
import type { RunningEmulator } from '../../src/emulator';
import { parseCliArguments, runEmulatorCli } from '../../src/emulator/cli';
import { call } from '../support/emulator-http';

test('starts with the given flags, prints one line, serves, and stops when told to', async () => {
  const stop = new AbortController();
  const output: string[] = [];
  let started: RunningEmulator | undefined;
  const running = runEmulatorCli(['--port', '0', '--api-key', 'cli-key', '--run-expiry-seconds', '30', '--project', 'demo'], {
    write: (text) => output.push(text),
    stopSignal: stop.signal,
    onListening: (emulator) => {
      started = emulator;
    },
  });
  while (started === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
  const emulator = started;
  expect(output).toEqual([
    `agentrun emulator listening on ${emulator.url} (OpenAI: ${emulator.url}/v1, Azure OpenAI: ${emulator.url}/openai, ` +
      `Azure OpenAI v1: ${emulator.url}/openai/v1, Foundry: ${emulator.url}/api/projects/demo, ` +
      `Foundry OpenAI v1: ${emulator.url}/api/projects/demo/openai/v1, Foundry hub: ${emulator.url}/agents/v1.0/subscriptions/` +
      '00000000-0000-0000-0000-000000000000/resourceGroups/agentrun-rg/providers/Microsoft.MachineLearningServices/workspaces/demo)\n',
  ]);
  expect(emulator.apiKey).toBe('cli-key');
  const assistant = await call(emulator, 'POST', '/assistants', { body: { model: 'gpt-4o' } });
  const thread = await call(emulator, 'POST', '/threads', { body: {} });
  const run = await call(emulator, 'POST', `/threads/${thread.body.id}/runs`, { body: { assistant_id: assistant.body.id } });
  expect(run.body.expires_at - run.body.created_at).toBe(30);
  stop.abort();
  await running;
  await expect(fetch(`${emulator.url}/_emulator/health`)).rejects.toThrow();
});

test('parses TLS flags and rejects bad ones', () => {
  const tlsDirectory = join(__dirname, '..', 'fixtures', 'tls');
  const parsed = parseCliArguments([
    '--tls-cert',
    join(tlsDirectory, 'emulator-test-cert.pem'),
    '--tls-key',
    join(tlsDirectory, 'emulator-test-key.pem'),
    '--host',
    '127.0.0.1',
  ]);
  expect(parsed).not.toBe('help');
  expect(parsed !== 'help' && parsed.options.tls?.cert.toString()).toContain('BEGIN CERTIFICATE');
  expect(parseCliArguments(['--help'])).toBe('help');
  expect(() => parseCliArguments(['--port', 'abc'])).toThrow("--port expects an integer between 0 and 65535, got 'abc'.");
  expect(() => parseCliArguments(['--tls-cert', 'x'])).toThrow('--tls-cert and --tls-key go together.');
  expect(() => parseCliArguments(['--bogus'])).toThrow();
});

test('parses the file processing, vector store expiry and responses flags', () => {
  const parsed = parseCliArguments([
    '--file-processing-ms',
    '50',
    '--vector-store-day-seconds',
    '2',
    '--unstored-retention-seconds',
    '30',
    '--response-tool-expiry-seconds',
    '60',
  ]);
  expect(parsed !== 'help' && parsed.options).toMatchObject({
    fileProcessingMs: 50,
    vectorStoreDaySeconds: 2,
    unstoredRetentionSeconds: 30,
    responseToolExpirySeconds: 60,
  });
  expect(() => parseCliArguments(['--vector-store-day-seconds', '0'])).toThrow(
    "--vector-store-day-seconds expects an integer between 1 and 9007199254740991, got '0'.",
  );
});
