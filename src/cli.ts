#!/usr/bin/env node
/**
 * The `agentrun` command line. Each command lives in src/commands/; this file only dispatches.
 */
import { dispatchCommand } from './commands';

dispatchCommand(process.argv.slice(2)).then(
  (exitCode) => {
    if (exitCode !== undefined) process.exitCode = exitCode;
  },
  (error: unknown) => {
    process.stderr.write(`agentrun: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
