/**
 * Starts one real Temporal dev server for the whole suite (provisioning the CLI on a fresh machine)
 * and hands its address to the test files through the environment.
 */
import { startDevServer, type RunningDevServer } from '../src/dev-server/dev-server';

declare global {
  var agentrunDevServer: RunningDevServer | undefined;
}

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const server = await startDevServer({ log: (line) => process.stderr.write(`\n${line}`) });
  globalThis.agentrunDevServer = server;
  process.env.AGENTRUN_TEST_TEMPORAL_ADDRESS = server.address;
  process.env.AGENTRUN_TEST_TEMPORAL_NAMESPACE = server.namespace;
  process.stderr.write(`\nagentrun test setup: Temporal dev server ready in ${Date.now() - started} ms\n`);
}
