#!/usr/bin/env node
/**
 * The `agentrun` command line. Each command lives in src/commands/; this file only dispatches.
 */
import { dispatchCommand } from './commands';
import { installTracing, shutdownTracing, TracingConfigurationError } from './telemetry/tracing';

async function main(): Promise<number | undefined> {
  try {
    // Before any client or worker exists: their spans need the tracer provider (OTEL_* variables).
    installTracing({ serviceName: process.argv[2] === 'worker' ? 'agentrun-worker' : 'agentrun' });
  } catch (error) {
    if (!(error instanceof TracingConfigurationError)) throw error;
    process.stderr.write(`agentrun: ${error.message}\n`);
    return 2;
  }
  try {
    return await dispatchCommand(process.argv.slice(2));
  } finally {
    // Spans still buffered go out before the process ends.
    await shutdownTracing();
  }
}

main().then(
  (exitCode) => {
    if (exitCode !== undefined) process.exitCode = exitCode;
  },
  (error: unknown) => {
    process.stderr.write(`agentrun: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
